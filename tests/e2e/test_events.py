"""Vendor events through the local host: verified, mapped, queued once, run by the worker."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator

from tests.e2e.conftest import Running
from tests.support.genesys_events import (
    audit_message,
    audit_topic,
    eventbridge,
    notification,
    trunk_state,
    trunk_topic,
)
from tests.support.wait import wait_until

TRUNK_ERROR = {
    "specversion": "1.0",
    "type": "com.twilio.error-logs.error.logged",
    "source": "/v1/Alerts",
    "id": "NO" + "1" * 32,
}


def twilio_token(running: Running) -> str:
    return running.sandbox.scenario.twilio.auth_token


def signed_json(running: Running, events: object) -> tuple[str, bytes, dict[str, str]]:
    """Event Streams' JSON variant: the body's SHA-256 goes in the URL, the URL is signed."""
    body = json.dumps(events).encode()
    url = running.url("twilio/events") + "?bodySHA256=" + hashlib.sha256(body).hexdigest()
    signature = RequestValidator(twilio_token(running)).compute_signature(url, {})
    return url, body, {"Content-Type": "application/json", "X-Twilio-Signature": signature}


def signed_form(running: Running, form: dict[str, str]) -> tuple[str, bytes, dict[str, str]]:
    url = running.url("twilio/events")
    signature = RequestValidator(twilio_token(running)).compute_signature(url, form)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return url, urlencode(form).encode(), headers


def post(running: Running, url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(url, data=body, headers=headers, timeout=30)


def trunk_sid(running: Running) -> str:
    twilio, _ = running.adapters()
    return twilio.list_trunks()[0].sid


def test_a_signed_event_streams_batch_queues_a_trunk_group_evaluation(running: Running) -> None:
    event = {**TRUNK_ERROR, "data": {"error_code": "32011", "resource_sid": trunk_sid(running)}}
    answer = post(running, *signed_json(running, [event]))
    assert answer.status_code == 202, answer.text
    assert [q["type"] for q in answer.json()["queued"]] == ["evaluate_trunk_group"]
    running.drain()
    (run,) = running.worker_runs()
    assert run.ok and "session trunk:" in run.detail


@pytest.mark.parametrize("tamper", ["body", "signature", "url", "missing"])
def test_tampered_or_unsigned_twilio_requests_are_refused_and_queue_nothing(
    running: Running, tamper: str
) -> None:
    event = {**TRUNK_ERROR, "data": {"error_code": "32011"}}
    url, body, headers = signed_json(running, [event])
    if tamper == "body":
        body = body.replace(b"32011", b"32012")
    elif tamper == "signature":
        headers["X-Twilio-Signature"] = "A" + headers["X-Twilio-Signature"][1:]
    elif tamper == "url":
        url = url.replace("twilio/events", "twilio/events/")
    else:
        del headers["X-Twilio-Signature"]
    answer = post(running, url, body, headers)
    # Tampering is forbidden (403); no signature at all is unauthenticated (401).
    expected = {"url": {403, 404}, "missing": {401}}.get(tamper, {403})
    assert answer.status_code in expected
    if answer.status_code in (401, 403):
        assert answer.json()["error"]
    running.drain()
    assert running.worker_runs() == []


def test_a_redelivery_with_the_same_idempotency_token_runs_once(running: Running) -> None:
    alert = {"error_code": "32011", "more_info": {"trunk_sid": trunk_sid(running)}}
    form = {"Sid": "NO" + "3" * 32, "Level": "Warning", "Payload": json.dumps(alert)}
    url, body, headers = signed_form(running, form)
    headers["I-Twilio-Idempotency-Token"] = "idem-token-1"
    first = post(running, url, body, headers)
    again = post(running, url, body, headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["queued"] == again.json()["queued"]
    running.drain()
    assert len(running.worker_runs()) == 1


def genesys_trunk_id(running: Running, base_name: str) -> str:
    """The id of the trunk instance Genesys runs for the trunk base of this name (trunk
    events name instances; the policy names bases)."""
    _, genesys = running.adapters()
    base = next(b.id for b in genesys.list_trunk_bases() if b.name == base_name)
    return next(t.id for t in genesys.list_trunks() if t.trunk_base_id == base)


@pytest.mark.parametrize("wrapped", [False, True])
def test_genesys_trunk_events_raw_or_from_eventbridge_evaluate_the_group(
    running: Running, wrapped: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    trunk = genesys_trunk_id(running, "BYOC-Primary-Twilio")
    # The carrier is down for the whole trunk base: every instance loses its connection,
    # and Genesys notifies about each; one of those notifications arrives here.
    requests.post(
        f"{running.sandbox.genesys.base_url}/__admin/trunks/BYOC-Primary-Twilio",
        json={"connected": False},
        timeout=10,
    ).raise_for_status()
    sent = notification(
        trunk_topic(trunk), trunk_state(trunk, connected=False), correlation_id="c-1"
    )
    answer = post_genesys(running, eventbridge(sent) if wrapped else sent)
    assert answer.status_code == 202, answer.text
    running.drain()
    (run,) = running.worker_runs()
    assert run.ok
    # One event is one failed probe: counted, not yet acted on (down after 3 by default).
    assert any(
        "BYOC-Primary-Twilio is active, failing (not connected" in r.getMessage()
        and "1/3 before down" in r.getMessage()
        for r in caplog.records
    )


def post_genesys(running: Running, body: object) -> requests.Response:
    return running.call(
        "POST",
        "genesys/events",
        key=False,
        json=body,
        headers={"X-API-Key": running.sandbox.genesys_event_key},
    )


def test_an_ivr_audit_event_reconciles_exactly_that_ivrs_numbers(running: Running) -> None:
    """Someone takes a number off Main IVR by hand; the audit of that edit puts it back.
    Support IVR's drift (+13125550101, bought by hand and never provisioned) is another
    IVR's business: the event leaves it to the reconcile timer."""
    twilio, genesys = running.adapters()

    def dnis(name: str) -> tuple[str, ...]:
        return next(i.dnis for i in genesys.list_ivrs() if i.name == name)

    main = next(i for i in genesys.list_ivrs() if i.name == "Main IVR")
    genesys.update_ivr_dnis(main.id, remove=["+12025550101"])
    audit = audit_message("IVR", main.id, name="Main IVR", service="Architect")
    answer = post_genesys(running, eventbridge(notification(audit_topic("IVR", main.id), audit)))
    assert answer.status_code == 202, answer.text
    assert [q["type"] for q in answer.json()["queued"]] == ["reconcile"]

    wait_until(
        lambda: "+12025550101" in dnis("Main IVR"),
        timeout=60,
        what="+12025550101 back on Main IVR",
    )
    running.drain()
    (run,) = running.worker_runs()
    assert run.ok, run.error
    assert dnis("Support IVR") == ("+13125550100",)
    hand_bought = twilio.find_number("+13125550101")
    assert hand_bought is not None and hand_bought.trunk_sid is None


