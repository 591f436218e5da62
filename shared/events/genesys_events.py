"""Genesys Cloud notifications → commands.

Genesys delivers topic notifications over a notification channel (WebSocket) or to Amazon
EventBridge, and neither calls an HTTPS endpoint by itself, so a bridge forwards them here:
an EventBridge API destination sends the EventBridge event as the body, a channel bridge
sends the notification as it came. Both carry the same notification — `topicName` (the
concrete topic, ids filled in), `version` ("2"), `eventBody`, `metadata` — and it is what
is mapped. EventBridge's own `detail-type` holds the topic *pattern*
(`v2.telephony.providers.edges.trunks.{id}`), which names no trunk, so it is not read.

Only two topic families matter to byoc-sync (see docs/api.md for subscribing to them):

- `v2.telephony.providers.edges.trunks.{id}` and its `.metrics`: a trunk instance's state
  or call counts → evaluate the trunk group holding that trunk.
- `v2.audits.entitytype.{entityType}.entityid.{id}`: someone changed a configuration
  object. Genesys has no topic of its own for IVR configurations, DIDs, DID pools, trunk
  bases or outbound routes; their changes arrive only here, the body being an audit log
  message. What each entity type leads to is the table `_AUDIT_RULES`.

Anything else — the channel's heartbeat included — is acknowledged and ignored with a
reason. byoc-sync's own writes are audited too and come back as events; that echo is
harmless, because a reconcile or an evaluation writes only when something is off.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.domain.commands import AnyCommand, EvaluateTrunkGroup, ReconcileNumbers
from shared.domain.model import normalise_dnis
from shared.events import EventMapping, MappedCommand

_TRUNK_TOPIC = re.compile(r"^v2\.telephony\.providers\.edges\.trunks\.(?P<id>[^.]+)(?:\.metrics)?$")
_AUDIT_TOPIC = re.compile(r"^v2\.audits\.entitytype\.(?P<type>[^.]+)\.entityid\.(?P<id>[^.]+)$")
# Audit actions that change nothing (the audit service logs some reads too).
_READ_ONLY_ACTIONS = frozenset({"view", "read", "download", "export"})
# Where DNIS values may be split when one audit value holds several entries.
_VALUE_SEPARATORS = re.compile(r"[\s,;\[\]\"']+")


class GenesysEventError(ValueError):
    """Authentic but not a Genesys notification (→ 400 with this reason)."""


class Notification(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    topic_name: str = Field(alias="topicName", min_length=1)
    version: str | None = None
    event_body: dict[str, Any] = Field(alias="eventBody", default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)


class EventBridgeEvent(BaseModel):
    """Amazon EventBridge's event around a Genesys notification: `version` "0", `id`,
    `detail-type` (the topic pattern), `source` (`aws.partner/genesys.com/cloud/<org
    id>/<suffix>`), `account`, `time`, `region`, `resources` and the notification as
    `detail`."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    id: str = Field(min_length=1)
    detail_type: str = Field(alias="detail-type")
    source: str = ""
    detail: Notification


@dataclass(frozen=True)
class PropertyChange:
    """One entry of an audit message's `propertyChanges`."""

    name: str
    old_values: tuple[str, ...] = ()
    new_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditEvent:
    """What mapping needs of an audit notification: the entity from the topic (always
    there), the rest from the body (read leniently: a field missing or of the wrong shape
    is absent, never a reason to drop an authentic event)."""

    entity_type: str
    entity_id: str
    entity_name: str | None = None
    action: str | None = None
    property_changes: tuple[PropertyChange, ...] = ()

    def changed(self, prop: str) -> tuple[PropertyChange, ...]:
        """Changes of this property (`dnis`, `dnis[2]`, `DNIS` alike)."""
        return tuple(c for c in self.property_changes if _base_property(c.name) == prop)


