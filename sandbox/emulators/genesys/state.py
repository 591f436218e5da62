"""The Genesys org as pure in-memory state: BYOC entities and the rules Genesys enforces.

No HTTP here. Operations take validated bodies and raise `VendorError`s carrying Genesys'
status and code; the emulator serialises under its lock. Time comes from injectable clocks
so the DID pool propagation quirk is testable without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sandbox.emulators.genesys.errors import bad_request, not_found, stale_version
from sandbox.emulators.genesys.ids import entity_id
from sandbox.emulators.genesys.inputs import (
    DidPoolBody,
    IvrBody,
    OutboundRouteBody,
    Ref,
    TrunkBaseBody,
)
from sandbox.emulators.genesys.scenario import (
    BYOC_CARRIER_METABASE_ID,
    GenesysScenario,
    NumberPlanSeed,
    check_number_plans,
    seed,
)
from shared.domain.number_ranges import RangeIndex

SEED_TIME = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class Entity:
    """Fields every versioned Genesys configuration object carries."""

    id: str
    name: str
    description: str | None
    created: datetime
    modified: datetime
    version: int = 1

    def touch(self, now: datetime) -> None:
        """A successful write bumps version and dateModified, as Genesys does."""
        self.version += 1
        self.modified = now


@dataclass
class DidPool(Entity):
    start: str = ""
    end: str = ""
    provider: str | None = None
    comments: str | None = None
    usable_at: float = 0.0  # monotonic time from which DNIS may be assigned from it

    def contains(self, number: str) -> bool:
        return len(number) == len(self.start) and int(self.start[1:]) <= int(number[1:]) <= int(
            self.end[1:]
        )


@dataclass
class Ivr(Entity):
    dnis: list[str] = field(default_factory=list)
    open_hours_flow: str | None = None  # flow ids
    closed_hours_flow: str | None = None
    holiday_hours_flow: str | None = None
    schedule_group: str | None = None  # schedule group id


@dataclass
class TrunkBase(Entity):
    trunk_type: str = "EXTERNAL"
    trunk_metabase_id: str = BYOC_CARRIER_METABASE_ID
    managed: bool = False
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Trunk(Entity):
    trunk_base_id: str = ""
    trunk_type: str = "EXTERNAL"
    connected: bool = True
    connected_since: datetime = SEED_TIME
    in_service: bool = True
    enabled: bool = True
    options_up: bool = True
    options_since: datetime = SEED_TIME
    registered: bool | None = None  # SIP registration mode only; None: the trunk does not register
    registered_since: datetime = SEED_TIME
    proxy_address: str = ""
    inbound_calls: int = 0
    outbound_calls: int = 0


@dataclass
class OutboundRoute(Entity):
    site_id: str = ""
    classification_types: list[str] = field(default_factory=list)
    enabled: bool = True
    distribution: str = "SEQUENTIAL"
    external_trunk_base_ids: list[str] = field(default_factory=list)


@dataclass
class NumberPlan(Entity):
    spec: NumberPlanSeed | None = None  # what was written; Genesys echoes it back


@dataclass
class Site(Entity):
    country: str = "US"
    number_plans: list[NumberPlan] = field(default_factory=list)  # in priority order
    outbound_routes: dict[str, OutboundRoute] = field(default_factory=dict)


@dataclass(frozen=True)
class Did:
    """A number of a DID pool assigned to an owner; Genesys only lists assigned DIDs."""

    id: str
    phone_number: str
    pool_id: str | None
    owner_id: str
    owner_name: str
    owner_type: str = "IVR_CONFIG"


E = TypeVar("E")


def _found(entities: dict[str, E], entity_id: str, kind: str) -> E:
    """The entity with this id, or Genesys' 404 naming the kind."""
    found = entities.get(entity_id)
    if found is None:
        raise not_found(kind, entity_id)
    return found


def _utcnow() -> datetime:
    return datetime.now(UTC)


