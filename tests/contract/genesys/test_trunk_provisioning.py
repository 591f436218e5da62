"""Building a BYOC trunk through the SDK, as the BYOC provisioning guide does: the BYOC carrier
metabase's template, a trunk base saved from it (checked against the metabase and completed
with its defaults), and the site outbound route that sends calls to it."""

from __future__ import annotations

import json
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.genesys.metabases import BYOC_CARRIER
from sandbox.emulators.genesys.scenario import BYOC_CARRIER_METABASE_ID

from .conftest import assert_error_body, byoc_scenario, model

pytestmark = pytest.mark.contract
EDGES = "/api/v2/telephony/providers/edges"
PROXIES = "trunk_transport_serverProxyList"
# Keys of the BYOC carrier metabase the sources name (metabases.py gives each one's source).
GUIDE_KEYS = {
    "trunk_type",
    "trunk_label",
    "trunk_enabled",
    "trunk_protocol",
    PROXIES,
    "trunk_transport_protocolVariant",
    "trunk_sip_termination_uri",
    "trunk_sip_authentication_credentials_realm",
    "trunk_sip_authentication_credentials_username",
    "trunk_sip_authentication_credentials_password",
    "trunk_access_acl_allowList",
    "trunk_access_acl_denyList",
    "trunk_outboundIdentity_callingName",
    "trunk_language",
    "trunk_maxDialTimeout",
    "trunk_media_codec",
}


def _value(properties: dict[str, Any], key: str) -> Any:
    return properties[key]["value"]["instance"]


def _set(properties: dict[str, Any], key: str, instance: Any) -> None:
    properties[key]["value"]["instance"] = instance


def _hq(edge: Any) -> Any:
    return edge.get_telephony_providers_edges_sites(name="HQ").entities[0]


def _from_template(edge: Any, name: str, proxies: list[str] | None) -> Any:
    """What the guide and the premium app do: take the template, name it, point it at the
    carrier and an inbound site."""
    base = edge.get_telephony_providers_edges_trunkbasesettings_template(BYOC_CARRIER_METABASE_ID)
    base.name = name
    base.inbound_site = model(genesys.DomainEntityRef, id=_hq(edge).id)
    _set(base.properties, PROXIES, proxies)
    return base


def _error(err: pytest.ExceptionInfo[ApiException], status: int) -> dict[str, Any]:
    assert err.value.status == status
    body: dict[str, Any] = json.loads(err.value.body)
    assert_error_body(body, status)
    return body


def _missing_field(err: pytest.ExceptionInfo[ApiException]) -> str:
    (detail,) = _error(err, 400)["details"]
    assert detail["errorCode"] == "REQUIRED_FIELD_MISSING"
    return str(detail["fieldName"])


# ---------------------------------------------------------------------- the template
def test_the_byoc_carrier_template_holds_every_setting_at_its_default(edge: Any) -> None:
    template = edge.get_telephony_providers_edges_trunkbasesettings_template(
        BYOC_CARRIER_METABASE_ID
    )
    assert template.id is None and template.version is None  # not saved yet
    assert (template.trunk_metabase.id, template.trunk_metabase.name) == (
        BYOC_CARRIER_METABASE_ID,
        "Generic BYOC Carrier",
    )
    assert template.trunk_type == "EXTERNAL" and template.managed is False
    properties = template.properties
    assert set(properties) == set(BYOC_CARRIER.properties) and set(properties) >= GUIDE_KEYS
    for key, entry in properties.items():  # Genesys' nested shape, the default as instance
        assert set(entry["value"]) == {"default", "instance"}, key
        assert entry["value"]["instance"] == entry["value"]["default"], key
        assert entry["type"] in ("string", "boolean", "integer", "array"), key
    proxies = properties[PROXIES]
    assert proxies["type"] == "array" and proxies["items"] == {"type": "string"}
    assert proxies["required"] is True and proxies["value"]["default"] is None
    transport = properties["trunk_transport_protocolVariant"]
    assert transport["enum"] == ["udp", "tcp", "tls"] and transport["value"]["default"] == "udp"
    assert _value(properties, "trunk_enabled") is True
    assert _value(properties, "trunk_protocol") == "SIP"
    assert _value(properties, "trunk_access_acl_allowList") == []
    assert _value(properties, "trunk_access_acl_denyList") == []
    assert _value(properties, "trunk_media_codec") == ["audio/opus", "audio/pcmu", "audio/pcma"]
    assert _value(properties, "trunk_maxDialTimeout") == "2m"


