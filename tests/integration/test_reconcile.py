"""Reconcile end to end: snapshot, plan and apply through the official SDKs, against the
emulators seeded with the default scenario (the BYOC estate of examples/policy.yaml)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from sandbox.scenario import load_scenario
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.twilio import TwilioAdapter
from shared.domain.ownership import OWNERSHIP_MARKER
from shared.domain.policy import RoutingPolicy, load_policy
from shared.ports import SnapshotReadError
from shared.reconcile import AddDnis, AttachNumberToTrunk, CreateDidPool, plan
from shared.reconcile.apply import PlanRefusedError, Status, apply_plan
from shared.reconcile.saved_plans import (
    StalePlanError,
    apply_saved_plan,
    load_plan,
    plan_now,
    save_plan,
)
from shared.reconcile.snapshot import read_snapshot
from tests.conftest import EXAMPLE_POLICY
from tests.integration.conftest import Sleeps, genesys_adapter, twilio_adapter

HAND_BOUGHT = "+13125550101"  # in the default scenario: bought in the console, never provisioned


@pytest.fixture
def policy() -> RoutingPolicy:
    return load_policy(EXAMPLE_POLICY)


def ivr_dnis(emu: GenesysEmulator, name: str) -> list[str]:
    [ivr] = [i for i in emu.state.ivrs.values() if i.name == name]
    return list(ivr.dnis)


def test_reconcile_provisions_a_hand_bought_number_and_a_second_run_is_a_no_op(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    twilio_emu: TwilioEmulator,
    genesys_emu: GenesysEmulator,
) -> None:
    first, _ = plan_now(policy, twilio, genesys)
    assert [type(c) for c in first.changes] == [AttachNumberToTrunk, CreateDidPool, AddDnis]
    assert all(
        HAND_BOUGHT in (getattr(c, "phone_number", None), *getattr(c, "numbers", ()))
        for c in first.changes
    )

    report = apply_plan(first, twilio, genesys)

    assert [o.status for o in report.outcomes] == [Status.DONE] * 3
    [number] = [n for n in twilio_emu.state.numbers.values() if n.phone_number == HAND_BOUGHT]
    [trunk] = twilio_emu.state.trunks.values()
    assert number.trunk_sid == trunk.sid
    [pool] = [p for p in genesys_emu.state.pools.values() if p.start == HAND_BOUGHT]
    assert OWNERSHIP_MARKER in (pool.comments or "")
    assert ivr_dnis(genesys_emu, "Support IVR") == ["+13125550100", HAND_BOUGHT]

    twilio_emu.log.clear()
    genesys_emu.log.clear()
    second, _ = plan_now(policy, twilio, genesys)
    assert second.is_empty and not second.conflicts
    assert apply_plan(second, twilio, genesys).outcomes == []
    assert twilio_emu.log.writes() == [] and genesys_emu.log.writes() == []


def test_a_number_on_an_unmanaged_ivr_is_reported_and_left_there(
    policy: RoutingPolicy, retry: RetryPolicy
) -> None:
    scenario = load_scenario("default")
    seed = scenario.genesys.model_dump()
    seed["did_pools"].append({"start_phone_number": HAND_BOUGHT, "end_phone_number": HAND_BOUGHT})
    seed["ivrs"].append({"name": "Legacy IVR", "dnis": [HAND_BOUGHT]})
    genesys_seed = GenesysScenario.model_validate(seed)
    with TwilioEmulator(scenario.twilio) as t_emu, GenesysEmulator(genesys_seed) as g_emu:
        twilio, genesys = twilio_adapter(t_emu, retry), genesys_adapter(g_emu, retry)
        result, _ = plan_now(policy, twilio, genesys)
        assert [c.kind for c in result.changes] == ["attach_number_to_trunk"]
        [conflict] = result.conflicts
        assert conflict.subject == HAND_BOUGHT and "Legacy IVR" in conflict.detail
        apply_plan(result, twilio, genesys)
        assert ivr_dnis(g_emu, "Legacy IVR") == [HAND_BOUGHT]
        assert HAND_BOUGHT not in ivr_dnis(g_emu, "Support IVR")


def test_reconcile_converges_through_throttling_server_errors_and_resets(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    twilio_emu: TwilioEmulator,
    genesys_emu: GenesysEmulator,
    sleeps: Sleeps,
) -> None:
    storm = FaultConfig(
        throttle_rate=0.1, retry_after_s=1, server_error_rate=0.05, reset_rate=0.05, seed=7
    )
    twilio_emu.faults.configure(storm)
    genesys_emu.faults.configure(storm.model_copy(update={"seed": 8}))
    for _ in range(5):  # like the timer: a run may abort or leave work, never make a mess
        try:
            result, _ = plan_now(policy, twilio, genesys)
        except SnapshotReadError:
            continue  # an incomplete read aborts the whole run: nothing was planned
        if result.is_empty:
            break
        apply_plan(result, twilio, genesys)
    twilio_emu.faults.configure(FaultConfig())
    genesys_emu.faults.configure(FaultConfig())
    final, _ = plan_now(policy, twilio, genesys)
    assert final.is_empty
    assert ivr_dnis(genesys_emu, "Support IVR").count(HAND_BOUGHT) == 1
    assert len([p for p in genesys_emu.state.pools.values() if p.start == HAND_BOUGHT]) == 1
    assert sum(1 for e in twilio_emu.log.entries() + genesys_emu.log.entries() if e.fault) > 0
    assert 1.0 in sleeps  # Retry-After was honoured


def test_a_stale_ivr_version_is_re_read_without_losing_other_dnis(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    genesys_emu: GenesysEmulator,
) -> None:
    result, _ = plan_now(policy, twilio, genesys)
    genesys_emu.faults.configure(FaultConfig(conflict_rate=0.5, seed=3))
    report = apply_plan(result, twilio, genesys)
    assert not report.failed
    assert any(e.status == 409 for e in genesys_emu.log.entries())
    assert ivr_dnis(genesys_emu, "Support IVR") == ["+13125550100", HAND_BOUGHT]


def test_a_new_pool_that_is_not_yet_usable_for_dnis_is_waited_for(
    policy: RoutingPolicy, retry: RetryPolicy
) -> None:
    scenario = load_scenario("default")
    delayed = scenario.genesys.model_copy(update={"did_pool_propagation_delay_s": 0.3})
    with TwilioEmulator(scenario.twilio) as t_emu, GenesysEmulator(delayed) as g_emu:
        # The emulator's clock moves only when apply waits, so however slow the machine,
        # the first add lands before the pool is usable and a later one after.
        emulated_now = [0.0]
        g_emu.state.clock = lambda: emulated_now[0]

        def wait(seconds: float) -> None:
            emulated_now[0] += seconds

        twilio, genesys = twilio_adapter(t_emu, retry), genesys_adapter(g_emu, retry)
        result, _ = plan_now(policy, twilio, genesys)
        report = apply_plan(result, twilio, genesys, sleep=wait)
        assert not report.failed, report.failed
        assert any(e.status == 400 for e in g_emu.log.entries())  # refused at first...
        assert HAND_BOUGHT in ivr_dnis(g_emu, "Support IVR")  # ...accepted once propagated


def test_the_max_deletions_guard_refuses_before_any_write(
    policy: RoutingPolicy, retry: RetryPolicy
) -> None:
    numbers = [f"+1202555{i:04d}" for i in range(300, 320)]
    genesys_seed = GenesysScenario.model_validate(
        {
            "did_pools": [
                {"start_phone_number": n, "end_phone_number": n, "comments": OWNERSHIP_MARKER}
                for n in numbers
            ],
            "ivrs": [{"name": "Main IVR", "dnis": numbers}, {"name": "Support IVR"}],
        }
    )
    twilio_seed = load_scenario("default").twilio.model_copy(update={"incoming_numbers": []})
    with TwilioEmulator(twilio_seed) as t_emu, GenesysEmulator(genesys_seed) as g_emu:
        twilio, genesys = twilio_adapter(t_emu, retry), genesys_adapter(g_emu, retry)
        g_emu.log.clear()  # the OAuth token is not a write to the estate
        result, _ = plan_now(policy, twilio, genesys)  # the numbers left Twilio: 40 deletions
        assert result.deletions == 40 and not result.guard.allowed
        with pytest.raises(PlanRefusedError, match="more than max_deletions"):
            apply_plan(result, twilio, genesys)
        assert g_emu.log.writes() == [] and t_emu.log.writes() == []
        forced = apply_plan(result, twilio, genesys, force=True)
        assert len(forced.done) == 1 + 20  # one IVR batch, 20 pool deletions
        assert g_emu.state.pools == {}


def test_a_saved_plan_applies_only_while_the_estate_is_unchanged(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    twilio_emu: TwilioEmulator,
    tmp_path: Path,
) -> None:
    saved, _ = plan_now(policy, twilio, genesys)
    path = tmp_path / "plan.json"
    save_plan(saved, path)
    twilio.purchase("+12025550110", "route:main bought after the plan")
    with pytest.raises(StalePlanError, match="changed since this plan was made"):
        apply_saved_plan(load_plan(path), policy, twilio, genesys)
    fresh, _ = plan_now(policy, twilio, genesys)
    save_plan(fresh, path)
    report = apply_saved_plan(load_plan(path), policy, twilio, genesys)
    assert not report.failed and len(report.done) == len(fresh.changes)


N = 2000


def test_a_reconcile_of_2000_numbers_in_sync_reads_in_pages_and_writes_nothing(
    policy: RoutingPolicy, retry: RetryPolicy
) -> None:
    numbers = [f"+1202{200 + i // 10_000:03d}{i % 10_000:04d}" for i in range(N)]
    default = load_scenario("default")
    twilio_seed = TwilioScenario.model_validate(
        {
            **default.twilio.model_dump(exclude={"incoming_numbers"}),
            "incoming_numbers": [
                {"phone_number": n, "friendly_name": "route:main", "trunk": "BYOC-Primary-Failover"}
                for n in numbers
            ],
        }
    )
    genesys_seed = GenesysScenario.model_validate(
        {
            **default.genesys.model_dump(exclude={"did_pools", "ivrs"}),
            "requests_per_minute": 0,
            "did_pools": [
                {"start_phone_number": n, "end_phone_number": n, "comments": OWNERSHIP_MARKER}
                for n in numbers
            ],
            "ivrs": [{"name": "Main IVR", "dnis": numbers}, {"name": "Support IVR"}],
        }
    )
    with TwilioEmulator(twilio_seed) as t_emu, GenesysEmulator(genesys_seed) as g_emu:
        twilio, genesys = twilio_adapter(t_emu, retry), genesys_adapter(g_emu, retry)
        g_emu.log.clear()
        result = plan(policy, read_snapshot(twilio, genesys))
        assert result.is_empty, result.changes[:3]
        apply_plan(result, twilio, genesys)
        assert t_emu.log.writes() == [] and g_emu.log.writes() == []
        pages = math.ceil(N / 1000) + math.ceil(N / 100)  # Twilio numbers + Genesys DID pools
        constant = 8  # trunks, origination URLs, IVRs, trunk bases, trunks, sites, routes
        calls = len(t_emu.log.entries()) + len(g_emu.log.entries())
        assert calls <= pages + constant, (
            t_emu.log.count_by_endpoint(),
            g_emu.log.count_by_endpoint(),
        )