class GenesysState:
    """DID pools, IVR configurations, trunk base settings, trunks and sites of one org."""

    def __init__(
        self,
        scenario: GenesysScenario,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.scenario = scenario
        self.clock = clock
        self.wall_clock = wall_clock
        self.pools: dict[str, DidPool] = {}
        self.ivrs: dict[str, Ivr] = {}
        self.trunk_bases: dict[str, TrunkBase] = {}
        self.trunks: dict[str, Trunk] = {}
        self.sites: dict[str, Site] = {}
        self.flows: dict[str, str] = {}  # flow id -> name (flows are referenced, not managed)
        self.schedule_groups: dict[str, str] = {}
        self._creates = 0
        # Indexes over pools and DNIS: every change to a pool's range or an IVR's DNIS goes
        # through _store_pool/_drop_pool/_set_dnis.
        self._pool_ranges = RangeIndex()
        self._dnis_owners: dict[str, set[str]] = {}  # number -> IVR ids (seeds may repeat)
        self._dids: dict[str, Did] | None = None  # derived; None = rebuild on next read
        seed(self, scenario)

    def _new_id(self, kind: str, name: str) -> str:
        """Created ids depend only on the sequence of creates, so runs are reproducible."""
        self._creates += 1
        return entity_id(kind, f"{name}#{self._creates}")

    @staticmethod
    def _check_version(kind: str, entity: Entity, given: int | None) -> None:
        if given is None:
            raise bad_request(f"{kind} version is required for an update")
        if given != entity.version:
            raise stale_version(kind, given, entity.version)

    # ------------------------------------------------------------------ DID pools
    def get_pool(self, pool_id: str) -> DidPool:
        return _found(self.pools, pool_id, "DID pool")

    def pool_of(self, number: str) -> DidPool | None:
        owner = self._pool_ranges.owner_of(number)
        return self.pools[owner] if owner is not None else None

    def _check_pool_range(self, body: DidPoolBody, exclude: str | None) -> None:
        start, end = body.start_phone_number, body.end_phone_number
        if len(start) != len(end) or int(start[1:]) > int(end[1:]):
            raise bad_request("startPhoneNumber must not be after endPhoneNumber")
        overlap = self._pool_ranges.overlapping(start, end, exclude=exclude)
        if overlap is not None:
            other = self.pools[overlap]
            raise bad_request(
                f"DID range {start}-{end} overlaps DID pool {other.id} ({other.start}-{other.end})"
            )

    def _store_pool(self, pool: DidPool) -> None:
        self._pool_ranges.remove(pool.id)
        self.pools[pool.id] = pool
        self._pool_ranges.add(pool.id, pool.start, pool.end)
        self._dids = None

    def _drop_pool(self, pool_id: str) -> None:
        self._pool_ranges.remove(pool_id)
        del self.pools[pool_id]
        self._dids = None

    def create_pool(self, body: DidPoolBody) -> DidPool:
        self._check_pool_range(body, exclude=None)
        now = self.wall_clock()
        name = body.name or f"{body.start_phone_number} - {body.end_phone_number}"
        pool = DidPool(
            id=self._new_id("didpool", body.start_phone_number),
            name=name,
            description=body.description,
            created=now,
            modified=now,
            start=body.start_phone_number,
            end=body.end_phone_number,
            provider=body.provider,
            comments=body.comments,
            usable_at=self.clock() + self.scenario.did_pool_propagation_delay_s,
        )
        self._store_pool(pool)
        return pool

    def update_pool(self, pool_id: str, body: DidPoolBody) -> DidPool:
        pool = self.get_pool(pool_id)
        self._check_version("DID pool", pool, body.version)
        self._check_pool_range(body, exclude=pool_id)
        probe = DidPool(
            id=pool.id, name="", description=None, created=pool.created, modified=pool.modified,
            start=body.start_phone_number, end=body.end_phone_number,
        )  # fmt: skip
        stranded = [
            d.phone_number for d in self._dids_in(pool) if not probe.contains(d.phone_number)
        ]
        if stranded:
            raise bad_request(f"DID pool range would exclude assigned numbers: {stranded}")
        pool.name = body.name or pool.name
        pool.description = body.description
        pool.comments = body.comments
        pool.provider = body.provider
        pool.start, pool.end = body.start_phone_number, body.end_phone_number
        self._store_pool(pool)
        pool.touch(self.wall_clock())
        return pool

    def delete_pool(self, pool_id: str) -> None:
        pool = self.get_pool(pool_id)
        assigned = [d.phone_number for d in self._dids_in(pool)]
        if assigned:
            raise bad_request(f"DID pool {pool_id} has assigned numbers: {assigned}")
        self._drop_pool(pool_id)

    def propagate_pools(self) -> None:
        """Make every DID pool usable now (admin shortcut past the propagation delay)."""
        for pool in self.pools.values():
            pool.usable_at = 0.0

    # ------------------------------------------------------------------ DIDs
    def _did_index(self) -> dict[str, Did]:
        """DIDs by id, derived from IVR DNIS and pools; rebuilt only after they change."""
        if self._dids is None:
            self._dids = {}
            for ivr in self.ivrs.values():
                for number in ivr.dnis:
                    pool = self.pool_of(number)
                    did = Did(
                        id=entity_id("did", f"{number}/{ivr.id}"),
                        phone_number=number,
                        pool_id=pool.id if pool else None,
                        owner_id=ivr.id,
                        owner_name=ivr.name,
                    )
                    self._dids[did.id] = did
        return self._dids

    def dids(self) -> list[Did]:
        return list(self._did_index().values())

    def _dids_in(self, pool: DidPool) -> list[Did]:
        return [d for d in self._did_index().values() if d.pool_id == pool.id]

    def get_did(self, did_id: str) -> Did:
        found = self._did_index().get(did_id)
        if found is None:
            raise not_found("DID", did_id)
        return found

    # ------------------------------------------------------------------ IVR configurations
    def get_ivr(self, ivr_id: str) -> Ivr:
        return _found(self.ivrs, ivr_id, "IVR config")

    def _resolve_ref(self, ref: Ref | None, kind: str, names: dict[str, str]) -> str | None:
        """Flows and schedule groups are referenced by id; remember names we are told."""
        if ref is None:
            return None
        if ref.id:
            if ref.name:
                names.setdefault(ref.id, ref.name)
            return ref.id
        if ref.name:
            ref_id = entity_id(kind, ref.name)
            names[ref_id] = ref.name
            return ref_id
        raise bad_request(f"{kind} reference needs an id")

    def _check_dnis(self, dnis: list[str], current: Iterable[str], ivr_id: str | None) -> None:
        if len(set(dnis)) != len(dnis):
            raise bad_request("dnis contains the same number more than once")
        existing = set(current)
        added = [n for n in dnis if n not in existing]
        now = self.clock()
        for number in added:
            pool = self.pool_of(number)
            # A pool still propagating looks exactly like no pool to the IVR service.
            if pool is None or pool.usable_at > now:
                raise bad_request(f"DNIS {number} is not in any DID pool")
            if self.scenario.reject_duplicate_dnis:
                others = sorted(self._dnis_owners.get(number, set()) - {ivr_id})
                if others:
                    other = self.ivrs[others[0]]
                    raise bad_request(
                        f"DNIS {number} is already assigned to IVR config {other.name!r}"
                    )

    def _check_ivr_name(self, name: str, ivr_id: str | None) -> None:
        for other in self.ivrs.values():
            if other.id != ivr_id and other.name.lower() == name.lower():
                raise bad_request(f"an IVR config named {name!r} already exists")

    def _apply_ivr(self, ivr: Ivr, body: IvrBody) -> None:
        ivr.name = body.name
        ivr.description = body.description
        self._set_dnis(ivr, body.dnis)
        ivr.open_hours_flow = self._resolve_ref(body.open_hours_flow, "flow", self.flows)
        ivr.closed_hours_flow = self._resolve_ref(body.closed_hours_flow, "flow", self.flows)
        ivr.holiday_hours_flow = self._resolve_ref(body.holiday_hours_flow, "flow", self.flows)
        ivr.schedule_group = self._resolve_ref(
            body.schedule_group, "schedulegroup", self.schedule_groups
        )

    def create_ivr(self, body: IvrBody) -> Ivr:
        self._check_ivr_name(body.name, None)
        self._check_dnis(body.dnis, (), None)
        now = self.wall_clock()
        ivr = Ivr(
            id=self._new_id("ivr", body.name),
            name=body.name,
            description=None,
            created=now,
            modified=now,
        )
        self._apply_ivr(ivr, body)
        self.ivrs[ivr.id] = ivr
        return ivr

    def update_ivr(self, ivr_id: str, body: IvrBody) -> Ivr:
        ivr = self.get_ivr(ivr_id)
        self._check_version("IVR config", ivr, body.version)
        self._check_ivr_name(body.name, ivr_id)
        self._check_dnis(body.dnis, ivr.dnis, ivr_id)
        self._apply_ivr(ivr, body)
        ivr.touch(self.wall_clock())
        return ivr

    def delete_ivr(self, ivr_id: str) -> None:
        ivr = self.get_ivr(ivr_id)
        self._set_dnis(ivr, [])
        del self.ivrs[ivr_id]

    def _set_dnis(self, ivr: Ivr, dnis: Iterable[str]) -> None:
        for number in ivr.dnis:
            owners = self._dnis_owners.get(number)
            if owners is not None:
                owners.discard(ivr.id)
                if not owners:
                    del self._dnis_owners[number]
        ivr.dnis = list(dnis)
        for number in ivr.dnis:
            self._dnis_owners.setdefault(number, set()).add(ivr.id)
        self._dids = None  # DNIS, and the owner name DIDs carry, may have changed

    # ------------------------------------------------------------------ trunk base settings
    def get_trunk_base(self, base_id: str) -> TrunkBase:
        return _found(self.trunk_bases, base_id, "Trunk base settings")

    def _check_base_name(self, name: str, base_id: str | None) -> None:
        for other in self.trunk_bases.values():
            if other.id != base_id and other.name.lower() == name.lower():
                raise bad_request(f"a trunk base setting named {name!r} already exists")

    def _trunk_for(self, base: TrunkBase, trunk_id: str, now: datetime) -> Trunk:
        proxy = str(base.properties.get("proxy_address") or "byoc.sandbox.invalid")
        return Trunk(
            id=trunk_id,
            name=base.name,
            description=None,
            created=now,
            modified=now,
            trunk_base_id=base.id,
            trunk_type=base.trunk_type,
            connected_since=now,
            options_since=now,
            proxy_address=proxy,
        )

    def create_trunk_base(self, body: TrunkBaseBody) -> TrunkBase:
        self._check_base_name(body.name, None)
        now = self.wall_clock()
        base = TrunkBase(
            id=self._new_id("trunkbase", body.name),
            name=body.name,
            description=body.description,
            created=now,
            modified=now,
            trunk_type=body.trunk_type,
            trunk_metabase_id=(body.trunk_metabase and body.trunk_metabase.id)
            or BYOC_CARRIER_METABASE_ID,
            managed=bool(body.managed),
            properties=dict(body.properties or {}),
        )
        self.trunk_bases[base.id] = base
        if base.trunk_type == "EXTERNAL":  # BYOC Cloud instantiates the trunk right away
            trunk = self._trunk_for(base, self._new_id("trunk", body.name), now)
            self.trunks[trunk.id] = trunk
        return base

    def update_trunk_base(self, base_id: str, body: TrunkBaseBody) -> TrunkBase:
        base = self.get_trunk_base(base_id)
        self._check_version("Trunk base settings", base, body.version)
        self._check_base_name(body.name, base_id)
        if body.trunk_type != base.trunk_type:
            raise bad_request("trunkType cannot be changed")
        base.name = body.name
        base.description = body.description
        if body.properties is not None:
            base.properties = dict(body.properties)
        now = self.wall_clock()
        base.touch(now)
        for trunk in self.trunks.values():
            if trunk.trunk_base_id == base_id:
                trunk.name = base.name
                trunk.touch(now)
        return base

    def delete_trunk_base(self, base_id: str) -> None:
        self.get_trunk_base(base_id)
        for site in self.sites.values():
            for route in site.outbound_routes.values():
                if base_id in route.external_trunk_base_ids:
                    raise bad_request(
                        f"trunk base setting {base_id} is used by outbound route {route.name!r}"
                    )
        del self.trunk_bases[base_id]
        for trunk_id in [t.id for t in self.trunks.values() if t.trunk_base_id == base_id]:
            del self.trunks[trunk_id]

    # ------------------------------------------------------------------ trunks
    def get_trunk(self, trunk_id: str) -> Trunk:
        return _found(self.trunks, trunk_id, "Trunk")

    def find_trunk(self, id_or_name: str) -> Trunk:
        """Admin lookup by id, trunk name or trunk base name."""
        for trunk in self.trunks.values():
            base = self.trunk_bases.get(trunk.trunk_base_id)
            if id_or_name in (trunk.id, trunk.name) or (base and base.name == id_or_name):
                return trunk
        raise not_found("Trunk", id_or_name)

    def set_trunk_status(
        self,
        trunk: Trunk,
        *,
        connected: bool | None = None,
        in_service: bool | None = None,
        enabled: bool | None = None,
        options_up: bool | None = None,
        registered: bool | None = None,
        proxy_address: str | None = None,
        inbound_calls: int | None = None,
        outbound_calls: int | None = None,
    ) -> Trunk:
        now = self.wall_clock()
        if connected is not None and connected != trunk.connected:
            trunk.connected, trunk.connected_since = connected, now
        if options_up is not None and options_up != trunk.options_up:
            trunk.options_up, trunk.options_since = options_up, now
        if registered is not None and registered != trunk.registered:
            trunk.registered, trunk.registered_since = registered, now
        if proxy_address is not None:
            trunk.proxy_address = proxy_address
        if in_service is not None:
            trunk.in_service = in_service
        if enabled is not None:
            trunk.enabled = enabled
        if inbound_calls is not None:
            trunk.inbound_calls = inbound_calls
        if outbound_calls is not None:
            trunk.outbound_calls = outbound_calls
        return trunk

    # ------------------------------------------------------------------ sites, outbound routes
    def get_site(self, site_id: str) -> Site:
        return _found(self.sites, site_id, "Site")

    def get_number_plan(self, site_id: str, plan_id: str) -> NumberPlan:
        plans = {plan.id: plan for plan in self.get_site(site_id).number_plans}
        return _found(plans, plan_id, "Number plan")

    def replace_number_plans(
        self, site_id: str, specs: list[tuple[str | None, NumberPlanSeed]]
    ) -> list[NumberPlan]:
        """PUT replaces the site's whole list of (id, plan); a plan keeps its id (matched by
        id, else by name), a new one gets a new id."""
        site = self.get_site(site_id)
        try:
            check_number_plans([spec for _, spec in specs])
        except ValueError as error:
            raise bad_request(str(error)) from None
        now = self.wall_clock()
        by_id = {plan.id: plan for plan in site.number_plans}
        by_name = {plan.name.lower(): plan for plan in site.number_plans}
        plans = []
        for position, (given_id, spec) in enumerate(specs, start=1):
            spec = with_priority(spec, position)
            plan = by_id.get(given_id or "") or by_name.get(spec.name.lower())
            if plan is None:
                plan = NumberPlan(
                    id=self._new_id("numberplan", f"{site.name}/{spec.name}"),
                    name=spec.name,
                    description=None,
                    created=now,
                    modified=now,
                )
            elif plan.spec != spec:
                plan.touch(now)
            plan.name, plan.spec = spec.name, spec
            plans.append(plan)
        site.number_plans = by_priority(plans)
        site.touch(now)
        return site.number_plans

    def get_route(self, site_id: str, route_id: str) -> OutboundRoute:
        return _found(self.get_site(site_id).outbound_routes, route_id, "Outbound route")

    def _apply_route(self, site: Site, route: OutboundRoute, body: OutboundRouteBody) -> None:
        for other in site.outbound_routes.values():
            if other.id != route.id and other.name.lower() == body.name.lower():
                raise bad_request(f"an outbound route named {body.name!r} already exists")
        ids: list[str] = []
        for ref in body.external_trunk_bases:
            base = self.trunk_bases.get(ref.id or "")
            if base is None:
                raise bad_request(f"externalTrunkBases refers to unknown trunk base {ref.id!r}")
            if base.trunk_type != "EXTERNAL":
                raise bad_request(f"trunk base {ref.id} is not an EXTERNAL trunk")
            ids.append(base.id)
        if len(set(ids)) != len(ids):
            raise bad_request("externalTrunkBases lists a trunk base more than once")
        route.name = body.name
        route.description = body.description
        route.classification_types = list(body.classification_types)
        route.enabled = body.enabled
        route.distribution = body.distribution
        route.external_trunk_base_ids = ids

    def create_route(self, site_id: str, body: OutboundRouteBody) -> OutboundRoute:
        site = self.get_site(site_id)
        now = self.wall_clock()
        route = OutboundRoute(
            id=self._new_id("outboundroute", f"{site.name}/{body.name}"),
            name=body.name,
            description=None,
            created=now,
            modified=now,
            site_id=site_id,
        )
        self._apply_route(site, route, body)
        site.outbound_routes[route.id] = route
        return route

    def update_route(self, site_id: str, route_id: str, body: OutboundRouteBody) -> OutboundRoute:
        route = self.get_route(site_id, route_id)
        self._check_version("Outbound route", route, body.version)
        self._apply_route(self.sites[site_id], route, body)
        route.touch(self.wall_clock())
        return route

    def delete_route(self, site_id: str, route_id: str) -> None:
        self.get_route(site_id, route_id)
        del self.sites[site_id].outbound_routes[route_id]


def with_priority(spec: NumberPlanSeed, position: int) -> NumberPlanSeed:
    """Genesys numbers plans written without a priority by their place in the list."""
    return spec if spec.priority is not None else spec.model_copy(update={"priority": position})


def by_priority(plans: list[NumberPlan]) -> list[NumberPlan]:
    return sorted(plans, key=lambda plan: plan.spec.priority or 0 if plan.spec else 0)
