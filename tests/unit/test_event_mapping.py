"""Vendor events become the right commands, with ids that make redeliveries one message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain.commands import AnyCommand, EvaluateTrunkGroup, ReconcileNumbers, envelope
from shared.events.genesys_events import GenesysEventError, map_genesys_event, parse_genesys_event
from shared.events.twilio_events import (
    ERROR_CODES,
    Handling,
    TwilioEventError,
    map_twilio_request,
)
from shared.events.webhooks import VerifiedTwilioRequest
from tests.support.genesys_events import (
    audit_message,
    audit_topic,
    eventbridge,
    notification,
    property_change,
    trunk_metrics,
    trunk_state,
    trunk_topic,
)

TRUNK_SID = "TK" + "a" * 32
TRUNK_ID = "5ae3d6a0-0000-4000-8000-000000000001"
NUMBER_SID = "PN" + "b" * 32
CALL_SID = "CA" + "c" * 32
ERROR_LOGGED = "com.twilio.error-logs.error.logged"


def cloud_event(type_: str, data: dict[str, object], id_: str = "EV1") -> dict[str, object]:
    return {"specversion": "1.0", "type": type_, "source": "/x", "id": id_, "data": data}


def json_request(body: object) -> VerifiedTwilioRequest:
    return VerifiedTwilioRequest(form={}, json_body=json.dumps(body))


def error_logged(code: str, **data: object) -> VerifiedTwilioRequest:
    """An Event Streams error-logs event: `error_code` is a string, as Twilio sends it."""
    fields = {"error_code": code, "level": "ERROR", "resource_sid": CALL_SID, **data}
    return json_request([cloud_event(ERROR_LOGGED, fields)])


def debugger(code: str, **payload: object) -> VerifiedTwilioRequest:
    """The Console Debugger webhook: form fields, the alert as JSON in `Payload`."""
    alert = {"resource_sid": CALL_SID, "error_code": code, "more_info": {}, **payload}
    form = {"Sid": ["NO1"], "Level": ["Error"], "PayloadType": ["application/json"]}
    return VerifiedTwilioRequest(form={**form, "Payload": [json.dumps(alert)]}, json_body=None)


def form(**fields: str) -> VerifiedTwilioRequest:
    return VerifiedTwilioRequest(form={k: [v] for k, v in fields.items()}, json_body=None)


@dataclass(frozen=True)
class Observed:
    code: int
    trunk: str | None


Expected = EvaluateTrunkGroup | Observed | str  # str: a piece of the reason it is ignored
ON_TRUNK = {"more_info": {"trunk_sid": TRUNK_SID}}

# One row per code and event kind: the request → what it leads to.
TWILIO_ROWS: list[tuple[str, VerifiedTwilioRequest, Expected]] = [
    # Origination: a member may be unreachable → evaluate the group on the trunk named.
    *(
        (
            f"error-logs {code}",
            error_logged(str(code), **ON_TRUNK),
            EvaluateTrunkGroup(
                twilio_trunk_sid=TRUNK_SID, reason=f"Twilio {code}: {ERROR_CODES[code].meaning}"
            ),
        )
        for code in (32010, 32011)
    ),
    (
        "debugger 32011",
        debugger("32011", **ON_TRUNK),
        EvaluateTrunkGroup(
            twilio_trunk_sid=TRUNK_SID, reason=f"Twilio 32011: {ERROR_CODES[32011].meaning}"
        ),
    ),
    (
        "error-logs 32011 naming no trunk: every group",
        error_logged("32011"),
        EvaluateTrunkGroup(reason=f"Twilio 32011: {ERROR_CODES[32011].meaning}"),
    ),
    # Termination: the carrier refused an outbound call → recorded, never a failover.
    *(
        (f"error-logs {code}", error_logged(str(code), **ON_TRUNK), Observed(code, TRUNK_SID))
        for code in (32001, 32012, 32100, 32204, 32206, 32201, 32202, 32205)
    ),
    ("debugger 32205", debugger("32205", **ON_TRUNK), Observed(32205, TRUNK_SID)),
    ("debugger 32001 naming no trunk", debugger("32001"), Observed(32001, None)),
    # Other codes: acknowledged and ignored, the 32xxx that are not trunking included.
    ("error-logs 32009 (SIP Domain)", error_logged("32009"), "error 32009 is not"),
    ("error-logs 32400 (Voice BYOC trunk)", error_logged("32400"), "error 32400 is not"),
    ("error-logs 11200", error_logged("11200", **ON_TRUNK), "error 11200 is not"),
    ("debugger 13227", debugger("13227"), "debugger-alert: error 13227 is not"),
    ("error-logs without a code", error_logged(""), "carries no error code"),
    # Calls and messages: ignored, whatever number SID they carry.
    (
        "voice status callback with the number's SID",
        json_request(
            [
                cloud_event(
                    "com.twilio.voice.webhook.status-callback.call.answered",
                    {"sid": CALL_SID, "phone_number_sid": NUMBER_SID, "to": "+12025550100"},
                )
            ]
        ),
        "a call event",
    ),
    (
        "message event",
        json_request([cloud_event("com.twilio.messaging.message.delivered", {"to": "+1202"})]),
        "a message event",
    ),
    (
        "voice webhook (To / Called, no PhoneNumber)",
        form(CallSid=CALL_SID, To="+12025550100", Called="+12025550100"),
        "a voice webhook",
    ),
    ("SMS webhook", form(MessageSid="SM1", To="+12025550100"), "a messaging webhook"),
    # Anything else.
    ("an event type not about errors", json_request([cloud_event("x.y", {})]), "not an error"),
    ("a form that is not a Debugger alert", form(Sid="NO2", X="1"), "not a Debugger alert"),
]


@pytest.mark.parametrize(
    ("request_", "expected"),
    [pytest.param(request, expected, id=name) for name, request, expected in TWILIO_ROWS],
)
def test_each_twilio_code_and_event_kind_leads_to_its_row(
    request_: VerifiedTwilioRequest, expected: Expected
) -> None:
    mapping = map_twilio_request(request_, "token-1")
    if isinstance(expected, EvaluateTrunkGroup):
        assert [m.command for m in mapping.commands] == [expected]
        assert (mapping.observed, mapping.ignored) == ((), ())
    elif isinstance(expected, Observed):
        (alert,) = mapping.observed
        assert (alert.code, alert.twilio_trunk_sid) == (expected.code, expected.trunk)
        assert alert.meaning == ERROR_CODES[expected.code].meaning
        assert (mapping.commands, mapping.ignored) == ((), ())
    else:
        (reason,) = mapping.ignored
        assert expected in reason
        assert (mapping.commands, mapping.observed) == ((), ())


def test_the_table_acts_on_origination_and_termination_trunking_codes_only() -> None:
    evaluate = {c for c, row in ERROR_CODES.items() if row.handling is Handling.EVALUATE}
    observe = {c for c, row in ERROR_CODES.items() if row.handling is Handling.OBSERVE}
    assert evaluate == {32010, 32011}
    assert observe == {32001, 32012, 32100, 32204, 32206, 32201, 32202, 32205}
    assert all(row.meaning for row in ERROR_CODES.values())


def test_error_logs_and_debugger_alerts_of_one_code_mean_the_same() -> None:
    for code in ERROR_CODES:
        streamed = map_twilio_request(error_logged(str(code), **ON_TRUNK), None)
        alerted = map_twilio_request(debugger(str(code), **ON_TRUNK), "t")
        assert [m.command for m in streamed.commands] == [m.command for m in alerted.commands]
        assert [(a.code, a.meaning, a.twilio_trunk_sid) for a in streamed.observed] == [
            (a.code, a.meaning, a.twilio_trunk_sid) for a in alerted.observed
        ]


def test_an_alert_keeps_twilios_time_and_is_known_by_its_alert_sid() -> None:
    alert_sid = "NO" + "9" * 32
    event = cloud_event(
        ERROR_LOGGED,
        {"error_code": "32205", "sid": alert_sid, "date_created": "2026-03-01T10:00:00Z"},
        id_="EV9",
    )
    (streamed,) = map_twilio_request(json_request([event]), None).observed
    assert streamed.occurred_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    request = debugger("32205")
    form = {**request.form, "Sid": [alert_sid], "Timestamp": ["2026-03-01T11:00:00Z"]}
    (alerted,) = map_twilio_request(VerifiedTwilioRequest(form, None), "idem-7").observed
    assert alerted.occurred_at == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    # The same alert from both sources is one alert (counted once).
    assert streamed.event_key == alerted.event_key == f"twilio-alert:{alert_sid}"


def test_an_alert_without_its_sid_is_known_by_its_delivery() -> None:
    event = cloud_event(ERROR_LOGGED, {"error_code": "32205"}, id_="EV10")
    (alert,) = map_twilio_request(json_request([event]), None).observed
    assert alert.event_key == "twilio-event:EV10"
    assert alert.occurred_at is None  # the events function counts it at its arrival


def test_a_batch_maps_each_event_on_its_own() -> None:
    events = [
        cloud_event(ERROR_LOGGED, {"error_code": "32011", "resource_sid": TRUNK_SID}, "E1"),
        cloud_event(ERROR_LOGGED, {"error_code": "32205", "resource_sid": TRUNK_SID}, "E2"),
        cloud_event(ERROR_LOGGED, {"error_code": "11200"}, "E3"),
    ]
    mapping = map_twilio_request(json_request(events), None)
    assert [m.idempotency_key for m in mapping.commands] == ["twilio-event:E1"]
    assert [a.event_key for a in mapping.observed] == ["twilio-event:E2"]  # no alert SID
    assert len(mapping.ignored) == 1 and "11200" in mapping.ignored[0]


def test_the_idempotency_token_makes_a_redelivered_webhook_the_same_command() -> None:
    request = debugger("32011", **ON_TRUNK)
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


@pytest.mark.parametrize(
    ("payload", "reason"), [("{nope", "Payload is not JSON"), ("[1]", "not a JSON object")]
)
def test_a_debugger_payload_that_is_not_an_object_is_refused(payload: str, reason: str) -> None:
    request = VerifiedTwilioRequest(form={"Sid": ["NO1"], "Payload": [payload]}, json_body=None)
    with pytest.raises(TwilioEventError, match=reason):
        map_twilio_request(request, None)


def test_a_form_webhook_without_any_delivery_id_is_refused() -> None:
    with pytest.raises(TwilioEventError, match="without Sid"):
        map_twilio_request(VerifiedTwilioRequest(form={"X": ["1"]}, json_body=None), None)


TRUNK_TOPIC = trunk_topic(TRUNK_ID)
NOTIFICATION = notification(TRUNK_TOPIC, trunk_state(TRUNK_ID, connected=False))
IVR_ID = "4b7e1f0a-2c3d-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.mark.parametrize("metrics", [False, True])
def test_raw_and_eventbridge_wrapped_trunk_events_both_evaluate_the_trunk(metrics: bool) -> None:
    topic = trunk_topic(TRUNK_ID, metrics=metrics)
    body = trunk_metrics(TRUNK_ID, "BYOC-Primary-Twilio") if metrics else NOTIFICATION["eventBody"]
    raw = notification(topic, body)
    wrapped = eventbridge(raw, event_id="eb-1")
    assert wrapped["detail-type"].endswith("trunks.{id}" + (".metrics" if metrics else ""))
    for sent, event_id in ((raw, None), (wrapped, "eb-1")):
        parsed, parsed_id = parse_genesys_event(json.dumps(sent).encode())
        assert parsed_id == event_id
        (mapped,) = map_genesys_event(parsed, parsed_id).commands
        assert mapped.command == EvaluateTrunkGroup(
            genesys_trunk_id=TRUNK_ID, reason=f"Genesys {topic}"
        )


def audit_command(entity_type: str, entity_id: str, **audit: Any) -> AnyCommand | None:
    """The one command an audit notification maps to (None: ignored), its reason aside."""
    sent = eventbridge(
        notification(
            audit_topic(entity_type, entity_id), audit_message(entity_type, entity_id, **audit)
        )
    )
    parsed, event_id = parse_genesys_event(json.dumps(sent).encode())
    mapping = map_genesys_event(parsed, event_id)
    if not mapping.commands:
        assert mapping.ignored and mapping.ignored[0].startswith(parsed.topic_name)
        return None
    (mapped,) = mapping.commands
    return mapped.command.model_copy(update={"reason": ""})


DNIS_EDIT = property_change(
    "dnis", ["+12025550100", "2025550101"], ["+12025550100", "+12025550102"]
)


# One row per audit mapping: (entity type, entity id, audit fields) → the command.
AUDIT_ROWS: list[tuple[str, str, str, dict[str, Any], AnyCommand | None]] = [
    (
        "IVR DNIS edited: the numbers added and removed",
        "IVR",
        IVR_ID,
        {"name": "Main IVR", "changes": [DNIS_EDIT]},
        ReconcileNumbers(phone_numbers=("+12025550101", "+12025550102")),
    ),
    (
        "IVR without propertyChanges: that IVR's numbers",
        "IVR",
        IVR_ID,
        {"name": "Main IVR"},
        ReconcileNumbers(genesys_ivr_id=IVR_ID, genesys_ivr_name="Main IVR"),
    ),
    (
        "IVR deleted: that IVR's numbers (its name is the fallback)",
        "IVR",
        IVR_ID,
        {"name": "Main IVR", "action": "Delete"},
        ReconcileNumbers(genesys_ivr_id=IVR_ID, genesys_ivr_name="Main IVR"),
    ),
    (
        "IVR renamed with its DNIS: the IVR's numbers and the DNIS edited",
        "IVR",
        IVR_ID,
        {
            "name": "Main IVR",
            "changes": [DNIS_EDIT, property_change("name", ["Old"], ["Main IVR"])],
        },
        ReconcileNumbers(
            phone_numbers=("+12025550101", "+12025550102"),
            genesys_ivr_id=IVR_ID,
            genesys_ivr_name="Main IVR",
        ),
    ),
    (
        "IVR other properties only: that IVR's numbers",
        "IVR",
        IVR_ID,
        {"changes": [property_change("openHoursFlow", ["a"], ["b"])]},
        ReconcileNumbers(genesys_ivr_id=IVR_ID),
    ),
    (
        "DID pool: the numbers of that pool",
        "DIDPool",
        "pool-1",
        {"action": "Create"},
        ReconcileNumbers(genesys_did_pool_id="pool-1"),
    ),
    (
        "DID named by its number: that number",
        "DID",
        "did-1",
        {"name": "+13125550101"},
        ReconcileNumbers(phone_numbers=("+13125550101",)),
    ),
    (
        "DID without a name: the numbers in its changes",
        "DID",
        "did-1",
        {"changes": [property_change("phoneNumber", [], ["+13125550101"])]},
        ReconcileNumbers(phone_numbers=("+13125550101",)),
    ),
    (
        "DID without any number: every number",
        "DID",
        "did-1",
        {},
        ReconcileNumbers(),
    ),
    (
        "Trunk: the group holding that trunk instance",
        "Trunk",
        TRUNK_ID,
        {},
        EvaluateTrunkGroup(genesys_trunk_id=TRUNK_ID),
    ),
    ("TrunkBase: every trunk group", "TrunkBase", "tb-1", {}, EvaluateTrunkGroup()),
    ("OutboundRoute: every trunk group", "OutboundRoute", "or-1", {}, EvaluateTrunkGroup()),
    ("Site: ignored", "Site", "site-1", {}, None),
    ("NumberPlan: ignored (the audit timer checks dial plans)", "NumberPlan", "np-1", {}, None),
    ("Queue: ignored", "Queue", "q-1", {}, None),
    ("a View of an IVR changes nothing", "IVR", IVR_ID, {"action": "View"}, None),
]


@pytest.mark.parametrize(
    ("entity_type", "entity_id", "audit", "expected"),
    [row[1:] for row in AUDIT_ROWS],
    ids=[row[0] for row in AUDIT_ROWS],
)
def test_each_audited_entity_type_maps_to_its_command(
    entity_type: str, entity_id: str, audit: dict[str, Any], expected: AnyCommand | None
) -> None:
    assert audit_command(entity_type, entity_id, **audit) == expected


def test_an_audit_command_says_what_changed() -> None:
    sent = notification(
        audit_topic("IVR", IVR_ID), audit_message("IVR", IVR_ID, name="Main IVR", action="Delete")
    )
    parsed, _ = parse_genesys_event(json.dumps(sent).encode())
    (mapped,) = map_genesys_event(parsed, None).commands
    assert isinstance(mapped.command, ReconcileNumbers)
    assert mapped.command.reason == "Genesys audit: Delete of IVR Main IVR"


def test_the_entity_type_is_read_from_the_topic_whatever_its_case() -> None:
    body = audit_message("DIDPool", "pool-1")
    for spelled in ("DIDPool", "didpool"):
        parsed, _ = parse_genesys_event(
            json.dumps(notification(audit_topic(spelled, "pool-1"), body)).encode()
        )
        (mapped,) = map_genesys_event(parsed, None).commands
        assert mapped.command.model_copy(update={"reason": ""}) == ReconcileNumbers(
            genesys_did_pool_id="pool-1"
        )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"entity": "not an object", "propertyChanges": "not a list", "action": 7},
        {"propertyChanges": [None, {"property": 3, "oldValues": "x", "newValues": [1, None]}]},
    ],
)
def test_an_audit_body_of_an_odd_shape_still_maps_by_its_topic(body: dict[str, Any]) -> None:
    """An authentic event is never dropped for its body: the topic names the entity."""
    parsed, _ = parse_genesys_event(
        json.dumps(notification(audit_topic("IVR", IVR_ID), body)).encode()
    )
    (mapped,) = map_genesys_event(parsed, None).commands
    assert mapped.command.model_copy(update={"reason": ""}) == ReconcileNumbers(
        genesys_ivr_id=IVR_ID
    )


@pytest.mark.parametrize(
    "topic",
    [
        "channel.metadata",  # the channel's heartbeat
        "v2.users.abc.presence",
        # No such topics exist: IVR, DID and DID pool changes arrive only as audits.
        "v2.architect.ivrs.abc",
        "v2.telephony.providers.edges.dids.abc",
        "v2.telephony.providers.edges.didpools.abc",
        "v2.telephony.providers.edges.trunks",  # no trunk id
        "v2.audits.entitytype.IVR",  # no entity id
    ],
)
def test_topics_other_than_trunks_and_audits_are_ignored_with_a_reason(topic: str) -> None:
    body = {"topicName": topic, "eventBody": {"dnis": ["+13125550100"]}}
    parsed, _ = parse_genesys_event(json.dumps(body).encode())
    mapping = map_genesys_event(parsed, None)
    assert mapping.commands == ()
    assert mapping.ignored == (f"{topic}: not a trunk or audit topic",)


@pytest.mark.parametrize(
    "pattern",
    ["v2.telephony.providers.edges.trunks.{id}", "v2.audits.entitytype.{id}.entityid.{id}"],
)
def test_a_topic_pattern_where_the_topic_belongs_is_ignored_with_a_reason(pattern: str) -> None:
    """EventBridge's detail-type is a pattern: taken for the topic, it names no trunk or IVR."""
    parsed, _ = parse_genesys_event(json.dumps(notification(pattern, {})).encode())
    mapping = map_genesys_event(parsed, None)
    assert mapping.commands == ()
    assert "topic pattern" in mapping.ignored[0]


def test_the_same_genesys_notification_maps_to_the_same_key() -> None:
    parsed, _ = parse_genesys_event(json.dumps(NOTIFICATION).encode())
    first = map_genesys_event(parsed, None).commands[0].idempotency_key
    assert first == map_genesys_event(parsed, None).commands[0].idempotency_key
    assert "corr-1" in first


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{", "not JSON"),
        (b"[1]", "not a JSON object"),
        (b'{"eventBody": {}}', "topicName"),
        (
            json.dumps(
                {
                    **eventbridge(NOTIFICATION),
                    "detail": {"version": "2", "eventBody": {}, "metadata": {}},
                }
            ).encode(),
            "detail.topicName",
        ),
    ],
)
def test_bodies_that_are_not_genesys_notifications_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(GenesysEventError, match=reason):
        parse_genesys_event(body)
