"""`byoc-sync numbers …`: the joined view, and buying or releasing one number."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from cli.journaling import number_change, operator_run
from cli.render import step_line
from cli.runtime import JsonOption, PolicyOption, err, fail, operator_errors
from cli.tables import indented, listing, name_column, print_table, prose_column
from cli.typer_app import App
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

app = App(help="List, show, buy and release numbers.", no_args_is_help=True)
IN_SYNC = "in sync"  # the status `number_rows` gives a number nothing is to be done for


@app.command("list")
def list_numbers(
    route: Annotated[
        str | None, typer.Option(help="Only the numbers this route of the policy selects.")
    ] = None,
    drift: Annotated[
        bool,
        typer.Option(
            "--drift",
            help="Only the numbers not in sync: drifted, in conflict, unrouted or not on Twilio.",
        ),
    ] = False,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every number: Twilio, trunk, DID pool, IVR, route, and whether it drifted."""
    with operator_errors():
        app = bootstrap.app()
        routing = app.policy(policy)
        known = [r.name for r in routing.routes]
        if route is not None and route not in known:
            fail(f"no route {route!r} in the policy (routes: {', '.join(known) or 'none'})")
        with err.status("reading Twilio and Genesys…"):
            rows = number_rows(routing, read_snapshot(app.twilio, app.genesys))
    rows = [
        row
        for row in rows
        if (route is None or row.route == route) and (not drift or row.status != IN_SYNC)
    ]
    if as_json:
        typer.echo(json.dumps([row.model_dump() for row in rows], indent=2))
        return
    if not rows:
        typer.echo("No numbers." if route is None and not drift else "No numbers match.")
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
        style = "green" if row.status == IN_SYNC else "yellow"
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


@app.command("show")
def show(
    number: Annotated[str, typer.Argument(help="The number: E.164, or national with --country.")],
    country: CountryOption = None,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """One number as `numbers list` shows it, a line per field. Exit 1 if neither Twilio
    nor a Genesys IVR has it.

    The same joined view as `GET /api/numbers/{e164}`, read here directly (nothing goes
    through the Functions app); `--json` prints the `number` object of its answer.
    """
    e164 = _number_argument(number, _country_argument(country))
    with operator_errors():
        app = bootstrap.app()
        routing = app.policy(policy)
        with err.status("reading Twilio and Genesys…"):
            rows = number_rows(routing, read_snapshot(app.twilio, app.genesys))
    row = next((row for row in rows if row.phone_number == e164), None)
    if row is None:
        fail(f"{e164} is neither a number on the Twilio account nor a DNIS of a Genesys IVR")
    if as_json:
        typer.echo(json.dumps(row.model_dump(), indent=2))
        return
    pool = "—"
    if row.did_pool is not None:
        pool = f"{row.did_pool} ({'owned' if row.did_pool_owned else 'not owned'})"
    fields = {
        "number": row.phone_number,
        "friendly name": row.friendly_name or "—",
        "Twilio trunk": row.twilio_trunk or ("—" if row.on_twilio else "not on Twilio"),
        "DID pool": pool,
        "IVRs": ", ".join(row.ivrs) or "—",
        "route": row.route or "—",
        "status": row.status,
    }
    # A line per field, the value after the longest name; a long value (many IVRs, a long
    # drift) wraps under itself, and no line carries the padding of a table cell.
    console = Console()
    width = max(map(len, fields)) + 2
    for name, value in fields.items():
        line = indented(f"{name:<{width}}{value}", console.width, indent=0, hang=width)
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command("buy")
def buy(
    route: Annotated[str, typer.Option(help="Route in the policy the number is for.")],
    number: Annotated[
        str | None,
        typer.Option(help="Exact number to buy: E.164 (+12025550150), or national with --country."),
    ] = None,
    area_code: Annotated[str | None, typer.Option(help="Buy the first available here.")] = None,
    contains: Annotated[str | None, typer.Option(help="Twilio pattern, e.g. 555*.")] = None,
    toll_free: Annotated[
        bool, typer.Option("--toll-free", help="Search toll-free numbers.")
    ] = False,
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
        if dry_run:
            result = check_purchase(routing, app.twilio, app.genesys, request)
        else:
            numbers = [request.phone_number] if request.phone_number else []
            with operator_run(app.journal, "purchase_number", phone_numbers=numbers) as run:
                result = purchase(
                    routing,
                    app.twilio,
                    app.genesys,
                    request,
                    progress=run.progress(),
                    bought=lambda sold: run.record(number_change(sold, "bought", route)),
                )
                run.steps = result.report
                if not result.ok:
                    run.failed = f"purchase of {result.phone_number} incomplete"
    _show(result, as_json, dry_run=dry_run)


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
        with operator_run(app.journal, "release_number", phone_numbers=[e164]) as run:
            result = release_number(routing, app.twilio, app.genesys, e164, progress=run.progress())
            run.steps = result.report
            if result.ok:
                run.record(number_change(e164, "released", None))
            else:
                run.failed = f"release of {e164} incomplete"
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


def _show(result: ProvisioningResult, as_json: bool, *, dry_run: bool = False) -> None:
    """The result of a buy or release: the number, then a line per step in the words of
    `plan` and `apply`. A dry run says so instead of carrying the ✓ of a purchase made.
    `--json` is the result as the HTTP API reports it, step names and all."""
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        console = Console(highlight=False)
        if dry_run:
            console.print(f"[yellow]dry run — nothing bought:[/yellow] {result.phone_number}")
        else:
            mark = "[green]✓[/green]" if result.ok else "[red]✗[/red]"
            console.print(f"{mark} {result.phone_number}")
        for line in result.report:
            shown = indented(step_line(line), console.width)
            console.print(shown, markup=False, highlight=False, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)