def test_a_metabase_the_org_does_not_have_is_404_and_the_id_is_required(
    emu: GenesysEmulator, edge: Any, raw: requests.Session
) -> None:
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_trunkbasesettings_template("no_such_carrier.json")
    assert _error(err, 404)["code"] == "not.found"
    url = f"{emu.base_url}{EDGES}/trunkbasesettings/template"
    answer = raw.get(url)  # the SDK refuses to send it without the id
    assert answer.status_code == 400
    assert answer.json()["details"][0]["fieldName"] == "trunkMetabaseId"


# ---------------------------------------------------------------------- saving a base
def test_the_template_saved_with_sip_servers_is_a_byoc_base_with_every_setting(
    edge: Any,
) -> None:
    body = _from_template(edge, "BYOC-Tertiary-Twilio", ["tertiary.pstn.twilio.com"])
    _set(body.properties, "trunk_transport_protocolVariant", "tls")
    _set(body.properties, "trunk_access_acl_allowList", ["54.172.60.0/23", "34.203.250.0/23"])
    _set(body.properties, "trunk_sip_termination_uri", "byoc-tertiary")
    body.properties.pop("trunk_label")  # left out: the label becomes the base's name
    created = edge.post_telephony_providers_edges_trunkbasesettings(body)
    assert created.id and created.version == 1 and created.trunk_metabase.name
    stored = edge.get_telephony_providers_edges_trunkbasesetting(created.id).properties
    assert set(stored) == set(BYOC_CARRIER.properties)
    assert _value(stored, PROXIES) == ["tertiary.pstn.twilio.com"]
    assert _value(stored, "trunk_transport_protocolVariant") == "tls"
    assert _value(stored, "trunk_label") == "BYOC-Tertiary-Twilio"
    assert _value(stored, "trunk_sip_termination_uri") == "byoc-tertiary"
    assert stored["trunk_transport_protocolVariant"]["value"]["default"] == "udp"
    trunks = edge.get_telephony_providers_edges_trunks(trunk_base_id=created.id).entities
    assert len(trunks) == 2 and {t.in_service for t in trunks} == {True}
    assert trunks[0].proxy_address_list == ["tertiary.pstn.twilio.com"]


def test_settings_left_out_of_a_write_take_the_metabases_defaults(edge: Any) -> None:
    """As CX as Code reads back settings it never wrote; a PUT without `properties` keeps
    them, one with `properties` is the whole set again."""
    proxies = {PROXIES: {"value": {"instance": ["quaternary.pstn.twilio.com"]}}}
    body = model(
        genesys.TrunkBase,
        name="BYOC-Quaternary-Twilio",
        trunk_type="EXTERNAL",
        trunk_metabase=model(genesys.DomainEntityRef, id=BYOC_CARRIER_METABASE_ID),
        inbound_site=model(genesys.DomainEntityRef, id=_hq(edge).id),
        properties=proxies,
    )
    created = edge.post_telephony_providers_edges_trunkbasesettings(body)
    assert _value(created.properties, "trunk_media_disconnectOnIdleRTP") is True
    assert _value(created.properties, "trunk_enabled") is True
    assert created.properties[PROXIES]["required"] is True  # stored in the metabase's shape
    base = edge.get_telephony_providers_edges_trunkbasesetting(created.id)
    _set(base.properties, "trunk_language", "fr-CA")
    base = edge.put_telephony_providers_edges_trunkbasesetting(base.id, base)
    assert _value(base.properties, "trunk_language") == "fr-CA"
    base.properties = None
    base.description = "no properties in this write"
    kept = edge.put_telephony_providers_edges_trunkbasesetting(base.id, base)
    assert _value(kept.properties, "trunk_language") == "fr-CA"
    kept.properties = dict(proxies)
    reset = edge.put_telephony_providers_edges_trunkbasesetting(kept.id, kept)
    assert _value(reset.properties, "trunk_language") == "en-US"
    assert _value(reset.properties, "trunk_label") == "BYOC-Quaternary-Twilio"


def test_a_byoc_base_without_sip_servers_is_required_field_missing(edge: Any) -> None:
    nothing: tuple[list[str] | None, ...] = (None, [])
    for proxies in nothing:
        with pytest.raises(ApiException) as err:
            edge.post_telephony_providers_edges_trunkbasesettings(
                _from_template(edge, "BYOC-Nowhere", proxies)
            )
        assert _missing_field(err) == PROXIES
    assert edge.get_telephony_providers_edges_trunkbasesettings(name="BYOC-Nowhere").total == 0
    primary = edge.get_telephony_providers_edges_trunkbasesettings(name="BYOC-Primary-Twilio")
    base = edge.get_telephony_providers_edges_trunkbasesetting(primary.entities[0].id)
    base.properties.pop(PROXIES)
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_trunkbasesetting(base.id, base)
    assert _missing_field(err) == PROXIES
    assert edge.get_telephony_providers_edges_trunkbasesetting(base.id).version == 1


