"""DID pools and DIDs through the SDK: CRUD, overlap, versions, paging, IVR assignments."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.core import VendorError
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.genesys.inputs import DidPoolBody

from .conftest import assert_error_body, byoc_scenario, model

pytestmark = pytest.mark.contract


def _pool(start: str, end: str, **extra: Any) -> Any:
    return model(genesys.DIDPool, start_phone_number=start, end_phone_number=end, **extra)


def test_seeded_pool_lists_and_gets(edge: Any) -> None:
    listing = edge.get_telephony_providers_edges_didpools(page_size=100)
    assert listing.total == 1 and listing.page_count == 1 and listing.page_number == 1
    pool = listing.entities[0]
    assert (pool.start_phone_number, pool.end_phone_number) == ("+13175550100", "+13175550199")
    assert pool.comments == "managed by byoc-sync" and pool.provider is None
    fetched = edge.get_telephony_providers_edges_didpool(pool.id)
    assert fetched.id == pool.id and fetched.version == 1


def test_pool_ids_are_deterministic(emu: GenesysEmulator) -> None:
    again = GenesysEmulator(byoc_scenario())
    assert list(again.state.pools) == list(emu.state.pools)
    assert list(again.state.ivrs) == list(emu.state.ivrs)


def test_pool_create_update_delete(edge: Any) -> None:
    created = edge.post_telephony_providers_edges_didpools(
        _pool("+14155550100", "+14155550109", name="SF", comments="new")
    )
    assert created.version == 1 and created.name == "SF"
    created.comments = "renamed"
    created.end_phone_number = "+14155550119"
    updated = edge.put_telephony_providers_edges_didpool(created.id, created)
    assert updated.version == 2 and updated.end_phone_number == "+14155550119"
    assert updated.date_modified >= created.date_modified
    filtered = edge.get_telephony_providers_edges_didpools(id=[created.id])
    assert [p.id for p in filtered.entities] == [created.id]
    edge.delete_telephony_providers_edges_didpool(created.id)
    assert edge.get_telephony_providers_edges_didpool(created.id).state == "deleted"


def test_a_deleted_pool_stays_readable_and_listed_as_deleted(edge: Any) -> None:
    """Genesys deletes softly: GET and lists keep answering the pool, with state deleted;
    its range is free again and a second delete is a 404."""
    created = edge.post_telephony_providers_edges_didpools(_pool("+14155550100", "+14155550109"))
    edge.delete_telephony_providers_edges_didpool(created.id)
    assert edge.get_telephony_providers_edges_didpool(created.id).state == "deleted"
    listed = {p.id: p.state for p in edge.get_telephony_providers_edges_didpools().entities}
    assert listed[created.id] == "deleted"
    again = edge.post_telephony_providers_edges_didpools(_pool("+14155550100", "+14155550109"))
    assert again.state == "active"
    with pytest.raises(ApiException) as err:
        edge.delete_telephony_providers_edges_didpool(created.id)
    assert err.value.status == 404


def test_a_pool_put_without_version_is_accepted(edge: Any) -> None:
    pool = edge.get_telephony_providers_edges_didpools().entities[0]
    pool.version = None
    pool.comments = "written without a version, as CX as Code does"
    assert edge.put_telephony_providers_edges_didpool(pool.id, pool).version == 2


@pytest.mark.parametrize("status", [400, 409])
def test_overlap_status_is_a_scenario_switch(status: int) -> None:
    emu = GenesysEmulator(byoc_scenario(pool_overlap_status=status))
    body = DidPoolBody(start_phone_number="+13175550150", end_phone_number="+13175550160")
    with pytest.raises(VendorError) as err:
        emu.state.create_pool(body)
    assert err.value.status == status


def test_pool_stale_version_conflicts(edge: Any) -> None:
    pool = edge.get_telephony_providers_edges_didpools().entities[0]
    pool.comments = "first"
    edge.put_telephony_providers_edges_didpool(pool.id, pool)
    pool.comments = "second, from a stale read"
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_didpool(pool.id, pool)
    assert err.value.status == 409


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("+13175550190", "+13175550210"),
        ("+13175550000", "+13175550100"),
        ("+13175550120", "+13175550121"),
    ],
)
def test_overlapping_pool_is_rejected(edge: Any, start: str, end: str) -> None:
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_didpools(_pool(start, end))
    assert err.value.status == 400
    assert "overlaps" in err.value.body


def test_bad_pool_bodies_are_400(edge: Any) -> None:
    for start, end in [("3175550100", "+13175550101"), ("+13175550300", "+13175550200")]:
        with pytest.raises(ApiException) as err:
            edge.post_telephony_providers_edges_didpools(_pool(start, end))
        assert err.value.status == 400


def test_pool_with_assigned_numbers_cannot_be_deleted_or_shrunk(edge: Any) -> None:
    pool = edge.get_telephony_providers_edges_didpools().entities[0]
    with pytest.raises(ApiException) as err:
        edge.delete_telephony_providers_edges_didpool(pool.id)
    assert err.value.status == 409  # CX as Code retries exactly this 409 (its DEVTOOLING-317)
    pool.end_phone_number = "+13175550120"  # would strand +13175550150 of Support IVR
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_didpool(pool.id, pool)
    assert err.value.status == 400


def test_dids_reflect_ivr_assignments(edge: Any, architect: Any) -> None:
    dids = edge.get_telephony_providers_edges_dids(page_size=100)
    assert sorted(d.phone_number for d in dids.entities) == [
        "+13175550100",
        "+13175550101",
        "+13175550150",
    ]
    pool = edge.get_telephony_providers_edges_didpools().entities[0]
    assert {d.did_pool.id for d in dids.entities} == {pool.id}
    assert {d.owner_type for d in dids.entities} == {"IVR_CONFIG"}
    support = architect.get_architect_ivrs(name="Support IVR").entities[0]
    support.dnis = ["+13175550150", "+13175550151"]
    architect.put_architect_ivr(support.id, support)
    mine = edge.get_telephony_providers_edges_dids(owner_id=support.id)
    assert [d.phone_number for d in mine.entities] == ["+13175550150", "+13175550151"]
    assert {d.owner.name for d in mine.entities} == {"Support IVR"}
    one = edge.get_telephony_providers_edges_dids(phone_number="+13175550151").entities[0]
    assert edge.get_telephony_providers_edges_did(one.id).owner.id == support.id
    in_pool = edge.get_telephony_providers_edges_dids(did_pool_id=pool.id, page_size=2)
    assert in_pool.total == 4 and in_pool.page_count == 2 and len(in_pool.entities) == 2


def test_paging_envelope(emu: GenesysEmulator, edge: Any) -> None:
    for i in range(6):
        base = 14155550000 + i * 100
        edge.post_telephony_providers_edges_didpools(_pool(f"+{base}", f"+{base + 9}"))
    seen: list[str] = []
    page_number = 1
    while True:
        page = edge.get_telephony_providers_edges_didpools(page_size=3, page_number=page_number)
        assert page.total == 7 and page.page_count == 3 and page.page_size == 3
        assert page.first_uri.endswith("pageSize=3&pageNumber=1")
        assert page.last_uri.endswith("pageNumber=3")
        assert (page.previous_uri is None) == (page_number == 1)
        seen += [p.id for p in page.entities]
        if page.next_uri is None:
            break
        page_number += 1
    assert page_number == 3 and len(seen) == len(set(seen)) == 7
    past = edge.get_telephony_providers_edges_didpools(page_size=3, page_number=9)
    assert past.entities == [] and past.total == 7
    maxed = edge.get_telephony_providers_edges_didpools(page_size=emu.scenario.max_page_size)
    assert len(maxed.entities) == 7
    for bad in (
        {"page_size": emu.scenario.max_page_size + 1},
        {"page_size": 0},
        {"page_number": 0},
    ):
        with pytest.raises(ApiException) as err:
            edge.get_telephony_providers_edges_didpools(**bad)
        assert err.value.status == 400


@pytest.mark.parametrize("scenario", [byoc_scenario(max_page_size=5)])
def test_max_page_size_is_configurable(scenario: GenesysScenario, edge: Any) -> None:
    assert len(edge.get_telephony_providers_edges_didpools(page_size=5).entities) == 1
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_didpools(page_size=6)
    assert err.value.status == 400
    assert_error_body(__import__("json").loads(err.value.body), 400, "bad.request")
