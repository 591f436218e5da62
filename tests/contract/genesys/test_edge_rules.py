"""Smaller Genesys rules through the SDK: the login service's edges, list ordering and
params, naming rules of DID pools, DIDs, IVRs, trunk bases and outbound routes, and the
error code each injected status carries."""

from __future__ import annotations

import base64
import json
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.genesys.scenario import BYOC_CARRIER_METABASE_ID

from .conftest import assert_error_body, byoc_scenario, model

pytestmark = pytest.mark.contract
PRIMARY, FAILOVER = "BYOC-Primary-Twilio", "BYOC-Failover-Twilio"
EDGES = "/api/v2/telephony/providers/edges"


def _pool(start: str, end: str, **extra: Any) -> Any:
    return model(genesys.DIDPool, start_phone_number=start, end_phone_number=end, **extra)


def _ivr(name: str, dnis: list[str]) -> Any:
    flow = model(genesys.DomainEntityRef, id="0e8f6f3a-0000-4000-8000-000000000001", name="Flow")
    return model(genesys.IVR, name=name, dnis=dnis, open_hours_flow=flow)


def _ref(entity_id: str) -> Any:
    return model(genesys.DomainEntityRef, id=entity_id)


def _hq(edge: Any) -> Any:
    return edge.get_telephony_providers_edges_sites(name="HQ").entities[0]


def _base(edge: Any, name: str) -> Any:
    return edge.get_telephony_providers_edges_trunkbasesettings(name=name).entities[0]


def _route_body(name: str, *base_ids: str) -> Any:
    return model(
        genesys.OutboundRouteBase,
        name=name,
        classification_types=["National"],
        external_trunk_bases=[_ref(i) for i in base_ids],
    )


def _error(err: pytest.ExceptionInfo[ApiException], status: int) -> dict[str, Any]:
    assert err.value.status == status
    body: dict[str, Any] = json.loads(err.value.body)
    assert_error_body(body, status)
    return body


# ---------------------------------------------------------------------- OAuth
def _oauth(emu: GenesysEmulator, **kwargs: Any) -> requests.Response:
    return requests.post(f"{emu.base_url}/oauth/token", **kwargs)


def test_client_credentials_are_accepted_as_form_fields_without_basic_auth(
    emu: GenesysEmulator,
) -> None:
    client = emu.scenario.oauth_clients[0]
    answer = _oauth(
        emu,
        data={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        },
    )
    assert answer.status_code == 200
    token = answer.json()["access_token"]
    sites = requests.get(
        f"{emu.base_url}{EDGES}/sites", headers={"Authorization": f"Bearer {token}"}
    )
    assert sites.status_code == 200


@pytest.mark.parametrize(
    "encoded",
    [
        "abc",  # not base64 at all (bad padding)
        base64.b64encode(b"\xff\xfe:secret").decode("ascii"),  # base64, but not UTF-8
    ],
)
def test_an_undecodable_basic_header_is_a_401_invalid_client(
    emu: GenesysEmulator, encoded: str
) -> None:
    answer = _oauth(
        emu,
        headers={"Authorization": f"Basic {encoded}"},
        data={"grant_type": "client_credentials"},
    )
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "invalid_client",
        "description": "malformed client credentials",
        "error_description": "malformed client credentials",
    }


def test_oauth_errors_carry_description_and_error_description(emu: GenesysEmulator) -> None:
    """The login service answers in OAuth's shape, not ErrorBody; `description` (what
    go-gcloudcx reads) and `error_description` (RFC 6749) say the same."""
    client = emu.scenario.oauth_clients[0]
    refused = _oauth(
        emu, auth=(client.client_id, "wrong"), data={"grant_type": "client_credentials"}
    )
    body = refused.json()
    assert refused.status_code == 401 and set(body) == {
        "error",
        "description",
        "error_description",
    }
    assert body["error"] == "invalid_client"
    assert body["description"] == body["error_description"] != ""
    bad_grant = _oauth(emu, auth=(client.client_id, client.client_secret), data={})
    assert bad_grant.status_code == 400
    assert bad_grant.json()["error"] == "unsupported_grant_type"
    assert bad_grant.json()["description"] == bad_grant.json()["error_description"] != ""


