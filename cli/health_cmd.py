"""`byoc-sync health …`: trunk groups as the failover engine sees them, and the operator's
hand on them (the only way back under `recovery: never`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.journaling import operator_run
from cli.runtime import JsonOption, PolicyOption, err, operator_errors
from cli.tables import described, indented, print_table, prose_column
from cli.typer_app import App
from shared import bootstrap
from shared.domain.journal import ChangeRecord, JournalEntry, switch_members
from shared.domain.policy import TrunkGroup
from shared.health.decision import GroupHealth, Switch, operator_move, operator_release
from shared.health.evaluate import HEALTH_PARTITION, GroupOutcome, evaluate_groups, read_estate
from shared.ports import JournalReadError, StateConflictError

EXIT_UNHEALTHY = 2  # a member is not up, or a group cannot be vouched for (see `show`)

app = App(invoke_without_command=True)  # its help is the docstring of `show`


def _rows(
    group: TrunkGroup, state: GroupHealth | None, probes: dict[str, str]
) -> list[dict[str, Any]]:
    rows = []
    for member in sorted(group.members, key=lambda m: m.priority):
        name = member.genesys_trunk
        health = state.members.get(name) if state else None
        rows.append(
            {
                "group": group.name,
                "member": name,
                "priority": member.priority,
                "active": bool(state and state.active == name),
                "state": health.state if health else "unknown",
                "failures": health.consecutive_failures if health else 0,
                "successes": health.consecutive_successes if health else 0,
                "last_probe": probes.get(name)
                or (health.last_reason if health else "never probed"),
                "last_probed_at": health.last_probed_at.isoformat()
                if health and health.last_probed_at
                else None,
            }
        )
    return rows


def _unhealthy(
    group: TrunkGroup, state: GroupHealth | None, outcome: GroupOutcome | None, *, probed: bool
) -> list[str]:
    """Why `group` keeps `health` from exiting 0, a phrase per reason ([] when healthy).

    Without --probe the engine's stored verdict decides: a member is down once it failed
    `failures_to_down` probes in a row, so one lost probe does not page anyone. With
    --probe the probe just made counts at once, as a check run by hand or by a monitor
    means it: a member failing it is not up now, whatever its counters say.
    """
    if outcome is not None and outcome.problem:
        return [f"{group.name}: failover cannot act ({outcome.problem})"]
    if state is None:
        return [f"{group.name}: not evaluated yet"]
    problems = []
    for member in sorted(group.members, key=lambda m: m.priority):
        name = member.genesys_trunk
        health = state.members.get(name)
        if health is None:
            problems.append(f"{group.name}: {name} never probed")
        elif health.state == "down":
            problems.append(f"{group.name}: {name} is down")
        elif probed and health.last_ok is False:
            problems.append(f"{group.name}: {name} failed its probe")
    return problems


def _ago(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{max(0, int(seconds))} s ago"


def _switch_line(switch: Switch | None, now: datetime) -> str:
    """The last change of the active member, for the table output."""
    if switch is None:
        return "last switch: none recorded"
    at = switch.at.astimezone(UTC)
    return (
        f"last switch {at:%Y-%m-%d %H:%M:%S} UTC ({_ago((now - at).total_seconds())}) "
        f"to {switch.to_member}: {switch.reason}"
    )


def _journal_switch_line(switch: JournalEntry, now: datetime) -> str:
    """The last route switch the journal holds: when, from → to (the trunk first on the
    route before and after), why."""
    at = switch.at.astimezone(UTC)
    was, now_first = switch_members(switch)
    return (
        f"last switch {at:%Y-%m-%d %H:%M:%S} UTC ({_ago((now - at).total_seconds())}): "
        f"{was or '—'} → {now_first or '—'}: {switch.reason or 'no reason given'}"
    )


def _switch_json(switch: JournalEntry | None) -> dict[str, Any] | None:
    if switch is None:
        return None
    was, now_first = switch_members(switch)
    return {
        "at": switch.at.isoformat(),
        "from_member": was,
        "to_member": now_first,
        "before": switch.before,
        "after": switch.after,
        "reason": switch.reason,
        "command_id": switch.command_id,
        "trigger": switch.trigger.value,
    }


def _journal_switches(names: list[str]) -> tuple[dict[str, JournalEntry | None], str | None]:
    """Each group's last route switch from the journal; a journal that cannot be read
    leaves the health view whole (with the state's own last switch) and says so."""
    journal = bootstrap.app().journal
    try:
        return {name: next(iter(journal.switches(name, 1)), None) for name in names}, None
    except JournalReadError as error:
        return {}, str(error)


def _members_table(rows: list[dict[str, Any]]) -> Table:
    """One group's members. The group heads its section instead of filling a column, and
    each last probe sits under its member, where it has the width of the table rather than
    a sliver of it."""
    table = Table(
        prose_column("member / last probe"),
        "prio",
        "state",
        "fail/ok",
        "active",
    )
    for row in rows:
        colour = {"up": "green", "down": "red"}.get(row["state"], "yellow")
        table.add_row(
            described(row["member"], row["last_probe"]),
            str(row["priority"]),
            Text(row["state"], style=colour),
            f"{row['failures']}/{row['successes']}",
            "✓" if row["active"] else "",
        )
    return table


@app.callback()
def show(
    ctx: typer.Context,
    probe: Annotated[
        bool,
        typer.Option(
            "--probe",
            help="Probe every member now and show the decision that would follow "
            "(nothing is saved or changed).",
        ),
    ] = False,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Trunk-group health: member states, probes, the preferred member.

    Without a command: each trunk group's members, their states and last probes, the
    preferred member and the last switch of the active member (when, to which member, why).

    Exit code, for cron and monitoring: 0 every member of every group is up, 2 a member is
    down (or failed the probe just made, with --probe), a group was never evaluated or its
    failover cannot act, 1 the command could not run.
    """
    if ctx.invoked_subcommand is not None:
        return
    with operator_errors():
        app = bootstrap.app()
        routing = app.policy(policy)
        store = app.state_store(HEALTH_PARTITION)
        outcomes: dict[str, GroupOutcome] = {}
        if probe:
            with err.status("probing trunk-group members…"):
                estate = read_estate(app.twilio, app.genesys)
                found = evaluate_groups(
                    routing.trunk_groups,
                    estate,
                    store=store,
                    probe=app.probe,
                    now=datetime.now(UTC),
                    genesys=app.genesys,
                    twilio=app.twilio,
                    dry_run=True,
                )
                outcomes = {outcome.group: outcome for outcome in found}
        rows: list[dict[str, Any]] = []
        summaries: dict[str, str] = {}
        states: dict[str, GroupHealth | None] = {}
        problems: list[str] = []
        for group in routing.trunk_groups:
            outcome = outcomes.get(group.name)
            if outcome is not None and outcome.decision is not None:
                state: GroupHealth | None = outcome.decision.state
                summaries[group.name] = outcome.summary()
            else:
                stored = store.load(group.name)
                state = GroupHealth.model_validate(stored.data) if stored else None
                summaries[group.name] = state.last_decision if state else "not evaluated yet"
            states[group.name] = state
            rows += _rows(group, state, outcome.probes if outcome else {})
            problems += _unhealthy(group, state, outcome, probed=probe)
        journaled, journal_problem = _journal_switches(list(summaries))
    if as_json:
        switches = {
            name: state.last_switch.model_dump(mode="json") if state and state.last_switch else None
            for name, state in states.items()
        }
        route_switches = {name: _switch_json(journaled.get(name)) for name in summaries}
        report = {
            "members": rows,
            "groups": summaries,
            "last_switch": switches,
            "last_route_switch": route_switches,
            "journal_error": journal_problem,
            "healthy": not problems,
            "problems": problems,
        }
        typer.echo(json.dumps(report, indent=2))
        if problems:
            raise typer.Exit(EXIT_UNHEALTHY)
        return
    console = Console()
    now = datetime.now(UTC)
    for index, (name, summary) in enumerate(summaries.items()):
        if index:
            console.print()
        heading = indented(f"{name}: {summary}", console.width, indent=0)
        console.print(heading, markup=False, highlight=False, soft_wrap=True)
        print_table(console, _members_table([row for row in rows if row["group"] == name]))
        state = states[name]
        switch = journaled.get(name)
        if switch is not None:
            text = _journal_switch_line(switch, now)
        elif state is not None:
            text = _switch_line(state.last_switch, now)
        else:
            text = ""
        if text:
            line = indented(text, console.width)
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    if journal_problem:
        console.print()
        line = indented(f"journal not read: {journal_problem}", console.width, indent=0)
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print()
    verdict = f"not healthy: {'; '.join(problems)}" if problems else "healthy: every member is up"
    line = indented(verdict, console.width, indent=0)
    console.print(line, markup=False, highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(EXIT_UNHEALTHY)


def _change_state(
    group_name: str,
    policy: Path | None,
    change: Callable[[GroupHealth, TrunkGroup], GroupHealth],
) -> tuple[TrunkGroup, GroupHealth, GroupHealth]:
    """Apply an operator's `change` to a group's stored health state and save it; the
    group, and its state before and after.

    Saved against the ETag it was read with: a health check that ran in between would
    otherwise have its verdict overwritten with a stale one.
    """
    app = bootstrap.app()
    routing = app.policy(policy)
    group = next((g for g in routing.trunk_groups if g.name == group_name), None)
    if group is None:
        err.print(f"[red]error:[/red] no trunk group {group_name!r} in the policy")
        raise typer.Exit(1)
    store = app.state_store(HEALTH_PARTITION)
    stored = store.load(group.name)
    if stored is None:
        err.print(f"[red]error:[/red] {group.name} has not been evaluated yet")
        raise typer.Exit(1)
    before = GroupHealth.model_validate(stored.data)
    try:
        after = change(before, group)
    except ValueError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    if after != before:
        try:
            store.save(group.name, after.model_dump(mode="json"), stored.etag)
        except StateConflictError as error:
            err.print(f"[red]error:[/red] {error}; try again")
            raise typer.Exit(1) from error
    return group, before, after


def _journal_operator(command_type: str, group: str, change: ChangeRecord) -> None:
    """An operator's hand on a group, in the journal (a failed write changes nothing here)."""
    with operator_run(bootstrap.app().journal, command_type, trunk_group=group) as run:
        run.record(change)
        run.steps = [f"{change.subject}: {change.before} → {change.after}"]


@app.command("move")
def move(
    group_name: Annotated[str, typer.Argument(metavar="GROUP", help="Trunk group name.")],
    member: Annotated[str, typer.Argument(help="Genesys trunk to make active.")],
    policy: PolicyOption = None,
) -> None:
    """Make MEMBER the active one (how traffic returns under `recovery: never`).

    The next health evaluation reorders Genesys and Twilio accordingly. Under
    `recovery: on_success` the move also pins MEMBER, or that evaluation would recover
    straight back: it stays active while it is up; if it goes down the group fails over and
    returns to it once it is up again. `byoc-sync health release GROUP` removes the pin.
    """
    with operator_errors():
        group, before, moved = _change_state(
            group_name,
            policy,
            lambda state, in_policy: operator_move(state, in_policy, member, datetime.now(UTC)),
        )
        pinned = " (pinned)" if moved.pinned is not None else ""
        _journal_operator(
            "health_move",
            group.name,
            ChangeRecord(
                subject=f"trunk group {group.name} active member",
                before=before.active,
                after=f"{moved.active}{pinned}",
                reason="moved by an operator (byoc-sync health move)",
                trunk_group=group.name,
            ),
        )
    typer.echo(f"{group.name}: {member} is active; the next health check applies it")
    if moved.pinned is not None:
        typer.echo(
            f"  pinned: it stays active while it is up (recovery: on_success is held); "
            f"release with `byoc-sync health release {group.name}`"
        )
    health = moved.members.get(member)
    if health is not None and health.state == "down":
        typer.echo(
            f"  note: {member} is down; the next health check keeps traffic on an up member "
            "until it is up again"
        )


@app.command("release")
def release(
    group_name: Annotated[str, typer.Argument(metavar="GROUP", help="Trunk group name.")],
    policy: PolicyOption = None,
) -> None:
    """Remove the pin `health move` set: GROUP follows its recovery policy again.

    Nothing moves at once; the next health check decides with fresh probes (under
    `recovery: on_success` it returns traffic to the best-priority member that is up).
    """
    with operator_errors():
        group, before, _ = _change_state(
            group_name, policy, lambda state, _group: operator_release(state)
        )
        if before.pinned is not None:
            _journal_operator(
                "health_release",
                group.name,
                ChangeRecord(
                    subject=f"trunk group {group.name} pin",
                    before=f"pinned on {before.pinned}",
                    after="released",
                    reason="released by an operator (byoc-sync health release)",
                    trunk_group=group.name,
                ),
            )
    if before.pinned is None:
        typer.echo(f"{group.name}: nothing pinned")
        return
    typer.echo(
        f"{group.name}: released the pin on {before.pinned}; the next health check follows "
        f"recovery: {group.recovery.value} again"
    )