def test_genesys_events_need_a_valid_api_key(running: Running) -> None:
    body = {"topicName": "v2.telephony.providers.edges.trunks.x", "eventBody": {}}
    missing = running.call("POST", "genesys/events", key=False, json=body)
    wrong = running.call(
        "POST", "genesys/events", key=False, json=body, headers={"X-API-Key": "wrong"}
    )
    assert (missing.status_code, wrong.status_code) == (401, 403)
    assert "X-API-Key" in missing.json()["error"]
    running.drain()
    assert running.worker_runs() == []


def test_a_malformed_genesys_body_is_400_with_the_reason(running: Running) -> None:
    answer = running.call(
        "POST",
        "genesys/events",
        key=False,
        data=b'{"eventBody": {}}',
        headers={"X-API-Key": running.sandbox.genesys_event_key},
    )
    assert answer.status_code == 400 and "topicName" in answer.json()["error"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "Expecting property name enclosed in double quotes at line 1 column 2"),
        (b'{"a": 1}\n{"b"', "Extra data at line 2 column 1"),
        (b'{"a": "\xff"}', "not UTF-8 (byte 0xff at position 7)"),
    ],
)
def test_a_body_that_is_not_json_is_refused_in_the_same_words_by_every_endpoint(
    running: Running, body: bytes, reason: str
) -> None:
    """The numbers API parses with pydantic and the webhooks with the json module; a client
    (or an operator reading the log) sees one wording whichever endpoint it called."""
    signed_url = running.url("twilio/events") + "?bodySHA256=" + hashlib.sha256(body).hexdigest()
    twilio_headers = {
        "Content-Type": "application/json",
        "X-Twilio-Signature": RequestValidator(twilio_token(running)).compute_signature(
            signed_url, {}
        ),
    }
    answers = {
        "numbers": running.call("POST", "numbers", data=body),
        "genesys": running.call(
            "POST",
            "genesys/events",
            key=False,
            data=body,
            headers={"X-API-Key": running.sandbox.genesys_event_key},
        ),
    }
    twilio = post(running, signed_url, body, twilio_headers)
    if reason.startswith("not UTF-8"):
        # Twilio's signature check reads the body as text first, JSON or form alike.
        assert (twilio.status_code, twilio.json()["error"]) == (400, "body is not UTF-8")
    else:
        answers["twilio"] = twilio
    expected = f"body is not JSON: {reason}"
    assert {name: (a.status_code, a.json()["error"]) for name, a in answers.items()} == {
        name: (400, expected) for name in answers
    }
    running.drain()
    assert running.worker_runs() == []
