"""Twilio webhooks → commands, or alerts to record, or a reason to ignore them.

Two things Twilio sends are about the carrier path, and they carry the same meaning:
- an Event Streams `com.twilio.error-logs.error.logged` CloudEvent (a webhook sink delivers
  a JSON array of CloudEvents), whose `data.error_code` is a string such as "32011";
- the Console Debugger webhook: form fields, the alert as JSON in `Payload`
  (`error_code`, `resource_sid`, `more_info`, …).
Both go through one table, `ERROR_CODES`: what each Elastic SIP Trunking code means and
what byoc-sync does about it.

- Origination (Twilio could not deliver an inbound call to an origination URI: 32010,
  32011) → evaluate the trunk group on the trunk the alert names (a TK SID anywhere in it),
  or every group when it names none.
- Termination (Twilio refused an outbound call from Genesys: calls per second, caller ID,
  ACL or credentials, geographic permissions) → no failover: the other member would be
  refused the same way. The alert is returned as an `ObservedAlert`, which the events
  function logs and counts per trunk for the audit's carrier-side rule.
- Any other code — most of 32xxx is Programmable Voice, SIP Domains, ConversationRelay and
  the like — is acknowledged and ignored with the reason.

Call and message events (`com.twilio.voice.*`, `com.twilio.messaging.*`, a voice or SMS
webhook) are ignored too: a call is not a change to its number, so the `phone_number_sid`
a call carries reconciles nothing. Twilio pushes no event when a number's configuration
changes; the Twilio change feed (pulled) and the reconcile timer find that drift. Everything
else is ignored with a reason.
Ignored events are still acknowledged (200), so Twilio does not retry them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.domain.commands import EvaluateTrunkGroup
from shared.events import EventMapping, MappedCommand, ObservedAlert
from shared.events.webhooks import VerifiedTwilioRequest

_TRUNK_SID = re.compile(r"\bTK[0-9a-fA-F]{32}\b")
MAX_EVENTS_PER_REQUEST = 500
ERROR_LOG_EVENT = "com.twilio.error-logs.error.logged"
DEBUGGER_ALERT = "debugger-alert"


class TwilioEventError(ValueError):
    """The body is authentic but not something this endpoint understands (→ 400)."""


class Handling(StrEnum):
    EVALUATE = "evaluate"  # origination: a member may be failing → evaluate its group
    OBSERVE = "observe"  # termination: carrier-side, no failover → log, count, audit


@dataclass(frozen=True)
class ErrorCodeRow:
    code: int
    meaning: str  # the Error Dictionary's title for the code
    handling: Handling


# One row per Twilio error code byoc-sync acts on (https://www.twilio.com/docs/api/errors/<code>).
ERROR_CODES: Mapping[int, ErrorCodeRow] = {
    row.code: row
    for row in (
        ErrorCodeRow(32010, "SIP: No valid Origination URIs configured", Handling.EVALUATE),
        ErrorCodeRow(
            32011,
            "Error communicating with your SIP communications infrastructure",
            Handling.EVALUATE,
        ),
        ErrorCodeRow(32001, "SIP: Trunk CPS limit exceeded", Handling.OBSERVE),
        ErrorCodeRow(
            32012, "SIP: Parent account pooled Trunking CPS limit exceeded", Handling.OBSERVE
        ),
        ErrorCodeRow(
            32100, "SIP: Trial accounts can only call verified caller IDs", Handling.OBSERVE
        ),
        ErrorCodeRow(32204, "SIP: 'From' phone number not verified", Handling.OBSERVE),
        # Its dictionary page was not found: this title is ours (a caller ID refusal, assumed).
        ErrorCodeRow(32206, "SIP: caller ID refused on termination", Handling.OBSERVE),
        ErrorCodeRow(32201, "SIP: Source IP address not in ACL", Handling.OBSERVE),
        ErrorCodeRow(32202, "SIP: Bad user credentials", Handling.OBSERVE),
        ErrorCodeRow(
            32205,
            "SIP: No international permission (Voice Geographic Permissions)",
            Handling.OBSERVE,
        ),
    )
}

# Event kinds ignored outright: (CloudEvent type prefix, or form field present) → why.
CALL_EVENT = "a call event: calls change nothing byoc-sync manages"
MESSAGE_EVENT = "a message event: byoc-sync does not handle messaging"
IGNORED_EVENT_TYPES: tuple[tuple[str, str], ...] = (
    ("com.twilio.voice.", CALL_EVENT),
    ("com.twilio.messaging.", MESSAGE_EVENT),
)
IGNORED_FORM_FIELDS: tuple[tuple[str, str], ...] = (
    ("CallSid", "a voice webhook or call status callback: calls change nothing byoc-sync manages"),
    ("MessageSid", "a messaging webhook: byoc-sync does not handle messaging"),
    ("SmsSid", "a messaging webhook: byoc-sync does not handle messaging"),
)


class CloudEvent(BaseModel):
    """The CloudEvents 1.0 envelope Event Streams delivers; `data` is the event type's schema."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: str = Field(pattern=r"^1\.")
    type: str = Field(min_length=1)
    source: str = ""
    id: str = Field(min_length=1)
    time: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


