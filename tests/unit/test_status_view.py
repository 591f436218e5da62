"""What the status page shows, decided from the health state, the journal and the timers'
last runs (pure: no page, no store)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from shared.domain.journal import (
    ROUTE_ORDER_SEPARATOR,
    CommandOrigin,
    CommandStatus,
    JournalEntry,
    OperationOutcome,
    Trigger,
    change_entry,
    command_entry,
    is_route_switch,
    route_switch_subject,
)
from shared.domain.policy import TrunkGroup
from shared.health.decision import GroupHealth, MemberHealth, Switch
from shared.status.timer_runs import TimerOutcome, TimerRun
from shared.status.view import SWITCHES_PER_GROUP, StatusView, assemble

GROUP = "TG-Primary-Failover"
PRIMARY, BACKUP = "BYOC-Primary", "BYOC-Failover"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def trunk_group(name: str = GROUP) -> TrunkGroup:
    return TrunkGroup.model_validate(
        {
            "name": name,
            "twilio_trunk": "T",
            "site": "HQ",
            "outbound_route": "R",
            "members": [
                {
                    "genesys_trunk": PRIMARY,
                    "origination_url": "sip:p.example.com",
                    "probe": "sip:p.example.com",
                    "priority": 1,
                },
                {
                    "genesys_trunk": BACKUP,
                    "origination_url": "sip:b.example.com",
                    "probe": "sip:b.example.com",
                    "priority": 2,
                },
            ],
        }
    )


def failed_over(last_switch: Switch | None = None) -> GroupHealth:
    return GroupHealth(
        group=GROUP,
        active=BACKUP,
        active_since=NOW - timedelta(minutes=3),
        members={
            PRIMARY: MemberHealth(state="down", consecutive_failures=3, last_reason="timeout"),
            BACKUP: MemberHealth(state="up", consecutive_successes=9, last_reason="OPTIONS 200"),
        },
        last_decision=f"prefer {BACKUP}: {PRIMARY} is down",
        last_switch=last_switch,
    )


def origin(command_id: str, command_type: str, trigger: Trigger = Trigger.API) -> CommandOrigin:
    return CommandOrigin(
        command_id=command_id,
        command_type=command_type,
        correlation_id=f"cid-{command_id}",
        trigger=trigger,
    )


def command(
    command_id: str,
    command_type: str,
    *statuses: CommandStatus,
    at: datetime = NOW - timedelta(minutes=10),
    trigger: Trigger = Trigger.API,
    reason: str = "",
    numbers: Sequence[str] = (),
    group: str | None = None,
) -> list[JournalEntry]:
    """A command's entries, one second apart; the last status carries `reason`."""
    made = origin(command_id, command_type, trigger)
    return [
        command_entry(
            made,
            status,
            at + timedelta(seconds=index),
            reason=reason if index == len(statuses) - 1 else "",
            phone_numbers=numbers,
            trunk_group=group,
        )
        for index, status in enumerate(statuses)
    ]


def change(
    command_id: str,
    command_type: str,
    subject: str,
    *,
    at: datetime,
    before: str | None = None,
    after: str | None = None,
    reason: str = "",
    trigger: Trigger = Trigger.API,
    group: str | None = None,
) -> JournalEntry:
    return change_entry(
        origin(command_id, command_type, trigger),
        at,
        subject=subject,
        before=before,
        after=after,
        reason=reason,
        trunk_group=group,
    )


def view(
    entries: Sequence[JournalEntry] = (),
    health: GroupHealth | None = None,
    timers: dict[str, TimerRun | None] | None = None,
    journal_problem: str | None = None,
    switches: Sequence[JournalEntry] | None = None,
) -> StatusView:
    """The view of one group; its switches are those among `entries` unless given (the
    journal keeps them apart, however old)."""
    return assemble(
        now=NOW,
        since=NOW - timedelta(hours=24),
        groups=[trunk_group()],
        health={GROUP: health},
        entries=entries,
        switches={
            GROUP: [e for e in entries if is_route_switch(e)] if switches is None else switches
        },
        timer_runs=timers or {},
        journal_problem=journal_problem,
    )


DONE = (CommandStatus.ACCEPTED, CommandStatus.RUNNING, CommandStatus.SUCCEEDED)


