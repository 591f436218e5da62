"""`numbers list`: one row per number joining Twilio and Genesys, with the planner's verdict."""

from __future__ import annotations

from shared.domain.model import Snapshot
from shared.reconcile.inventory import NumberRow, number_rows
from tests.support.estate import MAIN, converged, ivr, number, policy, pool


def rows_by_number(estate: Snapshot) -> dict[str, NumberRow]:
    return {row.phone_number: row for row in number_rows(policy(), estate)}


def test_a_converged_number_joins_trunk_pool_ivr_and_route() -> None:
    row = rows_by_number(converged())["+12025550100"]
    assert row.on_twilio and row.twilio_trunk == "BYOC-Primary-Failover"
    assert row.did_pool == "pool-+12025550100" and row.did_pool_owned
    assert row.ivrs == (MAIN,) and row.route == "main"
    assert row.status == "in sync"


def test_drift_is_what_the_planner_would_do() -> None:
    estate = converged()
    estate = estate.model_copy(
        update={"twilio_numbers": (*estate.twilio_numbers, number("+12025550155", trunk=None))}
    )
    row = rows_by_number(estate)["+12025550155"]
    assert row.status == "drift: not on its trunk, in no DID pool, not on its IVR"


def test_numbers_only_genesys_knows_and_unrouted_numbers_are_listed_too() -> None:
    estate = converged()
    estate = estate.model_copy(
        update={
            "twilio_numbers": (*estate.twilio_numbers, number("+14155550100", "unrouted")),
            "did_pools": (*estate.did_pools, pool("+12025550999", owned=False)),
            "ivrs": (ivr(MAIN, "+12025550100", "2025550999"), estate.ivrs[1]),
        }
    )
    rows = rows_by_number(estate)
    assert rows["+14155550100"].status == "unrouted"
    ghost = rows["+12025550999"]
    assert not ghost.on_twilio and ghost.ivrs == (MAIN,) and not ghost.did_pool_owned
    assert ghost.status == "drift: on an IVR it should leave"
