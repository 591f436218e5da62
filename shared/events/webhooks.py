"""Authenticating inbound webhooks before anything is parsed or queued.

Twilio signs each request with the account's auth token (`X-Twilio-Signature`: an HMAC
over the URL Twilio called plus the form fields, or, for JSON bodies, over the URL whose
`bodySHA256` query parameter hashes the body). Verification uses the official SDK's
`RequestValidator`, never a hand-rolled HMAC. Genesys notifications forwarded to us carry
a shared API key; two keys may be active at once so keys can be rolled without downtime.
A rejection says why, with the HTTP status the endpoint should answer.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr
from twilio.request_validator import RequestValidator, get_signature_algorithm

TWILIO_SIGNATURE = "x-twilio-signature"
TWILIO_SIGNATURE_SETTINGS = "x-twilio-webhooks-signature-settings"


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


def verify_twilio_request(
    url: str, headers: Mapping[str, str], body: bytes, auth_token: SecretStr
) -> VerifiedTwilioRequest:
    """Check `X-Twilio-Signature` for the public `url` Twilio called; raise on failure."""
    signature = _header(headers, TWILIO_SIGNATURE)
    if not signature:
        raise WebhookRejectedError(401, "missing X-Twilio-Signature header")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WebhookRejectedError(400, "body is not UTF-8") from error
    algorithm = get_signature_algorithm(_header(headers, TWILIO_SIGNATURE_SETTINGS))
    validator = RequestValidator(auth_token.get_secret_value())
    content_type = (_header(headers, "content-type") or "").split(";")[0].strip().lower()
    if content_type == "application/json":
        if "bodySHA256" not in parse_qs(urlsplit(url).query):
            raise WebhookRejectedError(400, "JSON webhook without a bodySHA256 query parameter")
        if not validator.validate(url, text, signature, algorithm):
            raise WebhookRejectedError(403, "X-Twilio-Signature or bodySHA256 does not match")
        return VerifiedTwilioRequest(form={}, json_body=text)
    if content_type in ("application/x-www-form-urlencoded", ""):
        fields = parse_qs(text, keep_blank_values=True)
        if not validator.validate(url, _FormFields(fields), signature, algorithm):
            raise WebhookRejectedError(403, "X-Twilio-Signature does not match this URL and body")
        return VerifiedTwilioRequest(form=fields, json_body=None)
    raise WebhookRejectedError(415, f"unsupported content type {content_type!r}")


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
