"""`byoc-sync` — the operator's command line.

Sub-commands live in one module each; this module only assembles them so `--help` shows
the whole tool in one place.
"""

from __future__ import annotations

import typer

from shared.cli import policy_cmd, sandbox_cmd

app = typer.Typer(
    name="byoc-sync",
    help="Keep Twilio numbers and trunks and Genesys Cloud BYOC routing in sync.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(policy_cmd.app, name="policy")
app.add_typer(sandbox_cmd.app, name="sandbox")


if __name__ == "__main__":  # pragma: no cover - `python -m shared.cli.main`
    app()
