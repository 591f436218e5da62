"""Which secret a Twilio request is checked with, and which bodies it may carry.

Twilio signs with the account's auth token (HMAC-SHA1), unless a Webhook Rule matched the
URL: then with the rule's Webhook SharedKey and the algorithm the rule's setting names,
announced in `X-Twilio-Webhooks-Signature-Settings`
(https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys). The signatures here are
computed with the Twilio SDK's own signer, as Twilio computes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import azure.functions as func
import pytest
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from shared.events.webhooks import WebhookRejectedError, verify_twilio_request
from shared.settings import Settings
from tests.unit.test_function_app import function_named

TOKEN = SecretStr("twilio-auth-token-0123456789abcdef")
SHARED = SecretStr("webhooks-shared-key-secret-0123456789")
NEXT = SecretStr("webhooks-shared-key-secret-next-98765")
URL = "https://byoc.example.com/api/twilio/events"
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
DEBUGGER_FORM = {"Sid": "NO1", "Level": "Warning", "Payload": '{"error_code": "32011"}'}
EVENTS = '[{"specversion": "1.0", "type": "com.twilio.error-logs.error.logged", "id": "NO1"}]'


class _Fields(dict[str, Any]):
    def getall(self, name: str) -> list[str]:
        value = self[name]
        return value if isinstance(value, list) else [value]


def signed_form(
    secret: SecretStr, algorithm: str | None = None, settings: str | None = None
) -> tuple[str, dict[str, str], bytes]:
    signature = RequestValidator(secret.get_secret_value()).compute_signature(
        URL, _Fields(DEBUGGER_FORM), algorithm
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    if settings is not None:
        headers[SETTINGS_HEADER] = settings
    return URL, headers, urlencode(DEBUGGER_FORM).encode()


def signed_json(
    secret: SecretStr,
    content_type: str = "application/json",
    algorithm: str | None = None,
    settings: str | None = None,
) -> tuple[str, dict[str, str], bytes]:
    url = f"{URL}?bodySHA256={hashlib.sha256(EVENTS.encode()).hexdigest()}"
    signature = RequestValidator(secret.get_secret_value()).compute_signature(url, {}, algorithm)
    headers = {"Content-Type": content_type, "X-Twilio-Signature": signature}
    if settings is not None:
        headers[SETTINGS_HEADER] = settings
    return url, headers, EVENTS.encode()


SHA256 = "key=webhooks_sharedkey_01,algorithm=HMAC_SHA256"


def rejected(
    request: tuple[str, Mapping[str, str], bytes],
    token: SecretStr | None = TOKEN,
    shared: list[SecretStr] | None = None,
) -> WebhookRejectedError:
    with pytest.raises(WebhookRejectedError) as caught:
        verify_twilio_request(*request, token, shared or [])
    return caught.value


# ------------------------------------------------------------------ the auth token
@pytest.mark.parametrize("body", ["form", "json"])
def test_without_signature_settings_the_auth_token_signs(body: str) -> None:
    request = signed_form(TOKEN) if body == "form" else signed_json(TOKEN)
    verified = verify_twilio_request(*request, TOKEN, [SHARED])
    assert verified.form.get("Sid") == ["NO1"] or verified.json_body == EVENTS


def test_a_request_signed_with_the_shared_key_but_not_saying_so_is_refused() -> None:
    problem = rejected(signed_form(SHARED), shared=[SHARED])
    assert problem.status == 403 and "checked with TWILIO_AUTH_TOKEN" in problem.reason


def test_without_an_auth_token_a_request_signed_with_it_cannot_be_checked() -> None:
    problem = rejected(signed_form(TOKEN), token=None, shared=[SHARED])
    assert problem.status == 503 and "TWILIO_AUTH_TOKEN is not set" in problem.reason


# ------------------------------------------------------------------ the Webhook SharedKey
@pytest.mark.parametrize("body", ["form", "json"])
@pytest.mark.parametrize(
    ("algorithm", "settings"),
    [
        ("HMAC_SHA256", SHA256),
        ("HMAC_SHA1", "key=webhooks_sharedkey_01,algorithm=HMAC_SHA1"),
        (None, "key=webhooks_sharedkey_01"),  # no algorithm named: the SDK's default, SHA-1
    ],
)
def test_with_signature_settings_the_shared_key_signs(
    body: str, algorithm: str | None, settings: str
) -> None:
    request = (
        signed_form(SHARED, algorithm, settings)
        if body == "form"
        else signed_json(SHARED, algorithm=algorithm, settings=settings)
    )
    # The auth token is not needed, nor used, for a request signed with the shared key.
    verified = verify_twilio_request(*request, None, [SHARED])
    assert verified.form or verified.json_body


@pytest.mark.parametrize("key", [SHARED, NEXT])
def test_either_shared_key_passes_while_one_is_rolled(key: SecretStr) -> None:
    verify_twilio_request(*signed_form(key, "HMAC_SHA256", SHA256), TOKEN, [NEXT, SHARED])


def test_signature_settings_without_a_shared_key_configured_is_403_naming_the_setting() -> None:
    # Even a request the auth token would verify: Twilio says it used a shared key.
    for request in (signed_form(SHARED, "HMAC_SHA256", SHA256), signed_form(TOKEN, None, SHA256)):
        problem = rejected(request, shared=[])
        assert problem.status == 403
        assert "TWILIO_WEBHOOK_SHARED_KEYS is not set" in problem.reason
        assert "X-Twilio-Webhooks-Signature-Settings" in problem.reason


def test_a_request_signed_with_the_auth_token_but_claiming_a_shared_key_is_refused() -> None:
    problem = rejected(signed_form(TOKEN, "HMAC_SHA256", SHA256), shared=[SHARED])
    assert problem.status == 403
    assert "checked with TWILIO_WEBHOOK_SHARED_KEYS, HMAC_SHA256" in problem.reason


def test_a_json_body_changed_after_shared_key_signing_is_refused() -> None:
    url, headers, body = signed_json(SHARED, algorithm="HMAC_SHA256", settings=SHA256)
    problem = rejected((url, headers, body.replace(b"NO1", b"NO2")), shared=[SHARED])
    assert problem.status == 403 and "bodySHA256 does not match" in problem.reason


def test_an_algorithm_the_sdk_does_not_know_is_refused_by_name() -> None:
    request = signed_form(SHARED, "HMAC_SHA256", "key=k,algorithm=HMAC_SHA512")
    problem = rejected(request, shared=[SHARED])
    assert problem.status == 403 and "'HMAC_SHA512'" in problem.reason


def test_no_rejection_carries_a_secret() -> None:
    cases = [
        rejected(signed_form(SHARED), shared=[SHARED]),
        rejected(signed_form(TOKEN, "HMAC_SHA256", SHA256), shared=[SHARED]),
        rejected(signed_form(SHARED, None, SHA256), shared=[]),
        rejected(signed_form(TOKEN), token=None),
    ]
    secrets = [s.get_secret_value() for s in (TOKEN, SHARED, NEXT)]
    for problem in cases:
        assert not any(secret in problem.reason for secret in secrets), problem.reason


# ------------------------------------------------------------------ content types
@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/cloudevents-batch+json",
        "application/cloudevents+json; charset=UTF-8",
    ],
)
def test_event_streams_bodies_are_read_under_each_json_content_type(content_type: str) -> None:
    verified = verify_twilio_request(*signed_json(TOKEN, content_type), TOKEN)
    assert verified.json_body == EVENTS


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/jsonx"])
def test_other_content_types_are_415(content_type: str) -> None:
    problem = rejected(signed_json(TOKEN, content_type))
    assert problem.status == 415 and content_type in problem.reason


def test_a_cloudevents_body_needs_its_body_hash_like_any_json_body() -> None:
    _, headers, body = signed_json(TOKEN, "application/cloudevents-batch+json")
    problem = rejected((URL, headers, body))
    assert problem.status == 400 and "bodySHA256" in problem.reason


# ------------------------------------------------------------------ the setting
def test_the_shared_keys_setting_is_a_secret_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_WEBHOOK_SHARED_KEYS", f" {NEXT.get_secret_value()} ,old-key,")
    settings = Settings()
    assert [k.get_secret_value() for k in settings.twilio_webhook_shared_key_list()] == [
        NEXT.get_secret_value(),
        "old-key",
    ]
    assert NEXT.get_secret_value() not in repr(settings) + settings.model_dump_json()
    monkeypatch.delenv("TWILIO_WEBHOOK_SHARED_KEYS")
    assert Settings().twilio_webhook_shared_key_list() == []


# ------------------------------------------------------------------ through the function
def call_twilio_events(url: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
    request = func.HttpRequest(method="POST", url=url, body=body, headers=headers)
    response = function_named("twilio_events")(request)
    return response.status_code, json.loads(response.get_body())


def test_the_function_answers_403_naming_the_setting_when_no_shared_key_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN.get_secret_value())
    status, body = call_twilio_events(*signed_form(SHARED, "HMAC_SHA256", SHA256))
    assert status == 403
    assert "TWILIO_WEBHOOK_SHARED_KEYS is not set" in body["error"]


def test_the_function_acknowledges_a_shared_key_signed_call_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Signed with the shared key and nothing to act on: 200, nothing queued or recorded
    (no queue and no table are configured here, and none is needed)."""
    monkeypatch.setenv(
        "TWILIO_WEBHOOK_SHARED_KEYS", f"{NEXT.get_secret_value()},{SHARED.get_secret_value()}"
    )
    form = {"CallSid": "CA" + "1" * 32, "To": "+12025550100", "Called": "+12025550100"}
    signature = RequestValidator(SHARED.get_secret_value()).compute_signature(
        URL, _Fields(form), "HMAC_SHA256"
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        SETTINGS_HEADER: SHA256,
    }
    status, body = call_twilio_events(URL, headers, urlencode(form).encode())
    assert status == 200, body
    assert body["queued"] == [] and "a voice webhook" in body["ignored"][0]


def test_an_unresolved_key_vault_reference_is_no_shared_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """App Service passes a reference it could not resolve (no secret written) through as
    its own text; signing with that text must not pass."""
    reference = "@Microsoft.KeyVault(SecretUri=https://kv-byoc.vault.azure.net/secrets/x)"
    monkeypatch.setenv("TWILIO_WEBHOOK_SHARED_KEYS", reference)
    assert Settings().twilio_webhook_shared_key_list() == []
    forged = signed_form(SecretStr(reference), "HMAC_SHA256", SHA256)
    problem = rejected(forged, shared=Settings().twilio_webhook_shared_key_list())
    assert problem.status == 403 and "TWILIO_WEBHOOK_SHARED_KEYS is not set" in problem.reason
