"""plan(policy, snapshot): what reconcile decides, pinned case by case with no I/O."""

from __future__ import annotations

import pytest

from shared.domain.model import Snapshot
from shared.domain.policy import SyncMode
from shared.reconcile import (
    AddDnis,
    AttachNumberToTrunk,
    CreateDidPool,
    DeleteDidPool,
    Plan,
    RemoveDnis,
    plan,
)
from tests.support.estate import MAIN, SUPPORT, converged, ivr, number, policy, pool, snapshot


def kinds(result: Plan) -> list[str]:
    return [change.kind for change in result.changes]


def apply_to(snap: Snapshot, result: Plan) -> Snapshot:
    """What the estate looks like once a plan is applied (a model of apply, for idempotence)."""
    numbers = {n.phone_number: n for n in snap.twilio_numbers}
    pools = {p.id: p for p in snap.did_pools}
    ivrs = {i.id: i for i in snap.ivrs}
    for change in result.changes:
        if isinstance(change, AttachNumberToTrunk):
            numbers[change.phone_number] = numbers[change.phone_number].model_copy(
                update={"trunk_sid": change.trunk_sid}
            )
        elif isinstance(change, CreateDidPool):
            created = pool(change.phone_number)
            pools[created.id] = created
        elif isinstance(change, RemoveDnis):
            current = ivrs[change.ivr_id]
            kept = tuple(d for d in current.dnis if d not in change.numbers)
            ivrs[change.ivr_id] = current.model_copy(update={"dnis": kept})
        elif isinstance(change, AddDnis):
            current = ivrs[change.ivr_id]
            ivrs[change.ivr_id] = current.model_copy(update={"dnis": current.dnis + change.numbers})
        elif isinstance(change, DeleteDidPool):
            del pools[change.pool_id]
    return snap.model_copy(
        update={
            "twilio_numbers": tuple(numbers.values()),
            "did_pools": tuple(pools.values()),
            "ivrs": tuple(ivrs.values()),
        }
    )


def test_a_converged_estate_plans_nothing() -> None:
    result = plan(policy(), converged())
    assert result.is_empty and not result.conflicts and result.guard.allowed


def test_a_hand_bought_number_is_attached_pooled_and_routed_in_that_order() -> None:
    estate = converged()
    bought = number("+12025550155", name="bought in the console", trunk=None)
    estate = estate.model_copy(update={"twilio_numbers": (*estate.twilio_numbers, bought)})
    result = plan(policy(), estate)
    assert kinds(result) == ["attach_number_to_trunk", "create_did_pool", "add_dnis"]
    attach, create, add = result.changes
    assert isinstance(attach, AttachNumberToTrunk) and attach.trunk_sid == "TK1"
    assert isinstance(create, CreateDidPool) and create.provider == "PURE_CLOUD"
    assert isinstance(add, AddDnis) and add.ivr_name == MAIN and add.numbers == ("+12025550155",)
    assert "route 'main'" in add.reason


def test_applying_a_plan_then_planning_again_plans_nothing() -> None:
    estate = snapshot(
        [number("+12025550155", trunk=None), number("+13125550199", name="x route:support")],
        [],
        [ivr(MAIN), ivr(SUPPORT, "+12025550999")],
    )
    first = plan(policy(), estate)
    assert not first.is_empty
    assert plan(policy(), apply_to(estate, first)).is_empty


def test_new_numbers_for_one_ivr_are_batched_into_one_change() -> None:
    numbers = [number(f"+1202555{i:04d}", trunk="TK1") for i in range(200, 205)]
    result = plan(
        policy(),
        snapshot(numbers, [pool(n.phone_number) for n in numbers], [ivr(MAIN), ivr(SUPPORT)]),
    )
    [add] = result.changes
    assert isinstance(add, AddDnis) and len(add.numbers) == 5


