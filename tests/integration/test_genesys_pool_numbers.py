"""`GenesysAdapter.pool_numbers` through the SDK against the emulator: what Genesys' DID pools
hold for one number, in one GET, filtered to that number exactly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.genesys.render import EDGES
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.domain.model import DidNumber
from tests.integration.conftest import genesys_adapter

LISTING = f"GET {EDGES}/didpools/dids"


def _ivr_id(emu: GenesysEmulator, name: str) -> str:
    return next(i.id for i in emu.state.ivrs.values() if i.name == name)


def _pool_id(emu: GenesysEmulator, start: str) -> str:
    return next(p.id for p in emu.state.pools.values() if p.start == start)


def test_a_number_of_a_single_number_pool_held_by_an_ivr(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    """The default scenario's Chicago pool is +13125550100 alone; Support IVR holds it."""
    assert genesys.pool_numbers("+13125550100") == [
        DidNumber(
            number="+13125550100",
            pool_id=_pool_id(genesys_emu, "+13125550100"),
            assigned=True,
            owner_id=_ivr_id(genesys_emu, "Support IVR"),
            owner_type="IVR_CONFIG",
        )
    ]
    calls = genesys_emu.log.entries()
    assert [(c.endpoint, c.status) for c in calls] == [(LISTING, 200)]
    assert "type=ASSIGNED_AND_UNASSIGNED" in calls[0].query
    assert "numberMatch=%2B13125550100" in calls[0].query


def test_an_unassigned_number_of_a_range_pool(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    """+12025550102 lies in the Washington pool (+12025550100..109) and no IVR holds it."""
    assert genesys.pool_numbers("+12025550102") == [
        DidNumber(
            number="+12025550102",
            pool_id=_pool_id(genesys_emu, "+12025550100"),
            assigned=False,
        )
    ]
    assert genesys_emu.log.count(endpoint=LISTING) == len(genesys_emu.log.entries()) == 1


def test_a_number_no_live_pool_holds_is_an_empty_list(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    """+13125550101's pool is a soft-deleted leftover: gone for every purpose."""
    assert genesys.pool_numbers("+13125550101") == []
    assert genesys.pool_numbers("+14155550100") == []  # never in any pool
    assert genesys_emu.log.count(endpoint=LISTING) == len(genesys_emu.log.entries()) == 2


@pytest.fixture
def longer_numbers_emu() -> Iterator[GenesysEmulator]:
    """A pool whose twelve-digit numbers all contain +13175550100, next to the pool of it."""
    scenario = GenesysScenario.model_validate(
        {
            "did_pools": [
                {"start_phone_number": "+13175550100", "end_phone_number": "+13175550199"},
                {"start_phone_number": "+131755501000", "end_phone_number": "+131755501009"},
            ]
        }
    )
    with GenesysEmulator(scenario) as emulator:
        yield emulator


def test_only_the_number_itself_is_answered_from_a_substring_match(
    longer_numbers_emu: GenesysEmulator, retry: RetryPolicy
) -> None:
    adapter = genesys_adapter(longer_numbers_emu, retry)
    longer_numbers_emu.log.clear()
    found = adapter.pool_numbers("+13175550100")
    assert [(n.number, n.pool_id) for n in found] == [
        ("+13175550100", _pool_id(longer_numbers_emu, "+13175550100"))
    ]
    assert longer_numbers_emu.log.count(endpoint=LISTING) == 1