def parse_genesys_event(body: bytes) -> tuple[Notification, str | None]:
    """The notification, and EventBridge's event id when it came wrapped."""
    try:
        parsed = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise GenesysEventError(f"body is not JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise GenesysEventError("body is not a JSON object")
    try:
        if "detail" in parsed or "detail-type" in parsed:
            wrapped = EventBridgeEvent.model_validate(parsed)
            return wrapped.detail, wrapped.id
        return Notification.model_validate(parsed), None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"])) or "body"
        raise GenesysEventError(f"{where}: {first['msg']}") from error


def map_genesys_event(notification: Notification, event_id: str | None) -> EventMapping:
    topic = notification.topic_name
    outcome = _command_for(notification)
    if isinstance(outcome, str):
        return EventMapping((), (f"{topic}: {outcome}",))
    return EventMapping((MappedCommand(outcome, _idempotency_key(notification, event_id)),))


def _command_for(notification: Notification) -> AnyCommand | str:
    """The command a notification asks for, or why it asks for none."""
    topic = notification.topic_name
    if "{" in topic:
        # EventBridge's detail-type put where the topic belongs (an input transformer?).
        return "a topic pattern names no object; forward the notification with its topicName"
    trunk = _TRUNK_TOPIC.match(topic)
    if trunk:
        return EvaluateTrunkGroup(genesys_trunk_id=trunk["id"], reason=f"Genesys {topic}")
    audit = _AUDIT_TOPIC.match(topic)
    if audit:
        return map_audit(read_audit(audit["type"], audit["id"], notification.event_body))
    return "not a trunk or audit topic"


def _idempotency_key(notification: Notification, event_id: str | None) -> str:
    metadata = notification.metadata
    correlation = metadata.get("CorrelationId") or metadata.get("correlationId")
    key_base = event_id or (str(correlation) if correlation else None)
    if key_base is None:
        # No delivery id: hash the content so a resend of the same notification is one message.
        key_base = json.dumps(notification.model_dump(by_alias=True), sort_keys=True)
    return f"genesys:{notification.topic_name}:{key_base}"


# ---------------------------------------------------------------------------- audits


def read_audit(entity_type: str, entity_id: str, body: Mapping[str, Any]) -> AuditEvent:
    """An audit notification's body, shaped like the SDK's `AuditTopicAuditLogMessage`."""
    entity = body.get("entity")
    name = entity.get("name") if isinstance(entity, dict) else None
    action = body.get("action")
    changes = body.get("propertyChanges")
    return AuditEvent(
        entity_type=entity_type,
        entity_id=entity_id,
        entity_name=name if isinstance(name, str) and name else None,
        action=action if isinstance(action, str) else None,
        property_changes=tuple(map(_property_change, changes)) if isinstance(changes, list) else (),
    )


def _property_change(item: object) -> PropertyChange:
    if not isinstance(item, dict):
        return PropertyChange("")
    name = item.get("property")
    return PropertyChange(
        name if isinstance(name, str) else "",
        _strings(item.get("oldValues")),
        _strings(item.get("newValues")),
    )


def _strings(values: object) -> tuple[str, ...]:
    return tuple(v for v in values if isinstance(v, str)) if isinstance(values, list) else ()


def _base_property(name: str) -> str:
    return re.split(r"[.\[]", name, maxsplit=1)[0].lower()


def map_audit(audit: AuditEvent) -> AnyCommand | str:
    """One row of `_AUDIT_RULES` per entity type byoc-sync cares about; the rest ignored."""
    if audit.action and audit.action.lower() in _READ_ONLY_ACTIONS:
        return f"{audit.action} of a {audit.entity_type} changes nothing"
    rule = _AUDIT_RULES.get(audit.entity_type.lower())
    if rule is None:
        return f"a {audit.entity_type} is nothing byoc-sync manages or watches"
    return rule(audit)


def _reason(audit: AuditEvent) -> str:
    what = f"{audit.entity_type} {audit.entity_name or audit.entity_id}"
    return f"Genesys audit: {audit.action or 'change'} of {what}"


def _ivr_changed(audit: AuditEvent) -> ReconcileNumbers:
    """A DNIS edit names exactly the numbers to look at: those added and those removed
    (a delete that lists the old DNIS included). Genesys may list the DNIS whole on both
    sides, so what both sides hold is left out. Without an edit — no propertyChanges, or
    other properties only — and on a rename (the name is what makes an IVR managed), the
    worker reconciles every number of that IVR, or routed to it."""
    edited: set[str] = set()
    for change in audit.changed("dnis"):
        edited |= set(_numbers_in(change.old_values)) ^ set(_numbers_in(change.new_values))
    dnis = tuple(sorted(edited))
    if dnis and not audit.changed("name"):
        return ReconcileNumbers(phone_numbers=dnis, reason=_reason(audit))
    return ReconcileNumbers(
        phone_numbers=dnis,
        genesys_ivr_id=audit.entity_id,
        genesys_ivr_name=audit.entity_name,
        reason=_reason(audit),
    )


def _did_pool_changed(audit: AuditEvent) -> ReconcileNumbers:
    return ReconcileNumbers(genesys_did_pool_id=audit.entity_id, reason=_reason(audit))


def _did_changed(audit: AuditEvent) -> ReconcileNumbers:
    """A DID is named by its number; without one (no name, nothing in the changes) the
    DID id alone places nothing, so every number is reconciled."""
    named = _numbers_in([audit.entity_name] if audit.entity_name else [])
    changed = _numbers_in(v for c in audit.property_changes for v in (*c.old_values, *c.new_values))
    return ReconcileNumbers(phone_numbers=named or changed, reason=_reason(audit))


def _trunk_changed(audit: AuditEvent) -> EvaluateTrunkGroup:
    return EvaluateTrunkGroup(genesys_trunk_id=audit.entity_id, reason=_reason(audit))


def _routing_changed(audit: AuditEvent) -> EvaluateTrunkGroup:
    """A trunk base or outbound route edited by hand may have undone a failover (the
    route's trunk order) or broken a member: every group is evaluated, as trunk bases and
    routes are not tied to one group by id."""
    return EvaluateTrunkGroup(reason=_reason(audit))


# Entity type (lower case: the SDK compares them so) → the command its change asks for.
_AUDIT_RULES: dict[str, Callable[[AuditEvent], AnyCommand]] = {
    "ivr": _ivr_changed,
    "didpool": _did_pool_changed,
    "did": _did_changed,
    "trunk": _trunk_changed,
    "trunkbase": _routing_changed,
    "outboundroute": _routing_changed,
}


def _numbers_in(values: Iterable[str]) -> tuple[str, ...]:
    """The phone numbers in audit values, each read as the planner reads a DNIS entry;
    a value holding several entries is split."""
    found: set[str] = set()
    for value in values:
        whole = normalise_dnis(value)
        pieces = [whole] if whole else [normalise_dnis(p) for p in _VALUE_SEPARATORS.split(value)]
        found.update(p for p in pieces if p)
    return tuple(sorted(found))
