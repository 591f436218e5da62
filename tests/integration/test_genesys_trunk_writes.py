"""Building the Genesys side of a trunk group through the adapter, over the SDK, against the
emulator: BYOC Cloud trunk bases made from the carrier template and kept to byoc-sync's
settings by read-modify-writes, the digest password written every time and never read or
shown, and the site outbound route that tries the bases in order. Creates are made once
even when an answer is lost or the create is repeated."""

from __future__ import annotations

import logging
from typing import Any

import PureCloudPlatformClientV2 as genesys_sdk
import pytest
import urllib3
from pydantic import SecretStr

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import GenesysEmulator
from sandbox.emulators.genesys import properties as emulated
from shared.adapters import genesys_models as convert
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.vendor_clients import genesys_api_client
from shared.domain.model import OutboundRouteWrite, Site, TrunkBaseWrite
from shared.ports import TerminalVendorError
from shared.settings import Settings
from tests.integration.conftest import Sleeps, genesys_adapter

EDGES = "/api/v2/telephony/providers/edges"
BASES = f"{EDGES}/trunkbasesettings"
TEMPLATE_GET = f"GET {BASES}/template"
BASE_POST = f"POST {BASES}"
BASES_GET = f"GET {BASES}"
BASE_GET = f"GET {BASES}/{{trunkBaseSettingsId}}"
BASE_PUT = f"PUT {BASES}/{{trunkBaseSettingsId}}"
ROUTES = f"{EDGES}/sites/{{siteId}}/outboundroutes"
ROUTE_POST = f"POST {ROUTES}"
ROUTE_PUT = f"PUT {ROUTES}/{{outboundRouteId}}"
PASSWORD = "Digest-Pass-7731-xq"
MARKER = "managed-by: byoc-sync; trunk group: tg-east"


def hq(adapter: GenesysAdapter) -> Site:
    return next(site for site in adapter.list_sites() if site.name == "HQ")


def base_write(site: Site, name: str = "BYOC-East-1", **changes: Any) -> TrunkBaseWrite:
    values: dict[str, Any] = {
        "name": name,
        "description": MARKER,
        "inbound_site_id": site.id,
        "inbound_identifier": "tg-east-1",
        "transport": "tls",
        "sip_servers": ("tg-east.pstn.twilio.com", "tg-east-dr.pstn.twilio.com"),
        "allow_list": ("54.172.60.0/23", "34.203.250.0/23"),
        "username": "genesys-east",
        "realm": "byoc.example",
        "password": SecretStr(PASSWORD),
        "enabled": True,
    }
    values.update(changes)
    return TrunkBaseWrite(**values)


def stored(emu: GenesysEmulator, base_id: str, key: str) -> Any:
    """A setting's instance as the emulated org keeps it (the password included)."""
    with emu.lock:
        return emulated.value_of(emu.state.trunk_bases[base_id].properties, key)


def answered(emu: GenesysEmulator, base_id: str) -> dict[str, Any]:
    """A setting's instance by key, as a GET answers them."""
    entity = other_writer(emu).get_telephony_providers_edges_trunkbasesetting(base_id)
    return {key: entry["value"]["instance"] for key, entry in entity.properties.items()}


def other_writer(emu: GenesysEmulator) -> Any:
    """Another API client of the org (a person's script, another tool), on its own token."""
    client = emu.scenario.oauth_clients[0]
    settings = Settings(
        genesyscloud_oauthclient_id=client.client_id,
        genesyscloud_oauthclient_secret=client.client_secret,
        genesyscloud_api_host=emu.base_url,
    )
    return genesys_sdk.TelephonyProvidersEdgeApi(genesys_api_client(settings))


def someone_sets(emu: GenesysEmulator, base_id: str, **instances: Any) -> None:
    """Another writer changes settings the way an API client does: GET, change, PUT back
    as read (which, the password not being answered, stores an empty one)."""
    edge = other_writer(emu)
    entity = edge.get_telephony_providers_edges_trunkbasesetting(base_id)
    for key, value in instances.items():
        convert.set_property(entity.properties, key, value)
    edge.put_telephony_providers_edges_trunkbasesetting(base_id, entity)


