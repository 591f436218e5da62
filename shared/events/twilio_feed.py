"""Twilio's change feed: a number bought or changed in the console is reconciled by itself,
within one feed interval, without waiting for the full reconcile.

Twilio logs every change to a number as a Monitor event (`phone-number.created`, `.updated`,
`.deleted`), whoever made it. A timer reads the events since its watermark, kept in the state
table, and queues one reconcile naming the numbers they concern, which reads those numbers
alone. The watermark is saved only after the command is queued: a restart repeats at most
one poll's window, which is harmless because reconciles are idempotent, and never skips one.
Events at the watermark's own second are remembered by SID, so the overlap queues nothing
twice.

A number's events name its SID, never the number. A created or updated number is fetched
by SID; a released one can no longer be fetched, so its event queues a reconcile of every
number (releases are rare, and the number must leave its IVR).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from shared.domain.commands import CommandEnvelope, ReconcileNumbers, envelope
from shared.domain.journal import Trigger
from shared.events.feeds import save_watermark
from shared.ports import StateStore, TerminalVendorError, TwilioPort

log = logging.getLogger(__name__)

PARTITION = "feeds"
KEY = "twilio-monitor"
EVENT_TYPES = ("phone-number.created", "phone-number.updated", "phone-number.deleted")
GONE = "phone-number.deleted"


class Dated(Protocol):
    """A Monitor record: events and alerts alike have a SID and a whole-second date."""

    @property
    def sid(self) -> str: ...

    @property
    def event_date(self) -> datetime: ...


D = TypeVar("D", bound=Dated)


@dataclass(frozen=True)
class Watermark:
    """Everything up to `since` is handled; of the events at `since` itself, those in `seen`."""

    since: datetime
    seen: frozenset[str] = frozenset()

    def to_record(self) -> dict[str, object]:
        return {"since": self.since.isoformat(), "seen": sorted(self.seen)}

    @classmethod
    def from_record(cls, data: dict[str, object]) -> Watermark:
        seen = data.get("seen")
        return cls(
            since=datetime.fromisoformat(str(data["since"])),
            seen=frozenset(str(s) for s in seen) if isinstance(seen, list) else frozenset(),
        )


def unseen(changes: Iterable[D], mark: Watermark) -> list[D]:
    """The changes after the watermark (Twilio's StartDate is inclusive: the events at the
    watermark's second come back and are skipped by SID)."""
    return [
        c
        for c in changes
        if c.event_date > mark.since or (c.event_date == mark.since and c.sid not in mark.seen)
    ]


def advanced(mark: Watermark, handled: Sequence[Dated]) -> Watermark:
    if not handled:
        return mark
    latest = max(c.event_date for c in handled)
    at_latest = {c.sid for c in handled if c.event_date == latest}
    if latest == mark.since:
        at_latest |= mark.seen
    return Watermark(latest, frozenset(at_latest))


@dataclass(frozen=True)
class FeedPoll:
    """One poll's outcome: the commands to queue, then the watermark to save."""

    commands: list[CommandEnvelope]
    watermark: Watermark
    changes: int
    stored_etag: str | None


def load_watermark(
    store: StateStore, key: str, now: datetime, feed: str
) -> tuple[Watermark, str] | None:
    """The feed's watermark and its ETag; None on the first poll, which only starts the
    watermark (the changes before it are the full reconcile's). Monitor dates have whole
    seconds, so the watermark starts at the second, not inside it."""
    stored = store.load(key)
    if stored is None:
        store.save(key, Watermark(now.replace(microsecond=0)).to_record(), None)
        log.info("%s feed: starts at %s", feed, now.isoformat())
        return None
    return Watermark.from_record(stored.data), stored.etag


def poll(
    twilio: TwilioPort, store: StateStore, now: datetime, correlation_id: str
) -> FeedPoll | None:
    """Read the changes since the watermark; None on the first poll (`load_watermark`)."""
    loaded = load_watermark(store, KEY, now, "Twilio change")
    if loaded is None:
        return None
    mark, etag = loaded
    changes = unseen(
        sorted(
            (c for kind in EVENT_TYPES for c in twilio.changes_since(kind, mark.since)),
            key=lambda c: (c.event_date, c.sid),
        ),
        mark,
    )
    numbers: dict[str, None] = {}
    every_number = False
    for change in changes:
        number = None if change.event_type == GONE else _number_of(twilio, change.resource_sid)
        if number is None:
            every_number = True
        else:
            numbers[number] = None
    commands = []
    if changes:
        key = hashlib.sha256(",".join(c.sid for c in changes).encode()).hexdigest()[:32]
        command = (
            ReconcileNumbers(reason="Twilio change feed: a number was released")
            if every_number
            else ReconcileNumbers(phone_numbers=tuple(numbers), reason="Twilio change feed")
        )
        commands.append(
            envelope(
                command,
                correlation_id=correlation_id,
                trigger=Trigger.FEED,
                idempotency_key=f"feed:{key}",
            )
        )
    return FeedPoll(commands, advanced(mark, changes), len(changes), etag)


def _number_of(twilio: TwilioPort, number_sid: str) -> str | None:
    """The E.164 number of a SID; None once it is released (404)."""
    try:
        return twilio.fetch_number(number_sid).phone_number
    except TerminalVendorError as error:
        if error.status == 404:
            return None
        raise


def commit(store: StateStore, result: FeedPoll) -> None:
    """Save the watermark once the commands are queued (see `feeds.save_watermark`)."""
    save_watermark(store, KEY, result.watermark.to_record(), result.stored_etag, "Twilio change")
