"""`byoc-sync` — the operator's command line.

Sub-commands live in one module each; this module only assembles them so `--help` shows
the whole tool in one place.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from cli import (
    audit_cmd,
    docs_cmd,
    health_cmd,
    history_cmd,
    numbers_cmd,
    policy_cmd,
    reconcile_cmd,
    rehearse_cmd,
    runtime,
    sandbox_cmd,
)
from cli.typer_app import App

app = App(
    name="byoc-sync",
    help="Keep Twilio numbers and trunks and Genesys Cloud BYOC routing in sync.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(wanted: bool) -> None:
    if not wanted:
        return
    try:
        installed = version("byoc-sync")
    except PackageNotFoundError:  # run from a checkout that was never installed
        installed = "unknown (not installed; pip install -e .)"
    typer.echo(f"byoc-sync {installed}")
    raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar=runtime.DEBUG_ENV,
            help="On an error, show the traceback and log records instead of one line "
            "(for bug reports).",
        ),
    ] = False,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the installed version and exit.",
        ),
    ] = False,
) -> None:
    """Keep Twilio numbers and trunks and Genesys Cloud BYOC routing in sync."""
    runtime.set_debug(debug)


app.command("plan")(reconcile_cmd.plan_command)
app.command("apply")(reconcile_cmd.apply_command)
app.command("audit", help=audit_cmd.HELP)(audit_cmd.audit_command)
app.add_typer(numbers_cmd.app, name="numbers")
app.add_typer(health_cmd.app, name="health")
app.command("history")(history_cmd.history_command)
app.command("rehearse")(rehearse_cmd.rehearse_command)
app.add_typer(policy_cmd.app, name="policy")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(docs_cmd.app, name="docs", hidden=True)


if __name__ == "__main__":  # pragma: no cover - `python -m cli.main`
    app()
