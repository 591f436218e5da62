"""Vendor events become the right commands, with ids that make redeliveries one message."""

from __future__ import annotations

import json

import pytest

from shared.domain.commands import EvaluateTrunkGroup, ReconcileNumbers, envelope
from shared.events.genesys_events import GenesysEventError, map_genesys_event, parse_genesys_event
from shared.events.twilio_events import TwilioEventError, map_twilio_request
from shared.events.webhooks import VerifiedTwilioRequest

TRUNK_SID = "TK" + "a" * 32
TRUNK_ID = "5ae3d6a0-0000-4000-8000-000000000001"


def cloud_event(type_: str, data: dict[str, object], id_: str = "EV1") -> dict[str, object]:
    return {"specversion": "1.0", "type": type_, "source": "/x", "id": id_, "data": data}


def json_request(body: object) -> VerifiedTwilioRequest:
    return VerifiedTwilioRequest(form={}, json_body=json.dumps(body))


def test_a_sip_trunking_error_event_asks_for_its_trunk_group_to_be_evaluated() -> None:
    event = cloud_event(
        "com.twilio.error-logs.error.logged",
        {"error_code": "32011", "resource_sid": TRUNK_SID, "level": "ERROR"},
    )
    mapping = map_twilio_request(json_request([event]), None)
    (mapped,) = mapping.commands
    assert mapped.command == EvaluateTrunkGroup(
        twilio_trunk_sid=TRUNK_SID, reason="Twilio SIP trunking error 32011"
    )


def test_an_event_about_a_number_reconciles_that_number() -> None:
    event = cloud_event("com.twilio.phone-numbers.updated", {"phone_number": "+12025550100"})
    (mapped,) = map_twilio_request(json_request(event), None).commands
    assert isinstance(mapped.command, ReconcileNumbers)
    assert mapped.command.phone_numbers == ("+12025550100",)


def test_unrelated_events_are_acknowledged_with_the_reason_they_were_ignored() -> None:
    events = [
        cloud_event("com.twilio.error-logs.error.logged", {"error_code": "11200"}, "E1"),
        cloud_event("com.twilio.messaging.message.sent", {"to": "x"}, "E2"),
    ]
    mapping = map_twilio_request(json_request(events), None)
    assert mapping.commands == ()
    assert "not a SIP trunking error" in mapping.ignored[0]
    assert "not about a number or a trunk" in mapping.ignored[1]


def test_the_debugger_webhook_payload_is_read_for_the_error_and_trunk() -> None:
    payload = json.dumps({"error_code": "32009", "more_info": {"trunk": TRUNK_SID}})
    request = VerifiedTwilioRequest(
        form={"Sid": ["NO1"], "Level": ["ERROR"], "Payload": [payload]}, json_body=None
    )
    (mapped,) = map_twilio_request(request, "token-1").commands
    assert isinstance(mapped.command, EvaluateTrunkGroup)
    assert mapped.command.twilio_trunk_sid == TRUNK_SID


def test_the_idempotency_token_makes_a_redelivered_webhook_the_same_command() -> None:
    request = VerifiedTwilioRequest(form={"PhoneNumber": ["+12025550100"]}, json_body=None)
    first = map_twilio_request(request, "idem-1").commands[0]
    again = map_twilio_request(request, "idem-1").commands[0]
    other = map_twilio_request(request, "idem-2").commands[0]
    ids = [
        envelope(m.command, correlation_id="c", idempotency_key=m.idempotency_key).command_id
        for m in (first, again, other)
    ]
    assert ids[0] == ids[1] != ids[2]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "body is not JSON"),
        ("[]", "an empty batch"),
        (json.dumps([{"specversion": "1.0", "type": "x"}]), "event 0: id"),
        (json.dumps({"specversion": "0.3", "type": "x", "id": "1"}), "specversion"),
    ],
)
def test_malformed_event_bodies_are_refused_with_a_reason(body: str, reason: str) -> None:
    with pytest.raises(TwilioEventError, match=reason):
        map_twilio_request(VerifiedTwilioRequest(form={}, json_body=body), None)


def test_a_form_webhook_without_any_delivery_id_is_refused() -> None:
    with pytest.raises(TwilioEventError, match="without Sid"):
        map_twilio_request(VerifiedTwilioRequest(form={"X": ["1"]}, json_body=None), None)


NOTIFICATION = {
    "topicName": f"v2.telephony.providers.edges.trunks.{TRUNK_ID}",
    "version": "2",
    "eventBody": {"id": TRUNK_ID, "connectedStatus": {"connected": False}},
    "metadata": {"CorrelationId": "corr-1"},
}


@pytest.mark.parametrize("topic_suffix", ["", ".metrics"])
def test_raw_and_eventbridge_wrapped_trunk_events_both_evaluate_the_trunk(
    topic_suffix: str,
) -> None:
    raw = {**NOTIFICATION, "topicName": NOTIFICATION["topicName"] + topic_suffix}  # type: ignore[operator]
    wrapped = {
        "version": "0",
        "id": "eb-1",
        "detail-type": raw["topicName"],
        "source": "aws.partner/genesys.com/cloud/org/x",
        "detail": raw,
    }
    for body, event_id in ((raw, None), (wrapped, "eb-1")):
        notification, parsed_id = parse_genesys_event(json.dumps(body).encode())
        assert parsed_id == event_id
        (mapped,) = map_genesys_event(notification, parsed_id).commands
        assert mapped.command == EvaluateTrunkGroup(
            genesys_trunk_id=TRUNK_ID, reason=f"Genesys {raw['topicName']}"
        )


def test_did_and_ivr_topics_reconcile_the_numbers_they_name() -> None:
    body = {
        "topicName": "v2.architect.ivrs.abc",
        "eventBody": {"dnis": ["+13125550100", "tel:+12025550101", "not a number"]},
    }
    notification, _ = parse_genesys_event(json.dumps(body).encode())
    (mapped,) = map_genesys_event(notification, None).commands
    assert mapped.command == ReconcileNumbers(
        phone_numbers=("+12025550101", "+13125550100"), reason="Genesys v2.architect.ivrs.abc"
    )


def test_other_genesys_topics_and_the_heartbeat_are_ignored() -> None:
    for topic in ("channel.metadata", "v2.users.abc.presence"):
        notification, _ = parse_genesys_event(json.dumps({"topicName": topic}).encode())
        mapping = map_genesys_event(notification, None)
        assert mapping.commands == () and mapping.ignored


def test_the_same_genesys_notification_maps_to_the_same_key() -> None:
    notification, _ = parse_genesys_event(json.dumps(NOTIFICATION).encode())
    first = map_genesys_event(notification, None).commands[0].idempotency_key
    assert first == map_genesys_event(notification, None).commands[0].idempotency_key
    assert "corr-1" in first


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{", "not JSON"),
        (b"[1]", "not a JSON object"),
        (b'{"eventBody": {}}', "topicName"),
        (b'{"detail-type": "x", "id": "1", "detail": {"eventBody": {}}}', "detail.topicName"),
    ],
)
def test_bodies_that_are_not_genesys_notifications_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(GenesysEventError, match=reason):
        parse_genesys_event(body)
