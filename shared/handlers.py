"""Running one queued command. Every command is safe to run twice.

Service Bus delivers at least once: a command whose earlier delivery crashed halfway, or a
duplicate that slipped past duplicate detection, runs again and must converge on the same
state without doing anything twice. Purchases resume (an exact number already bought for
its route is not bought again), releases treat a number already gone as released, and
reconciles are plans of what is still missing. A command that cannot complete raises
`CommandFailedError`: the trigger lets the message go back to the queue, and after the
queue's maximum delivery count Service Bus dead-letters it.

A reconcile counts the drift it finds and repairs (`byoc.drift.found`, `byoc.drift.repaired`),
one per number a change is about (one per trunk change), by change kind.

Every delivery is journaled: running when it starts, then succeeded with its steps, failed
with the reason (or dead-lettered, when this was the queue's last delivery), and each vendor
change as it is made, with before → after and why. The journal never stops a command: its
writer swallows and counts its own failures.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared import telemetry
from shared.domain.commands import (
    AnyCommand,
    CommandEnvelope,
    EvaluateTrunkGroup,
    PurchaseNumber,
    ReconcileNumbers,
    ReleaseNumber,
)
from shared.domain.journal import (
    ChangeRecord,
    CommandOrigin,
    CommandStatus,
    command_entry,
    entry_of_change,
)
from shared.domain.model import Snapshot
from shared.domain.policy import RoutingPolicy, SyncMode
from shared.domain.priority import Priority, working_as
from shared.domain.trunks import base_name as trunk_base_name
from shared.health.evaluate import HEALTH_PARTITION, GroupOutcome, evaluate_groups, read_estate
from shared.health.scope import groups_concerned
from shared.numbers.provisioning import ProvisioningError, purchase, release_number
from shared.ports import AdapterError, JournalWriter, ServiceContext
from shared.reconcile.apply import ApplyReport, Outcome, Status, apply_plan
from shared.reconcile.changes import Plan, numbers_in
from shared.reconcile.journal_records import record_of
from shared.reconcile.planner import plan
from shared.reconcile.saved_plans import plan_now
from shared.reconcile.scope import ReconcileScope, reconcile_scope
from shared.reconcile.scoped import SCOPED_LIMIT, scope_snapshot

log = logging.getLogger(__name__)


class CommandFailedError(RuntimeError):
    """The command did not complete; its message goes back to the queue for another try."""


@dataclass
class CommandResult:
    command_id: str
    kind: str
    lines: list[str] = field(default_factory=list)
    groups: list[GroupOutcome] = field(default_factory=list)


@dataclass
class ChangeLog:
    """Journals each vendor change as it is made, stamped with the command that made it,
    and keeps a line per change (the steps of a command that fails before reporting)."""

    journal: JournalWriter
    origin: CommandOrigin
    made: list[str] = field(default_factory=list)

    def record(self, change: ChangeRecord) -> None:
        after = f" → {change.after}" if change.after is not None else ""
        self.made.append(f"{change.subject}{after}")
        self.journal.append(entry_of_change(self.origin, change, datetime.now(UTC)))

    def outcome(self, outcome: Outcome) -> None:
        """An `apply_plan` progress callback."""
        change = record_of(outcome)
        if change is not None:
            self.record(change)


@dataclass(frozen=True)
class Delivery:
    """One delivery of a command: what it runs against, and which attempt this is."""

    context: ServiceContext
    policy: RoutingPolicy
    changes: ChangeLog
    count: int = 1

    @property
    def redelivered(self) -> bool:
        return self.count > 1


def _purchase(command: PurchaseNumber, delivery: Delivery, result: CommandResult) -> None:
    ctx = delivery.context
    bought = purchase(
        delivery.policy,
        ctx.twilio,
        ctx.genesys,
        command.request,
        resume=delivery.redelivered,
        progress=delivery.changes.outcome,
        bought=lambda number: delivery.changes.record(_bought(number, command)),
    )
    result.lines = bought.report
    if not bought.ok:
        raise CommandFailedError(f"purchase of {bought.phone_number} incomplete: {bought.report}")


def _bought(phone_number: str, command: PurchaseNumber) -> ChangeRecord:
    return ChangeRecord(
        subject=f"Twilio number {phone_number}",
        before="not on the account",
        after="bought",
        reason=f"purchase for route {command.request.route!r}",
        phone_numbers=(phone_number,),
    )


def _release(command: ReleaseNumber, delivery: Delivery, result: CommandResult) -> None:
    ctx = delivery.context
    if ctx.twilio.find_number(command.phone_number) is None:
        # Release removes the Twilio number last, so a number that is gone is fully released
        # (by an earlier delivery of this command, or by hand).
        result.lines = [f"{command.phone_number} is not on the account: already released"]
        return
    released = release_number(
        delivery.policy,
        ctx.twilio,
        ctx.genesys,
        command.phone_number,
        progress=delivery.changes.outcome,
    )
    if not released.ok:
        raise CommandFailedError(f"release of {command.phone_number} incomplete: {released.report}")
    delivery.changes.record(
        ChangeRecord(
            subject=f"Twilio number {command.phone_number}",
            before="on the account",
            after="released",
            reason="release requested",
            phone_numbers=(command.phone_number,),
        )
    )
    result.lines = released.report


def _read_alone(
    command: ReconcileNumbers, policy: RoutingPolicy, ctx: ServiceContext
) -> ReconcileScope | None:
    """The command's scope when its numbers are worth reading one by one; None: read the
    whole estate. Named numbers are the scope as they are; an IVR or a DID pool is turned
    into numbers without reading the Genesys estate (tests/unit/test_scoped_reads.py)."""
    if command.every_number:
        return None
    if command.numbers_only:
        return reconcile_scope(command, policy, Snapshot())
    in_scope = reconcile_scope(command, policy, scope_snapshot(command, ctx.twilio, ctx.genesys))
    if in_scope.numbers is None or len(in_scope.numbers) > SCOPED_LIMIT:
        return None  # every number, or more than reading each alone is worth
    return in_scope


def _reconcile(command: ReconcileNumbers, delivery: Delivery, result: CommandResult) -> None:
    ctx, policy = delivery.context, delivery.policy
    in_scope = _read_alone(command, policy, ctx)
    if in_scope is not None and in_scope.numbers is not None:
        # The plan of a read of those numbers alone is the full plan restricted to them.
        snapshot = ctx.scoped_read(in_scope.numbers)
        full = plan(policy, snapshot)
    else:
        full, snapshot = plan_now(policy, ctx.twilio, ctx.genesys)
        in_scope = reconcile_scope(command, policy, snapshot)
    for why in in_scope.widened:
        log.warning("reconcile scope widened: %s", why)
    todo = in_scope.applied_to(full)
    scope = in_scope.label
    _count_found(todo)
    if todo.is_empty:
        result.lines = [f"reconcile ({scope}): in sync"]
        return
    if policy.mode is SyncMode.DRY_RUN:
        result.lines = [f"reconcile ({scope}): dry-run, {len(todo.changes)} change(s) not applied"]
        return
    try:
        report = apply_plan(todo, ctx.twilio, ctx.genesys, progress=delivery.changes.outcome)
    except ProvisioningError as error:
        raise CommandFailedError(str(error)) from error
    _count_repaired(report)
    lines = [str(outcome) for outcome in report.outcomes]
    if report.failed or report.skipped:
        raise CommandFailedError(f"reconcile ({scope}) incomplete: {lines}")
    result.lines = [f"reconcile ({scope}): {len(lines)} change(s) applied", *lines]


def _count_found(todo: Plan) -> None:
    """One per number a change is about; a trunk change (no number) counts one."""
    found: Counter[str] = Counter()
    for change in todo.changes:
        found[change.kind] += len(numbers_in(change))
    for trunk_change in todo.trunk_changes:
        found[trunk_change.kind] += 1
    for kind, count in found.items():
        telemetry.drift_found(kind, count)


def _count_repaired(report: ApplyReport) -> None:
    repaired: Counter[str] = Counter()
    for outcome in report.outcomes:
        if outcome.status is Status.DONE:
            repaired[outcome.change.kind] += len(outcome.numbers) or 1
    for kind, count in repaired.items():
        telemetry.drift_repaired(kind, count)


def _evaluate(command: EvaluateTrunkGroup, delivery: Delivery, result: CommandResult) -> None:
    """Probe, decide and (unless the policy is in dry-run) act for each group concerned."""
    ctx, policy = delivery.context, delivery.policy
    genesys_trunks = ctx.genesys.list_trunks()
    twilio_trunks = ctx.twilio.list_trunks()
    trunk_bases = ctx.genesys.list_trunk_bases()
    base_name = None
    if command.genesys_trunk_id:
        # The event names a trunk instance; its base is what the policy names.
        base_id = ctx.genesys.trunk_base_id_of(command.genesys_trunk_id)
        base_name = trunk_base_name(base_id, trunk_bases)
    groups = groups_concerned(policy, command, twilio_trunks, genesys_base_name=base_name)
    if groups:
        estate = read_estate(
            ctx.twilio,
            ctx.genesys,
            genesys_trunks=genesys_trunks,
            twilio_trunks=twilio_trunks,
            trunk_bases=trunk_bases,
        )
        result.groups = evaluate_groups(
            groups,
            estate,
            store=ctx.state_store(HEALTH_PARTITION),
            probe=ctx.probe,
            now=datetime.now(UTC),
            genesys=ctx.genesys,
            twilio=ctx.twilio,
            dry_run=policy.mode is SyncMode.DRY_RUN,
            on_change=delivery.changes.record,
        )
    result.lines = [f"{g.group}: {g.summary()}" for g in result.groups]


# One handler per command type: adding a command means adding a row here.
HANDLERS: dict[type[AnyCommand], Callable[[Any, Delivery, CommandResult], None]] = {
    PurchaseNumber: _purchase,
    ReleaseNumber: _release,
    ReconcileNumbers: _reconcile,
    EvaluateTrunkGroup: _evaluate,
}


def priority_of(command: AnyCommand) -> Priority:
    """Failover first, then what a person or an event asked about, then bulk reads."""
    if isinstance(command, EvaluateTrunkGroup):
        return Priority.FAILOVER
    if isinstance(command, ReconcileNumbers) and not command.numbers_only:
        return Priority.BULK
    return Priority.REQUEST


def failure_reason(error: BaseException) -> str:
    """The one line the journal and the operation status give as why a command failed."""
    if isinstance(error, AdapterError):
        return error.reason
    if isinstance(error, CommandFailedError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def execute(
    envelope: CommandEnvelope,
    context: ServiceContext,
    *,
    delivery_count: int = 1,
    max_deliveries: int | None = None,
) -> CommandResult:
    """Run one delivery of a command and journal it. `max_deliveries` is the queue's
    maximum delivery count: a failure on that delivery is the last (Service Bus
    dead-letters the message), so it is journaled as dead-lettered."""
    command = envelope.command
    result = CommandResult(envelope.command_id, command.type)
    journal = context.journal
    origin = envelope.origin

    def journaled(status: CommandStatus, reason: str = "", steps: list[str] | None = None) -> None:
        entry = command_entry(
            origin,
            status,
            datetime.now(UTC),
            phone_numbers=envelope.phone_numbers,
            trunk_group=envelope.trunk_group,
            reason=reason,
            steps=steps or [],
            delivery=delivery_count,
        )
        journal.append(entry)

    journaled(CommandStatus.RUNNING)
    changes = ChangeLog(journal, origin)
    try:
        with working_as(priority_of(command)):
            delivery = Delivery(context, context.policy(), changes, delivery_count)
            HANDLERS[type(command)](command, delivery, result)
    except Exception as error:
        last = max_deliveries is not None and delivery_count >= max_deliveries
        status = CommandStatus.DEAD_LETTERED if last else CommandStatus.FAILED
        journaled(status, failure_reason(error), result.lines or changes.made)
        raise
    for line in result.lines:
        log.info("%s %s: %s", command.type, envelope.command_id[:12], line)
    journaled(CommandStatus.SUCCEEDED, steps=result.lines)
    return result
