"""Vendor events → commands: pure functions, no I/O, so every mapping is unit-testable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.commands import AnyCommand


@dataclass(frozen=True)
class MappedCommand:
    """A command plus the key that makes its id deterministic (the same event → one message)."""

    command: AnyCommand
    idempotency_key: str


@dataclass(frozen=True)
class ObservedAlert:
    """A vendor alert that changes nothing but is worth keeping: a Twilio termination-side
    error on a trunk (the carrier refused an outbound call). The events function logs it and
    counts it per trunk; the audit's carrier-side rule reports the counts."""

    code: int
    meaning: str
    twilio_trunk_sid: str | None  # None: the alert named no trunk
    occurred_at: datetime | None  # the vendor's time for it, when the event carries one
    event_key: str  # the same delivery (a vendor's retry) is counted once


@dataclass(frozen=True)
class EventMapping:
    commands: tuple[MappedCommand, ...]
    ignored: tuple[str, ...] = ()  # why each event that caused nothing was let go
    observed: tuple[ObservedAlert, ...] = ()  # alerts to record, not to act on
