"""Twilio edges the adapter and webhook verification rely on, with canned answers (no HTTP):
RFC 9457 errors, unset number fields sent as "" or null, signed URLs with or without the
default port."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from pydantic import SecretStr
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from shared.adapters.classify import classify
from shared.adapters.retry import RetryPolicy
from shared.adapters.twilio import TwilioAdapter
from shared.events.webhooks import WebhookRejectedError, verify_twilio_request
from shared.ports import RetriesExhausted, TerminalVendorError

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "fedcba9876543210" * 2
NUMBER = "PN" + "1" * 32
TRUNK = "TK" + "2" * 32
NUMBER_PATH = f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers/{NUMBER}.json"


class CannedHttpClient(HttpClient):  # type: ignore[misc]  # twilio ships no types
    """Answers each request with the next canned (status, body), repeating the last one,
    and records (method, path) of every request."""

    def __init__(self, *answers: tuple[int, dict[str, Any]]) -> None:
        super().__init__(logging.getLogger(__name__), is_async=False)
        self.answers = list(answers)
        self.sent: list[tuple[str, str]] = []

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        self.sent.append((method.upper(), urlsplit(uri).path))
        status, body = self.answers[min(len(self.sent), len(self.answers)) - 1]
        return TwilioResponse(status, json.dumps(body))


def canned(*answers: tuple[int, dict[str, Any]]) -> tuple[Client, CannedHttpClient]:
    http = CannedHttpClient(*answers)
    return Client(ACCOUNT, TOKEN, http_client=http), http


def adapter(client: Client, sleeps: list[float]) -> TwilioAdapter:
    return TwilioAdapter(client, RetryPolicy(max_attempts=3, sleep=sleeps.append))


def problem(status: int, code: int, title: str) -> dict[str, Any]:
    """An RFC 9457 problem document, as Twilio's newer services answer errors."""
    return {
        "type": f"https://www.twilio.com/docs/errors/{code}",
        "title": title,
        "status": status,
        "code": code,
        "detail": f"{title} (detail)",
        "instance": NUMBER_PATH,
    }


def number_record(**fields: Any) -> dict[str, Any]:
    return {
        "account_sid": ACCOUNT,
        "sid": NUMBER,
        "phone_number": "+12025550100",
        "friendly_name": "(202) 555-0100",
        "trunk_sid": None,
        "voice_application_sid": None,
        **fields,
    }


# ------------------------------------------------------------------ RFC 9457 errors
def test_an_rfc_9457_error_raises_twilio_service_exception_classified_by_status() -> None:
    client, _ = canned((404, problem(404, 20404, "Not Found")))
    with pytest.raises(TwilioServiceException) as raised:
        client.api.v2010.accounts(ACCOUNT).incoming_phone_numbers(NUMBER).fetch()
    assert not isinstance(raised.value, TwilioRestException)
    assert (raised.value.status, raised.value.code) == (404, 20404)
    failure = classify(raised.value)
    assert failure is not None
    assert (failure.retryable, failure.status, failure.code) == (False, 404, "20404")
    assert failure.message == "Not Found (detail)"

    client, _ = canned((503, problem(503, 20503, "Service Unavailable")))
    with pytest.raises(TwilioServiceException) as unavailable:
        client.api.v2010.accounts(ACCOUNT).incoming_phone_numbers(NUMBER).fetch()
    failure = classify(unavailable.value)
    assert failure is not None and (failure.retryable, failure.status) == (True, 503)


def test_the_adapter_gives_up_on_an_rfc_9457_4xx_and_retries_a_5xx() -> None:
    sleeps: list[float] = []
    client, http = canned((404, problem(404, 20404, "Not Found")))
    with pytest.raises(TerminalVendorError) as terminal:
        adapter(client, sleeps).fetch_number(NUMBER)
    assert (terminal.value.status, terminal.value.code) == (404, "20404")
    assert http.sent == [("GET", NUMBER_PATH)] and sleeps == []

    client, http = canned((503, problem(503, 20503, "Service Unavailable")))
    with pytest.raises(RetriesExhausted) as exhausted:
        adapter(client, sleeps).fetch_number(NUMBER)
    assert exhausted.value.attempts == 3 and len(http.sent) == 3 and len(sleeps) == 2

    client, http = canned((503, problem(503, 20503, "Service Unavailable")), (200, number_record()))
    assert adapter(client, []).fetch_number(NUMBER).sid == NUMBER
    assert len(http.sent) == 2