# ---------------------------------------------------------------------- lists
def test_did_pools_list_in_start_number_order_by_default(edge: Any) -> None:
    """Default sortBy for DID pools is `number`, not `name`; a shorter number sorts first."""
    edge.post_telephony_providers_edges_didpools(_pool("+14155550100", "+14155550109", name="A"))
    edge.post_telephony_providers_edges_didpools(_pool("+12125550100", "+12125550109", name="B"))
    edge.post_telephony_providers_edges_didpools(_pool("+3531234567", "+3531234569", name="C"))
    listed = edge.get_telephony_providers_edges_didpools(page_size=100).entities
    assert [p.start_phone_number for p in listed] == [
        "+3531234567",
        "+12125550100",
        "+13175550100",
        "+14155550100",
    ]
    by_name = edge.get_telephony_providers_edges_didpools(page_size=100, sort_by="name").entities
    assert [p.name for p in by_name] == ["+13175550100 - +13175550199", "A", "B", "C"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v2/architect/ivrs", {"sortOrder": "sideways"}),
        (f"{EDGES}/trunkbasesettings", {"sortOrder": "up"}),
        (f"{EDGES}/sites", {"managed": "maybe"}),
        (f"{EDGES}/trunkbasesettings", {"managed": "yes"}),
        (f"{EDGES}/trunks", {"trunkType": "CARRIER"}),
    ],
)
def test_malformed_list_params_are_400(
    emu: GenesysEmulator, raw: requests.Session, path: str, query: dict[str, str]
) -> None:
    answer = raw.get(f"{emu.base_url}{path}", params=query)
    assert answer.status_code == 400
    assert_error_body(answer.json(), 400, "bad.request")
    assert next(iter(query)) in answer.json()["message"]


def test_an_unknown_sort_by_falls_back_to_name(architect: Any) -> None:
    architect.post_architect_ivrs(_ivr("Alpha IVR", []))  # created last, named first
    by_id = architect.get_architect_ivrs(sort_by="id").entities
    assert [i.name for i in by_id] != ["Alpha IVR", "Main IVR", "Support IVR"]
    unknown = architect.get_architect_ivrs(sort_by="colour").entities
    assert [i.name for i in unknown] == ["Alpha IVR", "Main IVR", "Support IVR"]
    backwards = architect.get_architect_ivrs(sort_by="colour", sort_order="descending").entities
    assert [i.name for i in backwards] == ["Support IVR", "Main IVR", "Alpha IVR"]


def test_the_managed_filter_on_trunk_base_settings(edge: Any) -> None:
    mine = edge.get_telephony_providers_edges_trunkbasesettings(managed=False).entities
    assert [b.name for b in mine] == [FAILOVER, PRIMARY]
    assert {b.managed for b in mine} == {False}
    (managed,) = edge.get_telephony_providers_edges_trunkbasesettings(managed=True).entities
    assert managed.managed is True
    everything = edge.get_telephony_providers_edges_trunkbasesettings(page_size=100)
    assert everything.total == 3


# ---------------------------------------------------------------------- DID pools and DIDs
def test_a_pool_created_without_a_name_is_named_start_dash_end(edge: Any) -> None:
    created = edge.post_telephony_providers_edges_didpools(_pool("+14155550100", "+14155550109"))
    assert created.name == "+14155550100 - +14155550109"
    single = edge.post_telephony_providers_edges_didpools(_pool("+14155550200", "+14155550200"))
    assert single.name == "+14155550200 - +14155550200"


def test_a_pool_put_without_name_keeps_the_name(edge: Any) -> None:
    created = edge.post_telephony_providers_edges_didpools(
        _pool("+14155550100", "+14155550109", name="SF office")
    )
    created.name = None  # as CX as Code's updateDidPool sends it
    created.comments = "updated"
    updated = edge.put_telephony_providers_edges_didpool(created.id, created)
    assert updated.name == "SF office" and updated.comments == "updated"
    assert edge.get_telephony_providers_edges_didpool(created.id).name == "SF office"


def test_overlap_is_refused_on_pool_update(edge: Any) -> None:
    created = edge.post_telephony_providers_edges_didpools(_pool("+14155550100", "+14155550109"))
    created.start_phone_number, created.end_phone_number = "+13175550190", "+13175550209"
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_didpool(created.id, created)
    assert "overlaps" in _error(err, 400)["message"]
    kept = edge.get_telephony_providers_edges_didpool(created.id)
    assert (kept.start_phone_number, kept.version) == ("+14155550100", 1)


