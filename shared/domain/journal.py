"""The journal: what byoc-sync did, when, why and on whose behalf.

byoc-sync changes live telephony on its own (a failover at 3 a.m.), so every command it
accepts and runs, and every vendor change a command makes, is appended as one entry. The
operator's questions ("why did my route flip?", "did my purchase finish?", "what did the
last reconcile change?") are answered from these entries alone, never by asking a vendor.

Entries are facts appended once and never edited: a command's state is the newest of its
command entries (`operation_state`), a group's last switch the newest route change
(`last_switch`). Everything here is pure; storing and reading live behind the
`JournalReader`/`JournalWriter` ports.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field


class Trigger(StrEnum):
    """Who or what set a command going."""

    API = "api"
    EVENT = "event"
    FEED = "feed"
    TIMER = "timer"
    OPERATOR = "operator"


class CommandStatus(StrEnum):
    ACCEPTED = "accepted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD_LETTERED = "dead_lettered"


EntryKind = Literal["command", "change"]

# A route switch's subject is "outbound route 'NAME' trunk order" (`route_switch_subject`).
_ROUTE_SWITCH_PREFIX = "outbound route "
_ROUTE_SWITCH_SUFFIX = " trunk order"


# A switch's before and after are the route's trunks in order, joined by this.
ROUTE_ORDER_SEPARATOR = ", "


def route_switch_subject(route_name: str) -> str:
    return f"{_ROUTE_SWITCH_PREFIX}{route_name!r}{_ROUTE_SWITCH_SUFFIX}"


class JournalEntry(BaseModel, frozen=True):
    """One fact: a command changed state, or a command changed something at a vendor."""

    entry_id: str = Field(min_length=1, max_length=64)  # sortable by time, unique
    at: datetime  # UTC
    kind: EntryKind
    command_id: str
    command_type: str  # the command's `type` (purchase_number, reconcile, ...)
    correlation_id: str
    trigger: Trigger
    status: CommandStatus | None = None  # set on kind == "command"
    phone_numbers: tuple[str, ...] = ()
    trunk_group: str | None = None
    subject: str = ""  # what changed
    before: str | None = None
    after: str | None = None
    reason: str = ""  # why (change) / failure reason (failed, dead_lettered)
    steps: tuple[str, ...] = ()  # steps done so far (command entries)
    delivery: int | None = None  # Service Bus delivery count when known


def new_entry_id(at: datetime) -> str:
    """Time-sortable and unique: microseconds since the epoch (fixed width) plus random
    hex, so entries written in the same microsecond by two workers never collide and a
    lexical sort is a time sort."""
    return f"{_micros(at):017d}-{secrets.token_hex(4)}"


class OperationOutcome(StrEnum):
    """What the operation-status endpoint answers; `queued` is a command accepted but not
    yet picked up by a worker."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD_LETTERED = "dead_lettered"


