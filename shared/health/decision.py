"""The failover decision for one trunk group: pure, so every rule is a table test.

Config changes cost more than a dropped probe — Twilio and Genesys already retry each call —
so nothing here reacts to a single bad probe:

- a member goes **down** after `failures_to_down` consecutive failed probes and comes back
  **up** only after `successes_to_up` consecutive good ones *and* once it has stayed down for
  its hold-down (hysteresis);
- the hold-down starts at `min_dwell_s` and doubles every time the member fails again soon
  after recovering (a flap), up to `flap_damping_cap_s`; a member that stays up for the cap
  is forgiven and starts again from `min_dwell_s`;
- the group **fails over** (`failover: on_failure`) as soon as its active member is down and
  another member is up; it **recovers** to a better-priority member once that member is up
  again (`recovery: on_success`), or stays where it is until an operator moves it
  (`recovery: never`);
- it never leaves the group without an active member: with every member down, the active one
  stays (changing config would not carry a single call more);
- an operator's move under `recovery: on_success` **pins** the member moved to (draining an
  SBC for maintenance must not be undone by the next check's recovery): while the pinned
  member is up it stays active whatever the priorities say; if it goes down the group fails
  over as usual, and returns to it once it is up again; releasing the pin hands the group
  back to recovery. Under `recovery: never` a move sticks anyway, so it pins nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.policy import Recovery, TrunkGroup, TrunkGroupMember

STATE_VERSION = 1


class MemberHealth(BaseModel):
    """What is remembered of one member between runs."""

    model_config = ConfigDict(frozen=True)

    state: Literal["up", "down"] = "up"
    consecutive_failures: int = 0
    consecutive_successes: int = 0
    changed_at: datetime | None = None  # when `state` last changed
    hold_down_s: int = 0  # how long a down member must stay down (0: not set yet)
    last_ok: bool | None = None
    last_reason: str = ""
    last_probed_at: datetime | None = None


class SwitchCause(StrEnum):
    """Why the active member changed, as a word a metric can carry (`reason` says it in
    full): the active member went down, a better one recovered, traffic returned to the
    member an operator pinned, or an operator moved it."""

    MEMBER_DOWN = "member_down"
    RECOVERY = "recovery"
    PINNED = "pinned"
    OPERATOR = "operator"


class Switch(BaseModel):
    """One change of a group's active member: failover, recovery or an operator's move."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    from_member: str
    to_member: str
    reason: str
    cause: SwitchCause | None = None  # None in states saved before causes were recorded


class GroupHealth(BaseModel):
    """A trunk group's health between runs (stored as JSON, one row per group).

    `last_decision` is the latest evaluation's verdict and every evaluation rewrites it
    (mostly to "… is active and up"); `last_switch` is the latest change of the active
    member and only such a change rewrites it (None: no switch since the group was first
    seen, or a state stored before the field existed).
    """

    model_config = ConfigDict(frozen=True)

    version: int = STATE_VERSION
    group: str
    active: str  # the member traffic is sent to first (Genesys trunk name)
    active_since: datetime
    members: dict[str, MemberHealth] = Field(default_factory=dict)
    last_decision: str = ""
    last_switch: Switch | None = None
    pinned: str | None = None  # member an operator moved traffic to and pinned (None: policy)


