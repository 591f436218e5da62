"""What the status page shows, as data: assembled from the health state, the journal and the
timers' last runs, with no I/O, so every rule of what is shown is a plain test.

The page answers an operator's glance: is every trunk group on a member that is up, and if
traffic moved, when and why; did the last reconcile find drift; is anything stuck (pending)
or given up on (dead-lettered); are the timers running at all. What it leaves out matters as
much: the health check queues one evaluation per group every minute, so evaluations that
succeeded and changed nothing are counted, not listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.domain.journal import (
    JournalEntry,
    OperationOutcome,
    Trigger,
    is_route_switch,
    operation_state,
    switch_members,
)
from shared.domain.policy import TrunkGroup
from shared.health.decision import GroupHealth
from shared.status.timer_runs import TIMER_LABELS, TimerOutcome, TimerRun

# How many of each list the page shows (the newest); the rest are counted.
SWITCHES_PER_GROUP = 5
RECENT_COMMANDS = 20
RECENT_CHANGES = 30
LISTED_PENDING = 50
LISTED_DEAD_LETTERED = 50
RECONCILE_CHANGES = 30

# Health evaluations are routine: listed only when they changed something or did not succeed.
ROUTINE_COMMAND = "evaluate_trunk_group"
RECONCILE_COMMAND = "reconcile"
# Reconciles over the estate (the schedule, an operator) are the ones that look for drift;
# an event's or the change feed's reconcile covers the few numbers it names.
ESTATE_TRIGGERS = frozenset({Trigger.TIMER, Trigger.OPERATOR})


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class MemberView(_View):
    name: str
    priority: int
    state: Literal["up", "down", "unknown"]
    active: bool
    failures: int = 0
    successes: int = 0
    last_probe: str = ""
    last_probed_at: datetime | None = None


class SwitchView(_View):
    """One change of a group's active member. From the journal when it holds it (with the
    trigger and command); otherwise the health state's own record of the last switch."""

    at: datetime
    from_member: str | None  # first on the route before the switch
    to_member: str | None  # and after it
    reason: str
    trigger: str | None = None
    command_id: str | None = None


class GroupView(_View):
    name: str
    evaluated: bool
    active: str | None
    active_since: datetime | None
    pinned: str | None
    summary: str  # the latest evaluation's verdict
    members: tuple[MemberView, ...]
    switches: tuple[SwitchView, ...]  # newest first


class ChangeView(_View):
    at: datetime
    command_id: str
    command_type: str
    trigger: str
    subject: str
    before: str | None
    after: str | None
    reason: str
    phone_numbers: tuple[str, ...]
    trunk_group: str | None


class CommandView(_View):
    command_id: str
    command_type: str
    status: OperationOutcome
    trigger: str
    reason: str
    steps: tuple[str, ...]
    phone_numbers: tuple[str, ...]
    trunk_group: str | None
    accepted_at: datetime | None
    updated_at: datetime
    delivery: int | None
    changes: int  # vendor changes it made (within the window)


class ReconcileView(_View):
    command: CommandView
    changes: tuple[ChangeView, ...]  # newest first, at most RECONCILE_CHANGES
    change_count: int


class TimerView(_View):
    name: str
    label: str
    last: TimerRun | None


class StatusView(_View):
    generated_at: datetime
    since: datetime  # the journal window the lists cover
    problems: tuple[str, ...]  # what needs a look, one phrase each ([] = all well)
    groups: tuple[GroupView, ...]
    last_reconcile: ReconcileView | None
    pending: tuple[CommandView, ...]
    pending_count: int
    dead_lettered: tuple[CommandView, ...]
    dead_lettered_count: int
    recent_commands: tuple[CommandView, ...]
    routine_hidden: int  # health evaluations that succeeded and changed nothing
    recent_changes: tuple[ChangeView, ...]
    change_count: int
    timers: tuple[TimerView, ...]
    journal_problem: str | None = None  # the journal could not be read: why


def _newest_first(entries: Iterable[JournalEntry]) -> list[JournalEntry]:
    return sorted(entries, key=lambda e: (e.at, e.entry_id), reverse=True)


def _member_views(group: TrunkGroup, state: GroupHealth | None) -> tuple[MemberView, ...]:
    views = []
    for member in sorted(group.members, key=lambda m: m.priority):
        name = member.genesys_trunk
        health = state.members.get(name) if state else None
        views.append(
            MemberView(
                name=name,
                priority=member.priority,
                state=health.state if health else "unknown",
                active=bool(state and state.active == name),
                failures=health.consecutive_failures if health else 0,
                successes=health.consecutive_successes if health else 0,
                last_probe=health.last_reason if health else "never probed",
                last_probed_at=health.last_probed_at if health else None,
            )
        )
    return tuple(views)


def _switch_views(
    group: str, state: GroupHealth | None, switches: Sequence[JournalEntry]
) -> tuple[SwitchView, ...]:
    from_journal = [
        SwitchView(
            at=entry.at,
            from_member=switch_members(entry)[0],
            to_member=switch_members(entry)[1],
            reason=entry.reason,
            trigger=entry.trigger.value,
            command_id=entry.command_id,
        )
        for entry in _newest_first(switches)
        if is_route_switch(entry) and entry.trunk_group == group
    ][:SWITCHES_PER_GROUP]
    last = state.last_switch if state else None
    # The health state's own record wins when the journal lacks it: a switch from before the
    # journal, pruned, or whose journal write failed (writing the journal never blocks a
    # switch). The journal's entry of a switch is written after the decision, so never older.
    if last is None or (from_journal and from_journal[0].at >= last.at):
        return tuple(from_journal)
    recorded = SwitchView(
        at=last.at, from_member=last.from_member, to_member=last.to_member, reason=last.reason
    )
    return (recorded, *from_journal)[:SWITCHES_PER_GROUP]


