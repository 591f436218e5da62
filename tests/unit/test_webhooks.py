"""Webhook authentication: only requests Twilio (or the Genesys forwarder) really sent pass."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from shared.events.webhooks import WebhookRejectedError, verify_api_key, verify_twilio_request

TOKEN = SecretStr("twilio-auth-token-0123456789abcdef")
SHARED_KEY = SecretStr("webhooks-shared-key-secret-0123456789")
URL = "https://byoc.example.com/api/twilio/events"
FORM = {"AccountSid": "AC1", "PhoneNumber": "+12025550100", "EventType": ["a", "b"]}
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def signed_form(
    url: str = URL, token: SecretStr = TOKEN, algorithm: str | None = None
) -> dict[str, str]:
    # What Twilio computes: the SDK's signer, fed the fields as Twilio sends them.
    class Fields(dict):  # type: ignore[type-arg]
        def getall(self, name: str) -> list[str]:
            value = self[name]
            return value if isinstance(value, list) else [value]

    signature = RequestValidator(token.get_secret_value()).compute_signature(
        url, Fields(FORM), algorithm
    )
    headers = {**FORM_HEADERS, "X-Twilio-Signature": signature}
    if algorithm:
        headers["X-Twilio-Webhooks-Signature-Settings"] = f"key=k1,algorithm={algorithm}"
    return headers


BODY = urlencode(FORM, doseq=True).encode()


@pytest.mark.parametrize("algorithm", [None, "HMAC_SHA256"])
def test_a_genuine_form_webhook_passes_and_keeps_repeated_fields(algorithm: str | None) -> None:
    # With signature settings (HMAC_SHA256) Twilio signs with a Webhook SharedKey, not the
    # auth token: tests/unit/test_twilio_signatures.py has the details.
    secret = SHARED_KEY if algorithm else TOKEN
    headers = signed_form(token=secret, algorithm=algorithm)
    verified = verify_twilio_request(URL, headers, BODY, TOKEN, [SHARED_KEY])
    assert verified.form["PhoneNumber"] == ["+12025550100"]
    assert verified.form["EventType"] == ["a", "b"]


@pytest.mark.parametrize(
    ("url", "headers", "body", "token", "status", "reason"),
    [
        (URL, FORM_HEADERS, BODY, TOKEN, 401, "missing X-Twilio-Signature"),
        (URL, signed_form(), BODY.replace(b"0100", b"0199"), TOKEN, 403, "does not match"),
        (URL + "?x=1", signed_form(), BODY, TOKEN, 403, "does not match"),
        (URL, signed_form(), BODY, SecretStr("another-account-token"), 403, "does not match"),
        (
            URL,
            {**signed_form(), "Content-Type": "text/xml"},
            BODY,
            TOKEN,
            415,
            "unsupported content type",
        ),
        (URL, signed_form(), b"\xff\xfe", TOKEN, 400, "not UTF-8"),
    ],
)
def test_forged_or_malformed_twilio_requests_are_rejected_with_a_reason(
    url: str, headers: dict[str, str], body: bytes, token: SecretStr, status: int, reason: str
) -> None:
    with pytest.raises(WebhookRejectedError, match=reason) as rejected:
        verify_twilio_request(url, headers, body, token)
    assert rejected.value.status == status


def json_request(body: str, tamper: bool = False) -> tuple[str, dict[str, str], bytes]:
    url = f"{URL}?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    signature = RequestValidator(TOKEN.get_secret_value()).compute_signature(url, {})
    sent = body + (" " if tamper else "")
    return url, {"Content-Type": "application/json", "X-Twilio-Signature": signature}, sent.encode()


def test_a_genuine_json_webhook_passes_through_its_body_hash() -> None:
    url, headers, body = json_request('[{"type": "com.twilio.phone-number.updated"}]')
    assert verify_twilio_request(url, headers, body, TOKEN).json_body == body.decode()


def test_a_json_body_changed_after_signing_is_rejected() -> None:
    url, headers, body = json_request('{"a": 1}', tamper=True)
    with pytest.raises(WebhookRejectedError, match="bodySHA256 does not match"):
        verify_twilio_request(url, headers, body, TOKEN)


def test_a_json_webhook_without_a_body_hash_is_rejected() -> None:
    with pytest.raises(WebhookRejectedError, match="without a bodySHA256") as rejected:
        verify_twilio_request(
            URL, {"Content-Type": "application/json", "X-Twilio-Signature": "x"}, b"{}", TOKEN
        )
    assert rejected.value.status == 400


KEYS = [SecretStr("old-key-aaaaaaaaaaaa"), SecretStr("new-key-bbbbbbbbbbbb")]


@pytest.mark.parametrize("key", ["old-key-aaaaaaaaaaaa", "new-key-bbbbbbbbbbbb"])
def test_either_active_api_key_passes_during_a_rotation(key: str) -> None:
    verify_api_key({"X-API-Key": key}, "X-API-Key", KEYS)


@pytest.mark.parametrize(
    ("headers", "keys", "status"),
    [
        ({}, KEYS, 401),
        ({"x-api-key": "old-key-aaaaaaaaaaab"}, KEYS, 403),
        ({"x-api-key": "anything"}, [SecretStr("")], 503),
    ],
)
def test_missing_wrong_or_unconfigured_api_keys_are_rejected(
    headers: dict[str, str], keys: list[SecretStr], status: int
) -> None:
    with pytest.raises(WebhookRejectedError) as rejected:
        verify_api_key(headers, "X-API-Key", keys)
    assert rejected.value.status == status