@pytest.mark.parametrize(
    "scenario",
    [byoc_scenario(require_trunk_properties=False, reject_unknown_trunk_properties=False)],
)
def test_both_property_checks_can_be_switched_off(edge: Any, scenario: GenesysScenario) -> None:
    """CX as Code creates BYOC carrier bases with no properties at all and its example sends
    keys of another metabase: the switches let a scenario take Genesys at that word."""
    body = _from_template(edge, "BYOC-Lenient", None)
    body.properties["trunk_max_dial_timeout"] = {"value": {"instance": "1m"}}
    created = edge.post_telephony_providers_edges_trunkbasesettings(body)
    assert _value(created.properties, PROXIES) is None
    assert _value(created.properties, "trunk_max_dial_timeout") == "1m"


def test_a_property_the_metabase_does_not_know_is_400(edge: Any) -> None:
    body = _from_template(edge, "BYOC-Typo", ["typo.pstn.twilio.com"])
    body.properties["trunk_transport_serverProxyLists"] = {"value": {"instance": ["x"]}}
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_trunkbasesettings(body)
    assert "trunk_transport_serverProxyLists" in _error(err, 400)["message"]


@pytest.mark.parametrize(
    ("key", "instance"),
    [
        ("trunk_transport_protocolVariant", "sctp"),
        ("trunk_transport_protocolVariant", "TLS"),
        ("trunk_enabled", "yes"),
        (PROXIES, "one.pstn.twilio.com"),
        (PROXIES, ["one.pstn.twilio.com", "one.pstn.twilio.com"]),
        ("trunk_outboundIdentity_callingName", "x" * 41),
        ("trunk_outboundIdentity_callingAddress_overrideMethod", "Sometimes"),
        ("trunk_media_codec", [1, 2]),
    ],
)
def test_a_value_outside_the_settings_type_or_choices_is_400(
    edge: Any, key: str, instance: Any
) -> None:
    body = _from_template(edge, "BYOC-Wrong", ["wrong.pstn.twilio.com"])
    _set(body.properties, key, instance)
    with pytest.raises(ApiException) as err:
        edge.post_telephony_providers_edges_trunkbasesettings(body)
    assert key in _error(err, 400)["message"]


def test_a_base_of_another_metabase_is_stored_as_written(edge: Any) -> None:
    written = {"phone_custom": {"type": "string", "value": {"instance": "x"}}}
    phone = edge.post_telephony_providers_edges_trunkbasesettings(
        model(
            genesys.TrunkBase,
            name="Desk phones",
            trunk_type="PHONE",
            trunk_metabase=model(genesys.DomainEntityRef, id="phone_inin_generic_sip.json"),
            properties=written,
        )
    )
    assert phone.properties == written and phone.trunk_metabase.name is None


# ---------------------------------------------------------------------- the outbound route
def test_an_outbound_route_needs_a_name_and_classification_types(
    emu: GenesysEmulator, edge: Any, raw: requests.Session
) -> None:
    site_id = _hq(edge).id
    base = edge.post_telephony_providers_edges_trunkbasesettings(
        _from_template(edge, "BYOC-Routed", ["routed.pstn.twilio.com"])
    )
    ref = model(genesys.DomainEntityRef, id=base.id)
    body = model(genesys.OutboundRouteBase, name="TG-Routed", external_trunk_bases=[ref])
    nothing: tuple[list[str] | None, ...] = (None, [])
    for classifications in nothing:
        body.classification_types = classifications
        with pytest.raises(ApiException) as err:
            edge.post_telephony_providers_edges_site_outboundroutes(site_id, body)
        assert _missing_field(err) == "classificationTypes"
    body.classification_types = ["National", "International"]
    route = edge.post_telephony_providers_edges_site_outboundroutes(site_id, body)
    assert route.distribution == "SEQUENTIAL" and [b.name for b in route.external_trunk_bases] == [
        "BYOC-Routed"
    ]
    route.classification_types = []
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_site_outboundroute(site_id, route.id, route)
    assert _missing_field(err) == "classificationTypes"
    url = f"{emu.base_url}{EDGES}/sites/{site_id}/outboundroutes"
    nameless = raw.post(url, json={"classificationTypes": ["National"]})
    assert nameless.status_code == 400
    assert nameless.json()["details"][0]["fieldName"] == "name"
    # The provisioning guide's example sends `distribution: ''`; only the two values pass.
    empty = raw.post(
        url, json={"name": "TG-Empty", "classificationTypes": ["National"]} | {"distribution": ""}
    )
    assert empty.status_code == 400
    assert edge.get_telephony_providers_edges_site_outboundroute(site_id, route.id).version == 1