class OperationState(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str
    command_type: str
    status: OperationOutcome
    reason: str = ""
    steps: tuple[str, ...] = ()
    phone_numbers: tuple[str, ...] = ()
    accepted_at: datetime | None = None
    updated_at: datetime
    delivery: int | None = None

    @property
    def finished(self) -> bool:
        return self.status in {
            OperationOutcome.SUCCEEDED,
            OperationOutcome.FAILED,
            OperationOutcome.DEAD_LETTERED,
        }


_OUTCOME_OF = {
    CommandStatus.ACCEPTED: OperationOutcome.QUEUED,
    CommandStatus.RUNNING: OperationOutcome.RUNNING,
    CommandStatus.SUCCEEDED: OperationOutcome.SUCCEEDED,
    CommandStatus.FAILED: OperationOutcome.FAILED,
    CommandStatus.DEAD_LETTERED: OperationOutcome.DEAD_LETTERED,
}

# A later delivery's "running" must not hide an earlier final answer written out of order,
# and a retried delivery's "running" does supersede an earlier "failed" (it is retrying).
_RANK = {
    CommandStatus.ACCEPTED: 0,
    CommandStatus.RUNNING: 1,
    CommandStatus.FAILED: 1,
    CommandStatus.SUCCEEDED: 2,
    CommandStatus.DEAD_LETTERED: 2,
}


def operation_state(entries: Iterable[JournalEntry]) -> OperationState | None:
    """One command's state from its entries (any order); None when none is a command
    entry. The newest command entry decides, except that a final answer (succeeded,
    dead-lettered) is never overtaken: once done, a duplicate delivery's "running" or a
    stray write does not make it look unfinished again."""
    commands = sorted(
        (e for e in entries if e.kind == "command" and e.status is not None),
        key=lambda e: (e.at, e.entry_id),
    )
    if not commands:
        return None
    deciding = commands[0]
    for entry in commands[1:]:
        assert entry.status is not None and deciding.status is not None
        if _RANK[deciding.status] < 2 or _RANK[entry.status] >= 2:
            deciding = entry
    assert deciding.status is not None
    numbers: list[str] = []
    for entry in commands:
        numbers.extend(n for n in entry.phone_numbers if n not in numbers)
    accepted = next((e.at for e in commands if e.status is CommandStatus.ACCEPTED), None)
    return OperationState(
        command_id=deciding.command_id,
        command_type=deciding.command_type,
        status=_OUTCOME_OF[deciding.status],
        reason=deciding.reason,
        steps=deciding.steps,
        phone_numbers=tuple(numbers),
        accepted_at=accepted,
        updated_at=deciding.at,
        delivery=deciding.delivery,
    )


def is_route_switch(entry: JournalEntry) -> bool:
    """A change of the order of a group's trunks on its outbound route: a failover or a
    recovery (`route_switch_subject`)."""
    return (
        entry.kind == "change"
        and entry.subject.startswith(_ROUTE_SWITCH_PREFIX)
        and entry.subject.endswith(_ROUTE_SWITCH_SUFFIX)
    )


def switch_members(switch: JournalEntry) -> tuple[str | None, str | None]:
    """The trunk first on the route before a switch and after it: from → to."""

    def first(order: str | None) -> str | None:
        return order.split(ROUTE_ORDER_SEPARATOR)[0] if order else None

    return first(switch.before), first(switch.after)


def last_switch(entries_of_group: Sequence[JournalEntry]) -> JournalEntry | None:
    """The newest route switch among a group's entries (any order), or None."""
    switches = [e for e in entries_of_group if is_route_switch(e)]
    return max(switches, key=lambda e: (e.at, e.entry_id), default=None)


class CommandOrigin(BaseModel):
    """What every entry of one command repeats: which command, traced how, started by
    whom. Services are handed one and stamp their change entries with it."""

    model_config = ConfigDict(frozen=True)

    command_id: str
    command_type: str
    correlation_id: str
    trigger: Trigger


def command_entry(
    origin: CommandOrigin,
    status: CommandStatus,
    at: datetime,
    *,
    phone_numbers: Sequence[str] = (),
    trunk_group: str | None = None,
    reason: str = "",
    steps: Sequence[str] = (),
    delivery: int | None = None,
) -> JournalEntry:
    return JournalEntry(
        entry_id=new_entry_id(at),
        at=at,
        kind="command",
        command_id=origin.command_id,
        command_type=origin.command_type,
        correlation_id=origin.correlation_id,
        trigger=origin.trigger,
        status=status,
        phone_numbers=tuple(phone_numbers),
        trunk_group=trunk_group,
        reason=reason,
        steps=tuple(steps),
        delivery=delivery,
    )


def change_entry(
    origin: CommandOrigin,
    at: datetime,
    *,
    subject: str,
    before: str | None = None,
    after: str | None = None,
    reason: str = "",
    phone_numbers: Sequence[str] = (),
    trunk_group: str | None = None,
) -> JournalEntry:
    return JournalEntry(
        entry_id=new_entry_id(at),
        at=at,
        kind="change",
        command_id=origin.command_id,
        command_type=origin.command_type,
        correlation_id=origin.correlation_id,
        trigger=origin.trigger,
        phone_numbers=tuple(phone_numbers),
        trunk_group=trunk_group,
        subject=subject,
        before=before,
        after=after,
        reason=reason,
    )


class ChangeRecord(BaseModel):
    """A vendor change as a service reports it, before it is stamped with the command that
    made it (`change_entry`). Services return these; the handler journals them."""

    model_config = ConfigDict(frozen=True)

    subject: str
    before: str | None = None
    after: str | None = None
    reason: str = ""
    phone_numbers: tuple[str, ...] = ()
    trunk_group: str | None = None


def entry_of_change(origin: CommandOrigin, record: ChangeRecord, at: datetime) -> JournalEntry:
    return change_entry(
        origin,
        at,
        subject=record.subject,
        before=record.before,
        after=record.after,
        reason=record.reason,
        phone_numbers=record.phone_numbers,
        trunk_group=record.trunk_group,
    )


# ---------------------------------------------------------------------- storage layout
# Each entry is written once per question it answers: under its command, under each number
# and group it concerns, and under its UTC day. Each question is then a range query inside
# one partition; rows in a partition sort newest first (inverted time in the row key), so
# "the newest N" is the first N rows and "since T" is a row-key upper bound.

_MAX_MICROS = 10**17 - 1  # 17 digits hold microseconds since 1970 for the next 1,000 years
_KEY_SAFE = " -_.~:+@"  # table keys may not hold / \ # ? or control characters


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(at: datetime) -> int:
    return (at.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)


def _key(text: str) -> str:
    return quote(text, safe=_KEY_SAFE)


def command_partition(command_id: str) -> str:
    return f"cmd:{_key(command_id)}"


def number_partition(phone_number: str) -> str:
    return f"num:{_key(phone_number)}"


def group_partition(trunk_group: str) -> str:
    return f"grp:{_key(trunk_group)}"


def switch_partition(trunk_group: str) -> str:
    """A group's route switches alone: "the last switch" is the first row, however many
    routine health checks the group's own partition holds."""
    return f"sw:{_key(trunk_group)}"


def day_of(at: datetime) -> date:
    return at.astimezone(UTC).date()


def day_partition(day: date) -> str:
    return f"day:{day.isoformat()}"


DAY_PARTITION_PREFIX = "day:"


def partitions_of(entry: JournalEntry) -> tuple[str, ...]:
    """Every partition the entry is written to; its command's first, so the operation
    status of a command is the part most likely to be stored when a write fails half-way."""
    keys = [command_partition(entry.command_id), day_partition(day_of(entry.at))]
    keys += [number_partition(n) for n in dict.fromkeys(entry.phone_numbers)]
    if entry.trunk_group:
        keys.append(group_partition(entry.trunk_group))
        if is_route_switch(entry):
            keys.append(switch_partition(entry.trunk_group))
    return tuple(keys)


def newest_first_prefix(at: datetime) -> str:
    """The time part of a row key: smaller for later times, fixed width."""
    return f"{_MAX_MICROS - _micros(at):017d}"


def row_key_of(entry: JournalEntry) -> str:
    return f"{newest_first_prefix(entry.at)}-{_key(entry.entry_id)}"


def since_upper_bound(since: datetime) -> str:
    """Row keys of entries at or after `since` are below this ('.' sorts after '-')."""
    return f"{newest_first_prefix(since)}."


def retention_cutoff(now: datetime, retention_days: int) -> date:
    """The first UTC day the journal keeps: days before it are pruned whole, so an entry
    lives `retention_days` full days, and at most one day more."""
    return day_of(now) - timedelta(days=retention_days)


def days_between(since: datetime, until: datetime) -> list[date]:
    """The UTC days from `until`'s back to `since`'s, newest first."""
    first, last = day_of(since), day_of(until)
    count = (last - first).days
    return [date.fromordinal(last.toordinal() - i) for i in range(count + 1)]
