"""Whether an evaluation's actions switched a trunk group, which way, and why: pure.

A switch is what the vendors do differently afterwards, not what the stored state says: the
member first on the Genesys outbound route (or, where Genesys already had the preferred
member first, first among the Twilio origination URLs) before acting was another member.
Actions that only enable or disable an origination URL are not a switch.

Direction is by priority: to a lower-priority member is a failover, back to a higher one a
failback. The reason is the cause the state recorded when this run decided the switch, or
when an operator moved the group (applied by the next run); otherwise the vendors had left
the order the state already held (a run that died half-way, a change by hand) and acting
realigned them.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.policy import TrunkGroup
from shared.health.actions import RealisedOrder
from shared.health.decision import Decision, SwitchCause
from shared.telemetry.contract import Direction, SwitchReason

# The metric's words for each cause the state records.
CAUSE_REASONS: dict[SwitchCause, SwitchReason] = {
    SwitchCause.MEMBER_DOWN: "member_down",
    SwitchCause.RECOVERY: "recovery",
    SwitchCause.PINNED: "pinned",
    SwitchCause.OPERATOR: "operator",
}


@dataclass(frozen=True)
class RouteSwitch:
    from_member: str
    to_member: str
    direction: Direction
    reason: SwitchReason


def route_switch(
    group: TrunkGroup, before: RealisedOrder, decision: Decision
) -> RouteSwitch | None:
    """The switch applying `decision` made, given the order the vendors held `before`; None
    when the preferred member was already first on both sides."""
    preferred = decision.preferred
    previous = before.genesys_first if before.genesys_first != preferred else before.twilio_first
    priorities = {member.genesys_trunk: member.priority for member in group.members}
    if previous is None or previous == preferred or previous not in priorities:
        return None
    direction: Direction = (
        "failback" if priorities.get(preferred, 0) < priorities[previous] else "failover"
    )
    return RouteSwitch(previous, preferred, direction, _reason(decision))


def _reason(decision: Decision) -> SwitchReason:
    switch = decision.state.last_switch
    if switch is None or switch.cause is None or switch.to_member != decision.preferred:
        return "realign"
    if decision.changed or switch.cause is SwitchCause.OPERATOR:
        return CAUSE_REASONS[switch.cause]
    return "realign"
