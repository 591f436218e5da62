"""The failover decision, rule by rule: thresholds with hysteresis, dwell and flap damping,
recovery on_success vs never, and never a group without an active member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.policy import Recovery, TrunkGroup
from shared.health.decision import (
    Decision,
    GroupHealth,
    Observation,
    Switch,
    SwitchCause,
    decide,
    operator_move,
    operator_release,
)

PRIMARY, BACKUP = "BYOC-Primary-Twilio", "BYOC-Failover-Twilio"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OK = Observation(ok=True, reason="connected, OPTIONS 200")
BAD = Observation(ok=False, reason="OPTIONS timeout")


def group(recovery: str = "on_success", **thresholds: int) -> TrunkGroup:
    limits = {
        "failures_to_down": 3,
        "successes_to_up": 5,
        "min_dwell_s": 300,
        "flap_damping_cap_s": 3600,
        "probe_interval_s": 60,
    } | thresholds
    return TrunkGroup.model_validate(
        {
            "name": "TG",
            "twilio_trunk": "T",
            "site": "HQ",
            "outbound_route": "R",
            "recovery": recovery,
            "thresholds": limits,
            "members": [
                {
                    "genesys_trunk": PRIMARY,
                    "origination_url": "sip:p.example.com",
                    "probe": "sip:p.example.com",
                    "priority": 1,
                },
                {
                    "genesys_trunk": BACKUP,
                    "origination_url": "sip:b.example.com",
                    "probe": "sip:b.example.com",
                    "priority": 2,
                },
            ],
        }
    )


class Run:
    """Feeds observations one probe interval apart, like the health-check timer."""

    def __init__(self, tg: TrunkGroup, active: str | None = None) -> None:
        self.tg = tg
        self.state: GroupHealth | None = None
        self.now = T0
        self.active = active
        self.decisions: list[Decision] = []

    def step(self, primary: Observation, backup: Observation = OK, every_s: int = 60) -> Decision:
        decision = decide(
            self.tg,
            self.state,
            {PRIMARY: primary, BACKUP: backup},
            self.now,
            observed_active=self.active,
        )
        self.state = decision.state
        self.decisions.append(decision)
        self.now += timedelta(seconds=every_s)
        return decision

    def steps(self, n: int, primary: Observation, backup: Observation = OK) -> Decision:
        for _ in range(n):
            last = self.step(primary, backup)
        return last


def test_a_healthy_group_stays_on_its_primary() -> None:
    decision = Run(group()).steps(10, OK)
    assert decision.preferred == PRIMARY and not decision.changed
    assert decision.reason.startswith(f"{PRIMARY} is active and up")


def test_fewer_failures_than_the_threshold_change_nothing() -> None:
    run = Run(group())
    run.steps(2, BAD)
    decision = run.step(OK)
    assert decision.preferred == PRIMARY
    assert not any(d.changed for d in run.decisions)


def test_the_third_consecutive_failure_fails_over_with_the_reason() -> None:
    run = Run(group())
    first, second, third = run.step(BAD), run.step(BAD), run.step(BAD)
    assert not first.changed and not second.changed
    assert "2/3 before down" in second.reason
    assert third.changed and third.preferred == BACKUP
    assert third.reason.startswith(f"failover: {PRIMARY} is down (OPTIONS timeout")


def test_recovery_on_success_waits_for_five_good_probes_and_the_hold_down() -> None:
    run = Run(group())
    run.steps(3, BAD)  # down at T0+120 s
    decisions = [run.step(OK) for _ in range(5)]  # 5 good probes, but only 300 s... hold-down
    assert all(d.preferred == BACKUP for d in decisions[:-1])
    later = run.steps(3, OK)
    assert later.preferred == PRIMARY
    back = next(d for d in run.decisions if d.changed and d.preferred == PRIMARY)
    assert back.reason.startswith(f"recovery: {PRIMARY} is up again")
    # the switch back came only after the primary had been down for min_dwell_s
    assert run.state is not None
    assert run.state.active_since - T0 >= timedelta(seconds=120 + 300)


def test_a_short_hold_down_recovers_on_the_fifth_good_probe() -> None:
    run = Run(group(min_dwell_s=0))
    run.steps(3, BAD)
    decisions = [run.step(OK) for _ in range(5)]
    assert [d.preferred for d in decisions] == [BACKUP] * 4 + [PRIMARY]


def test_recovery_never_stays_on_the_backup_until_an_operator_moves_it() -> None:
    run = Run(group(recovery="never", min_dwell_s=0))
    run.steps(3, BAD)
    decision = run.steps(20, OK)
    assert decision.preferred == BACKUP
    assert "recovery is 'never'" in decision.reason
    assert run.state is not None
    moved = operator_move(run.state, run.tg, PRIMARY, run.now)
    run.state = moved
    assert run.step(OK).preferred == PRIMARY
    with pytest.raises(ValueError, match="not a member"):
        operator_move(moved, run.tg, "nope", run.now)


def test_recovery_never_still_fails_over_when_the_backup_dies() -> None:
    run = Run(group(recovery="never", min_dwell_s=0))
    run.steps(3, BAD)  # on the backup
    run.steps(5, OK)  # primary up again, traffic stays
    decision = run.steps(3, OK, BAD)  # backup fails
    assert decision.preferred == PRIMARY and "failover" in decision.reason


def test_with_every_member_down_the_active_one_stays() -> None:
    run = Run(group())
    decision = run.steps(5, BAD, BAD)
    assert decision.preferred == PRIMARY and not decision.changed
    assert decision.reason.startswith("every member is down; keeping")


def test_every_member_down_after_a_failover_keeps_the_backup() -> None:
    run = Run(group())
    run.steps(3, BAD)
    decision = run.steps(3, BAD, BAD)
    assert decision.preferred == BACKUP and "every member is down" in decision.reason


def test_a_flapping_primary_waits_twice_as_long_each_time_up_to_the_cap() -> None:
    run = Run(group(min_dwell_s=300, flap_damping_cap_s=1000))
    holds = []
    for _ in range(4):
        run.steps(3, BAD)
        assert run.state is not None
        holds.append(run.state.members[PRIMARY].hold_down_s)
        while run.state.members[PRIMARY].state == "down":
            run.step(OK)
        run.step(OK)  # up again, briefly
    assert holds == [300, 600, 1000, 1000]


def test_a_member_stable_for_the_cap_is_forgiven() -> None:
    run = Run(group(min_dwell_s=300, flap_damping_cap_s=1000))
    run.steps(3, BAD)
    assert run.state is not None
    while run.state.members[PRIMARY].state == "down":
        run.step(OK)
    run.steps(3, BAD)
    assert run.state.members[PRIMARY].hold_down_s == 600  # flapped
    while run.state.members[PRIMARY].state == "down":
        run.step(OK)
    run.steps(20, OK)  # 20 min up > cap
    run.steps(3, BAD)
    assert run.state.members[PRIMARY].hold_down_s == 300


def test_the_first_run_adopts_the_member_the_route_uses_now() -> None:
    decision = Run(group(), active=BACKUP).step(OK)
    # adopted, then recovery on_success prefers the primary: one deliberate move, with reason
    assert decision.changed and decision.preferred == PRIMARY
    assert "recovery" in decision.reason


def test_state_round_trips_through_json() -> None:
    run = Run(group())
    run.steps(3, BAD)
    assert run.state is not None
    restored = GroupHealth.model_validate_json(run.state.model_dump_json())
    assert restored == run.state
    assert Recovery("never") is Recovery.NEVER


def test_evaluations_closer_than_half_an_interval_do_not_count_as_probes() -> None:
    run = Run(group())
    for _ in range(6):  # a burst of trunk events, 5 s apart
        decision = run.step(BAD, every_s=5)
    assert decision.preferred == PRIMARY
    assert run.state is not None and run.state.members[PRIMARY].consecutive_failures == 1


def test_a_failover_records_the_switch_and_steady_evaluations_keep_it() -> None:
    run = Run(group())
    run.steps(2, BAD)
    assert run.state is not None and run.state.last_switch is None
    failover = run.step(BAD)
    switch = failover.state.last_switch
    assert switch == Switch(
        at=T0 + timedelta(seconds=120),
        from_member=PRIMARY,
        to_member=BACKUP,
        reason=failover.reason,
        cause=SwitchCause.MEMBER_DOWN,
    )
    assert switch.reason.startswith(f"failover: {PRIMARY} is down")
    steady = run.steps(3, BAD)  # the primary still down, the backup active and up
    assert not steady.changed and steady.reason != failover.reason
    assert steady.state.last_decision == steady.reason
    assert steady.state.last_switch == switch


def test_recovery_replaces_the_last_switch() -> None:
    run = Run(group(min_dwell_s=0))
    run.steps(3, BAD)
    failover_switch = run.decisions[-1].state.last_switch
    recovered = run.steps(5, OK)
    assert recovered.changed and recovered.preferred == PRIMARY
    switch = recovered.state.last_switch
    assert switch is not None and switch != failover_switch
    assert (switch.from_member, switch.to_member) == (BACKUP, PRIMARY)
    assert switch.reason.startswith(f"recovery: {PRIMARY} is up again")
    assert switch.cause is SwitchCause.RECOVERY
    assert switch.at == run.now - timedelta(seconds=60)  # the run that recovered
    later = run.steps(3, OK)
    assert later.reason.startswith(f"{PRIMARY} is active and up")
    assert later.state.last_switch == switch


def test_an_operator_move_records_the_switch_and_a_move_to_the_active_one_does_not() -> None:
    run = Run(group(recovery="never", min_dwell_s=0))
    run.steps(3, BAD)
    run.steps(5, OK)
    assert run.state is not None and run.state.active == BACKUP
    failover_switch = run.state.last_switch
    moved = operator_move(run.state, run.tg, PRIMARY, run.now)
    assert moved.last_switch == Switch(
        at=run.now,
        from_member=BACKUP,
        to_member=PRIMARY,
        reason=f"operator moved traffic to {PRIMARY}",
        cause=SwitchCause.OPERATOR,
    )
    assert operator_move(run.state, run.tg, BACKUP, run.now).last_switch == failover_switch


def test_a_state_stored_without_the_last_switch_still_loads() -> None:
    run = Run(group())
    run.steps(3, BAD)
    assert run.state is not None and run.state.last_switch is not None
    stored = run.state.model_dump(mode="json")
    restored = GroupHealth.model_validate(stored)
    assert restored == run.state  # with the switch, through JSON and back
    del stored["last_switch"]  # as saved before the field existed
    old = GroupHealth.model_validate(stored)
    assert old.last_switch is None and old.active == BACKUP
    run.state = old
    assert run.step(BAD).state.last_switch is None  # carried over until the next switch


def moved_to_backup(recovery: str = "on_success") -> Run:
    """A healthy group on its primary, then an operator moves traffic to the backup."""
    run = Run(group(recovery=recovery, min_dwell_s=0))
    run.steps(3, OK)
    assert run.state is not None
    run.state = operator_move(run.state, run.tg, BACKUP, run.now)
    return run


def test_a_move_under_on_success_pins_the_member_so_recovery_does_not_undo_it() -> None:
    run = moved_to_backup()
    assert run.state is not None and run.state.pinned == BACKUP
    assert run.state.last_decision == f"operator moved traffic to {BACKUP} and pinned it"
    decision = run.steps(10, OK)  # the primary up all along: recovery would take it back
    assert decision.preferred == BACKUP
    assert not any(d.changed for d in run.decisions[3:])
    assert decision.reason == (
        f"{BACKUP} stays active: pinned by an operator, so traffic returns to {PRIMARY} "
        "only once the pin is released"
    )


def test_a_pin_on_the_best_member_is_shown_in_the_steady_verdict() -> None:
    run = moved_to_backup()
    assert run.state is not None
    run.state = operator_move(run.state, run.tg, PRIMARY, run.now)
    decision = run.step(OK)
    assert decision.reason.startswith(f"{PRIMARY} is active and up (pinned by an operator)")


def test_a_pinned_member_that_goes_down_still_fails_over_and_traffic_returns_to_it() -> None:
    run = moved_to_backup()
    failover = run.steps(3, OK, BAD)
    assert failover.changed and failover.preferred == PRIMARY  # never left without an up member
    assert failover.reason.startswith(f"failover: {BACKUP} is down")
    assert failover.state.pinned == BACKUP  # the pin outlives the failover
    back = run.steps(5, OK, OK)
    assert back.changed and back.preferred == BACKUP
    assert back.reason == f"return to {BACKUP}: up again and pinned by an operator"
    assert back.state.last_switch is not None and back.state.last_switch.to_member == BACKUP
    assert back.state.last_switch.cause is SwitchCause.PINNED


def test_a_pinned_active_member_stays_when_every_member_is_down() -> None:
    run = moved_to_backup()
    decision = run.steps(3, BAD, BAD)
    assert decision.preferred == BACKUP and "every member is down" in decision.reason


def test_releasing_the_pin_hands_the_group_back_to_recovery() -> None:
    run = moved_to_backup()
    run.steps(2, OK)
    assert run.state is not None
    released = operator_release(run.state)
    assert released.pinned is None and released.active == BACKUP  # nothing moves yet
    assert released.last_decision == f"operator released the pin on {BACKUP}"
    run.state = released
    decision = run.step(OK)
    assert decision.changed and decision.preferred == PRIMARY
    assert decision.reason.startswith(f"recovery: {PRIMARY} is up again")
    assert operator_release(decision.state) is decision.state  # nothing pinned: unchanged


def test_a_move_under_recovery_never_pins_nothing() -> None:
    run = moved_to_backup(recovery="never")
    assert run.state is not None and run.state.pinned is None
    assert run.state.last_decision == f"operator moved traffic to {BACKUP}"
    assert run.steps(5, OK).preferred == BACKUP  # it sticks anyway: recovery is never


def test_a_pin_on_a_member_the_policy_no_longer_lists_is_dropped() -> None:
    run = moved_to_backup()
    assert run.state is not None
    run.state = run.state.model_copy(update={"pinned": "BYOC-Retired-Twilio"})
    decision = run.step(OK)
    assert decision.state.pinned is None
    assert decision.preferred == PRIMARY and "recovery" in decision.reason


def test_a_state_stored_without_the_pin_loads_unpinned() -> None:
    run = moved_to_backup()
    assert run.state is not None
    stored = run.state.model_dump(mode="json")
    assert GroupHealth.model_validate(stored).pinned == BACKUP
    del stored["pinned"]  # as saved before the field existed
    assert GroupHealth.model_validate(stored).pinned is None
