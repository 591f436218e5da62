"""Genesys notifications shaped like the ones Genesys sends, for every test that posts one.

Bodies follow the SDK's topic models (`TrunkInstanceTopicTrunk`,
`TrunkMetricsTopicTrunkMetrics`, `AuditTopicAuditLogMessage`), and
tests/contract/genesys/test_notifications.py holds each builder to them, so a fixture
cannot drift into a shape Genesys never sends. EventBridge envelopes carry the topic
*pattern* in `detail-type` and the concrete topic in `detail.topicName`, as the
integration delivers them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

ORG_ID = "6c1a4c4e-8e7b-4c55-9d3f-0b5f2f7e9a10"
EVENT_SOURCE = f"aws.partner/genesys.com/cloud/{ORG_ID}/byoc-sync"
WHEN = "2024-05-02T09:30:12.345Z"
USER_ID = "2f0d8a1c-5b8e-4f3a-9c6d-7e1b2a3c4d5e"
CLIENT_ID = "9b7e6d5c-4a3b-4c2d-8e1f-0a9b8c7d6e5f"

AUDIT_PATTERN = "v2.audits.entitytype.{id}.entityid.{id}"


def trunk_topic(trunk_id: str, *, metrics: bool = False) -> str:
    return f"v2.telephony.providers.edges.trunks.{trunk_id}" + (".metrics" if metrics else "")


def audit_topic(entity_type: str, entity_id: str) -> str:
    return f"v2.audits.entitytype.{entity_type}.entityid.{entity_id}"


def topic_pattern(topic: str) -> str:
    """The pattern EventBridge puts in `detail-type`: the topic with `{id}` for its ids."""
    if topic.startswith("v2.audits.entitytype."):
        return AUDIT_PATTERN
    return re.sub(r"^(v2\.telephony\.providers\.edges\.trunks\.)[^.]+", r"\1{id}", topic)


def trunk_state(
    trunk_id: str, *, connected: bool, proxy: str = "byoc-example.pstn.twilio.com"
) -> dict[str, Any]:
    """A `v2.telephony.providers.edges.trunks.{id}` body: the trunk instance's state only
    (no name, no inService, no enabled: the topic model has none)."""
    return {
        "id": trunk_id,
        "connectedStatus": {"connected": connected, "connectedStateTime": WHEN},
        "optionsStatus": [
            {"proxyAddress": proxy, "optionState": connected, "optionStateTime": WHEN}
        ],
        "registersStatus": [],
        "ipStatus": {"address": "10.27.0.14"},
    }


def trunk_metrics(
    trunk_id: str, name: str, *, inbound: int = 3, outbound: int = 2
) -> dict[str, Any]:
    """A `….trunks.{id}.metrics` body: call counts and QoS, naming the trunk."""
    return {
        "calls": {"inboundCallCount": inbound, "outboundCallCount": outbound},
        "eventTime": WHEN,
        "qos": {"mismatchCount": 0},
        "trunk": {"id": trunk_id, "name": name},
    }


def property_change(prop: str, old: Sequence[str] = (), new: Sequence[str] = ()) -> dict[str, Any]:
    return {"property": prop, "oldValues": list(old), "newValues": list(new)}


def audit_message(
    entity_type: str,
    entity_id: str,
    *,
    name: str | None = None,
    action: str = "Update",
    service: str = "Telephony",
    changes: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A `v2.audits.entitytype.{entityType}.entityid.{id}` body (`AuditTopicAuditLogMessage`)."""
    entity: dict[str, Any] = {"id": entity_id}
    if name is not None:
        entity["name"] = name
    body: dict[str, Any] = {
        "id": f"audit-{entity_type.lower()}-{entity_id}",
        "userId": USER_ID,
        "username": {"id": USER_ID, "name": "Pat Admin"},
        "userDisplay": "Pat Admin",
        "clientId": {"id": CLIENT_ID},
        "remoteIp": ["203.0.113.7"],
        "serviceName": service,
        "level": "USER",
        "eventTime": WHEN,
        "message": {
            "localizableMessageCode": f"{entity_type.upper()}_{action.upper()}",
            "message": f"{entity_type} {action.lower()}d",
            "messageWithParams": f"{entity_type} {{0}} {action.lower()}d",
            "messageParams": {"0": name or entity_id},
        },
        "action": action,
        "entityType": entity_type,
        "entity": entity,
        "context": {},
    }
    if changes:
        body["propertyChanges"] = list(changes)
    return body


def notification(
    topic: str, body: dict[str, Any], *, correlation_id: str = "corr-1"
) -> dict[str, Any]:
    """A notification as a channel delivers it (and as EventBridge's `detail` holds it)."""
    return {
        "topicName": topic,
        "version": "2",
        "eventBody": body,
        "metadata": {"CorrelationId": correlation_id},
    }


def eventbridge(note: dict[str, Any], *, event_id: str = "eb-1") -> dict[str, Any]:
    """The EventBridge event an API destination posts: the notification as `detail`."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": topic_pattern(note["topicName"]),
        "source": EVENT_SOURCE,
        "account": "123456789012",
        "time": WHEN[:19] + "Z",
        "region": "us-east-1",
        "resources": [],
        "detail": note,
    }