def test_a_pool_may_be_updated_onto_its_own_range(edge: Any) -> None:
    """The overlap check leaves the pool being updated out: widening it is no overlap."""
    pool = edge.get_telephony_providers_edges_didpools().entities[0]
    pool.end_phone_number = "+13175550299"
    assert edge.put_telephony_providers_edges_didpool(pool.id, pool).version == 2


@pytest.mark.parametrize("provider", ["TWILIO", "pure_cloud", ""])
def test_a_provider_outside_the_enum_is_400(
    emu: GenesysEmulator, raw: requests.Session, provider: str
) -> None:
    answer = raw.post(
        f"{emu.base_url}{EDGES}/didpools",
        json={
            "startPhoneNumber": "+14155550100",
            "endPhoneNumber": "+14155550109",
            "provider": provider,
        },
    )
    assert answer.status_code == 400
    assert_error_body(answer.json(), 400, "bad.request")


def test_a_dids_name_is_its_phone_number(edge: Any) -> None:
    dids = edge.get_telephony_providers_edges_dids(page_size=100).entities
    assert len(dids) == 3
    assert all(d.name == d.phone_number for d in dids)
    assert edge.get_telephony_providers_edges_did(dids[0].id).name == dids[0].phone_number


# ---------------------------------------------------------------------- IVRs
def test_a_dnis_list_naming_one_number_twice_is_400(architect: Any) -> None:
    with pytest.raises(ApiException) as err:
        architect.post_architect_ivrs(_ivr("Sales IVR", ["+13175550170", "+13175550170"]))
    assert "more than once" in _error(err, 400)["message"]
    main = architect.get_architect_ivrs(name="Main IVR").entities[0]
    main.dnis = [*main.dnis, main.dnis[0]]
    with pytest.raises(ApiException) as err:
        architect.put_architect_ivr(main.id, main)
    _error(err, 400)
    assert architect.get_architect_ivr(main.id).dnis == ["+13175550100", "+13175550101"]


def test_deleting_an_ivr_frees_its_dnis(edge: Any, architect: Any) -> None:
    support = architect.get_architect_ivrs(name="Support IVR").entities[0]
    architect.delete_architect_ivr(support.id)
    assert edge.get_telephony_providers_edges_dids(phone_number="+13175550150").entities == []
    assert edge.get_telephony_providers_edges_dids(owner_id=support.id).total == 0
    # Duplicate DNIS are refused, so taking the number proves nothing holds it any more.
    taken = architect.post_architect_ivrs(_ivr("Sales IVR", ["+13175550150"]))
    (did,) = edge.get_telephony_providers_edges_dids(phone_number="+13175550150").entities
    assert did.owner.id == taken.id


# ---------------------------------------------------------------------- trunk bases
def test_a_base_posted_without_a_metabase_is_a_byoc_carrier_base(edge: Any) -> None:
    proxies = {"value": {"instance": ["tertiary.pstn.twilio.com"]}}  # required on BYOC bases
    body = model(
        genesys.TrunkBase,
        name="BYOC-Tertiary-Twilio",
        trunk_type="EXTERNAL",
        inbound_site=_ref(_hq(edge).id),
        properties={"trunk_transport_serverProxyList": proxies},
    )
    created = edge.post_telephony_providers_edges_trunkbasesettings(body)
    assert created.trunk_metabase.id == BYOC_CARRIER_METABASE_ID
    trunks = edge.get_telephony_providers_edges_trunks(trunk_base_id=created.id).entities
    assert len(trunks) == 2  # BYOC Cloud starts its instances
    # ...and so, like any BYOC carrier base, it needs an inbound site.
    body.name, body.inbound_site = "BYOC-Quaternary-Twilio", None
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_trunkbasesettings(body)
    assert "inboundSiteId" in _error(err, 400)["message"]


def test_trunk_type_cannot_change_on_update(edge: Any) -> None:
    base = edge.get_telephony_providers_edges_trunkbasesetting(_base(edge, FAILOVER).id)
    base.trunk_type = "PHONE"
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_trunkbasesetting(base.id, base)
    assert "trunkType" in _error(err, 400)["message"]
    again = edge.get_telephony_providers_edges_trunkbasesetting(base.id)
    assert (again.trunk_type, again.version) == ("EXTERNAL", 1)


