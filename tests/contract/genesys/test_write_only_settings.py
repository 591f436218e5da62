"""The digest password of a BYOC trunk base is written, never read: GET, lists (expanded) and
the answers to writes give `trunk_sip_authentication_credentials_password` with an empty
instance while the org keeps the value written; a PUT of the base as read stores the empty
one (the less convenient case: no source says Genesys reads it back)."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest

from sandbox.emulators.genesys import GenesysEmulator
from sandbox.emulators.genesys import properties as props
from sandbox.emulators.genesys.scenario import BYOC_CARRIER_METABASE_ID

from .conftest import model

pytestmark = pytest.mark.contract
PASSWORD_KEY = "trunk_sip_authentication_credentials_password"
SECRET = "Digest-Pass-9902-qv"


def _instance(properties: dict[str, Any], key: str) -> Any:
    return properties[key]["value"]["instance"]


def _kept(emu: GenesysEmulator, base_id: str) -> Any:
    with emu.lock:
        return props.value_of(emu.state.trunk_bases[base_id].properties, PASSWORD_KEY)


def _create(edge: Any, name: str) -> Any:
    base = edge.get_telephony_providers_edges_trunkbasesettings_template(BYOC_CARRIER_METABASE_ID)
    site = edge.get_telephony_providers_edges_sites(name="HQ").entities[0]
    base.name = name
    base.inbound_site = model(genesys.DomainEntityRef, id=site.id)
    base.properties["trunk_transport_serverProxyList"]["value"]["instance"] = ["a.example"]
    base.properties["trunk_sip_authentication_credentials_username"]["value"]["instance"] = "gc"
    base.properties[PASSWORD_KEY]["value"]["instance"] = SECRET
    return edge.post_telephony_providers_edges_trunkbasesettings(base)


def test_the_password_is_answered_empty_on_get_and_list_while_it_is_kept(
    emu: GenesysEmulator, edge: Any
) -> None:
    created = _create(edge, "BYOC-Digest")
    assert _instance(created.properties, PASSWORD_KEY) == ""  # the POST's answer too
    assert _kept(emu, created.id) == SECRET
    got = edge.get_telephony_providers_edges_trunkbasesetting(created.id)
    assert _instance(got.properties, PASSWORD_KEY) == ""
    assert got.properties[PASSWORD_KEY]["type"] == "string"  # the entry is there, in shape
    assert _instance(got.properties, "trunk_sip_authentication_credentials_username") == "gc"
    listed = edge.get_telephony_providers_edges_trunkbasesettings(
        name="BYOC-Digest", expand=["properties"]
    ).entities
    assert [_instance(b.properties, PASSWORD_KEY) for b in listed] == [""]
    assert _kept(emu, created.id) == SECRET  # reading changes nothing


def test_a_put_as_read_stores_the_empty_password_and_one_without_properties_keeps_it(
    emu: GenesysEmulator, edge: Any
) -> None:
    created = _create(edge, "BYOC-Digest")
    base = edge.get_telephony_providers_edges_trunkbasesetting(created.id)
    base.properties = None  # a PUT without properties keeps every setting
    base.description = "renamed nothing"
    kept = edge.put_telephony_providers_edges_trunkbasesetting(base.id, base)
    assert _instance(kept.properties, PASSWORD_KEY) == ""
    assert _kept(emu, created.id) == SECRET
    as_read = edge.get_telephony_providers_edges_trunkbasesetting(created.id)
    edge.put_telephony_providers_edges_trunkbasesetting(as_read.id, as_read)
    assert _kept(emu, created.id) == ""  # what was sent back is what is stored
    again = edge.get_telephony_providers_edges_trunkbasesetting(created.id)
    again.properties[PASSWORD_KEY]["value"]["instance"] = SECRET
    edge.put_telephony_providers_edges_trunkbasesetting(again.id, again)
    assert _kept(emu, created.id) == SECRET
