"""Which trunk groups a health command concerns.

A command names a group (timers), a Genesys trunk (trunk events) or a Twilio trunk (SIP
origination errors); the worker evaluates every group that member or trunk belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.domain.commands import EvaluateTrunkGroup
from shared.domain.model import GenesysTrunk, TwilioTrunk
from shared.domain.policy import RoutingPolicy, TrunkGroup


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
