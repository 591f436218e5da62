"""`byoc-sync rehearse`: the guide's failover validation, played against the sandbox.

It never touches real vendors: it starts its own emulators, SBC endpoints and Azurite, so it
answers "what would my policy do?" before anyone blocks a port on a live trunk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from cli.runtime import JsonOption, err, operator_errors
from cli.tables import print_table, prose_column
from sandbox.azure.azurite import AzuriteNotInstalledError
from sandbox.rehearsal import Rehearsal
from sandbox.runner import DEFAULT_POLICY, Sandbox
from sandbox.scenario import load_scenario
from shared import bootstrap
from shared.domain.policy import Recovery, load_policy


def _policy_path(option: Path | None) -> Path:
    if option is not None:
        return option
    settings = bootstrap.app().settings
    explicit = "byoc_policy_path" in settings.model_fields_set
    return settings.byoc_policy_path if explicit else DEFAULT_POLICY


def rehearse_command(
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="Routing policy to rehearse (default: BYOC_POLICY_PATH, else "
            "examples/policy.yaml).",
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            help="Sandbox scenario holding the trunks the policy names (YAML or name; "
            "default: 'default', or 'greenfield' when the policy builds its trunk groups, "
            "which are then built first, as `apply` would).",
            show_default=False,
        ),
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(
            "--group", metavar="GROUP", help="Rehearse only this trunk group (repeatable)."
        ),
    ] = None,
    recovery: Annotated[
        Recovery | None,
        typer.Option(help="Rehearse with this recovery mode instead of the policy's."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Try each trunk group's failover on a sandbox of its own before relying on it.

    Three states are played for each group: primary up, failover idle; primary down,
    failover active; primary back, traffic returned to it (recovery: on_success) or kept on
    the failover (never). After each, what both vendors hold is checked: the first trunk of
    the group's Genesys outbound route and the first enabled Twilio origination URL.

    Runs the real health engine (Genesys trunk state and SIP OPTIONS probes, state in
    Azurite, the route and origination-URL actions through the SDKs) against emulators,
    never a real vendor, with time simulated one probe interval per health check. Exit
    code: 0 every state passed, 2 a state failed, 1 the rehearsal could not run.
    """
    with operator_errors():
        path = _policy_path(policy)
        loaded = load_policy(path)
        wanted = [g for g in loaded.trunk_groups if not group or g.name in group]
        unknown = sorted(set(group or ()) - {g.name for g in loaded.trunk_groups})
        if unknown or not wanted:
            err.print(
                f"[red]error:[/red] no trunk group {', '.join(unknown) or 'at all'} in {path}"
            )
            raise typer.Exit(1)
        builds = any(g.build is not None for g in loaded.trunk_groups)
        scenario = scenario or ("greenfield" if builds else "default")
        sandbox = Sandbox(load_scenario(scenario))
        try:
            sandbox.start()
            probing = load_policy(sandbox.start_health(path))
        except AzuriteNotInstalledError as error:
            sandbox.stop()
            err.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from error
        try:
            rehearsal = Rehearsal(
                sandbox, probing, progress=lambda line: err.print(f"  {line}", markup=False)
            )
            try:
                rehearsal.build()
                results = [
                    rehearsal.rehearse(
                        next(g for g in probing.trunk_groups if g.name == w.name), recovery
                    )
                    for w in wanted
                ]
            finally:
                rehearsal.close()
        finally:
            sandbox.stop()
    if as_json:
        typer.echo(json.dumps({"groups": [r.as_dict() for r in results]}, indent=2))
    else:
        console = Console()
        for result in results:
            # Three columns of sentences share the width: a member name they mention folds
            # when it cannot fit, rather than being cut.
            table = Table(
                prose_column("state"),
                prose_column("expected"),
                prose_column("observed"),
                Column("result", no_wrap=True),
                title=f"{result.group} (recovery: {result.recovery})",
            )
            for check in result.checks:
                table.add_row(
                    check.state,
                    check.expected,
                    f"{check.observed} ({check.simulated_s} s simulated)",
                    "[green]PASS[/green]" if check.passed else "[red]FAIL[/red]",
                )
            if result.problem:
                table.add_row("—", "—", result.problem, "[red]NOT RUN[/red]")
            print_table(console, table)
    if any(result.problem for result in results):
        raise typer.Exit(1)
    if not all(result.passed for result in results):
        raise typer.Exit(2)
