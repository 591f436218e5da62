"""Genesys SDK objects -> `shared.domain.model` values, and the SDK bodies byoc-sync writes.

Kept apart from the adapter so the mapping is read in one place and the adapter stays about
calls, budgets and conflicts.
"""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as genesys

from shared.domain.model import (
    DidPool,
    GenesysTrunk,
    Ivr,
    NumberPlan,
    OutboundRoute,
    OutboundRouteWrite,
    Site,
    SiteDialPlan,
    TrunkBase,
    TrunkBaseWrite,
)
from shared.domain.ownership import OWNERSHIP_MARKER

# The make and model of a BYOC Cloud carrier trunk base (Genesys' BYOC provisioning guide).
BYOC_CARRIER_METABASE_ID = "external_sip_pcv_byoc_carrier.json"

# Property keys of a BYOC trunk base (Genesys' BYOC provisioning guide and CX as Code).
SIP_SERVERS = "trunk_transport_serverProxyList"
INBOUND_IDENTIFIER = "trunk_sip_termination_uri"
TRANSPORT = "trunk_transport_protocolVariant"
TRUNK_ENABLED = "trunk_enabled"
TRUNK_LABEL = "trunk_label"
ALLOW_LIST = "trunk_access_acl_allowList"
REALM = "trunk_sip_authentication_credentials_realm"
USERNAME = "trunk_sip_authentication_credentials_username"
PASSWORD = "trunk_sip_authentication_credentials_password"  # written, never read back


def is_deleted(item: Any) -> bool:
    """Genesys deletes configuration softly: GET and lists may keep answering a deleted
    DID pool, IVR, trunk base or trunk with `state: deleted`. It is gone for every purpose."""
    return str(getattr(item, "state", None) or "").lower() == "deleted"


def property_value(properties: dict[str, Any] | None, key: str) -> Any:
    """A trunk base property's value: `{key: {"value": {"instance": v, "default": d}}}`."""
    entry = (properties or {}).get(key)
    if not isinstance(entry, dict) or not isinstance(entry.get("value"), dict):
        return None
    value = entry["value"]
    return value["instance"] if value.get("instance") is not None else value.get("default")


def did_pool(item: Any) -> DidPool:
    return DidPool(
        id=item.id,
        start=item.start_phone_number,
        end=item.end_phone_number,
        provider=item.provider,
        description=item.description,
        comments=item.comments,
        version=item.version,
    )


def ivr(item: Any) -> Ivr:
    return Ivr(id=item.id, name=item.name, dnis=tuple(item.dnis or ()), version=item.version or 0)


def _strings(value: Any) -> tuple[str, ...]:
    """An array property as strings (a lone string is a list of one)."""
    if isinstance(value, str):
        value = [value]
    return tuple(str(v) for v in value or () if v)


def _text(value: Any) -> str | None:
    return str(value) if value else None


def trunk_base(item: Any) -> TrunkBase:
    """A trunk base as read; the password is never part of it (Genesys does not answer it)."""
    properties = item.properties
    enabled = property_value(properties, TRUNK_ENABLED)
    transport = property_value(properties, TRANSPORT)
    inbound_site = item.inbound_site
    return TrunkBase(
        id=item.id,
        name=item.name,
        managed=bool(item.managed),
        sip_servers=_strings(property_value(properties, SIP_SERVERS)),
        inbound_identifier=_text(property_value(properties, INBOUND_IDENTIFIER)),
        transport=str(transport).lower() if transport else None,
        enabled=None if properties is None else enabled is not False,
        description=item.description,
        version=item.version,
        inbound_site_id=inbound_site.id if inbound_site is not None else None,
        username=_text(property_value(properties, USERNAME)),
        realm=_text(property_value(properties, REALM)),
        allow_list=_strings(property_value(properties, ALLOW_LIST)),
    )


def site(item: Any) -> Site:
    return Site(id=item.id, name=item.name, managed=bool(item.managed))


def trunk(item: Any) -> GenesysTrunk:
    status = item.connected_status
    return GenesysTrunk(
        id=item.id,
        name=item.name,
        trunk_base_id=item.trunk_base.id if item.trunk_base is not None else None,
        connected=status.connected if status is not None else None,
        in_service=item.in_service,
        enabled=item.enabled,
        options_up=_all_up(item.options_status, "option_state"),
        registered=_all_up(item.registers_status, "register_state"),
        proxies=tuple(
            dict.fromkeys(
                s.proxy_address
                for s in [*(item.options_status or ()), *(item.registers_status or ())]
                if s.proxy_address
            )
        ),
    )


def _all_up(statuses: Any, attribute: str) -> bool | None:
    """Genesys pings (OPTIONS) or registers with each proxy of the trunk: down if any proxy
    stopped answering; None when the trunk does neither."""
    states = [getattr(s, attribute) for s in statuses or ()]
    known = [state for state in states if state is not None]
    return all(known) if known else None


def outbound_route(
    item: Any, site_id: str, site_name: str, *, site_managed: bool = False
) -> OutboundRoute:
    return OutboundRoute(
        id=item.id,
        site_id=site_id,
        site_name=site_name,
        name=item.name,
        external_trunk_base_ids=tuple(ref.id for ref in item.external_trunk_bases or ()),
        distribution=item.distribution,
        classification_types=tuple(item.classification_types or ()),
        enabled=item.enabled is not False,
        version=item.version or 0,
        site_managed=site_managed,
        description=item.description,
    )


