"""`GET /edges/didpools/dids` through the SDK: every number of the live DID pools, one entry
per number, assigned ones with their owner; `type` required, `id` and `numberMatch` filters."""

from __future__ import annotations

import time
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.genesys.render import EDGES

from .conftest import assert_error_body, byoc_scenario, model

pytestmark = pytest.mark.contract

BOTH = "ASSIGNED_AND_UNASSIGNED"
# BYOC_SEED's pool +13175550100..+13175550199; Main IVR holds 100 and 101, Support IVR 150.
HELD = {"+13175550100": "Main IVR", "+13175550101": "Main IVR", "+13175550150": "Support IVR"}
SECOND_POOL = {"start_phone_number": "+14155550100", "end_phone_number": "+14155550109"}
# Twelve-digit numbers whose E.164 form starts with +13175550100: a substring match on that
# number finds them too.
LONGER_POOL = {"start_phone_number": "+131755501000", "end_phone_number": "+131755501009"}
BIG_POOL = {"start_phone_number": "+442000000000", "end_phone_number": "+442099999999"}


def _with_pools(*extra: dict[str, Any], **overrides: Any) -> GenesysScenario:
    pools = [{"start_phone_number": "+13175550100", "end_phone_number": "+13175550199"}]
    return byoc_scenario(did_pools=[*pools, *extra], **overrides)


def _numbers(edge: Any, kind: str = BOTH, **filters: Any) -> list[Any]:
    """Every entry of the listing, paged at 100."""
    entries: list[Any] = []
    page_number = 1
    while True:
        page = edge.get_telephony_providers_edges_didpools_dids(
            kind, page_size=100, page_number=page_number, **filters
        )
        entries += page.entities or []
        if page_number >= (page.page_count or 0):
            return entries
        page_number += 1


def test_type_is_required_and_must_be_an_allowed_value(
    emu: GenesysEmulator, raw: requests.Session, edge: Any
) -> None:
    url = f"{emu.base_url}{EDGES}/didpools/dids"
    missing = raw.get(url)
    assert missing.status_code == 400
    assert_error_body(missing.json(), 400, "bad.request")
    assert missing.json()["details"][0] == {
        "errorCode": "REQUIRED_FIELD_MISSING",
        "fieldName": "type",
    }
    for bad in ("ASSIGNED", "unassigned", ""):
        answer = raw.get(url, params={"type": bad})
        assert answer.status_code == 400
        assert_error_body(answer.json(), 400, "bad.request")
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_didpools_dids("ALL")
    assert err.value.status == 400


def test_every_number_of_a_range_pool_is_listed_assigned_or_not(edge: Any, architect: Any) -> None:
    pool = edge.get_telephony_providers_edges_didpools().entities[0]
    entries = _numbers(edge)
    assert [e.number for e in entries] == [f"+1317555{n:04d}" for n in range(100, 200)]
    assert {e.did_pool.id for e in entries} == {pool.id}
    ivrs = {i.name: i.id for i in architect.get_architect_ivrs().entities}
    for entry in entries:
        if entry.number in HELD:
            assert entry.assigned is True and entry.owner_type == "IVR_CONFIG"
            assert entry.owner.id == ivrs[HELD[entry.number]]
            assert entry.owner.name == HELD[entry.number]
            did = edge.get_telephony_providers_edges_dids(phone_number=entry.number).entities[0]
            assert entry.id == did.id  # an assigned number is a DID
        else:
            assert entry.assigned is False
            assert entry.owner is None and entry.owner_type is None
            assert entry.id is None  # an unassigned number is no DID: it has no id


def test_unassigned_leaves_the_assigned_numbers_out(edge: Any) -> None:
    entries = _numbers(edge, "UNASSIGNED")
    assert len(entries) == 97
    assert not {e.number for e in entries} & set(HELD)
    assert not any(e.assigned for e in entries)


def test_the_listing_pages_and_sorts_by_number(edge: Any) -> None:
    first = edge.get_telephony_providers_edges_didpools_dids(BOTH, page_size=30)
    assert first.total == 100 and first.page_count == 4 and len(first.entities) == 30
    assert "type=ASSIGNED_AND_UNASSIGNED" in first.next_uri
    last = edge.get_telephony_providers_edges_didpools_dids(BOTH, page_size=30, page_number=4)
    assert [e.number for e in last.entities][-1] == "+13175550199" and len(last.entities) == 10
    down = edge.get_telephony_providers_edges_didpools_dids(
        BOTH, page_size=3, sort_order="descending"
    )
    assert [e.number for e in down.entities] == ["+13175550199", "+13175550198", "+13175550197"]


@pytest.mark.parametrize("scenario", [_with_pools(SECOND_POOL)])
def test_id_lists_only_the_numbers_of_those_pools(scenario: GenesysScenario, edge: Any) -> None:
    pools = {
        p.start_phone_number: p.id for p in edge.get_telephony_providers_edges_didpools().entities
    }
    everything = _numbers(edge)
    assert len(everything) == 110
    assert everything[-1].number == "+14155550109"  # pools in start-number order
    second = _numbers(edge, id=[pools["+14155550100"]])
    assert [e.number for e in second] == [f"+1415555{n:04d}" for n in range(100, 110)]
    both = _numbers(edge, id=list(pools.values()))
    assert len(both) == 110
    assert _numbers(edge, id=["00000000-0000-0000-0000-000000000000"]) == []


