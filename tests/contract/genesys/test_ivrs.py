"""Architect IVR configurations (call routes) through the SDK: CRUD, versions, DNIS rules."""

from __future__ import annotations

import json
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario

from .conftest import assert_error_body, byoc_scenario, model

pytestmark = pytest.mark.contract


def _ivr(name: str, dnis: list[str]) -> Any:
    flow = model(genesys.DomainEntityRef, id="0e8f6f3a-0000-4000-8000-000000000001", name="Flow")
    return model(genesys.IVR, name=name, dnis=dnis, open_hours_flow=flow)


def _by_name(architect: Any, name: str) -> Any:
    return architect.get_architect_ivrs(name=name).entities[0]


def test_seeded_ivrs_and_filters(architect: Any) -> None:
    listing = architect.get_architect_ivrs(page_size=100)
    assert [i.name for i in listing.entities] == ["Main IVR", "Support IVR"]
    main = listing.entities[0]
    assert main.dnis == ["+13175550100", "+13175550101"]
    assert main.open_hours_flow.name == "Main Menu" and main.schedule_group.name == "Business Hours"
    assert architect.get_architect_ivr(main.id).version == 1
    by_dnis = architect.get_architect_ivrs(dnis="+13175550150").entities
    assert [i.name for i in by_dnis] == ["Support IVR"]
    assert [i.name for i in architect.get_architect_ivrs(name="support*").entities] == [
        "Support IVR"
    ]
    group = architect.get_architect_ivrs(schedule_group=main.schedule_group.id).entities
    assert [i.id for i in group] == [main.id]
    desc = architect.get_architect_ivrs(sort_by="name", sort_order="descending").entities
    assert [i.name for i in desc] == ["Support IVR", "Main IVR"]


def test_ivr_crud_and_versions(architect: Any) -> None:
    created = architect.post_architect_ivrs(_ivr("Sales IVR", ["+13175550170"]))
    assert created.version == 1 and created.open_hours_flow.name == "Flow"
    created.dnis = ["+13175550170", "+13175550171"]
    updated = architect.put_architect_ivr(created.id, created)
    assert updated.version == 2 and updated.dnis == ["+13175550170", "+13175550171"]
    created.dnis = []  # created still holds version 1: a stale write
    with pytest.raises(ApiException) as err:
        architect.put_architect_ivr(created.id, created)
    assert err.value.status == 409
    assert_error_body(json.loads(err.value.body), 409, "general.conflict")
    fresh = architect.get_architect_ivr(created.id)
    fresh.dnis = []
    assert architect.put_architect_ivr(fresh.id, fresh).version == 3
    architect.delete_architect_ivr(created.id)
    gone = architect.get_architect_ivr(created.id)  # soft delete: still readable
    assert gone.state == "deleted" and gone.dnis == []
    assert "deleted" in {i.state for i in architect.get_architect_ivrs(page_size=100).entities}
    with pytest.raises(ApiException) as err:
        architect.put_architect_ivr(created.id, gone)
    assert err.value.status == 404
    assert_error_body(json.loads(err.value.body), 404, "not.found")
    # A deleted call route gives its name up.
    assert architect.post_architect_ivrs(_ivr("Sales IVR", [])).state == "active"


@pytest.mark.parametrize("scenario", [byoc_scenario(soft_delete=False)])
def test_hard_delete_when_switched_off(scenario: GenesysScenario, architect: Any) -> None:
    created = architect.post_architect_ivrs(_ivr("Sales IVR", []))
    architect.delete_architect_ivr(created.id)
    with pytest.raises(ApiException) as err:
        architect.get_architect_ivr(created.id)
    assert err.value.status == 404


def test_at_most_50_dnis_may_be_added_in_one_write(
    emu: GenesysEmulator, architect: Any, edge: Any
) -> None:
    """CX as Code never adds more than 50 DNIS per PUT; the emulator refuses more, so a
    client that sends bigger writes fails here and not first on a real org."""
    numbers = [f"+131755502{n:02d}" for n in range(51)]
    pool = model(
        genesys.DIDPool, start_phone_number="+13175550200", end_phone_number="+13175550299"
    )
    edge.post_telephony_providers_edges_didpools(pool)
    emu.state.propagate_pools()
    with pytest.raises(ApiException) as err:
        architect.post_architect_ivrs(_ivr("Bulk IVR", numbers))
    assert err.value.status == 400 and "at most 50" in json.loads(err.value.body)["message"]
    created = architect.post_architect_ivrs(_ivr("Bulk IVR", numbers[:50]))
    created.dnis = numbers  # one more: the 50 already there do not count again
    assert len(architect.put_architect_ivr(created.id, created).dnis) == 51


@pytest.mark.parametrize("scenario", [byoc_scenario(version_conflict_status=400)])
def test_a_version_conflict_may_come_as_a_400(scenario: GenesysScenario, architect: Any) -> None:
    main = _by_name(architect, "Main IVR")
    main.version = 7
    with pytest.raises(ApiException) as err:
        architect.put_architect_ivr(main.id, main)
    assert err.value.status == 400
    assert "does not match the current version" in json.loads(err.value.body)["message"]


