"""Which trunk groups an event concerns, and how their members look in Genesys right now.

This is the read-only half of trunk-group health: a trunk event or a Twilio SIP error makes
the worker look at the group's members (Genesys `connectedStatus`, `inService`, enabled)
and say which member should be preferred and why. Acting on it — reordering the outbound
route and the origination URLs after sustained failure — belongs to the failover engine,
which consumes these assessments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shared.commands import EvaluateTrunkGroup
from shared.model import GenesysTrunk, TwilioTrunk
from shared.policy import RoutingPolicy, TrunkGroup


@dataclass(frozen=True)
class MemberStatus:
    genesys_trunk: str
    priority: int
    trunk_id: str | None
    healthy: bool
    reason: str


@dataclass(frozen=True)
class GroupStatus:
    group: str
    members: tuple[MemberStatus, ...]
    preferred: str | None  # the healthy member with the best priority
    summary: str


def groups_concerned(
    policy: RoutingPolicy,
    command: EvaluateTrunkGroup,
    genesys_trunks: Sequence[GenesysTrunk],
    twilio_trunks: Sequence[TwilioTrunk],
) -> list[TrunkGroup]:
    """The groups a command names; all of them when it names nothing we can place."""
    if command.trunk_group:
        return [g for g in policy.trunk_groups if g.name == command.trunk_group]
    if command.genesys_trunk_id:
        names = {t.name for t in genesys_trunks if t.id == command.genesys_trunk_id}
        return [g for g in policy.trunk_groups if any(m.genesys_trunk in names for m in g.members)]
    if command.twilio_trunk_sid:
        names = {t.friendly_name for t in twilio_trunks if t.sid == command.twilio_trunk_sid}
        return [g for g in policy.trunk_groups if g.twilio_trunk in names]
    return list(policy.trunk_groups)


def _member_status(name: str, priority: int, trunk: GenesysTrunk | None) -> MemberStatus:
    if trunk is None:
        return MemberStatus(name, priority, None, False, "no such trunk in Genesys")
    problems = [
        text
        for ok, text in (
            (trunk.enabled is not False, "disabled"),
            (trunk.connected is not False, "not connected"),
            (trunk.in_service is not False, "out of service"),
        )
        if not ok
    ]
    if problems:
        return MemberStatus(name, priority, trunk.id, False, ", ".join(problems))
    return MemberStatus(name, priority, trunk.id, True, "connected and in service")


def assess_group(group: TrunkGroup, trunks_by_name: Mapping[str, GenesysTrunk]) -> GroupStatus:
    members = tuple(
        _member_status(m.genesys_trunk, m.priority, trunks_by_name.get(m.genesys_trunk))
        for m in sorted(group.members, key=lambda m: m.priority)
    )
    healthy = [m for m in members if m.healthy]
    if not healthy:
        return GroupStatus(group.name, members, None, "no member is healthy")
    preferred = healthy[0]
    if preferred is members[0]:
        summary = f"primary {preferred.genesys_trunk} is healthy"
    else:
        down = "; ".join(f"{m.genesys_trunk}: {m.reason}" for m in members if not m.healthy)
        summary = f"prefer {preferred.genesys_trunk} (priority {preferred.priority}): {down}"
    return GroupStatus(group.name, members, preferred.genesys_trunk, summary)
