"""`byoc-sync numbers …`: the joined view, and buying or releasing one number."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from cli.runtime import JsonOption, PolicyOption, err, operator_errors
from shared import bootstrap
from shared.domain.commands import PurchaseRequest
from shared.domain.e164 import InvalidNumberError, to_e164
from shared.numbers.provisioning import (
    ProvisioningResult,
    check_purchase,
    purchase,
    release_number,
)
from shared.reconcile.inventory import number_rows
from shared.reconcile.snapshot import read_snapshot

app = typer.Typer(help="List, buy and release numbers.", no_args_is_help=True)


@app.command("list")
def list_numbers(policy: PolicyOption = None, as_json: JsonOption = False) -> None:
    """Every number: Twilio, trunk, DID pool, IVR, route, and whether it drifted."""
    with operator_errors():
        app = bootstrap.app()
        routing = app.policy(policy)
        with err.status("reading Twilio and Genesys…"):
            rows = number_rows(routing, read_snapshot(app.twilio, app.genesys))
    if as_json:
        typer.echo(json.dumps([row.model_dump() for row in rows], indent=2))
        return
    table = Table("number", "Twilio trunk", "DID pool", "IVR", "route", "status")
    for row in rows:
        pool = "—" if row.did_pool is None else ("owned" if row.did_pool_owned else "not owned")
        style = "green" if row.status == "in sync" else "yellow"
        table.add_row(
            row.phone_number,
            row.twilio_trunk or ("—" if row.on_twilio else "not on Twilio"),
            pool,
            ", ".join(row.ivrs) or "—",
            row.route or "—",
            f"[{style}]{row.status}[/{style}]",
        )
    Console().print(table)


@app.command("buy")
def buy(
    route: Annotated[str, typer.Option(help="Route in the policy the number is for.")],
    number: Annotated[str | None, typer.Option(help="Exact number to buy (E.164).")] = None,
    area_code: Annotated[str | None, typer.Option(help="Buy the first available here.")] = None,
    contains: Annotated[str | None, typer.Option(help="Twilio pattern, e.g. 555*.")] = None,
    toll_free: Annotated[bool, typer.Option(help="Search toll-free numbers.")] = False,
    friendly_name: Annotated[str | None, typer.Option(help="Twilio friendly name.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and show what would happen; buy nothing.")
    ] = False,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Buy a number and make it routable: trunk, DID pool, IVR DNIS."""
    try:
        request = PurchaseRequest(
            route=route,
            phone_number=number,
            area_code=area_code,
            contains=contains,
            kind="toll-free" if toll_free else "local",
            friendly_name=friendly_name,
        )
    except ValidationError as error:
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        err.print(f"[red]error:[/red] {reasons}", soft_wrap=True)
        raise typer.Exit(1) from error
    with operator_errors():
        app = bootstrap.app()
        routing = app.policy(policy)
        flow = check_purchase if dry_run else purchase
        result = flow(routing, app.twilio, app.genesys, request)
    _show(result, as_json)


@app.command("release")
def release(
    number: Annotated[str, typer.Argument(help="The number to release (E.164).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a number off its IVR, delete its DID pool, detach it and release it in Twilio.

    Irreversible: the number goes back to the carrier. Only numbers a route selects are
    released; reconcile never releases anything.
    """
    try:
        e164 = to_e164(number, "US")  # national formats are read as North American
    except InvalidNumberError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    if not yes:
        if not sys.stdin.isatty():
            err.print("error: not a terminal: pass --yes to release without asking")
            raise typer.Exit(1)
        typer.confirm(f"Release {e164} back to the carrier? This cannot be undone.", abort=True)
    with operator_errors():
        app = bootstrap.app()
        routing = app.policy(policy)
        result = release_number(routing, app.twilio, app.genesys, e164)
    _show(result, as_json)


def _show(result: ProvisioningResult, as_json: bool) -> None:
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        mark = "[green]✓[/green]" if result.ok else "[red]✗[/red]"
        Console().print(f"{mark} {result.phone_number}")
        for line in result.report:
            Console().print(f"  {line}", markup=False)
    if not result.ok:
        raise typer.Exit(1)
