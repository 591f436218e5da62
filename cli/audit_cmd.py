"""`byoc-sync audit`: the preflight checks of docs/audit.md, run now. Reading only."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from cli.runtime import JsonOption, PolicyOption, err, operator_errors
from cli.tables import described, name_column, print_table, prose_column
from shared import bootstrap
from shared.audit import carrier_alerts
from shared.audit.report import AuditReport, Severity
from shared.audit.rules import RULES
from shared.audit.run import gather, run_rules

RULE_IDS = ", ".join(rule.id for rule in RULES)

# Its list of rules is made from RULES, so that a rule added there is in `--help` too (a
# hand-written list had left `dial-plan-bypass` out).
HELP = "\n\n".join(
    [
        "Check Twilio, Genesys Cloud and the policy for what stops or misroutes calls.",
        "Each finding names its rule, its severity and the objects it concerns, with a "
        "remediation. Reads only: never changes anything.",
        "Rules, in the order they run (--rule ID runs only the rules named):\n"
        + "\n".join(f"  {rule.id}: {rule.title}" for rule in RULES),
        "Exit code: 0 clean, 2 warnings or errors found, 1 the audit could not run.",
    ]
)


def print_report(report: AuditReport, console: Console) -> None:
    if report.findings:
        findings = sorted(report.findings, key=lambda f: (f.severity != Severity.ERROR, f.rule))
        # The remediation goes under its finding: as a fourth column it squeezed the
        # finding's message until the host:port at its start was cut, even at 120 columns.
        table = Table(
            Column("severity", no_wrap=True),
            name_column("rule", [finding.rule for finding in findings]),
            prose_column("finding / remediation"),
            show_lines=True,
        )
        for finding in findings:
            colour = "red" if finding.severity is Severity.ERROR else "yellow"
            table.add_row(
                Text(finding.severity.value, style=colour),
                finding.rule,
                described(finding.message, finding.remediation, marker="→"),
            )
        print_table(console, table)
    for rule in report.could_not_run:
        console.print(f"[red]rule {rule.rule} could not run:[/red] {rule.error}", soft_wrap=True)
    console.print(
        f"{len(report.rules)} rule(s): {report.count(Severity.ERROR)} error(s), "
        f"{report.count(Severity.WARNING)} warning(s)" + ("" if report.findings else " — clean")
    )


def audit_command(
    ca_bundle: Annotated[
        Path | None,
        typer.Option(
            "--ca-bundle",
            help="PEM trust bundle for the TLS checks (default: certifi's Mozilla root store).",
        ),
    ] = None,
    expiry_days: Annotated[
        int, typer.Option(min=0, help="A certificate expiring within this many days is a finding.")
    ] = 30,
    rule: Annotated[
        list[str] | None,
        typer.Option("--rule", metavar="ID", help=f"Run only this rule (repeatable): {RULE_IDS}."),
    ] = None,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the audit's rules (`HELP` is its `--help`), print the findings, exit 0/2/1."""
    unknown = sorted(set(rule or ()) - {r.id for r in RULES})
    if unknown:
        err.print(f"[red]error:[/red] unknown rule(s) {', '.join(unknown)} (rules: {RULE_IDS})")
        raise typer.Exit(1)
    with operator_errors():
        app = bootstrap.app()
        routing = app.policy(policy)
        with err.status("auditing…") as status:
            data = gather(
                routing,
                app.twilio,
                app.genesys,
                ca_bundle=str(ca_bundle) if ca_bundle else None,
                expiry_days=expiry_days,
                progress=lambda text: status.update(f"auditing: {text}"),
                alerts=partial(app.state_store, carrier_alerts.PARTITION),
            )
        report = run_rules(data, set(rule) if rule else None)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        print_report(report, Console())
    raise typer.Exit(report.exit_code())
