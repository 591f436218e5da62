"""When an evaluation's actions count as a switch for `byoc.failovers`: which way (by
priority) and why (the cause the state recorded, else a realignment)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.health.actions import RealisedOrder
from shared.health.decision import Decision, GroupHealth, Switch, SwitchCause
from shared.health.switches import RouteSwitch, route_switch
from tests.unit.test_failover_actions import BACKUP, GROUP, PRIMARY

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def order(genesys_first: str, twilio_first: str | None = None) -> RealisedOrder:
    twilio = twilio_first or genesys_first
    others = [m for m in (PRIMARY, BACKUP) if m != genesys_first]
    return RealisedOrder(
        genesys=(genesys_first, *others),
        twilio=((twilio, 10, True), *((m, 20, True) for m in (PRIMARY, BACKUP) if m != twilio)),
    )


def decision(
    preferred: str, *, changed: bool, cause: SwitchCause | None, to: str | None = None
) -> Decision:
    switch = (
        Switch(at=NOW, from_member="x", to_member=to or preferred, reason="…", cause=cause)
        if cause is not None or to is not None
        else None
    )
    state = GroupHealth(group="TG", active=preferred, active_since=NOW, last_switch=switch)
    return Decision(group="TG", preferred=preferred, changed=changed, reason="…", state=state)


def test_a_failover_to_the_backup() -> None:
    made = decision(BACKUP, changed=True, cause=SwitchCause.MEMBER_DOWN)
    assert route_switch(GROUP, order(PRIMARY), made) == RouteSwitch(
        PRIMARY, BACKUP, "failover", "member_down"
    )


def test_a_recovery_to_the_primary_is_a_failback() -> None:
    made = decision(PRIMARY, changed=True, cause=SwitchCause.RECOVERY)
    assert route_switch(GROUP, order(BACKUP), made) == RouteSwitch(
        BACKUP, PRIMARY, "failback", "recovery"
    )


def test_an_operator_s_move_is_applied_by_a_later_run_and_keeps_its_cause() -> None:
    made = decision(PRIMARY, changed=False, cause=SwitchCause.OPERATOR)
    switch = route_switch(GROUP, order(BACKUP), made)
    assert switch is not None and switch.reason == "operator"


def test_vendors_out_of_the_stored_order_are_realigned() -> None:
    """An earlier run's switch the vendors do not show (it died half-way, or someone changed
    the route by hand): this run's actions realign them."""
    steady = decision(PRIMARY, changed=False, cause=SwitchCause.RECOVERY)
    assert route_switch(GROUP, order(BACKUP), steady) == RouteSwitch(
        BACKUP, PRIMARY, "failback", "realign"
    )
    never_switched = decision(PRIMARY, changed=False, cause=None)
    switch = route_switch(GROUP, order(BACKUP), never_switched)
    assert switch is not None and switch.reason == "realign"


def test_a_half_done_switch_is_finished_on_the_twilio_side() -> None:
    made = decision(BACKUP, changed=False, cause=SwitchCause.MEMBER_DOWN)
    switch = route_switch(GROUP, order(BACKUP, twilio_first=PRIMARY), made)
    assert switch is not None and (switch.from_member, switch.direction) == (PRIMARY, "failover")


def test_no_switch_when_the_preferred_member_was_already_first() -> None:
    """Actions that only enable or disable an origination URL move no traffic first."""
    made = decision(PRIMARY, changed=False, cause=None)
    assert route_switch(GROUP, order(PRIMARY), made) is None
    assert route_switch(GROUP, RealisedOrder((), ()), made) is None