def number_plan(item: Any) -> NumberPlan:
    lengths = item.digit_length
    return NumberPlan(
        name=item.name,
        classification=item.classification or "",
        match_type=item.match_type or "",
        match=item.match,
        numbers=tuple((n.start, n.end or n.start) for n in item.numbers or () if n.start),
        digit_lengths=(int(lengths.start), int(lengths.end))
        if lengths is not None and lengths.start and lengths.end
        else None,
        priority=item.priority or 0,
        active=(item.state or "active") == "active",
    )


def site_dial_plan(site: Any, plans: list[Any]) -> SiteDialPlan:
    location = site.location
    address = location.address if location is not None else None
    return SiteDialPlan(
        site_id=site.id,
        site_name=site.name,
        country=address.country if address is not None else None,
        number_plans=tuple(sorted((number_plan(p) for p in plans), key=lambda plan: plan.priority)),
    )


def new_did_pool_body(number: str, provider: str | None) -> Any:
    """A single-number pool carrying the ownership marker (so delete may touch it later)."""
    body = genesys.DIDPool()
    body.start_phone_number = number
    body.end_phone_number = number
    body.provider = provider
    body.description = f"{number}, provisioned by byoc-sync"
    body.comments = OWNERSHIP_MARKER
    return body


def trunk_base_refs(current: list[Any] | None, ids: list[str]) -> list[Any]:
    """References in the wanted order, reusing the ones the route holds (they carry names)."""
    known = {ref.id: ref for ref in current or ()}
    refs = []
    for base_id in ids:
        ref = known.get(base_id)
        if ref is None:
            ref = genesys.DomainEntityRef()
            ref.id = base_id
        refs.append(ref)
    return refs


def entity_ref(entity_id: str, current: Any = None) -> Any:
    """A reference to `entity_id`, reusing `current` when it already names it."""
    if current is not None and getattr(current, "id", None) == entity_id:
        return current
    ref = genesys.DomainEntityRef()
    ref.id = entity_id
    return ref


def set_property(properties: dict[str, Any], key: str, instance: Any) -> None:
    """Set a trunk base setting's instance in Genesys' nested shape, keeping the rest of its
    entry (type, default, schema fields) as the template or the read gave it."""
    entry = properties.get(key)
    if isinstance(entry, dict) and isinstance(entry.get("value"), dict):
        properties[key] = {**entry, "value": {**entry["value"], "instance": instance}}
    else:
        properties[key] = {"value": {"instance": instance}}


def owned_properties(settings: TrunkBaseWrite) -> dict[str, Any]:
    """The trunk base settings byoc-sync owns, by property key; the password is not among
    them (see `write_trunk_base`)."""
    return {
        INBOUND_IDENTIFIER: settings.inbound_identifier,
        TRANSPORT: settings.transport,
        SIP_SERVERS: list(settings.sip_servers),
        ALLOW_LIST: list(settings.allow_list),
        REALM: settings.realm,
        USERNAME: settings.username,
        TRUNK_ENABLED: settings.enabled,
    }


def write_trunk_base(entity: Any, settings: TrunkBaseWrite) -> None:
    """Put what byoc-sync owns into a trunk base body (a template or a base as read):
    name, description, inbound site and the owned settings, the password included. Every
    other setting stays as it was. Call `forget_password` once the body has been sent."""
    entity.name = settings.name
    entity.description = settings.description
    entity.inbound_site = entity_ref(settings.inbound_site_id, entity.inbound_site)
    properties = dict(entity.properties or {})
    for key, value in owned_properties(settings).items():
        set_property(properties, key, value)
    set_property(properties, PASSWORD, settings.password.get_secret_value())
    entity.properties = properties


def forget_password(entity: Any) -> None:
    """Blank the password in a body that has been sent (it is not kept in memory longer
    than the write that needs it)."""
    if isinstance(entity.properties, dict) and PASSWORD in entity.properties:
        set_property(entity.properties, PASSWORD, "")


def new_trunk_base_body(template: Any, settings: TrunkBaseWrite) -> Any:
    """A BYOC Cloud carrier trunk base built from the metabase's template: every setting in
    its shape at its default, ours set, and the label the base's name (the template's is
    the metabase's, "Generic BYOC Carrier"; later writes leave the label alone)."""
    template.trunk_type = "EXTERNAL"
    template.trunk_metabase = entity_ref(BYOC_CARRIER_METABASE_ID, template.trunk_metabase)
    write_trunk_base(template, settings)
    set_property(template.properties, TRUNK_LABEL, settings.name)
    return template


def route_differs(item: Any, route: OutboundRouteWrite) -> bool:
    """Whether a route as read differs from what byoc-sync wants of it (classifications as
    a set: their order means nothing; trunk bases in order: it is the try order)."""
    return (
        item.name != route.name
        or (item.description or "") != route.description
        or sorted(item.classification_types or ()) != sorted(route.classification_types)
        or [ref.id for ref in item.external_trunk_bases or ()] != list(route.trunk_base_ids)
        or (item.distribution or "SEQUENTIAL") != route.distribution
        or (item.enabled is not False) != route.enabled
    )


def write_outbound_route(entity: Any, route: OutboundRouteWrite) -> None:
    """Put what byoc-sync owns into an outbound route body (new, or as read)."""
    entity.name = route.name
    entity.description = route.description
    entity.classification_types = list(route.classification_types)
    entity.external_trunk_bases = trunk_base_refs(
        entity.external_trunk_bases, list(route.trunk_base_ids)
    )
    entity.distribution = route.distribution
    entity.enabled = route.enabled


def new_outbound_route_body(route: OutboundRouteWrite) -> Any:
    body = genesys.OutboundRouteBase()
    write_outbound_route(body, route)
    return body
