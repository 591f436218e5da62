"""The journal's pure rules: an operation's state from its entries, a group's last switch,
and the storage layout that makes each operator question one partition's range query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shared.domain.commands import (
    CommandEnvelope,
    EvaluateTrunkGroup,
    PurchaseNumber,
    PurchaseRequest,
    ReconcileNumbers,
    envelope,
)
from shared.domain.journal import (
    ChangeRecord,
    CommandOrigin,
    CommandStatus,
    JournalEntry,
    OperationOutcome,
    Trigger,
    change_entry,
    command_entry,
    days_between,
    entry_of_change,
    is_route_switch,
    last_switch,
    new_entry_id,
    operation_state,
    partitions_of,
    retention_cutoff,
    route_switch_subject,
    row_key_of,
    since_upper_bound,
)

T0 = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
ORIGIN = CommandOrigin(
    command_id="c1", command_type="purchase_number", correlation_id="cid", trigger=Trigger.API
)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _command(status: CommandStatus, seconds: float, **fields: object) -> JournalEntry:
    return command_entry(ORIGIN, status, _at(seconds), **fields)  # type: ignore[arg-type]


def test_no_command_entry_means_no_operation() -> None:
    assert operation_state([]) is None
    change = change_entry(ORIGIN, T0, subject="Twilio number +12025550100", after="bought")
    assert operation_state([change]) is None


def test_accepted_is_queued_and_running_then_succeeded_carries_the_steps() -> None:
    accepted = _command(CommandStatus.ACCEPTED, 0, phone_numbers=["+12025550100"])
    running = _command(CommandStatus.RUNNING, 1, delivery=1)
    state = operation_state([accepted])
    assert state is not None and state.status is OperationOutcome.QUEUED and not state.finished
    state = operation_state([running, accepted])
    assert state is not None and state.status is OperationOutcome.RUNNING
    done = _command(CommandStatus.SUCCEEDED, 2, steps=["purchase: done (PN1)"], delivery=1)
    state = operation_state([done, running, accepted])
    assert state is not None
    assert state.status is OperationOutcome.SUCCEEDED and state.finished
    assert state.steps == ("purchase: done (PN1)",)
    assert state.phone_numbers == ("+12025550100",)
    assert state.accepted_at == T0


def test_a_failed_delivery_retried_is_running_again_and_the_last_one_is_dead_lettered() -> None:
    entries = [
        _command(CommandStatus.ACCEPTED, 0),
        _command(CommandStatus.RUNNING, 1, delivery=1),
        _command(CommandStatus.FAILED, 2, reason="Twilio purchase: HTTP 500", delivery=1),
    ]
    state = operation_state(entries)
    assert state is not None and state.status is OperationOutcome.FAILED
    assert state.reason == "Twilio purchase: HTTP 500"
    entries.append(_command(CommandStatus.RUNNING, 3, delivery=2))
    state = operation_state(entries)
    assert state is not None and state.status is OperationOutcome.RUNNING
    entries.append(_command(CommandStatus.DEAD_LETTERED, 4, reason="gave up", delivery=2))
    state = operation_state(entries)
    assert state is not None and state.status is OperationOutcome.DEAD_LETTERED
    assert state.reason == "gave up" and state.delivery == 2


def test_a_finished_command_stays_finished_when_a_duplicate_delivery_runs() -> None:
    entries = [
        _command(CommandStatus.SUCCEEDED, 2, steps=["done"]),
        _command(CommandStatus.RUNNING, 5, delivery=2),
    ]
    state = operation_state(entries)
    assert state is not None and state.status is OperationOutcome.SUCCEEDED


def _switch(seconds: float, after: str) -> JournalEntry:
    record = ChangeRecord(
        subject=route_switch_subject("TG-Route"),
        before="A → B",
        after=after,
        reason="A down",
        trunk_group="TG",
    )
    return entry_of_change(ORIGIN, record, _at(seconds))


def test_last_switch_is_the_newest_route_reorder_of_the_group() -> None:
    url_change = change_entry(
        ORIGIN, _at(50), subject="Twilio origination URL sip:a", trunk_group="TG"
    )
    older, newer = _switch(10, "B → A"), _switch(20, "A → B")
    assert is_route_switch(newer) and not is_route_switch(url_change)
    assert last_switch([older, url_change, newer]) == newer
    assert last_switch([url_change]) is None


def test_entry_ids_sort_by_time_and_never_collide() -> None:
    ids = [new_entry_id(_at(s)) for s in (0, 0, 1, 100_000)]
    assert len(set(ids)) == 4
    assert ids[2] < ids[3] and max(ids[:2]) < ids[2]


def test_each_entry_goes_to_its_command_its_day_its_numbers_and_its_group() -> None:
    entry = command_entry(
        ORIGIN,
        CommandStatus.RUNNING,
        T0,
        phone_numbers=["+12025550100", "+12025550100", "+12025550101"],
        trunk_group="TG Primary/1",
    )
    assert partitions_of(entry) == (
        "cmd:c1",
        "day:2026-05-01",
        "num:+12025550100",
        "num:+12025550101",
        "grp:TG Primary%2F1",
    )
    assert partitions_of(_switch(0, "B → A"))[-1] == "sw:TG"


def test_newer_entries_sort_first_and_since_is_a_row_key_bound() -> None:
    old, new = _command(CommandStatus.RUNNING, 0), _command(CommandStatus.RUNNING, 60)
    assert row_key_of(new) < row_key_of(old)
    bound = since_upper_bound(_at(60))
    assert row_key_of(new) < bound < row_key_of(old)
    assert row_key_of(_command(CommandStatus.RUNNING, 59.999999)) > bound


@pytest.mark.parametrize(("days", "cutoff"), [(90, date(2026, 1, 31)), (1, date(2026, 4, 30))])
def test_retention_keeps_whole_days(days: int, cutoff: date) -> None:
    assert retention_cutoff(T0, days) == cutoff


def test_recent_walks_the_days_back_from_today() -> None:
    assert days_between(_at(-2 * 86400), T0) == [
        date(2026, 5, 1),
        date(2026, 4, 30),
        date(2026, 4, 29),
    ]


def test_the_envelope_names_its_trigger_numbers_and_group() -> None:
    bought = envelope(
        PurchaseNumber(request=PurchaseRequest(route="main", phone_number="+12025550100")),
        correlation_id="cid",
        trigger=Trigger.API,
    )
    assert bought.origin.trigger is Trigger.API and bought.phone_numbers == ("+12025550100",)
    checked = envelope(
        EvaluateTrunkGroup(trunk_group="TG"), correlation_id="cid", trigger=Trigger.TIMER
    )
    assert checked.trunk_group == "TG" and checked.origin.trigger is Trigger.TIMER


def test_a_message_queued_before_triggers_still_parses_and_gets_a_guess() -> None:
    body = envelope(ReconcileNumbers(), correlation_id="cid").model_dump(mode="json")
    body.pop("trigger")
    old = CommandEnvelope.model_validate(body)
    assert old.trigger is None and old.origin.trigger is Trigger.EVENT