# ---------------------------------------------------------------- trunk bases
def test_a_created_base_reads_back_with_every_setting(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    site = hq(genesys)
    genesys_emu.log.clear()
    created = genesys.create_trunk_base(base_write(site))
    assert [e.endpoint for e in genesys_emu.log.entries()] == [TEMPLATE_GET, BASE_POST]
    (listed,) = [b for b in genesys.list_trunk_bases() if b.id == created.id]
    assert listed == created
    assert listed.name == "BYOC-East-1" and not listed.managed
    assert listed.description == MARKER and listed.version == 1
    assert listed.inbound_site_id == site.id
    assert listed.inbound_identifier == "tg-east-1" and listed.transport == "tls"
    assert listed.sip_servers == ("tg-east.pstn.twilio.com", "tg-east-dr.pstn.twilio.com")
    assert listed.allow_list == ("54.172.60.0/23", "34.203.250.0/23")
    assert (listed.username, listed.realm, listed.enabled) == ("genesys-east", "byoc.example", True)
    instances = [t for t in genesys.list_trunks() if t.trunk_base_id == created.id]
    assert len(instances) == genesys_emu.scenario.trunk_instances_per_base
    assert all(t.in_service for t in instances)
    # Made from the template: the settings byoc-sync does not own are at their defaults.
    settings = answered(genesys_emu, created.id)
    assert settings["trunk_media_codec"] == ["audio/opus", "audio/pcmu", "audio/pcma"]
    assert settings["trunk_protocol"] == "SIP"
    assert settings["trunk_label"] == "BYOC-East-1"  # not the template's "Generic BYOC Carrier"


def test_an_update_sets_what_byoc_sync_owns_and_leaves_the_rest(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    site = hq(genesys)
    created = genesys.create_trunk_base(base_write(site))
    someone_sets(
        genesys_emu,
        created.id,
        trunk_transport_protocolVariant="udp",
        trunk_label="Set by hand",
        trunk_media_codec=["audio/pcmu"],
    )
    assert stored(genesys_emu, created.id, convert.PASSWORD) == ""  # their PUT as read
    genesys_emu.log.clear()
    updated = genesys.update_trunk_base(
        created.id, base_write(site, sip_servers=("tg-east.pstn.twilio.com",))
    )
    assert [e.endpoint for e in genesys_emu.log.entries()] == [BASE_GET, BASE_PUT]
    assert updated.transport == "tls" and updated.sip_servers == ("tg-east.pstn.twilio.com",)
    assert (created.version, updated.version) == (1, 3)
    settings = answered(genesys_emu, created.id)
    assert settings["trunk_label"] == "Set by hand"
    assert settings["trunk_media_codec"] == ["audio/pcmu"]
    assert stored(genesys_emu, created.id, convert.PASSWORD) == PASSWORD  # put back


def test_an_update_always_writes_because_the_password_cannot_be_compared(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    site = hq(genesys)
    created = genesys.create_trunk_base(base_write(site))
    genesys_emu.log.clear()
    again = genesys.update_trunk_base(created.id, base_write(site))
    assert genesys_emu.log.count(endpoint=BASE_PUT) == 1
    assert again.model_dump(exclude={"version"}) == created.model_dump(exclude={"version"})
    new = base_write(site, password=SecretStr("Other-Pass-5521-kz"))
    genesys.update_trunk_base(created.id, new)
    assert stored(genesys_emu, created.id, convert.PASSWORD) == "Other-Pass-5521-kz"


def test_the_password_is_stored_kept_and_never_shown(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    site = hq(genesys)
    genesys_emu.faults.configure(FaultConfig(conflict_rate=0.5, methods=["PUT"], seed=1))
    created = genesys.create_trunk_base(base_write(site))
    assert stored(genesys_emu, created.id, convert.PASSWORD) == PASSWORD
    updated = genesys.update_trunk_base(created.id, base_write(site, transport="tcp"))
    genesys_emu.faults.configure(FaultConfig())
    assert stored(genesys_emu, created.id, convert.PASSWORD) == PASSWORD
    with pytest.raises(TerminalVendorError) as refused:  # a refused write names no secret
        genesys.update_trunk_base(created.id, base_write(site, inbound_site_id="no-such-site"))
    assert stored(genesys_emu, created.id, convert.PASSWORD) == PASSWORD
    returned = [created, updated, *genesys.list_trunk_bases()]
    assert all(PASSWORD not in value.model_dump_json() for value in returned)
    assert PASSWORD not in refused.value.reason and PASSWORD not in str(refused.value)
    assert answered(genesys_emu, created.id)[convert.PASSWORD] == ""
    assert caplog.records, "the conflicts should have been logged"
    for record in caplog.records:
        assert PASSWORD not in record.getMessage(), record.name


def test_a_trunk_base_update_rereads_after_a_version_conflict(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone writes between our GET and our PUT: our PUT gets 409, we read again and
    write our settings onto theirs."""
    site = hq(genesys)
    created = genesys.create_trunk_base(base_write(site))
    edge: Any = genesys._edge
    real_get = edge.get_telephony_providers_edges_trunkbasesetting
    interfered: list[bool] = []

    def get_then_someone_else_writes(base_id: str) -> Any:
        entity = real_get(base_id)
        if not interfered:
            interfered.append(True)
            someone_sets(genesys_emu, base_id, trunk_label="Theirs")
        return entity

    monkeypatch.setattr(
        edge, "get_telephony_providers_edges_trunkbasesetting", get_then_someone_else_writes
    )
    genesys_emu.log.clear()
    updated = genesys.update_trunk_base(created.id, base_write(site, transport="udp"))
    puts = [e.status for e in genesys_emu.log.entries() if e.endpoint == BASE_PUT]
    assert puts == [200, 409, 200]  # theirs, our stale one, ours
    assert updated.transport == "udp" and (created.version, updated.version) == (1, 3)
    assert answered(genesys_emu, created.id)["trunk_label"] == "Theirs"
    assert stored(genesys_emu, created.id, convert.PASSWORD) == PASSWORD


def test_repeating_a_create_makes_one_base(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    site = hq(genesys)
    first = genesys.create_trunk_base(base_write(site))
    again = genesys.create_trunk_base(base_write(site))
    assert again.id == first.id
    assert [b.name for b in genesys.list_trunk_bases()].count("BYOC-East-1") == 1
    assert genesys_emu.log.count(endpoint=BASE_POST) == 2  # the second refused: name in use


def test_a_create_whose_answer_was_lost_is_not_sent_again(
    genesys: GenesysAdapter,
    genesys_emu: GenesysEmulator,
    monkeypatch: pytest.MonkeyPatch,
    sleeps: Sleeps,
) -> None:
    """The POST is carried out but its answer never arrives: the resend looks the base up
    by name first, finds it, and does not POST again."""
    site = hq(genesys)
    edge: Any = genesys._edge
    real_post = edge.post_telephony_providers_edges_trunkbasesettings

    def post_and_lose_the_answer(body: Any) -> Any:
        monkeypatch.setattr(edge, "post_telephony_providers_edges_trunkbasesettings", real_post)
        real_post(body)
        raise urllib3.exceptions.ProtocolError("connection reset by peer")

    monkeypatch.setattr(
        edge, "post_telephony_providers_edges_trunkbasesettings", post_and_lose_the_answer
    )
    genesys_emu.log.clear()
    created = genesys.create_trunk_base(base_write(site))
    assert [e.endpoint for e in genesys_emu.log.entries()] == [TEMPLATE_GET, BASE_POST, BASES_GET]
    assert len(sleeps) == 1  # one resend, which found the base instead of posting
    assert [b.id for b in genesys.list_trunk_bases() if b.name == "BYOC-East-1"] == [created.id]
    assert stored(genesys_emu, created.id, convert.PASSWORD) == PASSWORD


def test_a_same_named_base_someone_else_made_is_not_taken_for_ours(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    site = hq(genesys)
    theirs = genesys.create_trunk_base(base_write(site, description="made by hand"))
    with pytest.raises(TerminalVendorError) as refused:
        genesys.create_trunk_base(base_write(site))
    assert refused.value.status == 400
    assert [b.id for b in genesys.list_trunk_bases() if b.name == "BYOC-East-1"] == [theirs.id]


# ---------------------------------------------------------------- outbound routes
def route_write(base_ids: tuple[str, ...], **changes: Any) -> OutboundRouteWrite:
    values: dict[str, Any] = {
        "name": "TG-East",
        "description": MARKER,
        "classification_types": ("National", "International"),
        "trunk_base_ids": base_ids,
    }
    values.update(changes)
    return OutboundRouteWrite(**values)


def two_bases(genesys: GenesysAdapter, site: Site) -> tuple[str, str]:
    one = genesys.create_trunk_base(base_write(site, "BYOC-East-1"))
    two = genesys.create_trunk_base(base_write(site, "BYOC-East-2", inbound_identifier="e2"))
    return one.id, two.id


def test_a_route_is_created_and_updated_in_membership_order_and_classifications(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    site = hq(genesys)
    one, two = two_bases(genesys, site)
    created = genesys.create_outbound_route(site.id, route_write((one, two)))
    (listed,) = [r for r in genesys.list_outbound_routes() if r.id == created.id]
    assert listed == created
    assert (listed.site_id, listed.site_name, listed.site_managed) == (site.id, "HQ", False)
    assert listed.external_trunk_base_ids == (one, two)
    assert listed.classification_types == ("National", "International")
    assert listed.description == MARKER and listed.distribution == "SEQUENTIAL"
    assert listed.enabled

    genesys_emu.log.clear()
    wanted = route_write((two,), classification_types=("National",), distribution="RANDOM")
    updated = genesys.update_outbound_route(listed, wanted)
    assert genesys_emu.log.count(endpoint=ROUTE_PUT) == 1
    assert updated.external_trunk_base_ids == (two,)
    assert updated.classification_types == ("National",)
    assert updated.distribution == "RANDOM" and updated.version == listed.version + 1

    reordered = genesys.update_outbound_route(updated, route_write((two, one)))
    assert reordered.external_trunk_base_ids == (two, one)
    assert reordered.classification_types == ("National", "International")
    assert reordered.distribution == "SEQUENTIAL"
    genesys_emu.log.clear()
    same = route_write((two, one), classification_types=("International", "National"))
    assert genesys.update_outbound_route(reordered, same) == reordered
    assert genesys_emu.log.writes() == []  # nothing differs: no PUT


def test_a_route_update_survives_conflicts_and_existing_reorders_still_work(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    site = hq(genesys)
    one, two = two_bases(genesys, site)
    created = genesys.create_outbound_route(site.id, route_write((one, two)))
    genesys_emu.faults.configure(FaultConfig(conflict_rate=0.5, methods=["PUT"], seed=1))
    updated = genesys.update_outbound_route(created, route_write((two, one)))
    genesys_emu.faults.configure(FaultConfig())
    assert updated.external_trunk_base_ids == (two, one)
    assert any(e.fault == "conflict" for e in genesys_emu.log.entries())
    back = genesys.update_outbound_route_trunks(updated, [one, two])
    assert back.external_trunk_base_ids == (one, two) and back.description == MARKER


def test_repeating_a_route_create_makes_one_route(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    site = hq(genesys)
    one, two = two_bases(genesys, site)
    first = genesys.create_outbound_route(site.id, route_write((one, two)))
    fresh = genesys_adapter(genesys_emu, RetryPolicy())  # no memory of the site either
    again = fresh.create_outbound_route(site.id, route_write((one, two)))
    assert again == first
    routes = [r for r in genesys.list_outbound_routes() if r.name == "TG-East"]
    assert [r.id for r in routes] == [first.id]
    assert genesys_emu.log.count(endpoint=ROUTE_POST) == 2


def test_a_route_create_whose_answer_was_lost_is_not_sent_again(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = hq(genesys)
    one, two = two_bases(genesys, site)
    edge: Any = genesys._edge
    real_post = edge.post_telephony_providers_edges_site_outboundroutes

    def post_and_lose_the_answer(site_id: str, body: Any) -> Any:
        monkeypatch.setattr(edge, "post_telephony_providers_edges_site_outboundroutes", real_post)
        real_post(site_id, body)
        raise urllib3.exceptions.ProtocolError("connection reset by peer")

    monkeypatch.setattr(
        edge, "post_telephony_providers_edges_site_outboundroutes", post_and_lose_the_answer
    )
    created = genesys.create_outbound_route(site.id, route_write((one, two)))
    assert genesys_emu.log.count(endpoint=ROUTE_POST) == 1
    assert created.external_trunk_base_ids == (one, two)
    assert [r.id for r in genesys.list_outbound_routes() if r.name == "TG-East"] == [created.id]
