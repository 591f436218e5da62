"""Genesys Cloud through the official SDK: DID pools, IVR DNIS, trunks and outbound routes.

Every request (retries included) first takes a slot of the client-side request budget and
then runs under the one retry policy. Lists are read at the maximum page size (100) and
must add up to the `total` Genesys reports, or the read fails rather than look complete.

Writes that carry `version` are read-modify-writes: on 409 (someone else wrote in
between) the object is read again and the same *delta* re-applied to what is there now,
so another writer's DNIS entries survive. Ownership is checked again right before a
delete, however old the plan that asked for it.

Creates are sent once in effect: a resent POST (its first answer was lost) and a POST
refused because the name is taken both look the object up by name first, and an object of
that name carrying the same description is taken as the one an earlier attempt made.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import PureCloudPlatformClientV2 as genesys

from shared.adapters import genesys_models as convert
from shared.adapters.budget import RequestBudget
from shared.adapters.classify import classify
from shared.adapters.dnis import merge_dnis
from shared.adapters.genesys_audits import GenesysAuditReads
from shared.adapters.retry import RetryPolicy
from shared.adapters.token_pool import TokenPool, attempt_token, use_main_token
from shared.domain.e164 import to_e164
from shared.domain.model import (
    DidNumber,
    DidPool,
    GenesysTrunk,
    Ivr,
    OutboundRoute,
    OutboundRouteWrite,
    Site,
    SiteDialPlan,
    TrunkBase,
    TrunkBaseWrite,
)
from shared.domain.number_ranges import RangeIndex
from shared.domain.ownership import owns_pool
from shared.domain.priority import Priority, current_priority
from shared.ports import (
    IncompleteListingError,
    OwnershipError,
    RetriesExhausted,
    TerminalVendorError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

VENDOR = "genesys"
MAX_PAGE_SIZE = 100
# CX as Code adds at most 50 DNIS per IVR write (its PR #488) after a failed bigger write
# emptied a call route; no larger size is known to be safe.
DEFAULT_DNIS_PER_WRITE = 50
VERSION_MISMATCH = "does not match the current version"
# `type` of GET /edges/didpools/dids: the other allowed value, UNASSIGNED, hides the owner.
ASSIGNED_AND_UNASSIGNED = "ASSIGNED_AND_UNASSIGNED"


def is_version_conflict(error: TerminalVendorError) -> bool:
    """409, or the 400 Genesys sometimes answers a stale version with."""
    return error.status == 409 or (error.status == 400 and VERSION_MISMATCH in error.message)


class GenesysAdapter(GenesysAuditReads):
    """The Genesys Cloud operations byoc-sync needs, returning `shared.domain.model` values."""

    def __init__(
        self,
        api_client: Any,
        retry: RetryPolicy,
        budget: RequestBudget | None = None,
        page_size: int = MAX_PAGE_SIZE,
        reauthenticate: Callable[[], object] | None = None,
        dnis_per_write: int = DEFAULT_DNIS_PER_WRITE,
        token_pool: TokenPool | None = None,
    ) -> None:
        self._edge = genesys.TelephonyProvidersEdgeApi(api_client)
        self._architect = genesys.ArchitectApi(api_client)
        self._audit_api = genesys.AuditApi(api_client)
        self._audit_services = None
        self._retry = retry
        self._budget = budget or RequestBudget(0)
        self._page_size = page_size
        self._reauthenticate = reauthenticate
        self._token_pool = token_pool
        self.dnis_per_write = max(1, dnis_per_write)
        # DID pools this adapter has seen (listed or created), so creating one twice is
        # answered from memory (verified by one GET) instead of a second POST.
        self._pools: dict[str, DidPool] = {}
        self._pool_ranges = RangeIndex()
        self._trunk_bases: dict[str, str] = {}  # trunk instance id -> its trunk base id
        self._sites: dict[str, Site] = {}  # sites listed or read, by id

    # ------------------------------------------------------------------ plumbing
    def _before_attempt(self) -> None:
        """Take a slot of the budget the attempt will spend: a pooled token's for bulk work
        when a pool is configured, else the main token's."""
        if self._token_pool is not None and current_priority.get() is Priority.BULK:
            self._token_pool.acquire()
            return
        use_main_token()
        self._budget.acquire()

    def _call(self, operation: str, fn: Callable[[], T]) -> T:
        try:
            return self._retry.call(VENDOR, operation, fn, before_attempt=self._before_attempt)
        except TerminalVendorError as error:
            # Client-credentials tokens expire (24 h by default) under long-running workers.
            # A request refused with 401 was not carried out, so it is safe to send again
            # once, with a fresh token (the pooled one it used, or the main one).
            pooled = attempt_token()
            if error.status != 401 or (pooled is None and self._reauthenticate is None):
                raise
            log.info("%s: token refused during %s; fetching a new one", VENDOR, operation)
            if pooled is not None and self._token_pool is not None:
                self._token_pool.refresh(pooled)
            elif self._reauthenticate is not None:
                self._reauthenticate()
            return self._retry.call(VENDOR, operation, fn, before_attempt=self._before_attempt)

    def _all(
        self,
        operation: str,
        fetch: Callable[[int], Any],
        key: Callable[[Any], Hashable] = lambda entity: entity.id,
    ) -> list[Any]:
        """Every live entity of a paged list; fails if the pages do not add up to `total`.

        Entities are told apart by `key` (their id unless said otherwise), so one a shifted
        page repeats counts once. Soft-deleted entities count towards `total` but are left
        out of the answer."""
        entities: dict[Hashable, Any] = {}
        page_number = 1
        while True:
            listing = self._call(
                f"{operation} (page {page_number})", functools.partial(fetch, page_number)
            )
            for entity in listing.entities or ():
                entities.setdefault(key(entity), entity)
            if page_number >= (listing.page_count or 0):
                break
            page_number += 1
        if listing.total is not None and listing.total != len(entities):
            raise IncompleteListingError(
                f"{VENDOR} {operation}: read {len(entities)} of {listing.total} "
                "(the collection changed while it was paged)"
            )
        return [entity for entity in entities.values() if not convert.is_deleted(entity)]

    def _remember(self, pool: DidPool) -> DidPool:
        self._forget(pool.id)
        self._pools[pool.id] = pool
        self._pool_ranges.add(pool.id, pool.start, pool.end)
        return pool

    def _forget(self, pool_id: str) -> None:
        if self._pools.pop(pool_id, None) is not None:
            self._pool_ranges.remove(pool_id)

    # ------------------------------------------------------------------ reads
    def list_did_pools(self) -> list[DidPool]:
        size = self._page_size
        items = self._all(
            "list DID pools",
            lambda n: self._edge.get_telephony_providers_edges_didpools(
                page_size=size, page_number=n
            ),
        )
        return [self._remember(convert.did_pool(item)) for item in items]

    def list_ivrs(self) -> list[Ivr]:
        size = self._page_size
        items = self._all(
            "list IVR configurations",
            lambda n: self._architect.get_architect_ivrs(page_size=size, page_number=n),
        )
        return [convert.ivr(item) for item in items]

    def list_trunk_bases(self) -> list[TrunkBase]:
        size = self._page_size
        items = self._all(
            "list trunk base settings",
            # Without the expand Genesys leaves the properties (SIP servers, enabled) out.
            lambda n: self._edge.get_telephony_providers_edges_trunkbasesettings(
                page_size=size, page_number=n, expand=["properties"]
            ),
        )
        return [convert.trunk_base(item) for item in items]

    def list_trunks(self) -> list[GenesysTrunk]:
        size = self._page_size
        items = self._all(
            "list trunks",
            lambda n: self._edge.get_telephony_providers_edges_trunks(
                page_size=size, page_number=n
            ),
        )
        trunks = [convert.trunk(item) for item in items]
        self._trunk_bases.update({t.id: t.trunk_base_id for t in trunks if t.trunk_base_id})
        return trunks

    def trunk_base_id_of(self, trunk_id: str) -> str | None:
        """The base of a trunk instance: from the last listing, else one GET (remembered:
        an instance never moves to another base)."""
        known = self._trunk_bases.get(trunk_id)
        if known is not None:
            return known
        item = self._get_live(
            f"get trunk {trunk_id}",
            lambda: self._edge.get_telephony_providers_edges_trunk(trunk_id),
        )
        if item is None or item.trunk_base is None:
            return None
        self._trunk_bases[trunk_id] = item.trunk_base.id
        return str(item.trunk_base.id)

    def list_sites(self) -> list[Site]:
        return [convert.site(item) for item in self._site_entities()]

    def _site_entities(self) -> list[Any]:
        size = self._page_size
        sites = self._all(
            "list sites",
            lambda n: self._edge.get_telephony_providers_edges_sites(page_size=size, page_number=n),
        )
        self._sites.update((item.id, convert.site(item)) for item in sites)
        return sites

    def _site(self, site_id: str) -> Site:
        """A site by id: as last listed, else one GET."""
        known = self._sites.get(site_id)
        if known is None:
            item = self._call(
                f"get site {site_id}",
                lambda: self._edge.get_telephony_providers_edges_site(site_id),
            )
            known = self._sites[site_id] = convert.site(item)
        return known

    def list_outbound_routes(self) -> list[OutboundRoute]:
        """Every site's outbound routes: one list of sites, then one list per site."""
        sites = self._site_entities()
        routes: list[OutboundRoute] = []
        for site in sites:
            items = self._all(
                f"list outbound routes of site {site.name!r}",
                functools.partial(self._site_routes_page, site.id),
            )
            routes.extend(
                convert.outbound_route(item, site.id, site.name, site_managed=bool(site.managed))
                for item in items
            )
        return routes

    def read_dial_plan(self, site_id: str) -> SiteDialPlan:
        """A site's number plans and country (two GETs: the plans are not paged)."""
        site = self._call(
            f"get site {site_id}", lambda: self._edge.get_telephony_providers_edges_site(site_id)
        )
        plans = self._call(
            f"list number plans of site {site.name!r}",
            lambda: self._edge.get_telephony_providers_edges_site_numberplans(site_id),
        )
        return convert.site_dial_plan(site, list(plans or ()))

    def _site_routes_page(self, site_id: str, page_number: int) -> Any:
        return self._edge.get_telephony_providers_edges_site_outboundroutes(
            site_id, page_size=self._page_size, page_number=page_number
        )

    def get_did_pool(self, pool_id: str) -> DidPool | None:
        """The pool as Genesys holds it now; None when it no longer exists."""
        item = self._get_live(
            f"get DID pool {pool_id}",
            lambda: self._edge.get_telephony_providers_edges_didpool(pool_id),
        )
        if item is None:
            self._forget(pool_id)
            return None
        return self._remember(convert.did_pool(item))

    def pool_numbers(self, number: str) -> list[DidNumber]:
        """What Genesys' DID pools hold for `number`: one entry per pool number listed as
        exactly it (normally one; none when no live pool covers it), assigned or not, with
        the owner when assigned. One GET unless the match fills more than a page.

        `numberMatch` is not documented as exact (CX as Code filters its answer exactly
        too), so every entry not spelled `number` is dropped. An unassigned number is no
        DID and has no id, so entries are told apart by number, pool and owner."""
        number = to_e164(number)
        size = self._page_size
        items = self._all(
            f"list DID pool numbers matching {number}",
            lambda n: self._edge.get_telephony_providers_edges_didpools_dids(
                ASSIGNED_AND_UNASSIGNED, number_match=number, page_size=size, page_number=n
            ),
            key=lambda item: (
                item.number,
                item.did_pool.id if item.did_pool else None,
                item.owner.id if item.owner else None,
            ),
        )
        return [_did_number(item) for item in items if item.number == number]

    def _get_live(self, operation: str, fetch: Callable[[], T]) -> T | None:
        """One object by id; None when it is gone: 404, or still answered but soft-deleted."""
        try:
            item = self._call(operation, fetch)
        except TerminalVendorError as exc:
            if exc.status == 404:
                return None
            raise
        return None if convert.is_deleted(item) else item

    def get_ivr(self, ivr_id: str) -> Ivr:
        return convert.ivr(self._get_ivr_entity(ivr_id))

    def _get_ivr_entity(self, ivr_id: str) -> Any:
        return self._call(
            f"get IVR configuration {ivr_id}", lambda: self._architect.get_architect_ivr(ivr_id)
        )

    # ------------------------------------------------------------------ DID pools
    def create_did_pool(self, number: str, provider: str | None = None) -> DidPool:
        """Make sure a DID pool covers `number`; creates a marked single-number pool if none does.

        Idempotent. A pool already covering the number is returned without a write, whoever
        made it: the number is routable either way, and a pool byoc-sync does not own is
        used but never changed or deleted (the planner, too, creates pools only for
        numbers no pool covers).
        """
        number = to_e164(number)
        known = self._pool_ranges.owner_of(number)
        if known is not None:
            current = self.get_did_pool(known)
            if current is not None and current.contains(number):
                return current
        body = convert.new_did_pool_body(number, provider)
        try:
            created = self._call(
                f"create DID pool for {number}",
                lambda: self._edge.post_telephony_providers_edges_didpools(body),
            )
        except TerminalVendorError as exc:
            # An overlapping range is refused (400 here; the status is not documented, so
            # 409 too), e.g. when an earlier attempt succeeded but its answer was lost.
            # Look before reporting failure.
            if exc.status not in (400, 409):
                raise
            existing = self._find_pool_covering(number)
            if existing is None:
                raise
            return existing
        return self._remember(convert.did_pool(created))

    def _find_pool_covering(self, number: str) -> DidPool | None:
        for pool in self.list_did_pools():
            if pool.contains(number):
                return pool
        return None

    def delete_did_pool(self, pool_id: str) -> bool:
        """Delete a pool byoc-sync created; re-reads it first. False if already gone."""
        current = self.get_did_pool(pool_id)
        if current is None:
            return False
        if not owns_pool(current):
            raise OwnershipError(
                f"DID pool {pool_id} ({current.start}-{current.end}) does not carry the "
                "byoc-sync ownership marker; refusing to delete it"
            )

        def attempt() -> bool:
            try:
                self._edge.delete_telephony_providers_edges_didpool(pool_id)
            except Exception as exc:
                failure = classify(exc)
                if failure is not None and failure.status == 404:
                    return False  # gone between our read and our delete (or a lost answer)
                raise
            return True

        deleted = self._call(f"delete DID pool {pool_id}", attempt)
        self._forget(pool_id)
        return deleted

    # ------------------------------------------------------------------ versioned writes
    def _on_conflict(self, operation: str, write: Callable[[], T]) -> T:
        """Run a read-modify-write, re-running it from the read after a version conflict,
        boundedly, with a jittered pause before each re-read."""
        attempts = self._retry.max_attempts
        last: TerminalVendorError | None = None
        for attempt in range(1, attempts + 1):
            try:
                return write()
            except TerminalVendorError as exc:
                if not is_version_conflict(exc):
                    raise
                last = exc
                log.warning(
                    "%s %s: version conflict (attempt %d/%d); re-reading and re-applying",
                    VENDOR,
                    operation,
                    attempt,
                    attempts,
                )
                if attempt < attempts:
                    self._retry.pause_before_reread(attempt)
        assert last is not None
        raise RetriesExhausted(VENDOR, operation, attempts, last, last.reason)

    def update_ivr_dnis(
        self, ivr_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> Ivr:
        """Apply a DNIS delta; no PUT when nothing changes.

        Removals go in the first write; additions in writes of at most `dnis_per_write`
        new numbers, each its own read-modify-write of the delta alone. A failed write
        therefore never takes away what an earlier one added, nor anything another writer
        holds: the worst case is a delta half applied, which the next run completes.
        """
        operation = f"update DNIS of IVR configuration {ivr_id}"
        chunks = [
            tuple(add[start : start + self.dnis_per_write])
            for start in range(0, len(add), self.dnis_per_write)
        ] or [()]
        updated: Ivr | None = None
        for number, chunk in enumerate(chunks):
            updated = self._write_dnis(operation, ivr_id, chunk, remove if number == 0 else ())
        assert updated is not None
        return updated

    def _write_dnis(
        self, operation: str, ivr_id: str, add: Sequence[str], remove: Sequence[str]
    ) -> Ivr:
        def write() -> Ivr:
            entity = self._get_ivr_entity(ivr_id)
            current = list(entity.dnis or ())
            wanted = merge_dnis(current, add, remove)
            if wanted == current:
                return convert.ivr(entity)
            entity.dnis = wanted
            updated = self._call(
                operation, lambda: self._architect.put_architect_ivr(ivr_id, entity)
            )
            return convert.ivr(updated)

        return self._on_conflict(operation, write)

    def update_outbound_route_trunks(
        self, route: OutboundRoute, trunk_base_ids: Sequence[str]
    ) -> OutboundRoute:
        """Set the route's external trunk bases to exactly `trunk_base_ids`, in that order."""
        operation = f"reorder trunks of outbound route {route.name!r}"
        wanted = list(trunk_base_ids)

        def write() -> OutboundRoute:
            entity = self._get_route_entity(route)
            if [ref.id for ref in entity.external_trunk_bases or ()] == wanted:
                return convert.outbound_route(entity, route.site_id, route.site_name)
            entity.external_trunk_bases = convert.trunk_base_refs(
                entity.external_trunk_bases, wanted
            )
            updated = self._call(
                operation,
                lambda: self._edge.put_telephony_providers_edges_site_outboundroute(
                    route.site_id, route.id, entity
                ),
            )
            return convert.outbound_route(updated, route.site_id, route.site_name)

        return self._on_conflict(operation, write)

    def _get_route_entity(self, route: OutboundRoute) -> Any:
        return self._call(
            f"get outbound route {route.id}",
            lambda: self._edge.get_telephony_providers_edges_site_outboundroute(
                route.site_id, route.id
            ),
        )

    # ------------------------------------------------------------------ creates
    def _create(self, operation: str, post: Callable[[], T], find: Callable[[], T | None]) -> T:
        """`post()` under the retry policy, without making the object twice.

        A resend means the previous attempt got no usable answer (timeout, reset, 5xx), and
        the POST may have been carried out all the same: before resending, `find()` looks
        the object up by name (one request, budgeted). A 400 or 409 refusal (Genesys
        refuses a name in use; which status is not documented) is looked up the same way
        before it is reported. `find` answers only an object that is recognisably what
        this create writes (same name and description), never someone else's.
        """
        sent = 0

        def attempt() -> T:
            nonlocal sent
            sent += 1
            if sent > 1:
                self._budget.acquire()
                found = find()
                if found is not None:
                    log.info("%s %s: an earlier attempt made it; not sent again", VENDOR, operation)
                    return found
            return post()

        try:
            return self._call(operation, attempt)
        except TerminalVendorError as exc:
            if exc.status not in (400, 409):
                raise
            found = self._call(f"{operation} (look-up by name)", find)
            if found is None:
                raise
            log.info(
                "%s %s: refused (HTTP %s); found it made already", VENDOR, operation, exc.status
            )
            return found

    # ------------------------------------------------------------------ trunk bases
    def create_trunk_base(self, settings: TrunkBaseWrite) -> TrunkBase:
        """Create a BYOC Cloud carrier trunk base: the metabase's template (one GET, so
        every setting has its shape and default), our settings set on it, one POST."""
        operation = f"create trunk base settings {settings.name!r}"
        template = self._call(
            "get the BYOC carrier trunk base template",
            lambda: self._edge.get_telephony_providers_edges_trunkbasesettings_template(
                convert.BYOC_CARRIER_METABASE_ID
            ),
        )
        body = convert.new_trunk_base_body(template, settings)
        try:
            return self._create(
                operation,
                lambda: convert.trunk_base(
                    self._edge.post_telephony_providers_edges_trunkbasesettings(body)
                ),
                lambda: self._find_trunk_base(settings),
            )
        finally:
            convert.forget_password(body)

    def _find_trunk_base(self, settings: TrunkBaseWrite) -> TrunkBase | None:
        """The live base named as `settings` and carrying its description (one request)."""
        listing = self._edge.get_telephony_providers_edges_trunkbasesettings(
            page_size=self._page_size, name=settings.name, expand=["properties"]
        )
        for item in listing.entities or ():
            if (
                item.name == settings.name
                and (item.description or "") == settings.description
                and not convert.is_deleted(item)
            ):
                return convert.trunk_base(item)
        return None

    def update_trunk_base(self, base_id: str, settings: TrunkBaseWrite) -> TrunkBase:
        """Write byoc-sync's settings onto a trunk base: read it, set the name, description,
        inbound site and the owned properties (SIP servers, inbound identifier, transport,
        allow list, digest realm, username and password, enabled), PUT it back with the
        version read; every other setting goes back as read. Re-run from the read on a
        version conflict.

        Always one PUT, even when everything read already matches: Genesys never answers
        the digest password (a read gives it empty), so whether the base still holds ours
        cannot be known, and the base as read would carry the empty one. Every write
        therefore sends the password from `settings`.
        """
        operation = f"update trunk base settings {settings.name!r}"

        def write() -> TrunkBase:
            entity = self._call(
                f"get trunk base settings {base_id}",
                lambda: self._edge.get_telephony_providers_edges_trunkbasesetting(base_id),
            )
            if convert.is_deleted(entity):
                raise TerminalVendorError(
                    VENDOR, operation, 404, "not.found", f"trunk base settings {base_id} is deleted"
                )
            if entity.managed:
                raise OwnershipError(
                    f"trunk base settings {entity.name!r} ({base_id}) are managed by Genesys "
                    "Cloud; refusing to change them"
                )
            convert.write_trunk_base(entity, settings)
            try:
                updated = self._call(
                    operation,
                    lambda: self._edge.put_telephony_providers_edges_trunkbasesetting(
                        base_id, entity
                    ),
                )
            finally:
                convert.forget_password(entity)
            return convert.trunk_base(updated)

        return self._on_conflict(operation, write)

    # ------------------------------------------------------------------ outbound routes
    def create_outbound_route(self, site_id: str, route: OutboundRouteWrite) -> OutboundRoute:
        """Create a site outbound route sending `route.classification_types` to the trunk
        bases in the given order (one POST; a site not listed yet costs one GET)."""
        site = self._site(site_id)
        operation = f"create outbound route {route.name!r} on site {site.name!r}"
        body = convert.new_outbound_route_body(route)
        return self._create(
            operation,
            lambda: convert.outbound_route(
                self._edge.post_telephony_providers_edges_site_outboundroutes(site_id, body),
                site.id,
                site.name,
                site_managed=site.managed,
            ),
            lambda: self._find_route(site, route),
        )

    def _find_route(self, site: Site, route: OutboundRouteWrite) -> OutboundRoute | None:
        """The site's route named as `route` and carrying its description (one request)."""
        listing = self._edge.get_telephony_providers_edges_site_outboundroutes(
            site.id, page_size=self._page_size, name=route.name
        )
        for item in listing.entities or ():
            if item.name == route.name and (item.description or "") == route.description:
                return convert.outbound_route(item, site.id, site.name, site_managed=site.managed)
        return None

    def update_outbound_route(
        self, current: OutboundRoute, route: OutboundRouteWrite
    ) -> OutboundRoute:
        """Make the route what `route` says (name, description, classifications, trunk bases
        in order, distribution, enabled): read it, PUT only when something differs, re-run
        from the read on a version conflict. Everything else goes back as read."""
        operation = f"update outbound route {current.name!r} on site {current.site_name!r}"
        if current.site_managed:
            raise OwnershipError(
                f"outbound route {current.name!r} is on the Genesys-managed site "
                f"{current.site_name!r}; refusing to change it"
            )

        def value(item: Any) -> OutboundRoute:
            return convert.outbound_route(
                item, current.site_id, current.site_name, site_managed=current.site_managed
            )

        def write() -> OutboundRoute:
            entity = self._get_route_entity(current)
            if not convert.route_differs(entity, route):
                return value(entity)
            convert.write_outbound_route(entity, route)
            updated = self._call(
                operation,
                lambda: self._edge.put_telephony_providers_edges_site_outboundroute(
                    current.site_id, current.id, entity
                ),
            )
            return value(updated)

        return self._on_conflict(operation, write)


def _did_number(item: Any) -> DidNumber:
    """An SDK `DIDNumber` as a domain value; an owner makes it assigned even if Genesys
    left `assigned` out."""
    owner_id = item.owner.id if item.owner else None
    return DidNumber(
        number=item.number,
        pool_id=item.did_pool.id if item.did_pool else None,
        assigned=bool(item.assigned) or owner_id is not None,
        owner_id=owner_id,
        owner_type=item.owner_type or None,
    )
