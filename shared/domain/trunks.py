"""Policy members are trunk *bases*; Genesys reports trunk *instances*.

A BYOC Cloud trunk base setting runs as one or more trunk instances (one per
Genesys-managed edge), named differently from the base (`<base>_<uuid>` is what
practitioners see). Everything that joins a policy member to what Genesys reports goes
through here: by the base's id, never by the instance's name.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.domain.model import GenesysTrunk, TrunkBase


def instances_of(
    base_name: str, trunk_bases: Sequence[TrunkBase], trunks: Sequence[GenesysTrunk]
) -> list[GenesysTrunk]:
    """The instances of the trunk base named `base_name` (a policy member's name)."""
    base_ids = {base.id for base in trunk_bases if base.name == base_name}
    return [trunk for trunk in trunks if trunk.trunk_base_id in base_ids]


def base_name(base_id: str | None, trunk_bases: Sequence[TrunkBase]) -> str | None:
    """The name of the trunk base with this id: what a policy member calls it."""
    return next((b.name for b in trunk_bases if b.id == base_id), None)
