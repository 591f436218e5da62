"""reconcile_scope: the numbers a reconcile command is about, resolved against the snapshot."""

from __future__ import annotations

from shared.domain.commands import ReconcileNumbers
from shared.domain.model import DidPool, Snapshot
from shared.reconcile import plan
from shared.reconcile.scope import reconcile_scope
from tests.support.estate import MAIN, SUPPORT, ivr, number, policy, pool, snapshot

MAIN_ID, SUPPORT_ID = f"ivr-{MAIN}", f"ivr-{SUPPORT}"


def estate() -> Snapshot:
    """Drift on both IVRs: Main lacks a number routed to it and holds one no route wants
    (written nationally); Support lacks a number routed to it."""
    return snapshot(
        [
            number("+12025550100"),
            number("+12025550101"),  # routed to Main, not on it
            number("+13125550100"),
            number("+13125550101", name="overflow route:support"),  # routed to Support, not on it
        ],
        [pool("+12025550100"), pool("+13125550100"), pool("+13125550101")],
        [ivr(MAIN, "+12025550100", "2025550199"), ivr(SUPPORT, "+13125550100")],
    )


def scope_of(command: ReconcileNumbers, snap: Snapshot | None = None) -> frozenset[str] | None:
    return reconcile_scope(command, policy(), snap or estate()).numbers


def test_nothing_named_is_every_number() -> None:
    resolved = reconcile_scope(ReconcileNumbers(), policy(), estate())
    assert (resolved.numbers, resolved.label, resolved.widened) == (None, "every number", ())


def test_numbers_named_are_the_scope() -> None:
    assert scope_of(ReconcileNumbers(phone_numbers=("+12025550100",))) == frozenset(
        {"+12025550100"}
    )


def test_an_ivr_is_what_it_holds_and_what_the_policy_routes_to_it() -> None:
    resolved = reconcile_scope(ReconcileNumbers(genesys_ivr_id=MAIN_ID), policy(), estate())
    assert resolved.numbers == frozenset({"+12025550100", "+12025550101", "+12025550199"})
    assert resolved.label == "IVR 'Main IVR': +12025550100, +12025550101, +12025550199"
    assert resolved.widened == ()


def test_a_deleted_ivr_is_the_numbers_routed_to_its_name() -> None:
    gone = estate().model_copy(update={"ivrs": (ivr(SUPPORT, "+13125550100"),)})
    command = ReconcileNumbers(genesys_ivr_id="deleted-id", genesys_ivr_name=MAIN)
    resolved = reconcile_scope(command, policy(), gone)
    assert resolved.numbers == frozenset({"+12025550100", "+12025550101"})
    (why,) = resolved.widened
    assert "deleted-id ('Main IVR') is not in Genesys" in why


def test_a_deleted_ivr_no_route_names_is_every_number_and_says_why() -> None:
    command = ReconcileNumbers(genesys_ivr_id="deleted-id", genesys_ivr_name="Old IVR")
    resolved = reconcile_scope(command, policy(), estate())
    assert resolved.numbers is None
    assert resolved.widened == (
        "IVR deleted-id (Old IVR) is not in Genesys and no route names it: reconciling every "
        "number",
    )


def test_a_did_pool_is_the_known_numbers_in_its_range() -> None:
    block = DidPool(id="block", start="+12025550100", end="+12025550149")
    snap = estate().model_copy(update={"did_pools": (block,)})
    assert scope_of(ReconcileNumbers(genesys_did_pool_id="block"), snap) == frozenset(
        {"+12025550100", "+12025550101"}
    )


def test_a_deleted_did_pool_is_every_number_and_says_why() -> None:
    resolved = reconcile_scope(ReconcileNumbers(genesys_did_pool_id="gone"), policy(), estate())
    assert resolved.numbers is None
    assert "DID pool gone is not in Genesys" in resolved.widened[0]


def test_numbers_and_ids_named_together_are_the_union() -> None:
    command = ReconcileNumbers(phone_numbers=("+13125550100",), genesys_ivr_id=MAIN_ID)
    assert scope_of(command) == frozenset(
        {"+12025550100", "+12025550101", "+12025550199", "+13125550100"}
    )


def test_an_ivr_scope_keeps_only_that_ivrs_changes() -> None:
    full = plan(policy(), estate())
    touched = {getattr(c, "ivr_name", None) for c in full.changes}
    assert {MAIN, SUPPORT} <= touched  # drift on both IVRs
    resolved = reconcile_scope(ReconcileNumbers(genesys_ivr_id=MAIN_ID), policy(), estate())
    kept = resolved.applied_to(full).changes
    assert kept and all(getattr(c, "ivr_name", MAIN) == MAIN for c in kept)
    assert "+13125550101" not in {n for c in kept for n in getattr(c, "numbers", ())}


def test_an_empty_scope_changes_nothing_rather_than_everything() -> None:
    empty_ivr = ivr("Lobby IVR")
    snap = estate().model_copy(update={"ivrs": (*estate().ivrs, empty_ivr)})
    resolved = reconcile_scope(ReconcileNumbers(genesys_ivr_id=empty_ivr.id), policy(), snap)
    assert resolved.numbers == frozenset()
    assert resolved.applied_to(plan(policy(), snap)).changes == ()
