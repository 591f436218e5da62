"""Reconcile: read everything, plan, apply — the one engine behind the CLI, the purchase
API and the scheduled timer.

A saved plan (`plan --out FILE`) is applied only while the world still looks exactly as it
did when the plan was made: the snapshot's checksum must match, or nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from shared.domain.model import Snapshot
from shared.domain.policy import RoutingPolicy
from shared.reconcile import Plan, plan
from shared.reconcile.apply import ApplyReport, Outcome, PlanRefusedError, apply_plan

if TYPE_CHECKING:
    from shared.adapters import GenesysAdapter, TwilioAdapter


class StalePlanError(PlanRefusedError):
    """The estate changed since the saved plan was made; plan again and re-approve."""


def plan_now(
    policy: RoutingPolicy, twilio: TwilioAdapter, genesys: GenesysAdapter
) -> tuple[Plan, Snapshot]:
    from shared.reconcile.snapshot import read_snapshot

    snapshot = read_snapshot(twilio, genesys)
    return plan(policy, snapshot), snapshot


def save_plan(saved: Plan, path: Path) -> None:
    path.write_text(saved.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load_plan(path: Path) -> Plan:
    return Plan.model_validate_json(path.read_text(encoding="utf-8"))


def apply_saved_plan(
    saved: Plan,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    *,
    force: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> ApplyReport:
    """Apply exactly an approved plan, refusing if the observed state moved since."""
    from shared.reconcile.snapshot import read_snapshot

    current = read_snapshot(twilio, genesys).checksum()
    if current != saved.snapshot_checksum:
        raise StalePlanError(
            "Twilio or Genesys changed since this plan was made "
            f"(snapshot {saved.snapshot_checksum[:12]}…, now {current[:12]}…); "
            "run `byoc-sync plan` again and approve the new plan"
        )
    return apply_plan(saved, twilio, genesys, force=force, progress=progress)