@pytest.mark.parametrize("scenario", [byoc_scenario(replica_lag_s=30)])
def test_a_read_right_after_a_write_may_answer_the_old_version(
    scenario: GenesysScenario, emu: GenesysEmulator, architect: Any
) -> None:
    emulated_now = [0.0]
    emu.state.clock = lambda: emulated_now[0]
    main = _by_name(architect, "Main IVR")
    main.dnis = main.dnis[:1]
    assert architect.put_architect_ivr(main.id, main).version == 2
    stale = architect.get_architect_ivr(main.id)
    assert stale.version == 1 and len(stale.dnis) == 2
    with pytest.raises(ApiException) as err:
        architect.put_architect_ivr(stale.id, stale)  # the stale read cannot be written back
    assert err.value.status == 409
    emulated_now[0] += 31
    assert architect.get_architect_ivr(main.id).version == 2


def test_duplicate_ivr_name_is_rejected(architect: Any) -> None:
    with pytest.raises(ApiException) as err:
        architect.post_architect_ivrs(_ivr("main ivr", []))
    assert err.value.status == 400


def test_dnis_outside_any_pool_is_400(architect: Any) -> None:
    with pytest.raises(ApiException) as err:
        architect.post_architect_ivrs(_ivr("Stray", ["+14155550100"]))
    assert err.value.status == 400
    body = json.loads(err.value.body)
    assert body["message"] == "Field 'didPoolId' is required and cannot be empty."
    main = _by_name(architect, "Main IVR")
    main.dnis = [*main.dnis, "+442071838750"]
    with pytest.raises(ApiException) as err:
        architect.put_architect_ivr(main.id, main)
    assert err.value.status == 400


def test_non_e164_dnis_is_400(architect: Any) -> None:
    with pytest.raises(ApiException) as err:
        architect.post_architect_ivrs(_ivr("Bad", ["3175550170"]))
    assert err.value.status == 400


def test_duplicate_dnis_rejected_by_default(architect: Any) -> None:
    support = _by_name(architect, "Support IVR")
    support.dnis = [*support.dnis, "+13175550100"]  # Main IVR's number
    with pytest.raises(ApiException) as err:
        architect.put_architect_ivr(support.id, support)
    assert err.value.status == 400
    assert "already assigned" in json.loads(err.value.body)["message"]


@pytest.mark.parametrize("scenario", [byoc_scenario(reject_duplicate_dnis=False)])
def test_duplicate_dnis_allowed_when_switched_off(
    scenario: GenesysScenario, architect: Any, edge: Any
) -> None:
    support = _by_name(architect, "Support IVR")
    support.dnis = [*support.dnis, "+13175550100"]
    assert architect.put_architect_ivr(support.id, support).version == 2
    dids = edge.get_telephony_providers_edges_dids(phone_number="+13175550100").entities
    assert len(dids) == 2


def test_seeds_may_hold_duplicates_for_audits() -> None:
    data = {
        "ivrs": [{"name": "A", "dnis": ["+13175550100"]}, {"name": "B", "dnis": ["+13175550100"]}]
    }
    emu = GenesysEmulator(GenesysScenario.model_validate(data))
    assert len(emu.state.dids()) == 2  # and no pool at all: drift an audit must report


@pytest.mark.parametrize("scenario", [byoc_scenario(did_pool_propagation_delay_s=0.3)])
def test_new_pool_propagation_delay(
    scenario: GenesysScenario, emu: GenesysEmulator, architect: Any, edge: Any
) -> None:
    emulated_now = [0.0]  # moved by hand, so a slow machine cannot outrun the delay
    emu.state.clock = lambda: emulated_now[0]
    pool = model(
        genesys.DIDPool, start_phone_number="+14155550100", end_phone_number="+14155550199"
    )
    edge.post_telephony_providers_edges_didpools(pool)
    with pytest.raises(ApiException) as err:
        architect.post_architect_ivrs(_ivr("SF IVR", ["+14155550100"]))
    assert err.value.status == 400
    emulated_now[0] += 0.35
    assert architect.post_architect_ivrs(_ivr("SF IVR", ["+14155550100"])).dnis == ["+14155550100"]


@pytest.mark.parametrize("scenario", [byoc_scenario(did_pool_propagation_delay_s=60)])
def test_admin_can_skip_propagation(
    scenario: GenesysScenario, emu: GenesysEmulator, architect: Any, edge: Any
) -> None:
    pool = model(
        genesys.DIDPool, start_phone_number="+14155550100", end_phone_number="+14155550199"
    )
    edge.post_telephony_providers_edges_didpools(pool)
    assert requests.post(f"{emu.base_url}/__admin/didpools/propagate").status_code == 204
    assert architect.post_architect_ivrs(_ivr("SF IVR", ["+14155550100"])).version == 1


def test_malformed_bodies_are_400(emu: GenesysEmulator, raw: requests.Session) -> None:
    url = f"{emu.base_url}/api/v2/architect/ivrs"
    cases: list[bytes] = [
        b"{not json",
        b"[1, 2]",
        b'{"dnis": ["+13175550170"]}',
        b'{"name": "X", "dnis": "nope"}',
    ]
    for payload in cases:
        answer = raw.post(url, data=payload, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, payload
        assert_error_body(answer.json(), 400, "bad.request")
    main_id = next(iter(emu.state.ivrs))
    answer = raw.put(f"{url}/{main_id}", json={"name": "Main IVR", "dnis": []})
    assert answer.status_code == 400  # an update without its version


def test_a_dnis_no_pool_covers_names_the_missing_did_pool_in_details(architect: Any) -> None:
    with pytest.raises(ApiException) as err:
        architect.post_architect_ivrs(_ivr("Stray", ["+14155550100"]))
    details = json.loads(err.value.body)["details"]
    assert details == [{"errorCode": "REQUIRED_FIELD_MISSING", "fieldName": "didPoolId"}]
