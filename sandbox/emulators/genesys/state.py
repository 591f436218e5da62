"""The Genesys org as pure in-memory state: BYOC entities and the rules Genesys enforces.

No HTTP here. Operations take validated bodies and raise `VendorError`s carrying Genesys'
status and code; the emulator serialises under its lock. Time comes from injectable clocks
so the DID pool propagation quirk is testable without sleeping.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sandbox.emulators.core import VendorError
from sandbox.emulators.genesys import metabases
from sandbox.emulators.genesys import properties as props
from sandbox.emulators.genesys.errors import (
    CONFLICT,
    bad_request,
    not_found,
    required_field,
    stale_version,
)
from sandbox.emulators.genesys.ids import entity_id
from sandbox.emulators.genesys.inputs import (
    DidPoolBody,
    IvrBody,
    OutboundRouteBody,
    Ref,
    TrunkBaseBody,
)
from sandbox.emulators.genesys.pool_numbers import (
    PoolNumberListing,
    Segment,
    matching,
)
from sandbox.emulators.genesys.scenario import (
    BYOC_CARRIER_METABASE_ID,
    GenesysScenario,
    NumberPlanSeed,
    check_number_plans,
    seed,
)
from shared.domain.number_ranges import RangeIndex, number_key

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
    state: str = "active"  # "deleted" once deleted: Genesys keeps showing it (soft delete)

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
    properties: dict[str, Any] = field(default_factory=dict)  # Genesys' nested shape
    site_id: str | None = None
    inbound_site_id: str | None = None


@dataclass
class Trunk(Entity):
    """One running instance of a trunk base; BYOC Cloud runs several per base, each on its
    own Genesys-managed edge. `inService` is not the instance's own: it follows the base's
    `trunk_enabled` property."""

    trunk_base_id: str = ""
    trunk_type: str = "EXTERNAL"
    instance: int = 1
    edge_id: str = ""
    connected: bool = True
    connected_since: datetime = SEED_TIME
    enabled: bool = True
    options_up: bool = True
    options_since: datetime = SEED_TIME
    registered: bool | None = None  # SIP registration mode only; None: the trunk does not register
    registered_since: datetime = SEED_TIME
    proxy_address: str | None = None  # None: the base's first SIP server
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
    managed: bool = False  # Genesys-managed: its outbound routes are read-only
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
        self._assigned: tuple[dict[str, Did], dict[str, list[int]]] | None = None
        # Soft-deleted objects by id: gone for every rule and write, still answered by GET
        # and lists with state "deleted".
        self.deleted: dict[str, Entity] = {}
        # Replica lag: the copy a GET still answers until the monotonic time given.
        self._before: dict[str, tuple[Entity, float]] = {}
        seed(self, scenario)

    def _new_id(self, kind: str, name: str) -> str:
        """Created ids depend only on the sequence of creates, so runs are reproducible."""
        self._creates += 1
        return entity_id(kind, f"{name}#{self._creates}")

    def _check_version(
        self, kind: str, entity: Entity, given: int | None, *, required: bool = True
    ) -> None:
        """DID pools and outbound routes take a PUT without `version` (CX as Code sends
        none); IVRs and trunk bases are not known to, so they still require it."""
        if given is None:
            if not required:
                return
            raise bad_request(f"{kind} version is required for an update")
        if given != entity.version:
            raise stale_version(
                kind, given, entity.version, status=self.scenario.version_conflict_status
            )

    # ------------------------------------------------------------------ soft delete, lag
    def _delete(self, active: dict[str, E], entity_id: str) -> None:
        entity = active.pop(entity_id)
        self._before.pop(entity_id, None)
        if self.scenario.soft_delete and isinstance(entity, Entity):
            entity.state = "deleted"
            entity.touch(self.wall_clock())
            self.deleted[entity_id] = entity

    def listed(self, active: dict[str, E], kind: type[E]) -> list[E]:
        """What a list answers: the live objects, then the soft-deleted ones of that kind."""
        gone = [e for e in self.deleted.values() if isinstance(e, kind)]
        return [*(self.as_read(e) for e in active.values()), *gone]

    def read(self, active: dict[str, E], kind: type[E], entity_id: str, label: str) -> E:
        """What GET answers: a live object (as a lagging replica may still see it), else a
        soft-deleted one, else 404."""
        found = active.get(entity_id)
        if found is not None:
            return self.as_read(found)
        gone = self.deleted.get(entity_id)
        if isinstance(gone, kind):
            return gone
        raise not_found(label, entity_id)

    def as_read(self, entity: E) -> E:
        before = self._before.get(getattr(entity, "id", ""))
        if before is not None and self.clock() < before[1]:
            return before[0]  # type: ignore[return-value]
        return entity

    def _keep_previous(self, entity: Entity) -> None:
        """Before a write: what reads answer for `replica_lag_s` seconds after it."""
        lag = self.scenario.replica_lag_s
        if lag > 0:
            current = self.as_read(entity)
            self._before[entity.id] = (copy.deepcopy(current), self.clock() + lag)

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
            status = self.scenario.pool_overlap_status
            raise VendorError(
                status,
                f"DID range {start}-{end} overlaps DID pool {other.id} ({other.start}-{other.end})",
                CONFLICT if status == 409 else None,
            )

    def _store_pool(self, pool: DidPool) -> None:
        self._pool_ranges.remove(pool.id)
        self.pools[pool.id] = pool
        self._pool_ranges.add(pool.id, pool.start, pool.end)
        self._dids = None

    def _drop_pool(self, pool_id: str) -> None:
        self._pool_ranges.remove(pool_id)
        self._delete(self.pools, pool_id)
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
        self._check_version("DID pool", pool, body.version, required=False)
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
        self._keep_previous(pool)
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
            raise VendorError(409, f"DID pool {pool_id} has assigned numbers: {assigned}", CONFLICT)
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

    def assigned_did(self, number: str) -> Did | None:
        """The DID holding `number` as written (an IVR's DNIS spelled otherwise does not
        count, as in `_did_index`); of two owners (seeded drift) the lower IVR id."""
        owners = self._dnis_owners.get(number)
        if not owners:
            return None
        return self._did_index().get(entity_id("did", f"{number}/{min(owners)}"))

    def _assigned_by_pool(self) -> dict[str, list[int]]:
        """Pool id -> its numbers some DID holds, written in E.164, sorted; derived from
        the DID index and rebuilt with it."""
        dids = self._did_index()
        if self._assigned is not None and self._assigned[0] is dids:
            return self._assigned[1]
        taken: dict[str, set[int]] = {}
        for did in dids.values():
            pool = self.pools.get(did.pool_id or "")
            number = did.phone_number
            if pool is not None and number.startswith("+") and pool.contains(number):
                taken.setdefault(pool.id, set()).add(int(number[1:]))
        assigned = {pool_id: sorted(numbers) for pool_id, numbers in taken.items()}
        self._assigned = (dids, assigned)
        return assigned

    def _pools_to_list(self, number_match: str | None) -> set[str]:
        """The pools a listing may hold entries of: a match anchored at the `+` can only sit
        in pools whose ranges meet the numbers starting with it, found by bisection (the
        per-number lookups of a large org must not walk every pool); pools read as they
        were before a recent write (replica lag) are always looked at."""
        anchored = re.fullmatch(r"\+([0-9]+)", number_match or "")
        if anchored is None:
            return set(self.pools)
        digits = anchored.group(1)
        owners = {pool_id for pool_id in self._before if pool_id in self.pools}
        for length in self._pool_ranges.lengths():
            tail = length - 1 - len(digits)
            if tail >= 0:
                low, high = int(digits) * 10**tail, (int(digits) + 1) * 10**tail - 1
                owners.update(self._pool_ranges.owners_within((length, low), (length, high)))
        return owners

    def pool_numbers(
        self,
        pool_ids: set[str],
        number_match: str | None,
        *,
        unassigned_only: bool,
        descending: bool,
    ) -> PoolNumberListing:
        """`GET /edges/didpools/dids`: one entry per number of each live pool (of `pool_ids`
        when given), in number order, built lazily. Soft-deleted pools are gone; a pool
        still propagating lists nothing yet, as it takes no DNIS yet."""
        now = self.clock()
        taken = self._assigned_by_pool()
        segments: list[Segment] = []
        pools = sorted(
            (self.as_read(self.pools[p]) for p in self._pools_to_list(number_match)),
            key=lambda p: number_key(p.start),
        )
        for pool in pools:
            if (pool_ids and pool.id not in pool_ids) or pool.usable_at > now:
                continue
            width, lo, hi = len(pool.start) - 1, int(pool.start[1:]), int(pool.end[1:])
            held = [n for n in taken.get(pool.id, ()) if lo <= n <= hi]
            if number_match is None:
                skip = tuple(held) if unassigned_only else ()
                segments.append(Segment(pool.id, width, lo, hi, skip=skip))
                continue
            values = matching(lo, hi, width, number_match, self.scenario.did_number_match)
            if unassigned_only:
                assigned = set(held)
                values = tuple(n for n in values if n not in assigned)
            segments.append(Segment(pool.id, width, lo, hi, values=values))
        return PoolNumberListing(segments, descending=descending)

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
        cap = self.scenario.max_dnis_added_per_put
        if cap is not None and len(added) > cap:
            raise bad_request(
                f"dnis: {len(added)} numbers added in one request; at most {cap} may be added"
            )
        now = self.clock()
        for number in added:
            pool = self.pool_of(number)
            # A pool still propagating looks exactly like no pool to the IVR service, which
            # then cannot fill in the DID's pool id.
            if pool is None or pool.usable_at > now:
                raise required_field("didPoolId")
            if self.scenario.reject_duplicate_dnis:
                others = sorted(self._dnis_owners.get(number, set()) - {ivr_id})
                if others:
                    other = self.ivrs[others[0]]
                    raise bad_request(
                        f"DNIS {number} is already assigned to IVR config {other.name!r}"
                    )

    def _check_ivr_name(self, name: str, ivr_id: str | None) -> None:
        for other in self.ivrs.values():  # deleted IVRs give their name up
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
        self._keep_previous(ivr)
        self._apply_ivr(ivr, body)
        ivr.touch(self.wall_clock())
        return ivr

    def delete_ivr(self, ivr_id: str) -> None:
        ivr = self.get_ivr(ivr_id)
        self._set_dnis(ivr, [])
        self._delete(self.ivrs, ivr_id)

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

    def _check_base_body(
        self, body: TrunkBaseBody, metabase_id: str, *, creating: bool
    ) -> dict[str, Any] | None:
        """Check a trunk base write; answer the properties to store (None: keep them, an
        update without `properties`). A base of a modelled metabase stores every setting of
        it, defaults filled in, from its creation on."""
        bad = props.malformed(body.properties or {})
        if bad:
            raise bad_request(
                f"properties {', '.join(sorted(bad))}: each must be "
                '{"value": {"instance": ..., "default": ...}, ...}'
            )
        inbound = body.inbound_site.id if body.inbound_site else None
        if "external_sip_pcv_byoc" in metabase_id and not inbound:
            raise required_field("inboundSiteId")
        for ref in (body.inbound_site, body.site):
            if ref is not None and ref.id and ref.id not in self.sites:
                raise bad_request(f"site {ref.id} does not exist")
        if body.properties is None and not creating:
            return None
        written = dict(body.properties or {})
        found = metabases.METABASES.get(metabase_id)
        if found is None:
            return written
        checks = metabases.Checks(
            require=self.scenario.require_trunk_properties,
            reject_unknown=self.scenario.reject_unknown_trunk_properties,
        )
        return metabases.complete(found, written, body.name, checks)

    def add_instances(self, base: TrunkBase, now: datetime, *, seeded: bool = False) -> None:
        """Start the trunk instances Genesys runs for an EXTERNAL base, one per edge."""
        if base.trunk_type != "EXTERNAL":
            return
        for n in range(1, self.scenario.trunk_instances_per_base + 1):
            key = f"{base.name}#{n}"
            trunk_id = entity_id("trunk", key) if seeded else self._new_id("trunk", key)
            suffixed = self.scenario.trunk_instance_names == "suffixed"
            trunk = Trunk(
                id=trunk_id,
                name=f"{base.name}_{trunk_id}" if suffixed else base.name,
                description=None,
                created=now,
                modified=now,
                trunk_base_id=base.id,
                trunk_type=base.trunk_type,
                instance=n,
                edge_id=entity_id("edge", f"byoc-cloud-{n}"),
                connected_since=now,
                options_since=now,
            )
            self.trunks[trunk.id] = trunk

    def create_trunk_base(self, body: TrunkBaseBody) -> TrunkBase:
        self._check_base_name(body.name, None)
        metabase_id = (body.trunk_metabase and body.trunk_metabase.id) or BYOC_CARRIER_METABASE_ID
        stored = self._check_base_body(body, metabase_id, creating=True)
        now = self.wall_clock()
        base = TrunkBase(
            id=self._new_id("trunkbase", body.name),
            name=body.name,
            description=body.description,
            created=now,
            modified=now,
            trunk_type=body.trunk_type,
            trunk_metabase_id=metabase_id,
            managed=False,  # only Genesys makes managed bases
            properties=stored if stored is not None else {},
            site_id=body.site.id if body.site else None,
            inbound_site_id=body.inbound_site.id if body.inbound_site else None,
        )
        self.trunk_bases[base.id] = base
        self.add_instances(base, now)  # BYOC Cloud starts the instances right away
        return base

    def update_trunk_base(self, base_id: str, body: TrunkBaseBody) -> TrunkBase:
        base = self.get_trunk_base(base_id)
        if base.managed:
            raise bad_request(f"trunk base setting {base.name!r} is managed by Genesys Cloud")
        self._check_version("Trunk base settings", base, body.version)
        self._check_base_name(body.name, base_id)
        if body.trunk_type != base.trunk_type:
            raise bad_request("trunkType cannot be changed")
        stored = self._check_base_body(body, base.trunk_metabase_id, creating=False)
        self._keep_previous(base)
        base.name = body.name
        base.description = body.description
        if stored is not None:
            base.properties = stored
        if body.site is not None:
            base.site_id = body.site.id
        if body.inbound_site is not None:
            base.inbound_site_id = body.inbound_site.id
        now = self.wall_clock()
        base.touch(now)
        for trunk in self.instances_of(base_id):
            if self.scenario.trunk_instance_names == "base":
                trunk.name = base.name
            trunk.touch(now)
        return base

    def set_trunk_enabled(self, base: TrunkBase, enabled: bool) -> None:
        """Write `trunk_enabled`, as an administrator does (the instances' inService follows)."""
        entry = base.properties.get(props.TRUNK_ENABLED)
        if isinstance(entry, dict) and isinstance(entry.get("value"), dict):
            entry["value"]["instance"] = enabled
        else:
            base.properties[props.TRUNK_ENABLED] = props.wrap({props.TRUNK_ENABLED: enabled})[
                props.TRUNK_ENABLED
            ]
        base.touch(self.wall_clock())

    def delete_trunk_base(self, base_id: str) -> None:
        base = self.get_trunk_base(base_id)
        if base.managed:
            raise bad_request(f"trunk base setting {base.name!r} is managed by Genesys Cloud")
        for site in self.sites.values():
            for route in site.outbound_routes.values():
                if base_id in route.external_trunk_base_ids:
                    raise bad_request(
                        f"trunk base setting {base_id} is used by outbound route {route.name!r}"
                    )
        self._delete(self.trunk_bases, base_id)
        for trunk in self.instances_of(base_id):
            self._delete(self.trunks, trunk.id)

    # ------------------------------------------------------------------ trunks
    def get_trunk(self, trunk_id: str) -> Trunk:
        return _found(self.trunks, trunk_id, "Trunk")

    def instances_of(self, base_id: str) -> list[Trunk]:
        return sorted(
            (t for t in self.trunks.values() if t.trunk_base_id == base_id),
            key=lambda t: t.instance,
        )

    def find_trunks(self, id_or_name: str) -> list[Trunk]:
        """Admin lookup: one instance by its id or name, or every instance of a trunk base
        given by id or name (a carrier outage takes all of a base's instances down)."""
        trunk = self.trunks.get(id_or_name)
        if trunk is not None:
            return [trunk]
        for base in self.trunk_bases.values():
            if id_or_name in (base.id, base.name):
                return self.instances_of(base.id)
        named = [t for t in self.trunks.values() if t.name == id_or_name]
        if named:
            return named
        raise not_found("Trunk", id_or_name)

    def in_service(self, trunk: Trunk) -> bool:
        base = self.trunk_bases.get(trunk.trunk_base_id) or self.deleted.get(trunk.trunk_base_id)
        return isinstance(base, TrunkBase) and props.enabled(base.properties)

    def proxies_of(self, trunk: Trunk) -> list[str]:
        if trunk.proxy_address is not None:
            return [trunk.proxy_address]
        base = self.trunk_bases.get(trunk.trunk_base_id) or self.deleted.get(trunk.trunk_base_id)
        return props.proxies(base.properties if isinstance(base, TrunkBase) else {})

    def set_trunk_status(
        self,
        trunk: Trunk,
        *,
        connected: bool | None = None,
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

    def _writable_site(self, site_id: str) -> Site:
        site = self.get_site(site_id)
        if site.managed:
            raise bad_request(
                f"site {site.name!r} is managed by Genesys Cloud; its outbound routes are read-only"
            )
        return site

    def _apply_route(self, site: Site, route: OutboundRoute, body: OutboundRouteBody) -> None:
        name = body.name or ""
        if not name.strip():
            raise required_field("name")
        if not body.classification_types:
            raise required_field("classificationTypes")
        if any(not c.strip() for c in body.classification_types):
            raise bad_request("classificationTypes must not hold an empty classification")
        for other in site.outbound_routes.values():
            if other.id != route.id and other.name.lower() == name.lower():
                raise bad_request(f"an outbound route named {name!r} already exists")
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
        route.name = name
        route.description = body.description
        route.classification_types = list(body.classification_types)
        route.enabled = body.enabled
        route.distribution = body.distribution
        route.external_trunk_base_ids = ids

    def create_route(self, site_id: str, body: OutboundRouteBody) -> OutboundRoute:
        site = self._writable_site(site_id)
        now = self.wall_clock()
        route = OutboundRoute(
            id=self._new_id("outboundroute", f"{site.name}/{body.name}"),
            name=body.name or "",
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
        self._writable_site(site_id)
        self._check_version("Outbound route", route, body.version, required=False)
        self._keep_previous(route)
        self._apply_route(self.sites[site_id], route, body)
        route.touch(self.wall_clock())
        return route

    def delete_route(self, site_id: str, route_id: str) -> None:
        self.get_route(site_id, route_id)
        self._writable_site(site_id)
        del self.sites[site_id].outbound_routes[route_id]


def with_priority(spec: NumberPlanSeed, position: int) -> NumberPlanSeed:
    """Genesys numbers plans written without a priority by their place in the list."""
    return spec if spec.priority is not None else spec.model_copy(update={"priority": position})


def by_priority(plans: list[NumberPlan]) -> list[NumberPlan]:
    return sorted(plans, key=lambda plan: plan.spec.priority or 0 if plan.spec else 0)
