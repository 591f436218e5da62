"""`byoc-sync health …`: trunk groups as the failover engine sees them, and the operator's
hand on them (the only way back under `recovery: never`)."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.runtime import JsonOption, PolicyOption, err, operator_errors
from shared import bootstrap
from shared.domain.policy import TrunkGroup
from shared.health.decision import GroupHealth, Switch, operator_move
from shared.health.evaluate import HEALTH_PARTITION, GroupOutcome, evaluate_groups, read_estate
from shared.ports import StateConflictError

app = typer.Typer(
    help="Trunk-group health: member states, probes, the preferred member.",
    invoke_without_command=True,
)


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
    """Each trunk group: members, their states and last probes, the preferred member and
    the last switch of the active member (when, to which member, why)."""
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
    if as_json:
        switches = {
            name: state.last_switch.model_dump(mode="json") if state and state.last_switch else None
            for name, state in states.items()
        }
        report = {"members": rows, "groups": summaries, "last_switch": switches}
        typer.echo(json.dumps(report, indent=2))
        return
    table = Table("group", "member", "prio", "state", "fail/ok", "last probe", "active")
    for row in rows:
        colour = {"up": "green", "down": "red"}.get(row["state"], "yellow")
        table.add_row(
            row["group"],
            row["member"],
            str(row["priority"]),
            f"[{colour}]{row['state']}[/{colour}]",
            f"{row['failures']}/{row['successes']}",
            row["last_probe"],
            "✓" if row["active"] else "",
        )
    console = Console()
    console.print(table)
    now = datetime.now(UTC)
    for name, summary in summaries.items():
        console.print(f"{name}: {summary}", markup=False, soft_wrap=True)
        state = states[name]
        if state is not None:
            line = _switch_line(state.last_switch, now)
            wrapped = textwrap.fill(
                line,
                width=console.width,
                initial_indent="  ",
                subsequent_indent="    ",
                break_long_words=False,
                break_on_hyphens=False,  # trunk names stay whole
            )
            console.print(wrapped, markup=False, highlight=False, soft_wrap=True)


@app.command("move")
def move(
    group_name: Annotated[str, typer.Argument(metavar="GROUP", help="Trunk group name.")],
    member: Annotated[str, typer.Argument(help="Genesys trunk to make active.")],
    policy: PolicyOption = None,
) -> None:
    """Make MEMBER the active one (how traffic returns under `recovery: never`).

    The next health evaluation reorders Genesys and Twilio accordingly, unless MEMBER is down.
    """
    with operator_errors():
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
        try:
            moved = operator_move(
                GroupHealth.model_validate(stored.data), group, member, datetime.now(UTC)
            )
        except ValueError as error:
            err.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from error
        try:
            store.save(group.name, moved.model_dump(mode="json"), stored.etag)
        except StateConflictError as error:
            err.print(f"[red]error:[/red] {error}; try again")
            raise typer.Exit(1) from error
    typer.echo(f"{group.name}: {member} is active; the next health check applies it")