class Observation(BaseModel):
    """One run's verdict on one member: probes and Genesys state already combined."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    reason: str


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str
    preferred: str
    changed: bool  # the preferred member differs from the one active before this run
    reason: str
    state: GroupHealth


def _by_priority(group: TrunkGroup) -> list[TrunkGroupMember]:
    return sorted(group.members, key=lambda m: m.priority)


def initial_state(group: TrunkGroup, now: datetime, active: str | None = None) -> GroupHealth:
    """First sight of a group: every member presumed up, the given (observed) or primary
    member active."""
    names = {m.genesys_trunk for m in group.members}
    chosen = active if active in names else _by_priority(group)[0].genesys_trunk
    assert chosen is not None
    return GroupHealth(group=group.name, active=chosen, active_since=now)


def _hold_down(member: MemberHealth, min_dwell_s: int, cap_s: int, now: datetime) -> int:
    """The hold-down for a member going down now: doubled if it flapped (went down again
    within its previous hold-down after coming up), reset after a quiet spell."""
    previous = member.hold_down_s or min_dwell_s
    if member.changed_at is None or member.state != "up":
        return min_dwell_s
    up_for = (now - member.changed_at).total_seconds()
    if up_for >= cap_s:
        return min_dwell_s  # stable long enough: forgiven
    if up_for < max(previous, min_dwell_s):
        return min(max(previous * 2, min_dwell_s), cap_s)  # a flap
    return previous


def _advance(
    member: MemberHealth, seen: Observation, group: TrunkGroup, now: datetime
) -> MemberHealth:
    limits = group.thresholds
    failures = 0 if seen.ok else member.consecutive_failures + 1
    successes = member.consecutive_successes + 1 if seen.ok else 0
    state, changed_at, hold_down = member.state, member.changed_at, member.hold_down_s
    if member.state == "up" and failures >= limits.failures_to_down:
        hold_down = _hold_down(member, limits.min_dwell_s, limits.flap_damping_cap_s, now)
        state, changed_at = "down", now
    elif member.state == "down" and successes >= limits.successes_to_up:
        down_for = (now - changed_at).total_seconds() if changed_at else float("inf")
        if down_for >= (hold_down or limits.min_dwell_s):
            state, changed_at = "up", now
    return MemberHealth(
        state=state,
        consecutive_failures=failures,
        consecutive_successes=successes,
        changed_at=changed_at,
        hold_down_s=hold_down,
        last_ok=seen.ok,
        last_reason=seen.reason,
        last_probed_at=now,
    )


def _too_soon(member: MemberHealth, group: TrunkGroup, now: datetime) -> bool:
    """An evaluation an event triggered between two scheduled ones does not count as another
    probe: thresholds are in probes *per interval*, so a burst of trunk events cannot trip
    failover faster than `failures_to_down` times `probe_interval_s`."""
    if member.last_probed_at is None:
        return False
    return (now - member.last_probed_at).total_seconds() < group.thresholds.probe_interval_s / 2


def _describe(name: str, member: MemberHealth, group: TrunkGroup) -> str:
    limits = group.thresholds
    if member.state == "down":
        return (
            f"{name} is down ({member.last_reason}; "
            f"{member.consecutive_successes}/{limits.successes_to_up} good probes since)"
        )
    if member.consecutive_failures:
        return (
            f"{name} failing ({member.last_reason}; "
            f"{member.consecutive_failures}/{limits.failures_to_down} before down)"
        )
    return f"{name} is up"


def decide(
    group: TrunkGroup,
    previous: GroupHealth | None,
    observations: dict[str, Observation],
    now: datetime,
    observed_active: str | None = None,
) -> Decision:
    """Fold this run's observations into the group's state and choose the preferred member.

    `observed_active` (the member first in the Genesys outbound route) seeds the state the
    first time a group is seen, so byoc-sync adopts the estate as it is instead of moving it.
    A member without an observation this run keeps its counters.
    """
    state = previous or initial_state(group, now, observed_active)
    members = dict(state.members)
    for member in group.members:
        name = member.genesys_trunk
        current = members.get(name, MemberHealth())
        seen = observations.get(name)
        members[name] = (
            current
            if seen is None or _too_soon(current, group, now)
            else _advance(current, seen, group, now)
        )

    ordered = [m.genesys_trunk for m in _by_priority(group)]
    up = [name for name in ordered if members[name].state == "up"]
    active = state.active if state.active in ordered else ordered[0]
    # A pin on a member the policy no longer lists is dropped with it.
    pinned = state.pinned if state.pinned in ordered else None
    preferred, reason = active, ""
    cause: SwitchCause | None = None
    if members[active].state == "down":
        if up:
            preferred = pinned if pinned in up else up[0]
            reason = f"failover: {_describe(active, members[active], group)}"
            cause = SwitchCause.MEMBER_DOWN
        else:
            reason = f"every member is down; keeping {active} active (nothing better to use)"
    elif pinned is not None and pinned != active and pinned in up:
        preferred = pinned
        reason = f"return to {pinned}: up again and pinned by an operator"
        cause = SwitchCause.PINNED
    elif up and up[0] != active:
        better = up[0]
        if pinned == active:
            reason = (
                f"{active} stays active: pinned by an operator, so traffic returns to "
                f"{better} only once the pin is released"
            )
        elif group.recovery == Recovery.ON_SUCCESS:
            preferred = better
            reason = f"recovery: {better} is up again (priority before {active})"
            cause = SwitchCause.RECOVERY
        else:
            reason = (
                f"{active} stays active: recovery is 'never', so traffic returns to {better} "
                "only when an operator moves it"
            )
    if not reason:
        status = _describe(preferred, members[preferred], group)
        head = (
            f"{preferred} is active and up"
            if status == f"{preferred} is up"
            else f"{preferred} is active, {status.removeprefix(preferred + ' ')}"
        )
        if preferred == pinned:
            head += " (pinned by an operator)"
        others = [_describe(n, members[n], group) for n in ordered if n != preferred]
        reason = head + (f"; {'; '.join(others)}" if others else "")
    changed = preferred != state.active
    new_state = GroupHealth(
        group=group.name,
        active=preferred,
        active_since=now if changed else state.active_since,
        members=members,
        last_decision=reason,
        last_switch=Switch(
            at=now, from_member=state.active, to_member=preferred, reason=reason, cause=cause
        )
        if changed
        else state.last_switch,
        pinned=pinned,
    )
    return Decision(
        group=group.name, preferred=preferred, changed=changed, reason=reason, state=new_state
    )


def operator_move(state: GroupHealth, group: TrunkGroup, member: str, now: datetime) -> GroupHealth:
    """An operator's explicit choice (the only way back under `recovery: never`).

    Under `recovery: on_success` the member is also pinned, or the next evaluation would
    recover straight back to the best-priority member and silently undo the move.
    """
    names = [m.genesys_trunk for m in group.members]
    if member not in names:
        raise ValueError(f"{member!r} is not a member of {group.name} ({', '.join(names)})")
    pin = group.recovery == Recovery.ON_SUCCESS
    reason = f"operator moved traffic to {member}" + (" and pinned it" if pin else "")
    switch = (
        Switch(
            at=now,
            from_member=state.active,
            to_member=member,
            reason=reason,
            cause=SwitchCause.OPERATOR,
        )
        if member != state.active
        else state.last_switch
    )
    return state.model_copy(
        update={
            "active": member,
            "active_since": now,
            "last_decision": reason,
            "last_switch": switch,
            "pinned": member if pin else None,
        }
    )


def operator_release(state: GroupHealth) -> GroupHealth:
    """Hand a pinned group back to its policy; the next evaluation recovers as usual.

    Nothing moves here: whether traffic leaves the pinned member is the next evaluation's
    decision (it is up and the best? it stays), made with fresh probes.
    """
    if state.pinned is None:
        return state
    return state.model_copy(
        update={
            "pinned": None,
            "last_decision": f"operator released the pin on {state.pinned}",
        }
    )
