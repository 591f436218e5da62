"""State records as Genesys JSON: exactly the fields the SDK models' attribute_maps know."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic.alias_generators import to_camel

from sandbox.emulators.genesys import ids, metabases
from sandbox.emulators.genesys import properties as props
from sandbox.emulators.genesys.ids import HOME_DIVISION_ID
from sandbox.emulators.genesys.pool_numbers import PoolNumber
from sandbox.emulators.genesys.state import (
    Did,
    DidPool,
    Entity,
    GenesysState,
    Ivr,
    NumberPlan,
    OutboundRoute,
    Site,
    Trunk,
    TrunkBase,
)

EDGES = "/api/v2/telephony/providers/edges"


def iso(moment: datetime) -> str:
    """Genesys timestamps: UTC, millisecond precision, `Z` suffix."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ref(entity_id: str, name: str | None, self_uri: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": entity_id}
    if name is not None:
        out["name"] = name
    out["selfUri"] = self_uri
    return out


def _division() -> dict[str, Any]:
    return ref(HOME_DIVISION_ID, "Home", f"/api/v2/authorization/divisions/{HOME_DIVISION_ID}")


def _entity(entity: Entity, self_uri: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": entity.id, "name": entity.name}
    if entity.description is not None:
        out["description"] = entity.description
    out.update(
        version=entity.version,
        dateCreated=iso(entity.created),
        dateModified=iso(entity.modified),
        state=entity.state,
        selfUri=self_uri,
    )
    return out


def pool_uri(pool_id: str) -> str:
    return f"{EDGES}/didpools/{pool_id}"


def did_pool(pool: DidPool) -> dict[str, Any]:
    out = _entity(pool, pool_uri(pool.id))
    out.update(startPhoneNumber=pool.start, endPhoneNumber=pool.end)
    if pool.comments is not None:
        out["comments"] = pool.comments
    if pool.provider is not None:
        out["provider"] = pool.provider
    return out


def did(state: GenesysState, item: Did) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "name": item.phone_number,
        "phoneNumber": item.phone_number,
        "state": "active",
    }
    if item.pool_id is not None:
        pool = state.pools[item.pool_id]
        out["didPool"] = ref(pool.id, pool.name, pool_uri(pool.id))
    out["owner"] = ref(item.owner_id, item.owner_name, ivr_uri(item.owner_id))
    out["ownerType"] = item.owner_type
    out["selfUri"] = f"{EDGES}/dids/{item.id}"
    return out


def did_number(state: GenesysState, item: PoolNumber) -> dict[str, Any]:
    """A `DIDNumber`: only an assigned number is a DID, with an id and an owner; an
    unassigned one is its number and pool alone. `didPool` is an AddressableEntityRef
    (id and selfUri, no name)."""
    held = state.assigned_did(item.number)
    out: dict[str, Any] = {}
    if held is not None:
        out["id"] = held.id
    out["number"] = item.number
    out["assigned"] = held is not None
    out["didPool"] = {"id": item.pool_id, "selfUri": pool_uri(item.pool_id)}
    if held is not None:
        out["owner"] = ref(held.owner_id, held.owner_name, ivr_uri(held.owner_id))
        out["ownerType"] = held.owner_type
        out["selfUri"] = f"{EDGES}/dids/{held.id}"
    return out


def ivr_uri(ivr_id: str) -> str:
    return f"/api/v2/architect/ivrs/{ivr_id}"


def ivr(state: GenesysState, item: Ivr) -> dict[str, Any]:
    out = _entity(item, ivr_uri(item.id))
    out["division"] = _division()
    out["dnis"] = list(item.dnis)
    for key, flow_id in (
        ("openHoursFlow", item.open_hours_flow),
        ("closedHoursFlow", item.closed_hours_flow),
        ("holidayHoursFlow", item.holiday_hours_flow),
    ):
        if flow_id is not None:
            out[key] = ref(flow_id, state.flows.get(flow_id), f"/api/v2/flows/{flow_id}")
    if item.schedule_group is not None:
        out["scheduleGroup"] = ref(
            item.schedule_group,
            state.schedule_groups.get(item.schedule_group),
            f"/api/v2/architect/schedulegroups/{item.schedule_group}",
        )
    return out


def trunk_base_uri(base_id: str) -> str:
    return f"{EDGES}/trunkbasesettings/{base_id}"


def metabase_ref(metabase_id: str) -> dict[str, Any]:
    """A trunkMetabase reference, named when the metabase is one the emulator models."""
    known = metabases.METABASES.get(metabase_id)
    return ref(
        metabase_id,
        known.name if known else None,
        f"{EDGES}/trunkbasesettings/availablemetabases/{metabase_id}",
    )


def trunk_base_template(metabase: metabases.Metabase) -> dict[str, Any]:
    """`GET /trunkbasesettings/template`: a trunk base not yet saved (no id, version or
    dates), every setting of the metabase at its default, for the client to name and POST."""
    return {
        "state": "active",
        "trunkMetabase": metabase_ref(metabase.id),
        "properties": metabases.template(metabase),
        "trunkType": metabase.trunk_type,
        "managed": False,
    }