def test_a_number_moving_between_managed_routes_leaves_one_ivr_before_joining_the_other() -> None:
    estate = converged()
    moved = number("+12025550100", name="now route:support")
    estate = estate.model_copy(update={"twilio_numbers": (moved, estate.twilio_numbers[1])})
    # +1202555 prefix still selects 'main' first: the tag alone does not move it...
    assert plan(policy(), estate).is_empty
    # ...but taking the prefix off the main route does.
    routes = list(policy().routes)
    routes[0] = routes[0].model_copy(
        update={"select": routes[0].select.model_copy(update={"prefixes": []})}
    )
    result = plan(policy(routes=routes), estate)
    assert kinds(result) == ["remove_dnis", "add_dnis"]
    remove, add = result.changes
    assert isinstance(remove, RemoveDnis) and remove.ivr_name == MAIN
    assert isinstance(add, AddDnis) and add.ivr_name == SUPPORT
    assert "moves to IVR 'Support IVR'" in remove.reason


def test_a_number_on_an_unmanaged_ivr_is_reported_not_removed() -> None:
    estate = converged()
    estate = estate.model_copy(
        update={
            "twilio_numbers": (*estate.twilio_numbers, number("+12025550177")),
            "did_pools": (*estate.did_pools, pool("+12025550177", owned=False)),
            "ivrs": (*estate.ivrs, ivr("Legacy IVR", "+12025550177")),
        }
    )
    result = plan(policy(), estate)
    assert result.is_empty
    [conflict] = result.conflicts
    assert conflict.subject == "+12025550177"
    assert "'Legacy IVR', which no route manages" in conflict.detail


def test_a_number_gone_from_twilio_is_retired_from_its_ivr_and_owned_pool() -> None:
    estate = converged()
    estate = estate.model_copy(update={"twilio_numbers": estate.twilio_numbers[1:]})
    result = plan(policy(), estate)
    assert kinds(result) == ["remove_dnis", "delete_did_pool"]
    remove, delete = result.changes
    assert isinstance(remove, RemoveDnis) and remove.numbers == ("+12025550100",)
    assert isinstance(delete, DeleteDidPool) and delete.pool_id == "pool-+12025550100"
    assert "not a number on the Twilio account" in delete.reason
    assert result.deletions == 2


def test_upsert_only_keeps_deletions_out_of_the_plan_but_shows_them() -> None:
    estate = converged()
    estate = estate.model_copy(update={"twilio_numbers": estate.twilio_numbers[1:]})
    result = plan(policy(mode=SyncMode.UPSERT_ONLY), estate)
    assert result.is_empty
    assert [c.kind for c in result.suppressed] == ["remove_dnis", "delete_did_pool"]


def test_dry_run_plans_like_sync_and_says_so() -> None:
    estate = converged()
    estate = estate.model_copy(update={"twilio_numbers": estate.twilio_numbers[1:]})
    dry = plan(policy(mode=SyncMode.DRY_RUN), estate)
    assert dry.mode is SyncMode.DRY_RUN
    assert dry.changes == plan(policy(), estate).changes


def test_pools_byoc_sync_did_not_create_are_never_deleted() -> None:
    estate = snapshot([], [pool("+12025550100", owned=False)], [ivr(MAIN), ivr(SUPPORT)])
    assert plan(policy(), estate).is_empty


def test_an_owned_pool_still_used_by_an_unmanaged_ivr_is_kept_and_reported() -> None:
    estate = snapshot(
        [], [pool("+12025550100")], [ivr(MAIN), ivr(SUPPORT), ivr("Legacy IVR", "+12025550100")]
    )
    result = plan(policy(), estate)
    assert result.is_empty
    assert "still on unmanaged IVR 'Legacy IVR'" in result.conflicts[0].detail


def test_a_missing_twilio_trunk_is_a_conflict_and_never_a_deletion() -> None:
    estate = converged().model_copy(update={"twilio_trunks": ()})
    result = plan(policy(), estate)
    assert result.is_empty
    assert {c.subject for c in result.conflicts} == {"+12025550100", "+13125550100"}
    assert "Twilio trunk 'BYOC-Primary-Failover'" in result.conflicts[0].detail


