"""Safety valves between a plan and its execution.

Sync controllers hurt their users by deleting at scale after a bad read or a bad policy
edit. Two guards stop a plan unless the operator passes `--force`: an absolute cap on
deletions, and a cap on the share of owned objects one plan may delete.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.domain.policy import RoutingPolicy
from shared.reconcile.changes import Change, GuardVerdict, deletions_in


def evaluate_guards(
    policy: RoutingPolicy,
    changes: Sequence[Change],
    *,
    owned_objects: int,
    other_deletions: int = 0,
) -> GuardVerdict:
    """Owned objects: DID pools carrying the marker plus DNIS entries on managed IVRs (and
    the trunk side's, when `other_deletions` counts trunk changes)."""
    deletions = sum(deletions_in(change) for change in changes) + other_deletions
    reasons: list[str] = []
    if deletions > policy.max_deletions:
        reasons.append(
            f"plan deletes {deletions} owned objects, more than max_deletions "
            f"({policy.max_deletions})"
        )
    guard = policy.change_guard
    if owned_objects >= guard.min_owned and owned_objects and deletions:
        share = deletions / owned_objects
        if share > guard.max_share:
            reasons.append(
                f"plan deletes {share:.0%} of the {owned_objects} owned objects, more than "
                f"change_guard.max_share ({guard.max_share:.0%})"
            )
    return GuardVerdict(allowed=not reasons, reasons=tuple(reasons))