def test_trunk_base_names_are_unique_ignoring_case(edge: Any) -> None:
    hq = _hq(edge)
    body = model(
        genesys.TrunkBase,
        name=PRIMARY.lower(),
        trunk_type="EXTERNAL",
        trunk_metabase=_ref(BYOC_CARRIER_METABASE_ID),
        inbound_site=_ref(hq.id),
    )
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_trunkbasesettings(body)
    assert "already exists" in _error(err, 400)["message"]
    failover = edge.get_telephony_providers_edges_trunkbasesetting(_base(edge, FAILOVER).id)
    failover.name = PRIMARY.upper()
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_trunkbasesetting(failover.id, failover)
    _error(err, 400)
    failover.name = FAILOVER.upper()  # its own name, recased, is fine
    assert edge.put_telephony_providers_edges_trunkbasesetting(failover.id, failover).version == 2


# ---------------------------------------------------------------------- outbound routes
def test_a_trunk_base_listed_twice_in_a_route_is_400(edge: Any) -> None:
    primary = _base(edge, PRIMARY).id
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_site_outboundroutes(
            _hq(edge).id, _route_body("TG-Twice", primary, primary)
        )
    assert "more than once" in _error(err, 400)["message"]


def test_a_non_external_trunk_base_in_a_route_is_400(edge: Any) -> None:
    phone = edge.post_telephony_providers_edges_trunkbasesettings(
        model(
            genesys.TrunkBase,
            name="Desk phones",
            trunk_type="PHONE",
            trunk_metabase=_ref("phone_inin_generic_sip.json"),
        )
    )
    assert phone.trunk_type == "PHONE"
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_site_outboundroutes(
            _hq(edge).id, _route_body("TG-Phones", phone.id)
        )
    assert "EXTERNAL" in _error(err, 400)["message"]


@pytest.mark.parametrize(
    "scenario",
    [
        byoc_scenario(
            sites=[
                {
                    "name": "HQ",
                    "outbound_routes": [
                        {"name": "TG-BYOC-Primary-Failover", "external_trunk_bases": [PRIMARY]}
                    ],
                },
                {"name": "Branch"},
            ]
        )
    ],
)
def test_route_names_are_unique_within_a_site_ignoring_case(
    scenario: GenesysScenario, edge: Any
) -> None:
    sites = {s.name: s.id for s in edge.get_telephony_providers_edges_sites(managed=False).entities}
    failover = _base(edge, FAILOVER).id
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_site_outboundroutes(
            sites["HQ"], _route_body("tg-byoc-primary-failover", failover)
        )
    assert "already exists" in _error(err, 400)["message"]
    other = edge.post_telephony_providers_edges_site_outboundroutes(
        sites["Branch"], _route_body("tg-byoc-primary-failover", failover)
    )
    assert other.name == "tg-byoc-primary-failover"
    second = edge.post_telephony_providers_edges_site_outboundroutes(
        sites["HQ"], _route_body("TG-Failover-Only", failover)
    )
    second.name = "TG-BYOC-PRIMARY-FAILOVER"  # renaming onto another route's name
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_site_outboundroute(sites["HQ"], second.id, second)
    _error(err, 400)


# ---------------------------------------------------------------------- error codes
@pytest.mark.parametrize(
    ("status", "code"),
    [
        (403, "missing.permissions"),
        (500, "internal.server.error"),
        (502, "bad.gateway"),
        (503, "service.unavailable"),
    ],
)
def test_each_status_carries_its_genesys_error_code(
    emu: GenesysEmulator, edge: Any, status: int, code: str
) -> None:
    emu.faults.configure(FaultConfig(server_error_rate=1.0, server_error_statuses=[status]))
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_sites()
    assert err.value.status == status
    body = json.loads(err.value.body)
    assert_error_body(body, status, code)
    assert err.value.headers["inin-correlation-id"] == body["contextId"]


def test_did_pools_sort_order_applies_to_the_default_number_order(
    emu: GenesysEmulator, edge: Any, raw: requests.Session
) -> None:
    """The SDK sends no sortOrder for DID pools; other clients may, and get it honoured."""
    for start in ("+14155550100", "+13125550100"):
        edge.post_telephony_providers_edges_didpools(
            model(genesys.DIDPool, start_phone_number=start, end_phone_number=start)
        )
    url = f"{emu.base_url}/api/v2/telephony/providers/edges/didpools"
    listed = raw.get(url, params={"sortOrder": "descending"}).json()["entities"]
    starts = [p["startPhoneNumber"] for p in listed]
    assert starts == sorted(starts, reverse=True)
    assert raw.get(url, params={"sortOrder": "sideways"}).status_code == 400