def test_a_missing_ivr_is_reported_once_and_its_numbers_are_left_alone() -> None:
    estate = converged()
    estate = estate.model_copy(update={"ivrs": (estate.ivrs[0],)})  # Support IVR is gone
    result = plan(policy(), estate)
    assert result.is_empty
    [conflict] = result.conflicts
    assert conflict.subject == "IVR 'Support IVR'" and "create it with its flows" in conflict.detail


def test_dnis_written_without_country_code_still_counts_as_the_number() -> None:
    estate = converged()
    estate = estate.model_copy(update={"ivrs": (ivr(MAIN, "2025550100"), estate.ivrs[1])})
    assert plan(policy(), estate).is_empty


def test_a_dnis_entry_that_is_no_phone_number_is_reported_and_kept() -> None:
    estate = converged()
    estate = estate.model_copy(
        update={"ivrs": (ivr(MAIN, "+12025550100", "ext-42"), estate.ivrs[1])}
    )
    result = plan(policy(), estate)
    assert result.is_empty
    assert "'ext-42' is not a phone number" in result.conflicts[0].detail


def test_numbers_are_never_released_or_detached_from_twilio() -> None:
    estate = converged()
    estate = estate.model_copy(
        update={"twilio_numbers": (*estate.twilio_numbers, number("+14155550100", "unrouted"))}
    )
    assert plan(policy(), estate).is_empty  # an unrouted Twilio number is simply not ours


@pytest.mark.parametrize(
    ("max_deletions", "owned_numbers", "retired", "allowed", "reason"),
    [
        (10, 20, 2, True, None),
        (3, 20, 2, False, "more than max_deletions (3)"),  # 2 numbers = 4 deletions
        (100, 10, 2, True, None),  # 4 of 20 owned objects: 20%, under the 30% cap
        (100, 10, 4, False, "of the 20 owned objects, more than change_guard.max_share (30%)"),
        (100, 4, 3, True, None),  # 8 owned objects: below min_owned, the share guard sleeps
    ],
)
def test_guards_stop_plans_that_delete_too_much(
    max_deletions: int, owned_numbers: int, retired: int, allowed: bool, reason: str | None
) -> None:
    numbers = [f"+1202555{i:04d}" for i in range(100, 100 + owned_numbers)]
    estate = snapshot(
        [number(n) for n in numbers[retired:]],
        [pool(n) for n in numbers],
        [ivr(MAIN, *numbers), ivr(SUPPORT)],
    )
    result = plan(policy(max_deletions=max_deletions), estate)
    assert result.deletions == 2 * retired
    assert result.guard.allowed is allowed
    if reason:
        assert any(reason in r for r in result.guard.reasons), result.guard.reasons


def test_plans_are_deterministic_and_carry_the_snapshot_checksum() -> None:
    estate = snapshot(
        [number(f"+1312555{i:04d}", trunk=None) for i in (130, 110, 120)],
        [],
        [ivr(SUPPORT), ivr(MAIN)],
    )
    first, second = plan(policy(), estate), plan(policy(), estate)
    assert first == second
    assert first.snapshot_checksum == estate.checksum()
    assert [c.phone_number for c in first.changes if isinstance(c, AttachNumberToTrunk)] == [
        "+13125550110",
        "+13125550120",
        "+13125550130",
    ]
    changed = estate.model_copy(update={"ivrs": (ivr(SUPPORT, version=2), ivr(MAIN))})
    assert changed.checksum() != estate.checksum()


def test_a_plan_survives_a_round_trip_through_json() -> None:
    estate = converged().model_copy(
        update={"twilio_numbers": (number("+12025550155", trunk=None),)}
    )
    result = plan(policy(), estate)
    assert Plan.model_validate_json(result.model_dump_json()) == result
