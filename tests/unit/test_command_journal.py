"""What a command delivery journals: running, then succeeded with its steps, failed with
its reason, or dead-lettered on the queue's last delivery; each change as it is made; and
what services report as changes, before → after and why."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sandbox.azure.memory_journal import MemoryJournal
from shared import handlers
from shared.domain.commands import ReconcileNumbers, envelope
from shared.domain.journal import (
    ChangeRecord,
    CommandStatus,
    Trigger,
    entry_of_change,
    is_route_switch,
    switch_members,
)
from shared.domain.model import OriginationUrl, OutboundRoute
from shared.handlers import CommandFailedError, CommandResult, Delivery, execute
from shared.health.actions import ReorderOutboundRoute, SetOriginationUrl, record_of
from shared.ports import RetriesExhausted
from shared.reconcile import journal_records
from shared.reconcile.apply import Outcome, Status
from shared.reconcile.changes import AddDnis, CreateDidPool

NUMBER = "+12025550100"
QUEUED = envelope(
    ReconcileNumbers(phone_numbers=(NUMBER,)), correlation_id="cid-9", trigger=Trigger.EVENT
)


def _context(journal: MemoryJournal) -> Any:
    return SimpleNamespace(journal=journal, policy=lambda: None)


def _run(
    handler: Any, monkeypatch: pytest.MonkeyPatch, delivery: int = 1
) -> tuple[MemoryJournal, BaseException | None]:
    monkeypatch.setitem(handlers.HANDLERS, ReconcileNumbers, handler)
    journal = MemoryJournal()
    try:
        execute(QUEUED, _context(journal), delivery_count=delivery, max_deliveries=3)
    except Exception as error:
        return journal, error
    return journal, None


def test_a_delivery_that_succeeds_is_running_then_succeeded_with_its_changes_between(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def reconcile(_: ReconcileNumbers, delivery: Delivery, result: CommandResult) -> None:
        delivery.changes.record(ChangeRecord(subject="Genesys DID pool", after="created"))
        result.lines = ["reconcile: 1 change(s) applied"]

    journal, error = _run(reconcile, monkeypatch)
    assert error is None
    entries = journal.for_command(QUEUED.command_id)
    assert [(e.kind, e.status) for e in entries] == [
        ("command", CommandStatus.RUNNING),
        ("change", None),
        ("command", CommandStatus.SUCCEEDED),
    ]
    assert entries[-1].steps == ("reconcile: 1 change(s) applied",)
    assert all(e.trigger is Trigger.EVENT and e.correlation_id == "cid-9" for e in entries)
    assert all(e.phone_numbers == (NUMBER,) for e in entries if e.kind == "command")


def _gives_up(_: ReconcileNumbers, delivery: Delivery, result: CommandResult) -> None:
    delivery.changes.record(ChangeRecord(subject=f"Twilio number {NUMBER}", after="bought"))
    raise RetriesExhausted("Genesys", "create DID pool", 2, RuntimeError("HTTP 500"))


def test_a_failed_delivery_is_journaled_with_its_reason_and_what_it_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    journal, error = _run(_gives_up, monkeypatch, delivery=2)
    assert isinstance(error, RetriesExhausted), "the failure still reaches the trigger"
    last = journal.for_command(QUEUED.command_id)[-1]
    assert last.status is CommandStatus.FAILED and last.delivery == 2
    assert last.reason.startswith("Genesys create DID pool: gave up after 2 attempt(s)")
    assert last.steps == (f"Twilio number {NUMBER} → bought",)


def test_the_last_delivery_failing_is_dead_lettered(monkeypatch: pytest.MonkeyPatch) -> None:
    journal, error = _run(_gives_up, monkeypatch, delivery=3)
    assert error is not None
    assert journal.for_command(QUEUED.command_id)[-1].status is CommandStatus.DEAD_LETTERED


def test_command_failed_reasons_are_their_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def incomplete(*_: Any) -> None:
        raise CommandFailedError("reconcile (1 number) incomplete: ['add_dnis: failed']")

    journal, _ = _run(incomplete, monkeypatch)
    last = journal.for_command(QUEUED.command_id)[-1]
    assert last.reason == "reconcile (1 number) incomplete: ['add_dnis: failed']"


ROUTE = OutboundRoute(
    id="r1",
    site_id="s1",
    site_name="Site",
    name="Outbound-TG",
    version=3,
    external_trunk_base_ids=("b1", "b2"),
)


def test_a_route_reorder_is_a_switch_from_one_member_to_the_other() -> None:
    action = ReorderOutboundRoute(
        ROUTE, ("b2", "b1"), ("Backup", "Primary"), "failover", ("Primary", "Backup")
    )
    record = record_of(action, "TG")
    assert (record.before, record.after, record.reason) == (
        "Primary, Backup",
        "Backup, Primary",
        "failover",
    )
    entry = entry_of_change(QUEUED.origin, record, QUEUED.issued_at)
    assert is_route_switch(entry) and switch_members(entry) == ("Primary", "Backup")


def test_an_origination_url_change_says_its_priority_and_state_before_and_after() -> None:
    url = OriginationUrl(
        sid="OU1",
        sip_url="sip:primary.example.net",
        priority=10,
        weight=10,
        enabled=True,
        friendly_name="p",
    )
    record = record_of(SetOriginationUrl("TK1", url, 20, False, "failover"), "TG")
    assert (record.before, record.after) == ("priority 10, enabled", "priority 20, disabled")
    assert not is_route_switch(entry_of_change(QUEUED.origin, record, QUEUED.issued_at))


def test_only_applied_changes_are_journaled_with_their_numbers() -> None:
    pool = CreateDidPool(phone_number=NUMBER, provider="BYOC", reason="purchase")
    assert journal_records.record_of(Outcome(pool, Status.FAILED, "HTTP 500")) is None
    made = journal_records.record_of(Outcome(pool, Status.DONE))
    assert made is not None and made.phone_numbers == (NUMBER,) and made.after == "created"
    dnis = AddDnis(ivr_id="i1", ivr_name="Main IVR", numbers=(NUMBER,), reason="purchase")
    added = journal_records.record_of(Outcome(dnis, Status.DONE))
    assert added is not None and added.subject == "Genesys IVR 'Main IVR' DNIS"
    assert added.after == f"added {NUMBER}"
