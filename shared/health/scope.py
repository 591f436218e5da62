"""Which trunk groups a health command concerns.

A command names a group (timers), a Genesys trunk (trunk events) or a Twilio trunk (SIP
origination errors); the worker evaluates every group that member or trunk belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.domain.commands import EvaluateTrunkGroup
from shared.domain.model import TwilioTrunk
from shared.domain.policy import RoutingPolicy, TrunkGroup


def groups_concerned(
    policy: RoutingPolicy,
    command: EvaluateTrunkGroup,
    twilio_trunks: Sequence[TwilioTrunk],
    *,
    genesys_base_name: str | None = None,
) -> list[TrunkGroup]:
    """The groups a command names; all of them when it names nothing we can place.

    A Genesys trunk event names a trunk *instance*; the caller resolves it to the name of
    its trunk base (`genesys_base_name`), which is what policy members name.
    """
    if command.trunk_group:
        return [g for g in policy.trunk_groups if g.name == command.trunk_group]
    if command.genesys_trunk_id:
        return [
            g
            for g in policy.trunk_groups
            if any(m.genesys_trunk == genesys_base_name for m in g.members)
        ]
    if command.twilio_trunk_sid:
        names = {t.friendly_name for t in twilio_trunks if t.sid == command.twilio_trunk_sid}
        return [g for g in policy.trunk_groups if g.twilio_trunk in names]
    return list(policy.trunk_groups)