def trunk_base(
    state: GenesysState, base: TrunkBase, *, with_properties: bool = True
) -> dict[str, Any]:
    """Lists leave `properties` out unless asked (`expand=properties`); GET has them, the
    password with an empty instance (`properties.as_answered`)."""
    out = _entity(base, trunk_base_uri(base.id))
    out.update(division=_division(), trunkMetabase=metabase_ref(base.trunk_metabase_id))
    if with_properties:
        out["properties"] = props.as_answered(base.properties)
    out.update(trunkType=base.trunk_type, managed=base.managed)
    for key, site_id in (("site", base.site_id), ("inboundSite", base.inbound_site_id)):
        if site_id is not None:
            found = state.sites.get(site_id)
            out[key] = ref(site_id, found.name if found else None, site_uri(site_id))
    return out


def trunk_uri(trunk_id: str) -> str:
    return f"{EDGES}/trunks/{trunk_id}"


EDGE_GROUP_ID = ids.entity_id("edgegroup", "byoc-cloud")


def trunk(state: GenesysState, item: Trunk) -> dict[str, Any]:
    out = _entity(item, trunk_uri(item.id))
    found = state.trunk_bases.get(item.trunk_base_id) or state.deleted.get(item.trunk_base_id)
    base = found if isinstance(found, TrunkBase) else None
    proxies = state.proxies_of(item)
    out.update(
        division=_division(),
        trunkType=item.trunk_type,
        edge=ref(item.edge_id, f"BYOC Cloud edge {item.instance}", f"{EDGES}/{item.edge_id}"),
        trunkBase=ref(
            item.trunk_base_id, base.name if base else None, trunk_base_uri(item.trunk_base_id)
        ),
        edgeGroup=ref(EDGE_GROUP_ID, None, f"{EDGES}/edgegroups/{EDGE_GROUP_ID}"),
        inService=state.in_service(item),
        enabled=item.enabled,
        connectedStatus={
            "connected": item.connected,
            "connectedStateTime": iso(item.connected_since),
        },
        optionsStatus=[
            {
                "proxyAddress": proxy,
                "optionState": item.options_up,
                "optionStateTime": iso(item.options_since),
            }
            for proxy in proxies
        ],
        optionsEnabledStatus="ENABLED",
        registersEnabledStatus="DISABLED" if item.registered is None else "ENABLED",
        family=4,
        proxyAddressList=proxies,
    )
    if item.registered is not None:
        out["registersStatus"] = [
            {
                "proxyAddress": proxy,
                "registerState": item.registered,
                "registerStateTime": iso(item.registered_since),
            }
            for proxy in proxies
        ]
    if base is not None:
        out["trunkMetabase"] = metabase_ref(base.trunk_metabase_id)
    return out


def trunk_metrics(state: GenesysState, item: Trunk, now: datetime) -> dict[str, Any]:
    """`TrunkMetrics` has no connection field; a down trunk shows as carrying no calls."""
    up = item.connected and state.in_service(item) and item.enabled
    return {
        "eventTime": iso(now),
        "trunk": ref(item.id, item.name, trunk_uri(item.id)),
        "calls": {
            "inboundCallCount": item.inbound_calls if up else 0,
            "outboundCallCount": item.outbound_calls if up else 0,
        },
        "qos": {"mismatchCount": 0},
    }


def site_uri(site_id: str) -> str:
    return f"{EDGES}/sites/{site_id}"


def site(item: Site) -> dict[str, Any]:
    out = _entity(item, site_uri(item.id))
    location_id = ids.entity_id("location", item.name)
    out.update(
        division=_division(),
        mediaModel="Cloud",
        managed=item.managed,
        coreSite=False,
        location={
            "id": location_id,
            "name": f"{item.name} location",
            "address": {"country": item.country},
            "selfUri": f"/api/v2/locations/{location_id}",
        },
    )
    return out


def number_plan(site_id: str, item: NumberPlan) -> dict[str, Any]:
    out = _entity(item, f"{site_uri(site_id)}/numberplans/{item.id}")
    spec = item.spec
    if spec is not None:
        written = spec.model_dump(mode="json", exclude_none=True, exclude={"name", "id"})
        out.update({to_camel(key): value for key, value in written.items() if value != []})
    return out


def outbound_route(state: GenesysState, item: OutboundRoute) -> dict[str, Any]:
    out = _entity(item, f"{site_uri(item.site_id)}/outboundroutes/{item.id}")
    bases = []
    for base_id in item.external_trunk_base_ids:
        base = state.trunk_bases.get(base_id)
        bases.append(ref(base_id, base.name if base else None, trunk_base_uri(base_id)))
    out.update(
        division=_division(),
        classificationTypes=list(item.classification_types),
        enabled=item.enabled,
        distribution=item.distribution,
        externalTrunkBases=bases,
    )
    return out
