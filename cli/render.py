"""How plans and apply reports look to an operator: `terraform plan`-like tables.

Each change's target (its numbers, trunk, IVR) is kept whole on its line with the reason or
outcome detail indented under it (see cli/tables.py): a reason column of its own would get a
fifth of an 80-column terminal and cut the trunk names the reasons mention.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Column, Table
from rich.text import Text

from cli.tables import described, name_column, prose_column
from shared.reconcile.apply import ApplyReport, Status
from shared.reconcile.changes import (
    AddDnis,
    AttachNumberToTrunk,
    Change,
    CreateDidPool,
    DeleteDidPool,
    Plan,
    RemoveDnis,
)
from shared.trunks.changes import TrunkChange

_SIGN = {
    "attach_number_to_trunk": ("~", "yellow"),
    "create_did_pool": ("+", "green"),
    "add_dnis": ("+", "green"),
    "remove_dnis": ("-", "red"),
    "delete_did_pool": ("-", "red"),
}


_LABEL = {
    "attach_number_to_trunk": "attach to Twilio trunk",
    "create_did_pool": "create DID pool",
    "add_dnis": "add DNIS",
    "remove_dnis": "remove DNIS",
    "delete_did_pool": "delete DID pool",
}


# The steps of `numbers buy` and `numbers release` beyond the plan's changes.
_STEP_LABEL = {
    **_LABEL,
    "purchase": "buy on Twilio",
    "detach_number_from_trunk": "detach from Twilio trunk",
    "release": "release on Twilio",
}


def step_line(line: str) -> str:
    """A line of a purchase or release report (`ProvisioningResult.report`: "add_dnis:
    done") with the step in the words `plan` and `apply` use ("add DNIS: done"). The report
    keeps the step's name for the HTTP API and `--json`; a line that names no step is
    returned as it is."""
    step, colon, rest = line.partition(":")
    label = _STEP_LABEL.get(step) if colon else None
    return f"{label}:{rest}" if label else line


_TRUNK_SIGN = {
    "create": ("+", "green"),
    "update": ("~", "yellow"),
    "adopt": ("~", "yellow"),
    "delete": ("-", "red"),
}
_TRUNK_OBJECT = {
    "twilio_trunk": "Twilio trunk",
    "credential_list": "credential list",
    "credential": "credential",
    "ip_acl": "IP ACL",
    "acl_address": "ACL address",
    "trunk_association": "association",
    "trunk_base": "trunk",
    "outbound_route": "outbound route",
    "origination_url": "origination URL",
}
_WIDE_NAMES = ("origination_url",)  # a SIP URL gets a line of its own, never cut


def _trunk_target(change: TrunkChange) -> str:
    where = f" ({change.parent})" if change.parent else ""
    return f"{change.name}{where}"


def describe(change: Change | TrunkChange) -> tuple[str, str]:
    """(action, target) in words an engineer uses."""
    if isinstance(change, TrunkChange):
        return f"{change.action} {_TRUNK_OBJECT[change.object]}", _trunk_target(change)
    label = _LABEL[change.kind]
    if isinstance(change, AttachNumberToTrunk):
        return label, f"{change.phone_number} → {change.trunk_name}"
    if isinstance(change, CreateDidPool):
        return label, f"{change.phone_number} ({change.provider})"
    if isinstance(change, AddDnis | RemoveDnis):
        return label, f"{change.ivr_name}: {_numbers(change.numbers)}"
    assert isinstance(change, DeleteDidPool)
    return label, f"{change.phone_number} ({change.pool_id})"


def _numbers(numbers: tuple[str, ...], shown: int = 4) -> str:
    head = ", ".join(numbers[:shown])
    return head if len(numbers) <= shown else f"{head} … (+{len(numbers) - shown} more)"


def _trunk_view(plan: Plan) -> RenderableType:
    """Terraform-like: each change on a line, then its reason and every owned setting it
    changes on lines of their own (a setting list or a URL never shares a cramped column)."""
    lines: list[RenderableType] = [Text(f"Trunk groups ({plan.mode.value})", style="bold")]
    group = None
    for change in plan.trunk_changes:
        if change.group != group:
            group = change.group
            lines.append(Text(f"  {group}", style="bold"))
        sign, colour = _TRUNK_SIGN[change.action]
        head = Text(f"  {sign} ", style=colour)
        where = f" on {change.parent}" if change.parent else ""
        what = f"{change.action} {_TRUNK_OBJECT[change.object]}"
        if change.object in _WIDE_NAMES:
            head.append(f"{what}{where}")
            lines += [head, Text(f"      {change.name}", overflow="ignore", no_wrap=True)]
        else:
            head.append(f"{what} {change.name}{where}")
            lines.append(head)
        lines.append(Text(f"      {change.reason}", style="dim"))
        lines += [Text(f"      {field}") for field in change.fields]
    return Group(*lines)


def plan_view(plan: Plan) -> RenderableType:
    parts: list[RenderableType] = []
    if plan.trunk_changes:
        parts.append(_trunk_view(plan))
    if plan.changes:
        table = Table(
            Column("", no_wrap=True),
            "action",
            prose_column("target / reason"),
            title=f"Plan ({plan.mode.value})",
        )
        for change in plan.changes:
            sign, colour = _SIGN[change.kind]
            action, target = describe(change)
            table.add_row(Text(sign, style=colour), action, described(target, change.reason))
        parts.append(table)
    elif not plan.trunk_changes:
        parts.append(Text("No changes: Twilio and Genesys match the policy.", style="green"))
    if plan.suppressed:
        parts.append(
            Text(
                f"{len(plan.suppressed)} deletion(s) not planned because the mode is upsert-only.",
                style="dim",
            )
        )
    if plan.conflicts:
        conflicts = Table(
            name_column("subject", [conflict.subject for conflict in plan.conflicts]),
            prose_column("conflict (left alone)"),
            title="Conflicts",
            style="yellow",
        )
        for conflict in plan.conflicts:
            conflicts.add_row(conflict.subject, conflict.detail)
        parts.append(conflicts)
    if not plan.guard.allowed:
        parts.append(
            Text("Refused by the guards: " + "; ".join(plan.guard.reasons), style="bold red")
        )
    counts = {kind: sum(1 for c in plan.changes if c.kind == kind) for kind in _SIGN}
    summary = ", ".join(f"{_LABEL[kind]}: {n}" for kind, n in counts.items() if n)
    if plan.trunk_changes:
        trunk_summary = f"trunk group changes: {len(plan.trunk_changes)}"
        summary = f"{trunk_summary}, {summary}" if summary else trunk_summary
    parts.append(Text(f"Summary: {summary or 'nothing to do'}; {plan.deletions} deletion(s)."))
    return Group(*parts)


def report_view(report: ApplyReport) -> RenderableType:
    if not report.outcomes:
        return Text("Nothing to apply.")
    table = Table(
        Column("status", no_wrap=True),
        "action",
        prose_column("target / detail"),
        title="Apply report",
    )
    style = {Status.DONE: "green", Status.SKIPPED: "yellow", Status.FAILED: "red"}
    for outcome in report.outcomes:
        action, target = describe(outcome.change)
        if isinstance(outcome.change, TrunkChange):
            target = f"{outcome.change.group}: {target}"
        if outcome.numbers and isinstance(outcome.change, AddDnis | RemoveDnis):
            target = f"{outcome.change.ivr_name}: {_numbers(outcome.numbers)}"
        table.add_row(
            Text(outcome.status.value, style=style[outcome.status]),
            action,
            described(target, outcome.detail),
        )
    totals = Text(
        f"{len(report.done)} done, {len(report.skipped)} skipped, {len(report.failed)} failed"
    )
    return Group(table, totals)
