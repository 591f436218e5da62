"""Genesys SDK objects -> `shared.domain.model` values (and the one SDK body byoc-sync builds).

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
    SiteDialPlan,
    TrunkBase,
)
from shared.domain.ownership import OWNERSHIP_MARKER

# Property keys of a BYOC trunk base (Genesys' BYOC provisioning guide and CX as Code).
SIP_SERVERS = "trunk_transport_serverProxyList"
INBOUND_IDENTIFIER = "trunk_sip_termination_uri"
TRANSPORT = "trunk_transport_protocolVariant"
TRUNK_ENABLED = "trunk_enabled"


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


def trunk_base(item: Any) -> TrunkBase:
    properties = item.properties
    servers = property_value(properties, SIP_SERVERS)
    if isinstance(servers, str):
        servers = [servers]
    enabled = property_value(properties, TRUNK_ENABLED)
    identifier = property_value(properties, INBOUND_IDENTIFIER)
    transport = property_value(properties, TRANSPORT)
    return TrunkBase(
        id=item.id,
        name=item.name,
        managed=bool(item.managed),
        sip_servers=tuple(str(s) for s in servers or () if s),
        inbound_identifier=str(identifier) if identifier else None,
        transport=str(transport).lower() if transport else None,
        enabled=None if properties is None else enabled is not False,
    )


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
