"""Running one queued command. Every command is safe to run twice.

Service Bus delivers at least once: a command whose earlier delivery crashed halfway, or a
duplicate that slipped past duplicate detection, runs again and must converge on the same
state without doing anything twice. Purchases resume (an exact number already bought for
its route is not bought again), releases treat a number already gone as released, and
reconciles are plans of what is still missing. A command that cannot complete raises
`CommandFailedError`: the trigger lets the message go back to the queue, and after the
queue's maximum delivery count Service Bus dead-letters it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.adapters.table_store import state_store_from_settings
from shared.bootstrap import AppContext
from shared.domain.commands import (
    CommandEnvelope,
    EvaluateTrunkGroup,
    PurchaseNumber,
    ReconcileNumbers,
    ReleaseNumber,
)
from shared.domain.policy import RoutingPolicy, SyncMode
from shared.health.evaluate import GroupOutcome, evaluate_groups, read_estate
from shared.health.scope import groups_concerned
from shared.numbers.provisioning import ProvisioningError, purchase_number, release_number
from shared.reconcile.apply import ApplyReport
from shared.reconcile.changes import Plan, numbers_in

log = logging.getLogger(__name__)


class CommandFailedError(RuntimeError):
    """The command did not complete; its message goes back to the queue for another try."""


@dataclass
class CommandResult:
    command_id: str
    kind: str
    lines: list[str] = field(default_factory=list)
    groups: list[GroupOutcome] = field(default_factory=list)


def execute(
    envelope: CommandEnvelope, context: AppContext, *, delivery_count: int = 1
) -> CommandResult:
    command = envelope.command
    result = CommandResult(envelope.command_id, command.type)
    policy = context.policy()
    if isinstance(command, PurchaseNumber):
        flow = purchase_number(
            policy, context.twilio, context.genesys, command.request, resume=delivery_count > 1
        )
        result.lines = flow.report
        if not flow.ok:
            raise CommandFailedError(f"purchase of {flow.phone_number} incomplete: {flow.report}")
    elif isinstance(command, ReleaseNumber):
        result.lines = _release(policy, context, command, delivery_count)
    elif isinstance(command, ReconcileNumbers):
        result.lines = _reconcile(policy, context, command)
    elif isinstance(command, EvaluateTrunkGroup):
        result.groups = _evaluate(policy, context, command)
        result.lines = [f"{g.group}: {g.summary()}" for g in result.groups]
    for line in result.lines:
        log.info("%s %s: %s", command.type, envelope.command_id[:12], line)
    return result


def _release(
    policy: RoutingPolicy, context: AppContext, command: ReleaseNumber, delivery_count: int
) -> list[str]:
    if context.twilio.find_number(command.phone_number) is None:
        # Release removes the Twilio number last, so a number that is gone is fully released
        # (by an earlier delivery of this command, or by hand).
        return [f"{command.phone_number} is not on the account: already released"]
    flow = release_number(policy, context.twilio, context.genesys, command.phone_number)
    if not flow.ok:
        raise CommandFailedError(f"release of {command.phone_number} incomplete: {flow.report}")
    return flow.report


def targeted(plan: Plan, numbers: tuple[str, ...]) -> Plan:
    """The part of `plan` about these numbers (a targeted reconcile); all of it for none."""
    if not numbers:
        return plan
    wanted = set(numbers)
    from shared.domain.model import normalise_dnis

    changes = tuple(c for c in plan.changes if {normalise_dnis(n) for n in numbers_in(c)} & wanted)
    return plan.model_copy(update={"changes": changes})


def _reconcile(policy: RoutingPolicy, context: AppContext, command: ReconcileNumbers) -> list[str]:
    from shared.reconcile.apply import apply_plan
    from shared.reconcile.saved_plans import plan_now

    full, _ = plan_now(policy, context.twilio, context.genesys)
    plan = targeted(full, command.phone_numbers)
    scope = ", ".join(command.phone_numbers) or "every number"
    if plan.is_empty:
        return [f"reconcile ({scope}): in sync"]
    if policy.mode is SyncMode.DRY_RUN:
        return [f"reconcile ({scope}): dry-run, {len(plan.changes)} change(s) not applied"]
    try:
        report = apply_plan(plan, context.twilio, context.genesys)
    except ProvisioningError as error:
        raise CommandFailedError(str(error)) from error
    return _applied(scope, report)


def _applied(scope: str, report: ApplyReport) -> list[str]:
    lines = [
        f"{o.change.kind}: {o.status.value}{f' ({o.detail})' if o.detail else ''}"
        for o in report.outcomes
    ]
    if report.failed or report.skipped:
        raise CommandFailedError(f"reconcile ({scope}) incomplete: {lines}")
    return [f"reconcile ({scope}): {len(lines)} change(s) applied", *lines]


def _evaluate(
    policy: RoutingPolicy, context: AppContext, command: EvaluateTrunkGroup
) -> list[GroupOutcome]:
    """Probe, decide and (unless the policy is in dry-run) act for each group concerned."""
    genesys_trunks = context.genesys.list_trunks()
    twilio_trunks = context.twilio.list_trunks()
    groups = groups_concerned(policy, command, genesys_trunks, twilio_trunks)
    if not groups:
        return []
    estate = read_estate(
        context.twilio,
        context.genesys,
        genesys_trunks=genesys_trunks,
        twilio_trunks=twilio_trunks,
    )
    with state_store_from_settings() as store:
        return evaluate_groups(
            groups,
            estate,
            store=store,
            now=datetime.now(UTC),
            genesys=context.genesys,
            twilio=context.twilio,
            dry_run=policy.mode is SyncMode.DRY_RUN,
        )
