"""`byoc-sync policy …`: the routing policy's schema and validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.typer_app import App
from shared.domain.policy import load_policy, policy_json_schema
from shared.domain.yaml_source import SourceError

app = App(help="Inspect and validate the routing policy.", no_args_is_help=True)


@app.command("schema")
def schema() -> None:
    """Print the policy's JSON Schema (point your editor's YAML plugin at it)."""
    typer.echo(json.dumps(policy_json_schema(), indent=2, sort_keys=True))


@app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="Policy YAML file to validate.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """Validate a policy file. Exit 0 when valid, 1 with every problem and its line."""
    try:
        policy = load_policy(file)
    except SourceError as error:
        if as_json:
            problems = [
                {"location": p.location, "line": p.line, "column": p.column, "message": p.message}
                for p in error.problems
            ]
            typer.echo(json.dumps({"valid": False, "file": str(file), "problems": problems}))
        else:
            err = Console(stderr=True, highlight=False)
            # Never wrapped: a long path or message must stay one line an editor can jump to.
            err.print(f"[red]✗[/red] {file}: {len(error.problems)} problem(s)", soft_wrap=True)
            for problem in error.problems:
                err.print(f"  {problem}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from error
    summary = {
        "valid": True,
        "file": str(file),
        "mode": policy.mode.value,
        "trunk_groups": [g.name for g in policy.trunk_groups],
        "routes": [r.name for r in policy.routes],
    }
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(
            f"✓ {file}: valid — mode {policy.mode.value}, "
            f"{len(policy.trunk_groups)} trunk group(s), {len(policy.routes)} route(s)"
        )
