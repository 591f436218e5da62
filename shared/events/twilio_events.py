"""Twilio webhooks → commands.

Three shapes arrive at `POST /api/twilio/events`, all signed with the account's auth token:
- Event Streams webhook sinks: a JSON array of CloudEvents (or one CloudEvent);
- the Console Debugger webhook: form fields with the alert as JSON in `Payload`;
- number webhooks: form fields carrying `PhoneNumber`.
An alert for an Elastic SIP Trunking error (the 32xxx range: origination URI unreachable,
SIP errors from the SBC …) means a trunk-group member may be failing → evaluate the group.
Anything about a phone number means its configuration may have drifted → reconcile that
number (or every number when only a SID is known). Everything else is acknowledged and
ignored, so Twilio does not retry events we do not act on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.domain.commands import EvaluateTrunkGroup, ReconcileNumbers
from shared.domain.e164 import InvalidNumberError, to_e164
from shared.events import EventMapping, MappedCommand
from shared.events.webhooks import VerifiedTwilioRequest

SIP_TRUNKING_ERRORS = range(32000, 33000)
_TRUNK_SID = re.compile(r"\bTK[0-9a-fA-F]{32}\b")
_NUMBER_SID = re.compile(r"\bPN[0-9a-fA-F]{32}\b")
_NUMBER_KEYS = ("phone_number", "phonenumber", "PhoneNumber", "phoneNumber")
MAX_EVENTS_PER_REQUEST = 500


class TwilioEventError(ValueError):
    """The body is authentic but not something this endpoint understands (→ 400)."""


class CloudEvent(BaseModel):
    """The CloudEvents 1.0 envelope Event Streams delivers; `data` is the event type's schema."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: str = Field(pattern=r"^1\.")
    type: str = Field(min_length=1)
    source: str = ""
    id: str = Field(min_length=1)
    data: dict[str, Any] = Field(default_factory=dict)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _phone_number(data: Mapping[str, Any]) -> str | None:
    for key in _NUMBER_KEYS:
        raw = data.get(key)
        if isinstance(raw, str) and raw:
            try:
                return to_e164(raw)
            except InvalidNumberError:
                return None
    return None


def _error_code(data: Mapping[str, Any]) -> int | None:
    for key in ("error_code", "ErrorCode", "errorCode"):
        raw = data.get(key)
        if isinstance(raw, int | str) and str(raw).isdigit():
            return int(raw)
    return None


def _classify(data: Mapping[str, Any], event_type: str, key: str) -> MappedCommand | str:
    """One event's payload → a command, or the reason it is ignored."""
    code = _error_code(data)
    if code is not None and code in SIP_TRUNKING_ERRORS:
        trunk = next((m.group(0) for s in _strings(data) if (m := _TRUNK_SID.search(s))), None)
        return MappedCommand(
            EvaluateTrunkGroup(twilio_trunk_sid=trunk, reason=f"Twilio SIP trunking error {code}"),
            key,
        )
    number = _phone_number(data)
    if number is not None:
        return MappedCommand(
            ReconcileNumbers(phone_numbers=(number,), reason=f"Twilio event {event_type}"), key
        )
    if any(_NUMBER_SID.search(s) for s in _strings(data)) or "phone-number" in event_type:
        return MappedCommand(
            ReconcileNumbers(reason=f"Twilio event {event_type} about a number"), key
        )
    if code is not None:
        return f"{event_type}: error {code} is not a SIP trunking error"
    return f"{event_type}: not about a number or a trunk"


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


def map_twilio_request(
    request: VerifiedTwilioRequest, idempotency_token: str | None
) -> EventMapping:
    """Commands for one authentic request. `idempotency_token` is Twilio's
    `I-Twilio-Idempotency-Token`: the same token on a redelivery yields the same command ids."""
    commands: list[MappedCommand] = []
    ignored: list[str] = []
    if request.json_body is not None:
        for event in _cloud_events(request.json_body):
            key = f"twilio-event:{event.id}"
            outcome = _classify(event.data, event.type, key)
            if isinstance(outcome, MappedCommand):
                commands.append(outcome)
            else:
                ignored.append(outcome)
        return EventMapping(tuple(commands), tuple(ignored))
    form = {name: values[0] for name, values in request.form.items() if values}
    base = idempotency_token or form.get("Sid") or form.get("CallSid") or ""
    if not base:
        raise TwilioEventError("form webhook without Sid or I-Twilio-Idempotency-Token")
    if "Payload" in form:  # Console Debugger webhook
        try:
            payload = json.loads(form["Payload"])
        except json.JSONDecodeError as error:
            raise TwilioEventError(f"Payload is not JSON: {error.msg}") from error
        if not isinstance(payload, dict):
            raise TwilioEventError("Payload is not a JSON object")
        outcome = _classify(payload, "debugger-alert", f"twilio-webhook:{base}")
    else:
        outcome = _classify(form, "webhook", f"twilio-webhook:{base}")
    if isinstance(outcome, MappedCommand):
        return EventMapping((outcome,))
    return EventMapping((), (outcome,))
