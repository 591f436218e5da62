"""The Genesys notifications the tests send are the ones Genesys sends.

Every builder in tests/support/genesys_events.py produces an `eventBody` that the official
SDK deserialises into its topic model — `TrunkInstanceTopicTrunk`,
`TrunkMetricsTopicTrunkMetrics`, `AuditTopicAuditLogMessage` — with no field the model
lacks and no enum value it does not know, and byoc-sync's mapping reads what it needs from
those very fields. No emulator is involved: notifications are not an API response.
"""

from __future__ import annotations

import json
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest

from sandbox.demo import trunk_down_event
from shared.events.genesys_events import map_genesys_event, parse_genesys_event
from tests.contract.genesys.conftest import check_against_model
from tests.support.genesys_events import (
    AUDIT_PATTERN,
    EVENT_SOURCE,
    audit_message,
    audit_topic,
    eventbridge,
    notification,
    property_change,
    trunk_metrics,
    trunk_state,
    trunk_topic,
)

TRUNK_ID = "0c6f7d2e-1b2a-4c3d-9e8f-7a6b5c4d3e2f"
IVR_ID = "4b7e1f0a-2c3d-4e5f-8a9b-0c1d2e3f4a5b"

BODIES: dict[str, tuple[dict[str, Any], str]] = {
    "trunk state": (trunk_state(TRUNK_ID, connected=False), "TrunkInstanceTopicTrunk"),
    "trunk metrics": (
        trunk_metrics(TRUNK_ID, "BYOC-Primary-Twilio"),
        "TrunkMetricsTopicTrunkMetrics",
    ),
    "IVR DNIS edit": (
        audit_message(
            "IVR",
            IVR_ID,
            name="Main IVR",
            service="Architect",
            changes=[property_change("dnis", ["+12025550100"], ["+12025550100", "+12025550102"])],
        ),
        "AuditTopicAuditLogMessage",
    ),
    "IVR deleted": (
        audit_message("IVR", IVR_ID, name="Main IVR", action="Delete", service="Architect"),
        "AuditTopicAuditLogMessage",
    ),
    "DID": (audit_message("DID", "d1", name="+12025550100"), "AuditTopicAuditLogMessage"),
    "DID pool": (
        audit_message(
            "DIDPool",
            "p1",
            action="Create",
            changes=[property_change("startPhoneNumber", new=["+12025550100"])],
        ),
        "AuditTopicAuditLogMessage",
    ),
    "trunk base": (
        audit_message("TrunkBase", "tb1", name="BYOC-Primary-Twilio"),
        "AuditTopicAuditLogMessage",
    ),
    "outbound route": (
        audit_message("OutboundRoute", "or1", name="TG-BYOC-Primary-Failover"),
        "AuditTopicAuditLogMessage",
    ),
}


class _Response:
    """What `ApiClient.deserialize` reads of an HTTP response: a JSON body."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.data = json.dumps(body)

    def getheader(self, name: str) -> str | None:
        return "application/json" if name.lower() == "content-type" else None


def key_paths(value: Any, prefix: str = "$") -> set[str]:
    """Every JSON path with a value in `value` (list items share their list's path)."""
    if isinstance(value, dict):
        return {prefix} | {p for k, v in value.items() for p in key_paths(v, f"{prefix}.{k}")}
    if isinstance(value, list):
        return {prefix} | {p for v in value for p in key_paths(v, f"{prefix}[]")}
    return {prefix}


def deserialise(body: dict[str, Any], model: str) -> Any:
    return genesys.ApiClient().deserialize(_Response(body), model)


@pytest.mark.parametrize("case", sorted(BODIES))
def test_each_event_body_is_exactly_its_sdk_topic_model(case: str) -> None:
    body, model = BODIES[case]
    assert check_against_model(body, model, "$") == []
    parsed = deserialise(body, model)
    assert type(parsed).__name__ == model
    serialised = genesys.ApiClient().sanitize_for_serialization(parsed)
    assert "outdated_sdk_version" not in json.dumps(serialised), "an enum value the SDK lacks"
    # Nothing dropped or renamed on the way through the model (values aside: the SDK
    # rewrites timestamps in its own ISO format).
    assert key_paths(serialised) == key_paths(body)


def test_the_trunk_topic_has_state_and_no_name_and_the_metrics_topic_names_the_trunk() -> None:
    state = deserialise(*BODIES["trunk state"])
    assert (state.id, state.connected_status.connected) == (TRUNK_ID, False)
    model = genesys.TrunkInstanceTopicTrunk()
    assert {"name", "inService", "enabled"}.isdisjoint(model.attribute_map.values())
    metrics = deserialise(*BODIES["trunk metrics"])
    assert (metrics.trunk.id, metrics.trunk.name) == (TRUNK_ID, "BYOC-Primary-Twilio")


def test_the_audit_fields_the_mapping_reads_are_the_models_fields() -> None:
    """entityType, entity.id / entity.name, action and propertyChanges[].property /
    oldValues / newValues: the names `map_audit` reads are the SDK's JSON names."""
    audit = deserialise(*BODIES["IVR DNIS edit"])
    assert (audit.entity_type, audit.entity.id, audit.entity.name) == ("IVR", IVR_ID, "Main IVR")
    (change,) = audit.property_changes
    assert (change.pcProperty, change.old_values, change.new_values) == (
        "dnis",
        ["+12025550100"],
        ["+12025550100", "+12025550102"],
    )


@pytest.mark.parametrize(
    "entity_type", ["IVR", "DID", "DIDPool", "TrunkBase", "Trunk", "OutboundRoute", "Site"]
)
def test_the_entity_types_mapped_are_values_of_the_sdk_enum(entity_type: str) -> None:
    audit = deserialise(audit_message(entity_type, "x1"), "AuditTopicAuditLogMessage")
    assert audit.entity_type == entity_type


@pytest.mark.parametrize("case", sorted(BODIES))
def test_each_fixture_arrives_through_eventbridge_with_the_topic_pattern(case: str) -> None:
    body, model = BODIES[case]
    topic = (
        trunk_topic(TRUNK_ID, metrics=model == "TrunkMetricsTopicTrunkMetrics")
        if model.startswith("Trunk")
        else audit_topic(body["entityType"], body["entity"]["id"])
    )
    event = eventbridge(notification(topic, body))
    assert event["detail-type"] in (
        "v2.telephony.providers.edges.trunks.{id}",
        "v2.telephony.providers.edges.trunks.{id}.metrics",
        AUDIT_PATTERN,
    )
    assert event["source"] == EVENT_SOURCE and event["detail"]["version"] == "2"
    parsed, event_id = parse_genesys_event(json.dumps(event).encode())
    assert (parsed.topic_name, event_id) == (topic, "eb-1")
    assert map_genesys_event(parsed, event_id).commands  # each fixture asks for work


def test_the_demo_posts_the_trunk_event_as_eventbridge_delivers_it() -> None:
    event = trunk_down_event("0c6f7d2e-1b2a-4c3d-9e8f-7a6b5c4d3e2f")
    assert event["detail-type"] == "v2.telephony.providers.edges.trunks.{id}"
    assert set(event) == set(eventbridge(notification(trunk_topic("x"), {})))
    assert check_against_model(event["detail"]["eventBody"], "TrunkInstanceTopicTrunk", "$") == []
