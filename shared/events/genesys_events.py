"""Genesys Cloud notifications → commands.

Genesys delivers topic notifications over a notification channel (WebSocket) or to Amazon
EventBridge; neither can call an HTTPS endpoint by itself, so a bridge forwards them here
(an EventBridge API destination sends the EventBridge event — `detail-type`, `detail` —
as the body; a channel bridge sends the notification as is). Both carry the same
notification: `topicName`, `version`, `eventBody`, `metadata`.

Trunk topics (`v2.telephony.providers.edges.trunks.{id}` and its `.metrics`) → evaluate the
trunk group holding that trunk. Topics about DIDs, DID pools or IVR configurations → reconcile
(the numbers named in the event body, else every number). Anything else — the channel's
heartbeat included — is acknowledged and ignored.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.domain.commands import EvaluateTrunkGroup, ReconcileNumbers
from shared.domain.e164 import InvalidNumberError, to_e164
from shared.events import EventMapping, MappedCommand

_TRUNK_TOPIC = re.compile(r"^v2\.telephony\.providers\.edges\.trunks\.(?P<id>[^.]+)(?:\.metrics)?$")
_NUMBER_TOPIC_WORDS = ("did", "didpool", "didpools", "dids", "ivr", "ivrs")


class GenesysEventError(ValueError):
    """Authentic but not a Genesys notification (→ 400 with this reason)."""


class Notification(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    topic_name: str = Field(alias="topicName", min_length=1)
    version: str | None = None
    event_body: dict[str, Any] = Field(alias="eventBody", default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)


class EventBridgeEvent(BaseModel):
    """Amazon EventBridge's event envelope around a Genesys notification."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    id: str = Field(min_length=1)
    detail_type: str = Field(alias="detail-type")
    source: str = ""
    detail: Notification


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


def _numbers_in(body: dict[str, Any]) -> tuple[str, ...]:
    found: set[str] = set()
    stack: list[object] = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and item.startswith(("+", "tel:+")):
            try:
                found.add(to_e164(item.removeprefix("tel:")))
            except InvalidNumberError:
                continue
    return tuple(sorted(found))


def map_genesys_event(notification: Notification, event_id: str | None) -> EventMapping:
    topic = notification.topic_name
    correlation = notification.metadata.get("CorrelationId") or notification.metadata.get(
        "correlationId"
    )
    key_base = event_id or (str(correlation) if correlation else None)
    if key_base is None:
        # No delivery id: hash the content so a resend of the same notification is one message.
        key_base = json.dumps(notification.model_dump(by_alias=True), sort_keys=True)
    key = f"genesys:{topic}:{key_base}"
    trunk = _TRUNK_TOPIC.match(topic)
    if trunk:
        return EventMapping(
            (
                MappedCommand(
                    EvaluateTrunkGroup(genesys_trunk_id=trunk["id"], reason=f"Genesys {topic}"),
                    key,
                ),
            )
        )
    words = set(re.split(r"[.]", topic.lower()))
    if words & set(_NUMBER_TOPIC_WORDS):
        numbers = _numbers_in(notification.event_body)
        return EventMapping(
            (
                MappedCommand(
                    ReconcileNumbers(phone_numbers=numbers, reason=f"Genesys {topic}"), key
                ),
            )
        )
    return EventMapping((), (f"{topic}: not about trunks, DIDs or IVRs",))
