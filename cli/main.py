"""`byoc-sync` — the operator's command line.

Sub-commands live in one module each; this module only assembles them so `--help` shows
the whole tool in one place.
"""

from __future__ import annotations

import typer

from cli import (
    audit_cmd,
    health_cmd,
    numbers_cmd,
    policy_cmd,
    reconcile_cmd,
    rehearse_cmd,
    sandbox_cmd,
)

app = typer.Typer(
    name="byoc-sync",
    help="Keep Twilio numbers and trunks and Genesys Cloud BYOC routing in sync.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("plan")(reconcile_cmd.plan_command)
app.command("apply")(reconcile_cmd.apply_command)
app.command("audit")(audit_cmd.audit_command)
app.add_typer(numbers_cmd.app, name="numbers")
app.add_typer(health_cmd.app, name="health")
app.command("rehearse")(rehearse_cmd.rehearse_command)
app.add_typer(policy_cmd.app, name="policy")
app.add_typer(sandbox_cmd.app, name="sandbox")


if __name__ == "__main__":  # pragma: no cover - `python -m cli.main`
    app()