def switch(command_id: str, minutes_ago: int, reason: str) -> list[JournalEntry]:
    at = NOW - timedelta(minutes=minutes_ago)
    return [
        *command(command_id, "evaluate_trunk_group", *DONE, at=at, group=GROUP),
        change(
            command_id,
            "evaluate_trunk_group",
            route_switch_subject("R"),
            at=at + timedelta(milliseconds=500),
            before=ROUTE_ORDER_SEPARATOR.join((PRIMARY, BACKUP)),
            after=ROUTE_ORDER_SEPARATOR.join((BACKUP, PRIMARY)),
            reason=reason,
            trigger=Trigger.TIMER,
            group=GROUP,
        ),
    ]


def test_a_failed_over_group_shows_its_active_member_states_and_the_switch_with_its_reason() -> (
    None
):
    shown = view(switch("eval-1", 3, f"{PRIMARY} is down (timeout)"), failed_over())
    (group,) = shown.groups
    assert group.active == BACKUP
    assert [(m.name, m.state, m.active) for m in group.members] == [
        (PRIMARY, "down", False),
        (BACKUP, "up", True),
    ]
    (last,) = group.switches
    assert last.reason == f"{PRIMARY} is down (timeout)"
    assert (last.from_member, last.to_member) == (PRIMARY, BACKUP)
    assert last.trigger == "timer" and last.command_id == "eval-1"
    assert f"{GROUP}: {PRIMARY} is down" in shown.problems


def test_switches_are_newest_first_and_only_the_last_few() -> None:
    entries = [e for n in range(SWITCHES_PER_GROUP + 2) for e in switch(f"e{n}", 60 - n, f"#{n}")]
    switches = view(entries, failed_over()).groups[0].switches
    newest = SWITCHES_PER_GROUP + 1
    assert [s.reason for s in switches] == [f"#{n}" for n in range(newest, 1, -1)]


def test_switches_older_than_the_window_still_show() -> None:
    last_week = switch("old", 7 * 24 * 60, "primary down last week")
    (group,) = view([], failed_over(), switches=last_week).groups
    assert [s.reason for s in group.switches] == ["primary down last week"]


def test_a_switch_newer_than_the_journal_knows_comes_first_from_the_health_state() -> None:
    """The journal write of the latest switch failed (it never blocks the switch)."""
    back = Switch(at=NOW - timedelta(minutes=1), from_member=BACKUP, to_member=PRIMARY, reason="r")
    (group,) = view(switch("moved", 30, "primary down"), failed_over(back)).groups
    assert [(s.to_member, s.reason) for s in group.switches] == [
        (PRIMARY, "r"),
        (BACKUP, "primary down"),
    ]
    journalled = Switch(
        at=NOW - timedelta(minutes=30), from_member=PRIMARY, to_member=BACKUP, reason="x"
    )
    (same,) = view(switch("moved", 30, "primary down"), failed_over(journalled)).groups
    assert [s.reason for s in same.switches] == ["primary down"]


def test_a_switch_the_journal_does_not_hold_comes_from_the_health_state() -> None:
    old = Switch(at=NOW - timedelta(days=3), from_member=PRIMARY, to_member=BACKUP, reason="why")
    (group,) = view([], failed_over(old)).groups
    (last,) = group.switches
    assert (last.from_member, last.to_member, last.reason, last.at) == (
        PRIMARY,
        BACKUP,
        "why",
        old.at,
    )


def test_a_group_never_evaluated_is_unknown_and_needs_a_look() -> None:
    shown = view()
    (group,) = shown.groups
    assert not group.evaluated and group.active is None
    assert {m.state for m in group.members} == {"unknown"}
    assert shown.problems == (f"{GROUP} has not been evaluated yet",)


def test_pending_commands_are_those_accepted_or_running_without_a_final_status() -> None:
    entries = [
        *command("queued", "purchase_number", CommandStatus.ACCEPTED, numbers=["+12025550100"]),
        *command("running", "release_number", CommandStatus.ACCEPTED, CommandStatus.RUNNING),
        *command("retrying", "purchase_number", CommandStatus.RUNNING, CommandStatus.FAILED),
        *command("done", "purchase_number", *DONE),
    ]
    shown = view(entries, failed_over())
    pending = {c.command_id: c.status for c in shown.pending}
    assert pending == {"queued": OperationOutcome.QUEUED, "running": OperationOutcome.RUNNING}
    assert shown.pending_count == 2
    assert next(c for c in shown.pending if c.command_id == "queued").phone_numbers == (
        "+12025550100",
    )


