"""What an applied change looks like in the journal: what changed, before → after, why.

Only changes that were made are journaled (an outcome `done`); a skipped or failed one
changed nothing, and the command's own entry carries it as a step and a reason.
"""

from __future__ import annotations

from shared.domain.journal import ChangeRecord
from shared.reconcile.apply import Outcome, Status
from shared.reconcile.changes import (
    AddDnis,
    AttachNumberToTrunk,
    CreateDidPool,
    DeleteDidPool,
    RemoveDnis,
    numbers_in,
)
from shared.trunks.changes import TrunkChange


def _numbers(numbers: tuple[str, ...]) -> str:
    shown = ", ".join(numbers[:5])
    return shown + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")


def record_of(outcome: Outcome) -> ChangeRecord | None:
    """The journal record of one applied change; None when it changed nothing."""
    if outcome.status is not Status.DONE:
        return None
    change = outcome.change
    if isinstance(change, TrunkChange):
        was = "; ".join(f"{f.name}: {f.before}" for f in change.fields if f.before is not None)
        now = "; ".join(f"{f.name}: {f.after}" for f in change.fields if f.after is not None)
        return ChangeRecord(
            subject=change.label,
            before=was or None,
            after=now or change.action,
            reason=change.reason,
            trunk_group=change.group,
        )
    numbers = outcome.numbers or numbers_in(change)
    before: str | None = None
    if isinstance(change, AttachNumberToTrunk):
        subject, after = f"Twilio number {change.phone_number}", f"on trunk {change.trunk_name}"
    elif isinstance(change, CreateDidPool):
        subject, after = f"Genesys DID pool {change.phone_number}", "created"
    elif isinstance(change, AddDnis):
        subject, after = f"Genesys IVR {change.ivr_name!r} DNIS", f"added {_numbers(numbers)}"
    elif isinstance(change, RemoveDnis):
        subject, after = f"Genesys IVR {change.ivr_name!r} DNIS", "removed"
        before = f"held {_numbers(numbers)}"
    else:
        assert isinstance(change, DeleteDidPool)
        subject, after = f"Genesys DID pool {change.phone_number}", "deleted"
        before = f"pool {change.pool_id}"
    detail = f" ({outcome.detail})" if outcome.detail else ""
    return ChangeRecord(
        subject=subject,
        before=before,
        after=after + detail,
        reason=change.reason,
        phone_numbers=tuple(numbers),
    )
