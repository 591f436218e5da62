"""The realtime audit query through the SDK: changes made over the API and in the admin UI
are audited, answered once indexed, filtered, ordered and paged as asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario

from .conftest import Checked, ContractChecker, assert_error_body, byoc_scenario, model

pytestmark = pytest.mark.contract


@pytest.fixture
def scenario() -> GenesysScenario:
    return byoc_scenario(audit_delay_s=0.0)


@pytest.fixture
def audits(api_client: Any, checker: ContractChecker) -> Any:
    return Checked(genesys.AuditApi(api_client), checker)


def _query(service: str, *filters: tuple[str, str], size: int = 25, page: int = 1) -> Any:
    now = datetime.now(UTC)
    start = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return model(
        genesys.AuditRealtimeQueryRequest,
        interval=f"{start}/{end}",
        service_name=service,
        filters=[model(genesys.AuditQueryFilter, pcProperty=n, value=v) for n, v in filters],
        sort=[model(genesys.AuditQuerySort, name="Timestamp", sort_order="ascending")],
        page_number=page,
        page_size=size,
    )


def _edit_in_console(emu: GenesysEmulator, ivr: str, **edit: Any) -> dict[str, Any]:
    answer = requests.post(f"{emu.base_url}/__admin/console/ivrs/{ivr}", json=edit, timeout=10)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_service_mapping_names_where_each_entity_type_is_audited(audits: Any) -> None:
    mapping = audits.get_audits_query_realtime_servicemapping()
    where = {e.name: s.name for s in mapping.services for e in s.entities}
    assert where["IVR"] == "Architect"
    assert where["DIDPool"] == "Telephony" and where["DID"] == "Telephony"


def test_an_api_change_is_audited_with_its_client_and_the_dnis_in_full(
    emu: GenesysEmulator, architect: Any, audits: Any
) -> None:
    main = architect.get_architect_ivrs(name="Main IVR").entities[0]
    main.dnis = [*main.dnis, "+13175550102"]
    architect.put_architect_ivr(main.id, main)

    found = audits.post_audits_query_realtime(_query("Architect", ("EntityType", "IVR")))
    assert found.total == 1
    entry = found.entities[0]
    assert (entry.action, entry.entity_type, entry.entity.id) == ("Update", "IVR", main.id)
    assert entry.client.id == emu.scenario.oauth_clients[0].client_id and entry.user is None
    (dnis,) = [c for c in entry.property_changes if c.pcProperty == "dnis"]
    assert dnis.old_values == ["+13175550100", "+13175550101"]
    assert dnis.new_values == ["+13175550100", "+13175550101", "+13175550102"]


def test_a_console_edit_is_audited_as_the_user(emu: GenesysEmulator, audits: Any) -> None:
    _edit_in_console(emu, "Main IVR", remove=["+13175550101"])
    entry = audits.post_audits_query_realtime(_query("Architect")).entities[0]
    assert entry.user.id == emu.scenario.console_user_id
    assert entry.entity.name == "Main IVR"


def test_pool_changes_are_audited_under_telephony_and_filtered_by_entity(
    edge: Any, audits: Any
) -> None:
    pool = model(
        genesys.DIDPool, start_phone_number="+13175559000", end_phone_number="+13175559009"
    )
    created = edge.post_telephony_providers_edges_didpools(pool)
    edge.delete_telephony_providers_edges_didpool(created.id)

    found = audits.post_audits_query_realtime(_query("Telephony", ("EntityId", created.id)))
    assert [e.action for e in found.entities] == ["Create", "Delete"]
    assert (
        audits.post_audits_query_realtime(_query("Architect", ("EntityId", created.id))).total == 0
    )


def test_pages_add_up_and_the_order_is_the_one_asked_for(emu: GenesysEmulator, audits: Any) -> None:
    for number in ("+13175550110", "+13175550111", "+13175550112"):
        _edit_in_console(emu, "Support IVR", add=[number])
    first = audits.post_audits_query_realtime(_query("Architect", size=2, page=1))
    second = audits.post_audits_query_realtime(_query("Architect", size=2, page=2))
    assert (first.total, first.page_count, len(second.entities)) == (3, 2, 1)
    dates = [e.event_date for e in (*first.entities, *second.entities)]
    assert dates == sorted(dates)


def test_an_entry_is_answered_only_once_indexed() -> None:
    emulator = GenesysEmulator(byoc_scenario(audit_delay_s=3600.0))
    emulator.start()
    try:
        _edit_in_console(emulator, "Main IVR", add=["+13175550103"])
        assert len(emulator.audits.entries) == 1
        assert emulator.audits.visible() == []
    finally:
        emulator.stop()


def test_a_query_without_a_service_or_with_a_bad_interval_is_refused(
    emu: GenesysEmulator, raw: requests.Session
) -> None:
    url = f"{emu.base_url}/api/v2/audits/query/realtime"
    for body in (
        {"interval": "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z"},
        {"interval": "yesterday", "serviceName": "Architect"},
        {"interval": "2026-01-02T00:00:00Z/2026-01-01T00:00:00Z", "serviceName": "Architect"},
        {
            "interval": "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z",
            "serviceName": "Architect",
            "filters": [{"property": "Colour", "value": "red"}],
        },
    ):
        answer = raw.post(url, json=body, timeout=10)
        assert answer.status_code == 400, body
        assert_error_body(answer.json(), 400)


def test_the_sdk_reports_a_refused_query(audits: Any) -> None:
    request = _query("Architect")
    request.interval = "not an interval"
    with pytest.raises(ApiException) as raised:
        audits.post_audits_query_realtime(request)
    assert raised.value.status == 400
