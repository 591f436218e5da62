"""`byoc-sync numbers …`: the joined view, and buying or releasing one number."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from cli.runtime import JsonOption, PolicyOption, err, fail, operator_errors
from cli.tables import indented, listing, name_column, print_table, prose_column
from shared import bootstrap
from shared.domain.commands import PurchaseRequest
from shared.domain.e164 import InvalidNumberError, country_code, to_e164
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
    trunks = [row.twilio_trunk or ("—" if row.on_twilio else "not on Twilio") for row in rows]
    routes = [row.route or "—" for row in rows]
    table = listing(
        name_column("number", [row.phone_number for row in rows]),
        name_column("Twilio trunk", trunks),
        "DID pool",
        prose_column("IVR"),
        name_column("route", routes),
        prose_column("status"),
    )
    # What drifted goes under the table, a line per number: as a column it would squeeze
    # the others, the number first among them.
    details: list[tuple[str, str]] = []
    for row, trunk, route in zip(rows, trunks, routes, strict=True):
        pool = "—" if row.did_pool is None else ("owned" if row.did_pool_owned else "not owned")
        style = "green" if row.status == "in sync" else "yellow"
        status, _, detail = row.status.partition(": ")
        if detail:
            details.append((row.phone_number, row.status))
        table.add_row(
            row.phone_number,
            trunk,
            pool,
            ", ".join(row.ivrs) or "—",
            route,
            Text(status, style=style),
        )
    console = Console()
    print_table(console, table)
    if details:
        console.print()
    for number, status in details:
        line = indented(f"{number}  {status}", console.width, indent=0, hang=len(number) + 2)
        console.print(line, markup=False, highlight=False, soft_wrap=True)


CountryOption = Annotated[
    str | None,
    typer.Option(
        help="Country (two letters, e.g. US) a national number is in; "
        "without it numbers must start with + and the country code.",
    ),
]


@app.command("buy")
def buy(
    route: Annotated[str, typer.Option(help="Route in the policy the number is for.")],
    number: Annotated[
        str | None,
        typer.Option(help="Exact number to buy: E.164 (+12025550150), or national with --country."),
    ] = None,
    area_code: Annotated[str | None, typer.Option(help="Buy the first available here.")] = None,
    contains: Annotated[str | None, typer.Option(help="Twilio pattern, e.g. 555*.")] = None,
    toll_free: Annotated[bool, typer.Option(help="Search toll-free numbers.")] = False,
    friendly_name: Annotated[str | None, typer.Option(help="Twilio friendly name.")] = None,
    country: CountryOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and show what would happen; buy nothing.")
    ] = False,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Buy a number and make it routable: trunk, DID pool, IVR DNIS."""
    country = _country_argument(country)
    e164 = None if number is None else _number_argument(number, country)
    try:
        request = PurchaseRequest(
            route=route,
            phone_number=e164,
            area_code=area_code,
            contains=contains,
            kind="toll-free" if toll_free else "local",
            friendly_name=friendly_name,
            **({"country": country} if country else {}),
        )
    except ValidationError as error:
        fail("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors()))
    with operator_errors():
        app = bootstrap.app()
        routing = app.policy(policy)
        flow = check_purchase if dry_run else purchase
        result = flow(routing, app.twilio, app.genesys, request)
    _show(result, as_json)


@app.command("release")
def release(
    number: Annotated[
        str, typer.Argument(help="The number to release: E.164, or national with --country.")
    ],
    country: CountryOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a number off its IVR, delete its DID pool, detach it and release it in Twilio.

    Irreversible: the number goes back to the carrier. Only numbers a route selects are
    released; reconcile never releases anything.
    """
    e164 = _number_argument(number, _country_argument(country))
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


def _country_argument(country: str | None) -> str | None:
    """`--country` as the code libphonenumber and Twilio know (`us` → `US`), or exit 1."""
    try:
        return None if country is None else country_code(country)
    except InvalidNumberError as error:
        fail(str(error))


def _number_argument(number: str, country: str | None) -> str:
    """The number in E.164, read the one way every entrypoint reads numbers
    (`shared.domain.e164`): with its country code, or national in the `--country` given.

    Never a guessed country: `release 2025550100` used to be read as +1 and release
    whatever North American number those digits make. When the digits only lack a country
    code, the error adds the way out that exists here and nowhere else, `--country`.
    """
    try:
        return to_e164(number, country)
    except InvalidNumberError as error:
        message = str(error)
        if error.missing_country:
            message += f", or pass --country {error.suggested_country or 'XX'}"
            if error.suggested_country is None:
                message += " (the number's two-letter country code)"
        fail(message)


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
