"""Authenticating inbound webhooks before anything is parsed or queued.

Twilio signs each request in `X-Twilio-Signature`: an HMAC over the URL Twilio called plus
the form fields, or, for JSON bodies, over the URL whose `bodySHA256` query parameter
hashes the body. The secret is the account's auth token (HMAC-SHA1), unless a Webhook Rule
matched the URL: then Twilio signs with that rule's Webhook SharedKey and the algorithm its
setting names, and says so in `X-Twilio-Webhooks-Signature-Settings`
(`key=<shared key id>,algorithm=HMAC_SHA256`). Verification uses the official SDK's
`RequestValidator`, never a hand-rolled HMAC. Genesys notifications forwarded to us carry
a shared API key. Two keys of either kind may be active at once, so keys can be rolled
without downtime. A rejection says why, with the HTTP status the endpoint should answer,
and names the setting to fix; it never carries a secret.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr
from twilio.request_validator import (
    HMAC_SHA1,
    HMAC_SHA256,
    RequestValidator,
    get_signature_algorithm,
)

TWILIO_SIGNATURE = "x-twilio-signature"
TWILIO_SIGNATURE_SETTINGS = "x-twilio-webhooks-signature-settings"
AUTH_TOKEN_SETTING = "TWILIO_AUTH_TOKEN"
SHARED_KEYS_SETTING = "TWILIO_WEBHOOK_SHARED_KEYS"
_ALGORITHMS = frozenset({HMAC_SHA1, HMAC_SHA256})
# Event Streams sinks send a JSON array of CloudEvents; `application/json` is what
# practitioners see, and the CloudEvents batch / structured types are accepted as well.
JSON_CONTENT_TYPES = frozenset(
    {"application/json", "application/cloudevents-batch+json", "application/cloudevents+json"}
)
FORM_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", ""})


class WebhookRejectedError(ValueError):
    """The request is not authentic or not acceptable; nothing may be queued for it."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _FormFields:
    """Repeated form keys, in the shape RequestValidator reads (`getall`)."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._fields = fields

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def getall(self, name: str) -> list[str]:
        return self._fields[name]


@dataclass(frozen=True)
class VerifiedTwilioRequest:
    form: dict[str, list[str]]  # empty for JSON bodies
    json_body: str | None  # the raw JSON text for JSON bodies


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = {key.lower(): value for key, value in headers.items()}
    return lowered.get(name)


@dataclass(frozen=True)
class _Signer:
    """The secret(s) a request says it was signed with, and the algorithm."""

    secrets: tuple[str, ...]
    algorithm: str
    setting: str  # the setting holding those secrets, for the reason of a rejection


def _signer(
    headers: Mapping[str, str], auth_token: SecretStr | None, shared_keys: Sequence[SecretStr]
) -> _Signer:
    settings_header = (_header(headers, TWILIO_SIGNATURE_SETTINGS) or "").strip()
    algorithm = get_signature_algorithm(settings_header).upper()
    if not settings_header:
        if auth_token is None or not auth_token.get_secret_value():
            raise WebhookRejectedError(
                503, f"{AUTH_TOKEN_SETTING} is not set: cannot verify Twilio requests"
            )
        return _Signer((auth_token.get_secret_value(),), algorithm, AUTH_TOKEN_SETTING)
    keys = tuple(k.get_secret_value() for k in shared_keys if k.get_secret_value())
    if not keys:
        raise WebhookRejectedError(
            403,
            "X-Twilio-Webhooks-Signature-Settings says this request is signed with a Webhook "
            f"SharedKey, and {SHARED_KEYS_SETTING} is not set",
        )
    if algorithm not in _ALGORITHMS:
        raise WebhookRejectedError(
            403,
            f"X-Twilio-Webhooks-Signature-Settings names signature algorithm {algorithm!r}; "
            f"supported: {', '.join(sorted(_ALGORITHMS))}",
        )
    return _Signer(keys, algorithm, SHARED_KEYS_SETTING)


def verify_twilio_request(
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    auth_token: SecretStr | None,
    shared_keys: Sequence[SecretStr] = (),
) -> VerifiedTwilioRequest:
    """Check `X-Twilio-Signature` for the public `url` Twilio called; raise on failure.

    Signed with the auth token unless `X-Twilio-Webhooks-Signature-Settings` is present:
    then with one of `shared_keys` (any of them, so two can be active while rolling)."""
    signer = _signer(headers, auth_token, shared_keys)
    signature = _header(headers, TWILIO_SIGNATURE)
    if not signature:
        raise WebhookRejectedError(401, "missing X-Twilio-Signature header")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WebhookRejectedError(400, "body is not UTF-8") from error
    content_type = (_header(headers, "content-type") or "").split(";")[0].strip().lower()
    checked_with = f"checked with {signer.setting}, {signer.algorithm}"
    if content_type in JSON_CONTENT_TYPES:
        if "bodySHA256" not in parse_qs(urlsplit(url).query):
            raise WebhookRejectedError(400, "JSON webhook without a bodySHA256 query parameter")
        if not _valid(signer, url, text, signature):
            raise WebhookRejectedError(
                403, f"X-Twilio-Signature or bodySHA256 does not match ({checked_with})"
            )
        return VerifiedTwilioRequest(form={}, json_body=text)
    if content_type in FORM_CONTENT_TYPES:
        fields = parse_qs(text, keep_blank_values=True)
        if not _valid(signer, url, _FormFields(fields), signature):
            raise WebhookRejectedError(
                403, f"X-Twilio-Signature does not match this URL and body ({checked_with})"
            )
        return VerifiedTwilioRequest(form=fields, json_body=None)
    raise WebhookRejectedError(415, f"unsupported content type {content_type!r}")


def _valid(signer: _Signer, url: str, params: str | _FormFields, signature: str) -> bool:
    # Every secret is tried, always, so timing does not tell which one nearly matched.
    results = [
        RequestValidator(secret).validate(url, params, signature, signer.algorithm)
        for secret in signer.secrets
    ]
    return any(results)


def verify_api_key(
    headers: Mapping[str, str], header_name: str, active_keys: Sequence[SecretStr]
) -> None:
    """Accept any of the active keys (two during a rotation), compared in constant time."""
    presented = _header(headers, header_name.lower())
    if not presented:
        raise WebhookRejectedError(401, f"missing {header_name} header")
    keys = [key.get_secret_value() for key in active_keys if key.get_secret_value()]
    if not keys:
        raise WebhookRejectedError(503, "no API key is configured for this endpoint")
    # Compare against every key, always, so timing does not tell which one nearly matched.
    matches = [hmac.compare_digest(presented.encode(), key.encode()) for key in keys]
    if not any(matches):
        raise WebhookRejectedError(403, f"{header_name} is not a valid key")