Outcome = MappedCommand | ObservedAlert | str


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _error_code(data: Mapping[str, Any]) -> int | None:
    for key in ("error_code", "ErrorCode", "errorCode"):
        raw = data.get(key)
        if isinstance(raw, int | str) and str(raw).isdigit():
            return int(raw)
    return None


def _when(*candidates: object) -> datetime | None:
    """The first candidate that is an ISO 8601 time (UTC when it names no offset)."""
    for raw in candidates:
        if not isinstance(raw, str) or not raw:
            continue
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def classify_error(
    data: Mapping[str, Any],
    where: str,
    key: str,
    occurred_at: datetime | None,
    alert_sid: object = None,
) -> Outcome:
    """An error alert (error-logs event data or Debugger payload) → what it leads to.

    `key` identifies the delivery; a recorded alert is identified by its alert SID (`NO…`)
    when the source gives one, so the same alert from both sources is counted once."""
    code = _error_code(data)
    if code is None:
        return f"{where}: the alert carries no error code"
    row = ERROR_CODES.get(code)
    if row is None:
        return (
            f"{where}: error {code} is not an Elastic SIP Trunking origination or "
            "termination error byoc-sync acts on"
        )
    trunk = next((m.group(0) for s in _strings(data) if (m := _TRUNK_SID.search(s))), None)
    if row.handling is Handling.EVALUATE:
        command = EvaluateTrunkGroup(twilio_trunk_sid=trunk, reason=f"Twilio {code}: {row.meaning}")
        return MappedCommand(command, key)
    alert_key = f"twilio-alert:{alert_sid}" if isinstance(alert_sid, str) and alert_sid else key
    return ObservedAlert(code, row.meaning, trunk, occurred_at, alert_key)


def classify_cloud_event(event: CloudEvent) -> Outcome:
    key = f"twilio-event:{event.id}"
    if event.type == ERROR_LOG_EVENT:
        occurred_at = _when(event.time, event.data.get("date_created"))
        return classify_error(event.data, event.type, key, occurred_at, event.data.get("sid"))
    for prefix, reason in IGNORED_EVENT_TYPES:
        if event.type.startswith(prefix):
            return f"{event.type}: {reason}"
    return f"{event.type}: not an error-log event"


def classify_form(form: Mapping[str, str], key: str) -> Outcome:
    if "Payload" in form:  # the Console Debugger webhook
        try:
            payload = json.loads(form["Payload"])
        except json.JSONDecodeError as error:
            raise TwilioEventError(f"Payload is not JSON: {error.msg}") from error
        if not isinstance(payload, dict):
            raise TwilioEventError("Payload is not a JSON object")
        when = _when(form.get("Timestamp"))
        return classify_error(payload, DEBUGGER_ALERT, key, when, form.get("Sid"))
    for field, reason in IGNORED_FORM_FIELDS:
        if form.get(field):
            return f"webhook: {reason}"
    return "webhook: not a Debugger alert"


def _cloud_events(text: str) -> list[CloudEvent]:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise TwilioEventError(f"body is not JSON: {error.msg} at {error.pos}") from error
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items:
        raise TwilioEventError("an empty batch of events")
    if len(items) > MAX_EVENTS_PER_REQUEST:
        raise TwilioEventError(f"more than {MAX_EVENTS_PER_REQUEST} events in one request")
    events = []
    for index, item in enumerate(items):
        try:
            events.append(CloudEvent.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(map(str, first["loc"])) or "event"
            raise TwilioEventError(f"event {index}: {where}: {first['msg']}") from error
    return events


def _mapping(outcomes: list[Outcome]) -> EventMapping:
    return EventMapping(
        commands=tuple(o for o in outcomes if isinstance(o, MappedCommand)),
        ignored=tuple(o for o in outcomes if isinstance(o, str)),
        observed=tuple(o for o in outcomes if isinstance(o, ObservedAlert)),
    )


def map_twilio_request(
    request: VerifiedTwilioRequest, idempotency_token: str | None
) -> EventMapping:
    """Commands, alerts to record and reasons to ignore, for one authentic request.
    `idempotency_token` is Twilio's `I-Twilio-Idempotency-Token`: the same token on a
    redelivery yields the same command ids (and the same alert is counted once)."""
    if request.json_body is not None:
        return _mapping([classify_cloud_event(e) for e in _cloud_events(request.json_body)])
    form = {name: values[0] for name, values in request.form.items() if values}
    ids = ("Sid", "CallSid", "MessageSid", "SmsSid")
    base = idempotency_token or next((form[f] for f in ids if form.get(f)), "")
    if not base:
        raise TwilioEventError("form webhook without Sid or I-Twilio-Idempotency-Token")
    return _mapping([classify_form(form, f"twilio-webhook:{base}")])