@pytest.mark.parametrize("scenario", [_with_pools(LONGER_POOL)])
def test_number_match_is_a_substring_match(scenario: GenesysScenario, edge: Any) -> None:
    """No source says numberMatch is exact (CX as Code filters its answer exactly), so the
    emulator matches any number containing it: a caller must compare numbers itself."""
    whole = [e.number for e in _numbers(edge, number_match="+13175550100")]
    assert whole == ["+13175550100"] + [f"+13175550100{d}" for d in range(10)]
    national = [e.number for e in _numbers(edge, number_match="3175550150")]
    assert national == ["+13175550150"]
    tail = [e.number for e in _numbers(edge, number_match="0199")]
    assert tail == ["+13175550199"]
    assert _numbers(edge, number_match="+1 317 555 0100") == []
    unassigned = _numbers(edge, "UNASSIGNED", number_match="+13175550100")
    assert [e.number for e in unassigned] == [f"+13175550100{d}" for d in range(10)]


@pytest.mark.parametrize("scenario", [_with_pools(LONGER_POOL, did_number_match="exact")])
def test_an_exact_number_match_is_a_scenario_switch(scenario: GenesysScenario, edge: Any) -> None:
    entries = _numbers(edge, number_match="+13175550100")
    assert [(e.number, e.assigned) for e in entries] == [("+13175550100", True)]
    assert _numbers(edge, number_match="3175550100") == []


def test_a_pool_still_propagating_lists_no_numbers_yet(emu: GenesysEmulator, edge: Any) -> None:
    pool = edge.post_telephony_providers_edges_didpools(
        model(genesys.DIDPool, start_phone_number="+14155550100", end_phone_number="+14155550104")
    )
    assert _numbers(edge, id=[pool.id]) == []
    emu.state.propagate_pools()
    assert len(_numbers(edge, id=[pool.id])) == 5


@pytest.mark.parametrize(
    "scenario", [_with_pools({**SECOND_POOL, "end_phone_number": "+14155550100", "deleted": True})]
)
def test_a_soft_deleted_pool_lists_no_numbers(
    scenario: GenesysScenario, emu: GenesysEmulator, edge: Any
) -> None:
    """Deleted pools stay listed by /didpools with state deleted, but hold no numbers."""
    listed = {p.state for p in edge.get_telephony_providers_edges_didpools().entities}
    assert listed == {"active", "deleted"}
    assert _numbers(edge, number_match="+14155550100") == []
    pool = edge.post_telephony_providers_edges_didpools(
        model(genesys.DIDPool, start_phone_number="+14155550200", end_phone_number="+14155550209")
    )
    emu.state.propagate_pools()
    assert len(_numbers(edge, id=[pool.id])) == 10
    edge.delete_telephony_providers_edges_didpool(pool.id)
    assert _numbers(edge, id=[pool.id]) == []
    assert _numbers(edge, number_match="+14155550200") == []
    assert len(_numbers(edge)) == 100


@pytest.mark.parametrize("scenario", [_with_pools(BIG_POOL)])
def test_a_big_range_pool_answers_one_number_quickly(scenario: GenesysScenario, edge: Any) -> None:
    """A pool of 100,000,000 numbers: the emulator builds only what a page shows."""
    started = time.monotonic()
    one = _numbers(edge, number_match="+442012345678")
    assert [(e.number, e.assigned) for e in one] == [("+442012345678", False)]
    everything = edge.get_telephony_providers_edges_didpools_dids(BOTH, page_size=2)
    assert everything.total == 100 + 100_000_000
    deep = edge.get_telephony_providers_edges_didpools_dids(
        BOTH, page_size=100, page_number=500_001
    )
    assert deep.entities[0].number == "+442049999900"
    assert time.monotonic() - started < 5.0  # eagerly, 10**8 entries would take minutes


def test_a_dnis_held_in_national_spelling_leaves_the_e164_number_unassigned(
    emu: GenesysEmulator, edge: Any
) -> None:
    """The API refuses a non-E.164 DNIS, but an org may hold one from before (CX as Code
    normalises what it reads back). Nothing says the pool listing resolves it, so the
    emulator does not: the assignment shows only under the spelling the IVR holds, which no
    pool lists, and the E.164 number reads unassigned."""
    with emu.lock:
        state = emu.state
        support = next(i for i in state.ivrs.values() if i.name == "Support IVR")
        state._set_dnis(support, [*support.dnis, "3175550199"])
    entries = _numbers(edge, number_match="3175550199")
    assert [(e.number, e.assigned, e.owner) for e in entries] == [("+13175550199", False, None)]
    assert "+13175550199" in {e.number for e in _numbers(edge, "UNASSIGNED")}


@pytest.mark.parametrize(
    "scenario",
    [
        byoc_scenario(
            ivrs=[
                {"name": "Drift A", "dnis": ["+13175550120"]},
                {"name": "Drift B", "dnis": ["+13175550120"]},
            ]
        )
    ],
)
def test_a_number_two_ivrs_hold_is_listed_once(
    scenario: GenesysScenario, emu: GenesysEmulator, edge: Any
) -> None:
    """Legacy drift (one DNIS on two IVRs; the API refuses making it): the pool listing has
    one entry per number, owned by one of them, where /dids has a DID per IVR."""
    entries = _numbers(edge, number_match="+13175550120")
    owners = {i.id for i in emu.state.ivrs.values() if i.name.startswith("Drift")}
    assert len(entries) == 1 and entries[0].assigned and entries[0].owner.id == min(owners)
    dids = edge.get_telephony_providers_edges_dids(phone_number="+13175550120").entities
    assert {d.owner.id for d in dids} == owners