def test_dead_lettered_commands_are_listed_with_their_reason() -> None:
    reason = "Genesys POST did pool: HTTP 400 (bad.request): number in use"
    entries = command(
        "dead", "purchase_number", CommandStatus.RUNNING, CommandStatus.DEAD_LETTERED, reason=reason
    )
    shown = view(entries, failed_over())
    (dead,) = shown.dead_lettered
    assert (dead.command_id, dead.status, dead.reason) == (
        "dead",
        OperationOutcome.DEAD_LETTERED,
        reason,
    )
    assert "1 dead-lettered command(s)" in shown.problems


def test_routine_health_evaluations_are_counted_not_listed() -> None:
    entries = [
        *command("quiet-1", "evaluate_trunk_group", *DONE, group=GROUP),
        *command("quiet-2", "evaluate_trunk_group", *DONE, group=GROUP),
        *switch("moved", 2, "primary down"),
        *command("bought", "purchase_number", *DONE, at=NOW - timedelta(minutes=1)),
    ]
    shown = view(entries, failed_over())
    assert [c.command_id for c in shown.recent_commands] == ["bought", "moved"]
    assert shown.routine_hidden == 2


def test_the_last_reconcile_is_the_newest_scheduled_one_with_its_changes_as_drift() -> None:
    sweep_at = NOW - timedelta(minutes=14)
    entries = [
        *command("sweep", "reconcile", *DONE, at=sweep_at, trigger=Trigger.TIMER),
        change(
            "sweep",
            "reconcile",
            "IVR 'Main' DNIS",
            at=sweep_at + timedelta(seconds=1),
            before="[]",
            after="['+12025550100']",
            reason="missing from the IVR",
            trigger=Trigger.TIMER,
        ),
        *command("one-number", "reconcile", *DONE, at=NOW - timedelta(minutes=1)),
    ]
    last = view(entries, failed_over()).last_reconcile
    assert last is not None
    assert last.command.command_id == "sweep" and last.change_count == 1
    assert last.changes[0].reason == "missing from the IVR"


def test_without_a_scheduled_reconcile_the_newest_reconcile_is_the_last() -> None:
    entries = command("one-number", "reconcile", *DONE, trigger=Trigger.EVENT)
    last = view(entries, failed_over()).last_reconcile
    assert last is not None and last.command.command_id == "one-number"
    assert last.change_count == 0
    assert view([], failed_over()).last_reconcile is None


def test_recent_changes_are_newest_first() -> None:
    entries = [
        change("a", "purchase_number", "first", at=NOW - timedelta(minutes=5)),
        change("b", "purchase_number", "second", at=NOW - timedelta(minutes=1)),
    ]
    shown = view(entries, failed_over())
    assert [c.subject for c in shown.recent_changes] == ["second", "first"]
    assert shown.change_count == 2


def test_timers_are_listed_in_a_fixed_order_and_a_failed_one_needs_a_look() -> None:
    failed = TimerRun(
        timer="reconcile_timer",
        started_at=NOW - timedelta(minutes=1),
        finished_at=NOW - timedelta(minutes=1),
        outcome=TimerOutcome.FAILED,
        detail="MissingSettingError: BYOC_POLICY_PATH",
    )
    shown = view([], failed_over(), timers={"reconcile_timer": failed})
    assert [t.name for t in shown.timers] == [
        "health_check_timer",
        "reconcile_timer",
        "twilio_feed_timer",
        "twilio_alert_feed_timer",
        "genesys_audit_feed_timer",
        "audit_timer",
        "journal_prune_timer",
    ]
    assert shown.timers[1].last == failed and shown.timers[0].last is None
    assert "the reconcile timer failed on its last run" in shown.problems


def test_an_unreadable_journal_is_said_and_the_groups_still_shown() -> None:
    shown = view([], failed_over(), journal_problem="table unreachable")
    assert shown.groups[0].active == BACKUP
    assert "the journal could not be read: table unreachable" in shown.problems


def test_all_well_has_no_problems() -> None:
    healthy = failed_over().model_copy(
        update={"members": {PRIMARY: MemberHealth(), BACKUP: MemberHealth()}}
    )
    assert view([], healthy).problems == ()
