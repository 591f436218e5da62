"""Twilio's change feed: each change reconciled once, by number, across polls and restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain.commands import ReconcileNumbers
from shared.domain.model import TwilioChange, TwilioNumber
from shared.events.twilio_feed import KEY, commit, poll
from shared.ports import TerminalVendorError
from tests.support.memory_store import MemoryStore

T0 = datetime(2026, 12, 1, 12, 0, 0, 400000, tzinfo=UTC)


class Account:
    """The Monitor events and numbers of an account (StartDate is inclusive)."""

    def __init__(self) -> None:
        self.changes: list[TwilioChange] = []
        self.numbers: dict[str, str] = {}

    def change(self, kind: str, sid: str, at: datetime) -> None:
        event = f"AE{len(self.changes):032d}"
        self.changes.append(
            TwilioChange(
                sid=event, event_type=kind, resource_sid=sid, event_date=at.replace(microsecond=0)
            )
        )

    def changes_since(self, event_type: str, start: datetime) -> list[TwilioChange]:
        return [c for c in self.changes if c.event_type == event_type and c.event_date >= start]

    def fetch_number(self, number_sid: str) -> TwilioNumber:
        if number_sid not in self.numbers:
            raise TerminalVendorError("twilio", "fetch", 404, "20404", "not found")
        return TwilioNumber(sid=number_sid, phone_number=self.numbers[number_sid])


def polled(account: Account, store: MemoryStore, at: datetime) -> list[ReconcileNumbers]:
    result = poll(account, store, at, "cid")  # type: ignore[arg-type]
    if result is None:
        return []
    commit(store, result)
    return [e.command for e in result.commands]  # type: ignore[misc]


def test_the_first_poll_starts_at_its_own_second_and_queues_nothing() -> None:
    account, store = Account(), MemoryStore()
    assert polled(account, store, T0) == []
    assert store.rows[KEY].data["since"] == "2026-12-01T12:00:00+00:00"


def test_a_number_bought_in_the_console_is_reconciled_by_itself_once() -> None:
    account, store = Account(), MemoryStore()
    polled(account, store, T0)
    account.numbers["PN1"] = "+12025550150"
    account.change("phone-number.created", "PN1", T0)  # the same second as the watermark
    account.change("phone-number.updated", "PN1", T0 + timedelta(seconds=5))
    [command] = polled(account, store, T0 + timedelta(seconds=30))
    assert command.phone_numbers == ("+12025550150",) and not command.every_number
    # The next poll asks from the last event's second again and skips what it handled.
    assert polled(account, store, T0 + timedelta(seconds=60)) == []


def test_a_poll_lost_before_its_watermark_was_saved_is_repeated_with_the_same_key() -> None:
    account, store = Account(), MemoryStore()
    polled(account, store, T0)
    account.numbers["PN1"] = "+12025550150"
    account.change("phone-number.created", "PN1", T0 + timedelta(seconds=3))
    lost = poll(account, store, T0 + timedelta(seconds=30), "cid")  # type: ignore[arg-type]
    again = poll(account, store, T0 + timedelta(seconds=60), "cid")  # type: ignore[arg-type]
    assert lost is not None and again is not None
    # Queued twice, the same command id: Service Bus keeps one (duplicate detection).
    assert [e.command_id for e in lost.commands] == [e.command_id for e in again.commands]


def test_a_released_number_cannot_be_named_so_every_number_is_reconciled() -> None:
    account, store = Account(), MemoryStore()
    polled(account, store, T0)
    account.change("phone-number.deleted", "PN9", T0 + timedelta(seconds=2))
    [command] = polled(account, store, T0 + timedelta(seconds=30))
    assert command.every_number
    account.change("phone-number.updated", "PN8", T0 + timedelta(seconds=40))  # gone since
    [command] = polled(account, store, T0 + timedelta(seconds=60))
    assert command.every_number
