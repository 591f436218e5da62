"""Reconcile: read everything, plan, apply — the one engine behind the CLI, the purchase
API and the scheduled timer.

When the policy declares trunk groups for byoc-sync to build (and the caller hands it the
means: secrets and the state table), the plan holds their changes too, and applying runs
them first; the numbers are then planned again against what was built, so one `apply` goes
from an empty org to routable numbers.

A saved plan (`plan --out FILE`) is applied only while the world still looks exactly as it
did when the plan was made: the snapshot's checksum must match, or nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from shared.domain.model import Snapshot
from shared.domain.policy import RoutingPolicy, SyncMode
from shared.ports import GenesysPort, StateStore, TwilioPort
from shared.reconcile.apply import (
    ApplyReport,
    Outcome,
    PlanRefusedError,
    Status,
    apply_plan,
    check_may_apply,
)
from shared.reconcile.changes import Conflict, Plan
from shared.reconcile.guards import evaluate_guards
from shared.reconcile.planner import plan
from shared.reconcile.snapshot import read_snapshot
from shared.trunks.apply import TrunkEffects, TrunkOutcome, TrunkStatus, apply_trunk_changes
from shared.trunks.changes import TrunkChange, trunk_deletions
from shared.trunks.desired import (
    built_groups,
    desired_group,
    genesys_secret_target,
    twilio_secret_target,
)
from shared.trunks.planner import SecretView, plan_trunks
from shared.trunks.records import (
    OWNERSHIP_PARTITION,
    SECRETS_PARTITION,
    OwnershipRecord,
    SecretRecord,
)


class StalePlanError(PlanRefusedError):
    """The estate changed since the saved plan was made; plan again and re-approve."""


@dataclass(frozen=True)
class TrunkContext:
    """What building trunk groups needs beyond the vendors: the secrets' values (by setting
    name) and the state table (ownership of Twilio objects, password fingerprints)."""

    secret_of: Callable[[str], SecretStr | None]
    state_store: Callable[[str], StateStore]

    @property
    def ownership(self) -> OwnershipRecord:
        return OwnershipRecord(self.state_store(OWNERSHIP_PARTITION))

    @property
    def secrets(self) -> SecretRecord:
        return SecretRecord(self.state_store(SECRETS_PARTITION))

    def effects(self) -> TrunkEffects:
        ownership, secrets = self.ownership, self.secrets
        return TrunkEffects(secret_of=self.secret_of, own=ownership.own, written=secrets.remember)


def _built_trunks(policy: RoutingPolicy, trunks: TrunkContext | None) -> list[str] | None:
    if trunks is None:
        return None
    names = [group.twilio_trunk for group, _ in built_groups(policy)]
    return names or None


def read_for(
    policy: RoutingPolicy,
    twilio: TwilioPort,
    genesys: GenesysPort,
    trunks: TrunkContext | None = None,
) -> Snapshot:
    return read_snapshot(twilio, genesys, built_trunks=_built_trunks(policy, trunks))


def plan_now(
    policy: RoutingPolicy,
    twilio: TwilioPort,
    genesys: GenesysPort,
    trunks: TrunkContext | None = None,
) -> tuple[Plan, Snapshot]:
    snapshot = read_for(policy, twilio, genesys, trunks)
    return plan_from(policy, snapshot, trunks), snapshot


def _waiting_for(policy: RoutingPolicy, snapshot: Snapshot, created: set[str]) -> dict[str, str]:
    """Twilio number -> the Twilio trunk its route needs, for trunks this plan creates."""
    waiting = {}
    for number in snapshot.twilio_numbers:
        route = policy.route_for(number.phone_number, number.friendly_name)
        if route is not None:
            trunk = policy.trunk_group(route.trunk_group).twilio_trunk
            if trunk in created:
                waiting[number.phone_number] = trunk
    return waiting


def plan_from(policy: RoutingPolicy, snapshot: Snapshot, trunks: TrunkContext | None) -> Plan:
    numbers = plan(policy, snapshot)
    if trunks is None or snapshot.carrier is None:
        return numbers
    views: dict[str, SecretView] = {}
    for group, build in built_groups(policy):
        desired = desired_group(group, build)
        targets = [twilio_secret_target(desired)] + [
            genesys_secret_target(base) for base in desired.trunk_bases
        ]
        password = trunks.secret_of(desired.password_setting)
        views[group.name] = trunks.secrets.view(group.name, password, targets)
    owned_twilio = trunks.ownership.twilio_sids()
    built = plan_trunks(policy, snapshot, owned_twilio, views)
    changes = tuple(built.changes)
    suppressed: tuple[TrunkChange, ...] = ()
    if policy.mode is SyncMode.UPSERT_ONLY:
        suppressed = tuple(c for c in changes if c.action == "delete")
        changes = tuple(c for c in changes if c.action != "delete")
    # A number waiting for a Twilio trunk this plan creates is not a conflict: it is
    # planned again once the trunk exists (one line per trunk instead of one per number).
    created = {c.name for c in changes if c.object == "twilio_trunk" and c.action == "create"}
    waits_for = _waiting_for(policy, snapshot, created)
    waiting = Counter(waits_for.values())
    # Such a number's only conflict is its missing trunk: nothing else is planned for it.
    conflicts = [c for c in numbers.conflicts if c.subject not in waits_for]
    notes = [
        Conflict(
            subject=f"{count} number(s)",
            detail=f"wait for Twilio trunk {trunk!r}, which "
            "this plan builds; apply plans them again once it exists",
        )
        for trunk, count in sorted(waiting.items())
    ]
    trunk_conflicts = [Conflict(subject=s, detail=d) for s, d in built.conflicts]
    # The share guard counts what byoc-sync owns on both sides.
    owned = len(owned_twilio) + sum(1 for pool in snapshot.did_pools if pool.owned)
    return numbers.model_copy(
        update={
            "trunk_changes": changes,
            "suppressed": numbers.suppressed + suppressed,
            "conflicts": tuple(trunk_conflicts + conflicts + notes),
            "guard": evaluate_guards(
                policy,
                numbers.changes,
                owned_objects=owned,
                other_deletions=trunk_deletions(changes),
            ),
        }
    )


def apply_now(
    result: Plan,
    snapshot: Snapshot,
    policy: RoutingPolicy,
    twilio: TwilioPort,
    genesys: GenesysPort,
    trunks: TrunkContext | None = None,
    *,
    force: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> ApplyReport:
    """Apply `result` (planned from `snapshot`): the trunk groups first, then the numbers —
    planned again against what was built when trunk changes ran."""
    check_may_apply(result, force=force)
    if not result.trunk_changes or trunks is None:
        return apply_plan(result, twilio, genesys, force=force, progress=progress)
    report = ApplyReport()

    def relay(outcome: TrunkOutcome) -> None:
        mapped = Outcome(outcome.change, Status(outcome.status.value), outcome.detail)
        report.outcomes.append(mapped)
        if progress is not None:
            progress(mapped)

    done = apply_trunk_changes(
        result.trunk_changes, policy, snapshot, twilio, genesys, trunks.effects(), relay
    )
    if any(o.status is TrunkStatus.DONE for o in done):
        numbers = plan(policy, read_for(policy, twilio, genesys))
    else:
        numbers = result.model_copy(update={"trunk_changes": ()})
    if numbers.changes:
        later = apply_plan(numbers, twilio, genesys, force=force, progress=progress)
        report.outcomes.extend(later.outcomes)
    return report


def save_plan(saved: Plan, path: Path) -> None:
    path.write_text(saved.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load_plan(path: Path) -> Plan:
    return Plan.model_validate_json(path.read_text(encoding="utf-8"))


def apply_saved_plan(
    saved: Plan,
    policy: RoutingPolicy,
    twilio: TwilioPort,
    genesys: GenesysPort,
    trunks: TrunkContext | None = None,
    *,
    force: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> ApplyReport:
    """Apply exactly an approved plan, refusing if the observed state moved since."""
    snapshot = read_for(policy, twilio, genesys, trunks)
    current = snapshot.checksum()
    if current != saved.snapshot_checksum:
        raise StalePlanError(
            "Twilio or Genesys changed since this plan was made "
            f"(snapshot {saved.snapshot_checksum[:12]}…, now {current[:12]}…); "
            "run `byoc-sync plan` again and approve the new plan"
        )
    return apply_now(
        saved, snapshot, policy, twilio, genesys, trunks, force=force, progress=progress
    )