def _group_view(
    group: TrunkGroup, state: GroupHealth | None, switches: Sequence[JournalEntry]
) -> GroupView:
    return GroupView(
        name=group.name,
        evaluated=state is not None,
        active=state.active if state else None,
        active_since=state.active_since if state else None,
        pinned=state.pinned if state else None,
        summary=(state.last_decision or "evaluated") if state else "not evaluated yet",
        members=_member_views(group, state),
        switches=_switch_views(group.name, state, switches),
    )


def _change_view(entry: JournalEntry) -> ChangeView:
    return ChangeView(
        at=entry.at,
        command_id=entry.command_id,
        command_type=entry.command_type,
        trigger=entry.trigger.value,
        subject=entry.subject,
        before=entry.before,
        after=entry.after,
        reason=entry.reason,
        phone_numbers=entry.phone_numbers,
        trunk_group=entry.trunk_group,
    )


def _command_views(entries: Sequence[JournalEntry]) -> list[CommandView]:
    """One view per command seen in the window, newest update first."""
    by_command: dict[str, list[JournalEntry]] = {}
    for entry in entries:
        by_command.setdefault(entry.command_id, []).append(entry)
    views = []
    for command_id, own in by_command.items():
        state = operation_state(own)
        if state is None:  # only its changes fell inside the window
            continue
        first = min(own, key=lambda e: (e.at, e.entry_id))
        group = next((e.trunk_group for e in own if e.trunk_group), None)
        views.append(
            CommandView(
                command_id=command_id,
                command_type=state.command_type,
                status=state.status,
                trigger=first.trigger.value,
                reason=state.reason,
                steps=state.steps,
                phone_numbers=state.phone_numbers,
                trunk_group=group,
                accepted_at=state.accepted_at,
                updated_at=state.updated_at,
                delivery=state.delivery,
                changes=sum(1 for e in own if e.kind == "change"),
            )
        )
    return sorted(views, key=lambda v: v.updated_at, reverse=True)


def _routine(command: CommandView) -> bool:
    return (
        command.command_type == ROUTINE_COMMAND
        and command.status is OperationOutcome.SUCCEEDED
        and command.changes == 0
    )


def _last_reconcile(
    commands: Sequence[CommandView], changes: Sequence[JournalEntry]
) -> ReconcileView | None:
    reconciles = [c for c in commands if c.command_type == RECONCILE_COMMAND]
    over_estate = [c for c in reconciles if c.trigger in ESTATE_TRIGGERS]
    chosen = next(iter(over_estate or reconciles), None)
    if chosen is None:
        return None
    own = [e for e in changes if e.command_id == chosen.command_id]
    return ReconcileView(
        command=chosen,
        changes=tuple(_change_view(e) for e in own[:RECONCILE_CHANGES]),
        change_count=len(own),
    )


def _problems(
    groups: Sequence[GroupView],
    dead_lettered: int,
    timers: Sequence[TimerView],
    journal_problem: str | None,
) -> tuple[str, ...]:
    found: list[str] = []
    for group in groups:
        if not group.evaluated:
            found.append(f"{group.name} has not been evaluated yet")
        found.extend(
            f"{group.name}: {member.name} is down"
            for member in group.members
            if member.state == "down"
        )
    if dead_lettered:
        found.append(f"{dead_lettered} dead-lettered command(s)")
    found.extend(
        f"the {timer.label} timer failed on its last run"
        for timer in timers
        if timer.last is not None and timer.last.outcome is TimerOutcome.FAILED
    )
    if journal_problem:
        found.append(f"the journal could not be read: {journal_problem}")
    return tuple(found)


def assemble(
    *,
    now: datetime,
    since: datetime,
    groups: Sequence[TrunkGroup],
    health: Mapping[str, GroupHealth | None],
    entries: Sequence[JournalEntry],
    switches: Mapping[str, Sequence[JournalEntry]],
    timer_runs: Mapping[str, TimerRun | None],
    journal_problem: str | None = None,
) -> StatusView:
    """The page's content from what was read: the policy's groups, their stored health
    states, the journal's entries since `since` (any order), each group's newest route
    switches (whenever they were) and the timers' last runs."""
    ordered = _newest_first(entries)
    changes = [e for e in ordered if e.kind == "change"]
    group_views = tuple(
        _group_view(g, health.get(g.name), switches.get(g.name, ())) for g in groups
    )
    commands = _command_views(ordered)
    pending = [
        c for c in commands if c.status in {OperationOutcome.QUEUED, OperationOutcome.RUNNING}
    ]
    dead = [c for c in commands if c.status is OperationOutcome.DEAD_LETTERED]
    listed = [c for c in commands if not _routine(c)]
    timers = tuple(
        TimerView(name=name, label=label, last=timer_runs.get(name))
        for name, label in TIMER_LABELS.items()
    )
    return StatusView(
        generated_at=now,
        since=since,
        problems=_problems(group_views, len(dead), timers, journal_problem),
        groups=group_views,
        last_reconcile=_last_reconcile(commands, changes),
        pending=tuple(pending[:LISTED_PENDING]),
        pending_count=len(pending),
        dead_lettered=tuple(dead[:LISTED_DEAD_LETTERED]),
        dead_lettered_count=len(dead),
        recent_commands=tuple(listed[:RECENT_COMMANDS]),
        routine_hidden=len(commands) - len(listed),
        recent_changes=tuple(_change_view(e) for e in changes[:RECENT_CHANGES]),
        change_count=len(changes),
        timers=timers,
        journal_problem=journal_problem,
    )