def test_an_rfc_9457_error_on_a_list_page_is_classified_by_the_responses_status() -> None:
    """A list page raises the plain TwilioException whatever the body's shape."""
    client, _ = canned((400, problem(400, 20001, "Invalid Parameter")))
    with pytest.raises(TwilioException) as raised:
        client.api.v2010.accounts(ACCOUNT).incoming_phone_numbers.page(page_size=1)
    assert not isinstance(raised.value, TwilioServiceException | TwilioRestException)
    failure = classify(raised.value)
    assert failure is not None
    assert (failure.retryable, failure.status, failure.code) == (False, 400, "20001")
    assert failure.message == "Invalid Parameter (detail)"


# ------------------------------------------------------------------ unset number fields
@pytest.mark.parametrize("unset", ["", None], ids=["empty-string", "null"])
def test_unset_number_fields_sent_as_empty_or_null_are_unset_to_the_adapter(
    unset: str | None,
) -> None:
    client, http = canned((200, number_record(trunk_sid=unset, friendly_name=unset)))
    fetched = adapter(client, []).fetch_number(NUMBER)
    assert (fetched.trunk_sid, fetched.friendly_name) == (None, "")
    # A number on no trunk needs no DELETE to be detached from one.
    detached = adapter(client, []).detach_number(NUMBER, TRUNK)
    assert detached.trunk_sid is None
    assert [method for method, _ in http.sent] == ["GET", "GET"]


def test_a_list_mixing_empty_and_null_unset_fields_reads_both_as_unset() -> None:
    path = f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json"
    page = {
        "incoming_phone_numbers": [
            number_record(trunk_sid="", friendly_name=""),
            number_record(sid="PN" + "3" * 32, phone_number="+12025550101"),
            number_record(sid="PN" + "4" * 32, phone_number="+12025550102", trunk_sid=TRUNK),
        ],
        "end": 2,
        "first_page_uri": f"{path}?PageSize=1000&Page=0",
        "next_page_uri": None,
        "page": 0,
        "page_size": 1000,
        "previous_page_uri": None,
        "start": 0,
        "uri": f"{path}?PageSize=1000&Page=0",
    }
    client, _ = canned((200, page))
    numbers = adapter(client, []).list_numbers()
    assert [n.trunk_sid for n in numbers] == [None, None, TRUNK]
    assert numbers[0].friendly_name == ""


# ------------------------------------------------------------------ webhook signatures
FORM = {"AccountSid": ACCOUNT, "PhoneNumber": "+12025550100"}
FORM_BODY = urlencode(FORM).encode()
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def form_signature(url: str) -> dict[str, str]:
    signature = RequestValidator(TOKEN).compute_signature(url, FORM)
    return {**FORM_HEADERS, "X-Twilio-Signature": signature}


@pytest.mark.parametrize(
    ("signed", "called"),
    [
        (
            "https://byoc.example.com:443/api/twilio/events",
            "https://byoc.example.com/api/twilio/events",
        ),
        (
            "https://byoc.example.com/api/twilio/events",
            "https://byoc.example.com:443/api/twilio/events",
        ),
        ("http://byoc.example.com:80/hook?x=1", "http://byoc.example.com/hook?x=1"),
        ("http://byoc.example.com/hook?x=1", "http://byoc.example.com:80/hook?x=1"),
    ],
)
def test_webhook_signatures_are_accepted_with_or_without_the_default_port(
    signed: str, called: str
) -> None:
    verified = verify_twilio_request(called, form_signature(signed), FORM_BODY, SecretStr(TOKEN))
    assert verified.form["PhoneNumber"] == ["+12025550100"]


def test_a_json_webhook_signed_with_the_default_port_passes_without_it() -> None:
    body = '[{"type": "com.twilio.phone-number.updated"}]'
    query = f"?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    signature = RequestValidator(TOKEN).compute_signature(
        f"https://byoc.example.com:443/events{query}", {}
    )
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": signature}
    url = f"https://byoc.example.com/events{query}"
    verified = verify_twilio_request(url, headers, body.encode(), SecretStr(TOKEN))
    assert verified.json_body == body


@pytest.mark.parametrize(
    ("signed", "called"),
    [
        ("https://byoc.example.com:8443/hook", "https://byoc.example.com/hook"),
        ("https://byoc.example.com:80/hook", "https://byoc.example.com/hook"),
    ],
)
def test_a_signature_over_another_port_does_not_pass_without_it(signed: str, called: str) -> None:
    """Only the scheme's default port may be added. (The SDK also strips any port from the
    URL it is given, so a signature over the port-less URL passes whatever port is called.)"""
    with pytest.raises(WebhookRejectedError, match="does not match") as rejected:
        verify_twilio_request(called, form_signature(signed), FORM_BODY, SecretStr(TOKEN))
    assert rejected.value.status == 403
