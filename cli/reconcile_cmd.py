"""`byoc-sync plan` and `byoc-sync apply`: reconcile, terraform-style.

`plan` exits 0 when nothing needs doing, 2 when changes are pending, 1 on error, so scripts
and CI can gate on it. `apply FILE` applies exactly a plan saved with `plan --out FILE`,
and refuses if Twilio or Genesys changed since.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.journaling import OperatorRun, operator_run
from cli.render import plan_view, report_view
from cli.runtime import (
    JsonOption,
    PolicyOption,
    apply_progress,
    err,
    operator_errors,
)
from cli.tables import print_table
from shared import bootstrap
from shared.ports import JournalWriter
from shared.reconcile.apply import ApplyReport, Outcome
from shared.reconcile.changes import Change
from shared.reconcile.saved_plans import (
    apply_now,
    apply_saved_plan,
    load_plan,
    plan_now,
    save_plan,
)
from shared.trunks.changes import TrunkChange

EXIT_PENDING = 2


def plan_command(
    policy: PolicyOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Save the plan for `apply FILE` (approvals).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show what reconcile would change. Exit 0 = in sync, 2 = changes pending, 1 = error."""
    with operator_errors():
        app = bootstrap.app()
        routing = app.policy(policy)
        with err.status("reading Twilio and Genesys…"):
            result, _ = plan_now(routing, app.twilio, app.genesys, app.trunk_context())
        if out is not None:
            save_plan(result, out)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        print_table(Console(), plan_view(result))
        if out is not None:
            typer.echo(f"plan saved to {out}; apply it with: byoc-sync apply {out}")
    if not result.is_empty:
        raise typer.Exit(EXIT_PENDING)


def apply_command(
    plan_file: Annotated[
        Path | None,
        typer.Argument(help="A plan saved with `plan --out`; without it, plan now and apply."),
    ] = None,
    policy: PolicyOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Apply even when the deletion guards refuse.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Apply the plan: now computed, or exactly the saved one. Exit 1 if anything failed."""
    with operator_errors():
        app = bootstrap.app()
        routing = app.policy(policy)
        if plan_file is not None:
            saved = load_plan(plan_file)
            report = _journaled_apply(
                app.journal,
                (*saved.trunk_changes, *saved.changes),
                as_json,
                lambda progress: apply_saved_plan(
                    saved,
                    routing,
                    app.twilio,
                    app.genesys,
                    app.trunk_context(),
                    force=force,
                    progress=progress,
                ),
            )
        else:
            with err.status("reading Twilio and Genesys…"):
                result, snapshot = plan_now(routing, app.twilio, app.genesys, app.trunk_context())
            if not as_json:
                print_table(Console(), plan_view(result))
            if result.is_empty:
                _finish(ApplyReport(), as_json)
                return
            if not yes:
                if not sys.stdin.isatty():
                    err.print("error: not a terminal: pass --yes to apply without asking")
                    raise typer.Exit(1)
                typer.confirm("Apply these changes?", abort=True)
            report = _journaled_apply(
                app.journal,
                (*result.trunk_changes, *result.changes),
                as_json,
                lambda progress: apply_now(
                    result,
                    snapshot,
                    routing,
                    app.twilio,
                    app.genesys,
                    app.trunk_context(),
                    force=force,
                    progress=progress,
                ),
            )
    _finish(report, as_json)


def _journaled_apply(
    journal: JournalWriter,
    changes: Sequence[Change | TrunkChange],
    as_json: bool,
    apply: Callable[[Callable[[Outcome], None]], ApplyReport],
) -> ApplyReport:
    """Run `apply` with a progress bar over `changes` (unless --json) and journal it as an
    operator's apply."""
    with (
        apply_progress(changes, enabled=not as_json) as progress,
        operator_run(journal, "apply") as run,
    ):
        report = apply(run.progress(progress))
        _journal_report(run, report)
    return report


def _journal_report(run: OperatorRun, report: ApplyReport) -> None:
    """How an operator's apply ends in the journal: its outcomes, failed if any change
    failed or was skipped."""
    run.steps = [str(outcome) for outcome in report.outcomes]
    if report.failed or report.skipped:
        run.failed = f"{len(report.failed)} change(s) failed, {len(report.skipped)} skipped"


def _finish(report: ApplyReport, as_json: bool) -> None:
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "done": len(report.done),
                    "skipped": len(report.skipped),
                    "failed": len(report.failed),
                    "outcomes": [
                        {
                            "change": o.change.model_dump(mode="json"),
                            "status": o.status.value,
                            "detail": o.detail,
                            "numbers": list(o.numbers),
                        }
                        for o in report.outcomes
                    ],
                },
                indent=2,
            )
        )
    else:
        print_table(Console(), report_view(report))
    if report.failed or report.skipped:
        raise typer.Exit(1)
