"""What a trunk plan is made of: one typed change per vendor object, with its reason.

Changes name objects the way an engineer recognises them in the consoles (friendly names,
usernames, SIP URLs, CIDRs) plus the vendor id when the object exists. They never carry a
secret: a password appears as "(secret set)" or "(secret changed)", and the value is read
from its setting only when the change is applied.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

TrunkObject = Literal[
    "twilio_trunk",
    "credential_list",
    "credential",
    "ip_acl",
    "acl_address",
    "trunk_association",
    "trunk_base",
    "outbound_route",
    "origination_url",
]
TrunkAction = Literal["create", "update", "delete", "adopt"]

SECRET_SET = "(secret set)"
SECRET_CHANGED = "(secret changed)"
SECRET_UNRECORDED = "(secret not recorded)"

# What runs before what. A credential must exist at Twilio before Genesys sends it, and the
# old one goes only after every trunk base switched (rotation without an outage); a trunk
# base exists before a route or an origination URL points at it; removals come last.
STAGES: tuple[tuple[tuple[TrunkObject, tuple[TrunkAction, ...]], ...], ...] = (
    (
        ("twilio_trunk", ("create", "adopt", "update")),
        ("credential_list", ("create", "adopt")),
        ("ip_acl", ("create", "adopt")),
    ),
    (
        ("credential", ("create", "update")),
        ("acl_address", ("create",)),
        ("trunk_association", ("create",)),
    ),
    (("trunk_base", ("create", "adopt", "update")),),
    (
        ("outbound_route", ("create", "adopt", "update")),
        ("origination_url", ("create",)),
    ),
    (
        ("origination_url", ("delete",)),
        ("credential", ("delete",)),
        ("acl_address", ("delete",)),
    ),
)


def stage_of(obj: TrunkObject, action: TrunkAction) -> int:
    for number, stage in enumerate(STAGES):
        if any(obj == o and action in actions for o, actions in stage):
            return number
    raise ValueError(f"no stage applies {action} to {obj}")


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldChange(_Value):
    """One owned setting, before → after, as the operator reads it."""

    name: str
    before: str | None = None
    after: str | None = None

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.name}: {self.after}"
        return f"{self.name}: {self.before} → {self.after}"


class TrunkChange(_Value):
    kind: Literal["trunk_change"] = "trunk_change"
    group: str
    object: TrunkObject
    action: TrunkAction
    name: str  # the object's natural key: friendly name, username, SIP URL, CIDR
    id: str | None = None  # the vendor id, when the object exists
    parent: str | None = None  # the natural key of what holds it (trunk, list, ACL, site)
    fields: tuple[FieldChange, ...] = ()
    reason: str

    @property
    def stage(self) -> int:
        return stage_of(self.object, self.action)

    @property
    def label(self) -> str:
        where = f" on {self.parent}" if self.parent else ""
        return f"{self.action} {self.object.replace('_', ' ')} {self.name}{where}"


def trunk_deletions(changes: tuple[TrunkChange, ...] | list[TrunkChange]) -> int:
    """Deletions the guards count: a removed URL, credential or address, and each member a
    route update takes off."""
    count = sum(1 for c in changes if c.action == "delete")
    for change in changes:
        for field in change.fields:
            if field.name == "members removed" and field.after:
                count += len(field.after.split(", "))
    return count
