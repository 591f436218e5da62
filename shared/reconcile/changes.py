"""What a plan is made of: typed changes with reasons, conflicts, and the guards' verdict.

Changes are values (pydantic, frozen) so a plan can be printed, saved to a file for
approval, loaded back and applied exactly as approved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.model import normalise_dnis
from shared.domain.policy import SyncMode
from shared.trunks.changes import TrunkChange, trunk_deletions


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AttachNumberToTrunk(_Value):
    """Put a Twilio number on the Elastic SIP trunk of its route's trunk group."""

    kind: Literal["attach_number_to_trunk"] = "attach_number_to_trunk"
    phone_number: str
    number_sid: str
    trunk_sid: str
    trunk_name: str
    reason: str


class CreateDidPool(_Value):
    """A single-number Genesys DID pool carrying the ownership marker."""

    kind: Literal["create_did_pool"] = "create_did_pool"
    phone_number: str
    provider: str
    reason: str


class RemoveDnis(_Value):
    """Take numbers off one managed IVR configuration, in one read-modify-write."""

    kind: Literal["remove_dnis"] = "remove_dnis"
    ivr_id: str
    ivr_name: str
    numbers: tuple[str, ...]  # the entries as the IVR holds them
    reason: str


class AddDnis(_Value):
    """Put numbers on one managed IVR configuration, in one read-modify-write."""

    kind: Literal["add_dnis"] = "add_dnis"
    ivr_id: str
    ivr_name: str
    numbers: tuple[str, ...]
    reason: str


class DeleteDidPool(_Value):
    """Delete a DID pool byoc-sync created (ownership is re-checked when applying)."""

    kind: Literal["delete_did_pool"] = "delete_did_pool"
    pool_id: str
    phone_number: str
    reason: str


Change = Annotated[
    AttachNumberToTrunk | CreateDidPool | RemoveDnis | AddDnis | DeleteDidPool,
    Field(discriminator="kind"),
]

# The order changes are applied in: a number must be on its trunk and in a DID pool before
# Genesys accepts it as DNIS; it must leave one IVR before another accepts it (Genesys
# refuses a DNIS that is already assigned); a pool can be deleted only once it is unassigned.
APPLY_ORDER = (
    "attach_number_to_trunk",
    "create_did_pool",
    "remove_dnis",
    "add_dnis",
    "delete_did_pool",
)

# Kinds in one stage do not depend on each other, so they run side by side: a number's
# trunk attachment (Twilio) and its DID pool (Genesys) are both prerequisites of its DNIS,
# not of each other. Running them together takes a round trip off a purchase's path to
# routable and lets Twilio work overlap the Genesys budget in a large provisioning run.
APPLY_STAGES: tuple[tuple[str, ...], ...] = (
    ("attach_number_to_trunk", "create_did_pool"),
    ("remove_dnis",),
    ("add_dnis",),
    ("delete_did_pool",),
)


def deletions_in(
    change: AttachNumberToTrunk | CreateDidPool | RemoveDnis | AddDnis | DeleteDidPool,
) -> int:
    """How many owned objects a change removes (what the deletion guards count)."""
    if isinstance(change, RemoveDnis):
        return len(change.numbers)
    return 1 if isinstance(change, DeleteDidPool) else 0


def numbers_in(
    change: AttachNumberToTrunk | CreateDidPool | RemoveDnis | AddDnis | DeleteDidPool,
) -> tuple[str, ...]:
    """The numbers a change touches, as it names them (IVR entries as the IVR spells them)."""
    if isinstance(change, RemoveDnis | AddDnis):
        return change.numbers
    return (change.phone_number,)


class Conflict(_Value):
    """Something byoc-sync will not fix by itself: reported, never deleted."""

    subject: str  # the number or object concerned
    detail: str


class GuardVerdict(_Value):
    allowed: bool
    reasons: tuple[str, ...] = ()


class Plan(_Value):
    """An ordered list of changes computed from one snapshot; pure data."""

    mode: SyncMode
    snapshot_checksum: str
    # The trunk groups byoc-sync builds: applied first, the numbers need their trunks.
    trunk_changes: tuple[TrunkChange, ...] = ()
    changes: tuple[Change, ...] = ()
    # Deletions that `upsert-only` keeps out of `changes`, shown so the operator knows.
    suppressed: tuple[Change | TrunkChange, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    guard: GuardVerdict = GuardVerdict(allowed=True)

    @property
    def deletions(self) -> int:
        numbers = sum(deletions_in(change) for change in self.changes)
        return numbers + trunk_deletions(self.trunk_changes)

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.trunk_changes


def restricted_to(plan: Plan, numbers: Sequence[str]) -> Plan:
    """The part of `plan` about these numbers (a targeted reconcile); all of it for none."""
    if not numbers:
        return plan
    wanted = set(numbers)
    changes = tuple(c for c in plan.changes if {normalise_dnis(n) for n in numbers_in(c)} & wanted)
    return plan.model_copy(update={"changes": changes})
