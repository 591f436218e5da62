"""Reconcile: read everything, plan, apply — the one engine behind the CLI, the purchase
API and the scheduled timer.

A saved plan (`plan --out FILE`) is applied only while the world still looks exactly as it
did when the plan was made: the snapshot's checksum must match, or nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shared.domain.model import Snapshot
from shared.domain.policy import RoutingPolicy
from shared.ports import GenesysPort, TwilioPort
from shared.reconcile.apply import ApplyReport, Outcome, PlanRefusedError, apply_plan
from shared.reconcile.changes import Plan
from shared.reconcile.planner import plan
from shared.reconcile.snapshot import read_snapshot


class StalePlanError(PlanRefusedError):
    """The estate changed since the saved plan was made; plan again and re-approve."""


def plan_now(
    policy: RoutingPolicy, twilio: TwilioPort, genesys: GenesysPort
) -> tuple[Plan, Snapshot]:
    snapshot = read_snapshot(twilio, genesys)
    return plan(policy, snapshot), snapshot


def save_plan(saved: Plan, path: Path) -> None:
    path.write_text(saved.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load_plan(path: Path) -> Plan:
    return Plan.model_validate_json(path.read_text(encoding="utf-8"))


def apply_saved_plan(
    saved: Plan,
    twilio: TwilioPort,
    genesys: GenesysPort,
    *,
    force: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> ApplyReport:
    """Apply exactly an approved plan, refusing if the observed state moved since."""
    current = read_snapshot(twilio, genesys).checksum()
    if current != saved.snapshot_checksum:
        raise StalePlanError(
            "Twilio or Genesys changed since this plan was made "
            f"(snapshot {saved.snapshot_checksum[:12]}…, now {current[:12]}…); "
            "run `byoc-sync plan` again and approve the new plan"
        )
    return apply_plan(saved, twilio, genesys, force=force, progress=progress)
