"""Planning: the pure heart of reconcile — (policy, snapshot) -> ordered, guarded changes."""

from shared.reconcile.changes import (
    AddDnis,
    AttachNumberToTrunk,
    Change,
    Conflict,
    CreateDidPool,
    DeleteDidPool,
    GuardVerdict,
    Plan,
    RemoveDnis,
)
from shared.reconcile.planner import plan

__all__ = [
    "AddDnis",
    "AttachNumberToTrunk",
    "Change",
    "Conflict",
    "CreateDidPool",
    "DeleteDidPool",
    "GuardVerdict",
    "Plan",
    "RemoveDnis",
    "plan",
]
