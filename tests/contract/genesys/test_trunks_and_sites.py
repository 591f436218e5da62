"""Trunk base settings, trunks, metrics, sites and outbound routes through the SDK."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.genesys import GenesysEmulator

from .conftest import model

pytestmark = pytest.mark.contract
PRIMARY, FAILOVER = "BYOC-Primary-Twilio", "BYOC-Failover-Twilio"


def _base_id(edge: Any, name: str) -> str:
    return str(edge.get_telephony_providers_edges_trunkbasesettings(name=name).entities[0].id)


def _route(edge: Any) -> tuple[str, Any]:
    site = edge.get_telephony_providers_edges_sites(name="HQ").entities[0]
    routes = edge.get_telephony_providers_edges_site_outboundroutes(site.id, name="TG-BYOC-*")
    return site.id, routes.entities[0]


def _byoc_base(edge: Any, name: str, **extra: Any) -> Any:
    hq = edge.get_telephony_providers_edges_sites(name="HQ").entities[0]
    fields: dict[str, Any] = {
        "name": name,
        "trunk_type": "EXTERNAL",
        "trunk_metabase": model(genesys.DomainEntityRef, id="external_sip_pcv_byoc_carrier.json"),
        "inbound_site": model(genesys.DomainEntityRef, id=hq.id),
        "properties": {
            "trunk_transport_serverProxyList": {
                "type": "array",
                "value": {"default": None, "instance": ["tertiary.pstn.twilio.com"]},
            }
        },
    }
    return model(genesys.TrunkBase, **{**fields, **extra})


def test_trunk_base_settings_crud_starts_several_differently_named_instances(edge: Any) -> None:
    listing = edge.get_telephony_providers_edges_trunkbasesettings(page_size=100, managed=False)
    assert [b.name for b in listing.entities] == [FAILOVER, PRIMARY]
    base = edge.post_telephony_providers_edges_trunkbasesettings(
        _byoc_base(edge, "BYOC-Tertiary-Twilio")
    )
    assert base.version == 1 and base.trunk_type == "EXTERNAL" and base.managed is False
    assert base.inbound_site.name == "HQ"
    trunks = edge.get_telephony_providers_edges_trunks(trunk_base_id=base.id).entities
    assert len(trunks) == 2 and len({t.edge.id for t in trunks}) == 2
    assert all(t.name.startswith("BYOC-Tertiary-Twilio_") for t in trunks)
    assert {t.edge_group.id for t in trunks} == {trunks[0].edge_group.id}
    assert trunks[0].proxy_address_list == ["tertiary.pstn.twilio.com"]
    assert trunks[0].connected_status.connected is True and trunks[0].trunk_type == "EXTERNAL"
    base.name = "BYOC-Third-Twilio"
    renamed = edge.put_telephony_providers_edges_trunkbasesetting(base.id, base)
    assert renamed.version == 2
    assert edge.get_telephony_providers_edges_trunk(trunks[0].id).trunk_base.name == (
        "BYOC-Third-Twilio"
    )
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_trunkbasesetting(base.id, base)  # stale version 1
    assert err.value.status == 409
    assert edge.get_telephony_providers_edges_trunkbasesetting(base.id).name == "BYOC-Third-Twilio"
    edge.delete_telephony_providers_edges_trunkbasesetting(base.id)
    assert edge.get_telephony_providers_edges_trunkbasesetting(base.id).state == "deleted"
    assert edge.get_telephony_providers_edges_trunk(trunks[0].id).state == "deleted"
    listed = edge.get_telephony_providers_edges_trunks(trunk_base_id=base.id).entities
    assert {t.state for t in listed} == {"deleted"}


def test_a_byoc_trunk_base_needs_an_inbound_site(edge: Any) -> None:
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_trunkbasesettings(
            _byoc_base(edge, "BYOC-Nowhere", inbound_site=None)
        )
    assert err.value.status == 400
    assert "inboundSiteId" in err.value.body


def test_properties_must_have_genesys_nested_shape(edge: Any) -> None:
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_trunkbasesettings(
            _byoc_base(edge, "BYOC-Flat", properties={"trunk_enabled": True})
        )
    assert err.value.status == 400


def test_lists_carry_properties_only_when_expanded(edge: Any) -> None:
    plain = edge.get_telephony_providers_edges_trunkbasesettings(name=PRIMARY).entities[0]
    assert plain.properties is None
    expanded = edge.get_telephony_providers_edges_trunkbasesettings(
        name=PRIMARY, expand=["properties"]
    ).entities[0]
    proxies = expanded.properties["trunk_transport_serverProxyList"]["value"]["instance"]
    assert proxies == ["byoc-primary.pstn.twilio.com"]
    assert edge.get_telephony_providers_edges_trunkbasesetting(plain.id).properties is not None


def test_in_service_follows_the_bases_trunk_enabled_property(edge: Any) -> None:
    base = edge.get_telephony_providers_edges_trunkbasesetting(_base_id(edge, PRIMARY))
    base.properties["trunk_enabled"] = {"type": "boolean", "value": {"instance": False}}
    edge.put_telephony_providers_edges_trunkbasesetting(base.id, base)
    trunks = edge.get_telephony_providers_edges_trunks(trunk_base_id=base.id).entities
    assert [t.in_service for t in trunks] == [False, False]


def test_the_managed_voice_site_is_there_and_read_only(edge: Any) -> None:
    (site,) = edge.get_telephony_providers_edges_sites(managed=True).entities
    assert site.name == "PureCloud Voice - AWS" and site.managed is True
    (route,) = edge.get_telephony_providers_edges_site_outboundroutes(site.id).entities
    (base,) = edge.get_telephony_providers_edges_trunkbasesettings(managed=True).entities
    assert [b.id for b in route.external_trunk_bases] == [base.id]
    route.enabled = False
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_site_outboundroute(site.id, route.id, route)
    assert err.value.status == 400 and "read-only" in err.value.body
    with pytest.raises(ApiException) as err:
        edge.delete_telephony_providers_edges_trunkbasesetting(base.id)
    assert err.value.status == 400


def test_trunk_base_in_use_cannot_be_deleted(edge: Any) -> None:
    with pytest.raises(ApiException) as err:
        edge.delete_telephony_providers_edges_trunkbasesetting(_base_id(edge, PRIMARY))
    assert err.value.status == 400


def test_trunk_listing_filters(edge: Any) -> None:
    all_trunks = edge.get_telephony_providers_edges_trunks(trunk_type="EXTERNAL")
    assert all_trunks.total == 6  # two instances of each BYOC base and of the managed one
    assert edge.get_telephony_providers_edges_trunks(trunk_type="PHONE").total == 0
    primary = edge.get_telephony_providers_edges_trunks(trunk_base_id=_base_id(edge, PRIMARY))
    assert [t.trunk_base.name for t in primary.entities] == [PRIMARY, PRIMARY]
    assert all(t.name != PRIMARY for t in primary.entities)
    edge_id = primary.entities[0].edge.id
    on_edge = edge.get_telephony_providers_edges_trunks(edge_id=edge_id).entities
    assert edge_id in {t.edge.id for t in on_edge} and len(on_edge) == 3
    assert primary.entities[0].options_status[0].proxy_address == "byoc-primary.pstn.twilio.com"


def test_trunk_down_via_admin_shows_in_status_and_metrics(emu: GenesysEmulator, edge: Any) -> None:
    trunk = edge.get_telephony_providers_edges_trunks(
        trunk_base_id=_base_id(edge, PRIMARY)
    ).entities[0]
    before = edge.get_telephony_providers_edges_trunk_metrics(trunk.id)
    assert (before.calls.inbound_call_count, before.calls.outbound_call_count) == (3, 2)
    answer = requests.post(
        f"{emu.base_url}/__admin/trunks/{PRIMARY}",
        json={"connected": False, "inService": False, "optionsStatus": "DOWN"},
    )
    assert answer.status_code == 200
    down = edge.get_telephony_providers_edges_trunk(trunk.id)
    assert down.connected_status.connected is False and down.in_service is False
    assert down.options_status[0].option_state is False
    assert down.connected_status.connected_state_time > trunk.connected_status.connected_state_time
    after = edge.get_telephony_providers_edges_trunk_metrics(trunk.id)
    assert after.trunk.id == trunk.id and after.calls.inbound_call_count == 0
    failover = _base_id(edge, FAILOVER)
    other = edge.get_telephony_providers_edges_trunks(trunk_base_id=failover).entities[0]
    both = edge.get_telephony_providers_edges_trunks_metrics(f"{trunk.id},{other.id}")
    assert [m.trunk.id for m in both] == [trunk.id, other.id]
    requests.post(
        f"{emu.base_url}/__admin/trunks/{trunk.id}", json={"connected": True, "inService": True}
    )
    assert edge.get_telephony_providers_edges_trunk(trunk.id).connected_status.connected is True
    assert requests.post(f"{emu.base_url}/__admin/trunks/nope", json={}).status_code == 404
    assert (
        requests.post(f"{emu.base_url}/__admin/trunks/{trunk.id}", json={"x": 1}).status_code == 400
    )


def test_metrics_for_unknown_trunk_is_404(edge: Any) -> None:
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_trunks_metrics("no-such-trunk")
    assert err.value.status == 404


def test_sites(edge: Any) -> None:
    sites = edge.get_telephony_providers_edges_sites(managed=False)
    assert [s.name for s in sites.entities] == ["HQ"] and sites.entities[0].media_model == "Cloud"
    assert edge.get_telephony_providers_edges_site(sites.entities[0].id).name == "HQ"
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_site("missing")
    assert err.value.status == 404


def test_seeded_outbound_route_order(edge: Any) -> None:
    site_id, route = _route(edge)
    assert route.distribution == "SEQUENTIAL"
    assert [b.name for b in route.external_trunk_bases] == [PRIMARY, FAILOVER]
    assert edge.get_telephony_providers_edges_site_outboundroute(site_id, route.id).version == 1
    by_base = edge.get_telephony_providers_edges_site_outboundroutes(
        site_id, external_trunk_bases_ids=_base_id(edge, FAILOVER)
    )
    assert by_base.total == 1


def test_outbound_route_reorder_persists_and_versions(edge: Any) -> None:
    site_id, route = _route(edge)
    route.external_trunk_bases = list(reversed(route.external_trunk_bases))
    updated = edge.put_telephony_providers_edges_site_outboundroute(site_id, route.id, route)
    assert updated.version == 2
    again = edge.get_telephony_providers_edges_site_outboundroute(site_id, route.id)
    assert [b.name for b in again.external_trunk_bases] == [FAILOVER, PRIMARY]
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_site_outboundroute(site_id, route.id, route)
    assert err.value.status == 409


def test_an_outbound_route_put_without_version_is_accepted(edge: Any) -> None:
    """CX as Code writes site outbound routes with no version; Genesys takes them."""
    site_id, route = _route(edge)
    route.version = None
    route.external_trunk_bases = list(reversed(route.external_trunk_bases))
    assert (
        edge.put_telephony_providers_edges_site_outboundroute(site_id, route.id, route).version == 2
    )


def test_outbound_route_create_validate_delete(edge: Any) -> None:
    site_id, _ = _route(edge)
    ref = model(genesys.DomainEntityRef, id=_base_id(edge, FAILOVER))
    body = model(
        genesys.OutboundRouteBase,
        name="TG-Failover-Only",
        classification_types=["National"],
        distribution="RANDOM",
        external_trunk_bases=[ref],
        enabled=False,
    )
    created = edge.post_telephony_providers_edges_site_outboundroutes(site_id, body)
    assert created.distribution == "RANDOM" and created.enabled is False
    assert edge.get_telephony_providers_edges_site_outboundroutes(site_id).total == 2
    body.external_trunk_bases = [model(genesys.DomainEntityRef, id="missing-base")]
    body.name = "TG-Broken"
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_site_outboundroutes(site_id, body)
    assert err.value.status == 400
    edge.delete_telephony_providers_edges_site_outboundroute(site_id, created.id)
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_site_outboundroute(site_id, created.id)
    assert err.value.status == 404


def test_bad_distribution_is_400(emu: GenesysEmulator, raw: requests.Session, edge: Any) -> None:
    site_id, _ = _route(edge)
    url = f"{emu.base_url}/api/v2/telephony/providers/edges/sites/{site_id}/outboundroutes"
    answer = raw.post(url, json={"name": "X", "distribution": "ROUND_ROBIN"})
    assert answer.status_code == 400


def test_registration_state_of_a_registering_trunk(emu: GenesysEmulator, edge: Any) -> None:
    trunk = edge.get_telephony_providers_edges_trunks(
        trunk_base_id=_base_id(edge, PRIMARY)
    ).entities[0]
    assert trunk.registers_enabled_status == "ENABLED"
    assert trunk.registers_status[0].register_state is True
    answer = requests.post(
        f"{emu.base_url}/__admin/trunks/{PRIMARY}", json={"registersStatus": "DOWN"}
    )
    assert answer.status_code == 200
    lost = edge.get_telephony_providers_edges_trunk(trunk.id)
    assert lost.registers_status[0].register_state is False
    assert (
        lost.registers_status[0].register_state_time > trunk.registers_status[0].register_state_time
    )
    assert lost.connected_status.connected is True  # registration is its own signal
