"""HTTP handlers of the Genesys emulator's Edge and Architect routes: each parses the request,
calls `GenesysState` under the emulator's lock and renders Genesys JSON."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from sandbox.emulators.core import Request, Response, Router
from sandbox.emulators.genesys import metabases, render
from sandbox.emulators.genesys.audits import AuditActor, AuditLog
from sandbox.emulators.genesys.errors import bad_request, required_field
from sandbox.emulators.genesys.inputs import (
    DidPoolBody,
    IvrBody,
    NumberPlanBody,
    OutboundRouteBody,
    TrunkBaseBody,
)
from sandbox.emulators.genesys.paging import page
from sandbox.emulators.genesys.scenario import GenesysScenario, NumberPlanSeed
from sandbox.emulators.genesys.state import (
    DidPool,
    Entity,
    GenesysState,
    Ivr,
    Trunk,
    TrunkBase,
)

T = TypeVar("T")
E = TypeVar("E", bound=Entity)
# GET /edges/didpools/dids `type` (SDK TelephonyProvidersEdgeApi docs: "Values").
POOL_NUMBER_TYPES = ("ASSIGNED_AND_UNASSIGNED", "UNASSIGNED")
EDGES = render.EDGES
ARCHITECT = "/api/v2/architect"


class StateHost(Protocol):
    """What handlers need from the emulator: the state, the lock guarding it, the scenario."""

    @property
    def state(self) -> GenesysState: ...

    @property
    def lock(self) -> Any: ...

    @property
    def scenario(self) -> GenesysScenario: ...

    @property
    def audits(self) -> AuditLog: ...


def client_ip(request: Request) -> str:
    """Where a request came from, as audits record it: the first `X-Forwarded-For` address
    when a proxy sent one, else loopback (the emulators listen nowhere else)."""
    forwarded = (request.header("x-forwarded-for") or "").split(",")[0].strip()
    return forwarded or "127.0.0.1"


class GenesysRoutes:
    """Registers and implements the DID pool, IVR, trunk and site routes."""

    def __init__(self, host: StateHost) -> None:
        self.host = host

    @property
    def state(self) -> GenesysState:
        return self.host.state

    def register(self, router: Router) -> None:
        add = router.add
        add("GET", f"{EDGES}/didpools", self.list_pools)
        add("POST", f"{EDGES}/didpools", self.create_pool)
        # /didpools/dids before /didpools/{didPoolId}: the router takes the first match.
        add("GET", f"{EDGES}/didpools/dids", self.list_pool_numbers)
        add("GET", f"{EDGES}/didpools/{{didPoolId}}", self.get_pool)
        add("PUT", f"{EDGES}/didpools/{{didPoolId}}", self.put_pool, versioned_write=True)
        add("DELETE", f"{EDGES}/didpools/{{didPoolId}}", self.delete_pool)
        add("GET", f"{EDGES}/dids", self.list_dids)
        add("GET", f"{EDGES}/dids/{{didId}}", self.get_did)
        add("GET", f"{ARCHITECT}/ivrs", self.list_ivrs)
        add("POST", f"{ARCHITECT}/ivrs", self.create_ivr)
        add("GET", f"{ARCHITECT}/ivrs/{{ivrId}}", self.get_ivr)
        add("PUT", f"{ARCHITECT}/ivrs/{{ivrId}}", self.put_ivr, versioned_write=True)
        add("DELETE", f"{ARCHITECT}/ivrs/{{ivrId}}", self.delete_ivr)
        tbs = f"{EDGES}/trunkbasesettings"
        add("GET", tbs, self.list_trunk_bases)
        add("POST", tbs, self.create_trunk_base)
        # /template before /{trunkBaseSettingsId}: the router takes the first match.
        add("GET", tbs + "/template", self.trunk_base_template)
        add("GET", tbs + "/{trunkBaseSettingsId}", self.get_trunk_base)
        add("PUT", tbs + "/{trunkBaseSettingsId}", self.put_trunk_base, versioned_write=True)
        add("DELETE", tbs + "/{trunkBaseSettingsId}", self.delete_trunk_base)
        # /trunks/metrics before /trunks/{trunkId}: the router takes the first match.
        add("GET", f"{EDGES}/trunks/metrics", self.trunks_metrics)
        add("GET", f"{EDGES}/trunks", self.list_trunks)
        add("GET", f"{EDGES}/trunks/{{trunkId}}", self.get_trunk)
        add("GET", f"{EDGES}/trunks/{{trunkId}}/metrics", self.trunk_metrics)
        add("GET", f"{EDGES}/sites", self.list_sites)
        add("GET", f"{EDGES}/sites/{{siteId}}", self.get_site)
        plans = f"{EDGES}/sites/{{siteId}}/numberplans"
        add("GET", plans, self.list_number_plans)
        add("PUT", plans, self.put_number_plans)
        add("GET", plans + "/{numberPlanId}", self.get_number_plan)
        routes = f"{EDGES}/sites/{{siteId}}/outboundroutes"
        add("GET", routes, self.list_routes)
        add("POST", routes, self.create_route)
        add("GET", routes + "/{outboundRouteId}", self.get_route)
        add("PUT", routes + "/{outboundRouteId}", self.put_route, versioned_write=True)
        add("DELETE", routes + "/{outboundRouteId}", self.delete_route)

    # ------------------------------------------------------------------ helpers
    def _audit(
        self,
        request: Request,
        entity_type: str,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """Audit a change made over the API, as the OAuth client of the request's token."""
        entity = after or before or {}
        self.host.audits.record(
            AuditActor(request.principal, remote_ip=client_ip(request)),
            entity_type,
            action,
            entity,
            before=before,
            after=after,
            now=self.state.wall_clock(),
        )

    def _page(
        self, request: Request, items: Sequence[T], fn: Callable[[T], dict[str, Any]]
    ) -> Response:
        return Response(200, page(request, items, fn, self.host.scenario.max_page_size))

    # ------------------------------------------------------------------ DID pools and DIDs
    def list_pools(self, request: Request) -> Response:
        ids = set(_list_param(request, "id"))
        with self.host.lock:
            listed = self.state.listed(self.state.pools, DidPool)
            pools = [p for p in listed if not ids or p.id in ids]
            if (request.query_one("sortBy") or "number") == "number":
                order = _sort_order(request)
                ordered = sorted(
                    pools, key=lambda p: (len(p.start), p.start), reverse=order.startswith("desc")
                )
            else:
                ordered = _sorted(request, pools)
            return self._page(request, ordered, render.did_pool)

    def create_pool(self, request: Request) -> Response:
        body = DidPoolBody.model_validate(request.json())
        with self.host.lock:
            created = render.did_pool(self.state.create_pool(body))
            self._audit(request, "DIDPool", "Create", None, created)
            return Response(200, created)

    def get_pool(self, request: Request) -> Response:
        with self.host.lock:
            s = self.state
            pool = s.read(s.pools, DidPool, request.params["didPoolId"], "DID pool")
            return Response(200, render.did_pool(pool))

    def put_pool(self, request: Request) -> Response:
        body = DidPoolBody.model_validate(request.json())
        with self.host.lock:
            before = render.did_pool(self.state.get_pool(request.params["didPoolId"]))
            after = render.did_pool(self.state.update_pool(request.params["didPoolId"], body))
            self._audit(request, "DIDPool", "Update", before, after)
            return Response(200, after)

    def delete_pool(self, request: Request) -> Response:
        with self.host.lock:
            before = render.did_pool(self.state.get_pool(request.params["didPoolId"]))
            self.state.delete_pool(request.params["didPoolId"])
            self._audit(request, "DIDPool", "Delete", before, None)
        return Response(204)

    def list_pool_numbers(self, request: Request) -> Response:
        """Every number of the live DID pools (of `id` when given), assigned ones with their
        owner; `type` UNASSIGNED leaves the assigned out. `numberMatch` is a substring
        match unless the scenario says exact."""
        kind = request.query_one("type")
        if not kind:
            raise required_field("type")
        if kind not in POOL_NUMBER_TYPES:
            raise bad_request(f"type must be one of {', '.join(POOL_NUMBER_TYPES)}, not {kind!r}")
        ids = set(_list_param(request, "id"))
        descending = _sort_order(request).startswith("desc")
        with self.host.lock:
            s = self.state
            numbers = s.pool_numbers(
                ids,
                request.query_one("numberMatch") or None,
                unassigned_only=kind == "UNASSIGNED",
                descending=descending,
            )
            return self._page(request, numbers, lambda n: render.did_number(s, n))

    def list_dids(self, request: Request) -> Response:
        ids = set(_list_param(request, "id"))
        number = request.query_one("phoneNumber")
        owner = request.query_one("owner.id")
        pool = request.query_one("didPool.id")
        with self.host.lock:
            s = self.state
            dids = [
                d
                for d in s.dids()
                if (not ids or d.id in ids)
                and (not number or d.phone_number == number)
                and (not owner or d.owner_id == owner)
                and (not pool or d.pool_id == pool)
            ]
            desc = (request.query_one("sortOrder") or "asc").lower().startswith("desc")
            dids.sort(key=lambda d: (d.phone_number, d.owner_id), reverse=desc)
            return self._page(request, dids, lambda d: render.did(s, d))

    def get_did(self, request: Request) -> Response:
        with self.host.lock:
            return Response(
                200, render.did(self.state, self.state.get_did(request.params["didId"]))
            )

    # ------------------------------------------------------------------ IVR configurations
    def list_ivrs(self, request: Request) -> Response:
        name = request.query_one("name")
        dnis = request.query_one("dnis")
        group = request.query_one("scheduleGroup")
        with self.host.lock:
            s = self.state
            ivrs = [
                i
                for i in s.listed(s.ivrs, Ivr)
                if _name_matches(name, i.name)
                and (not dnis or dnis in i.dnis)
                and (not group or i.schedule_group == group)
            ]
            return self._page(request, _sorted(request, ivrs), lambda i: render.ivr(s, i))

    def create_ivr(self, request: Request) -> Response:
        body = IvrBody.model_validate(request.json())
        with self.host.lock:
            created = render.ivr(self.state, self.state.create_ivr(body))
            self._audit(request, "IVR", "Create", None, created)
            return Response(200, created)

    def get_ivr(self, request: Request) -> Response:
        with self.host.lock:
            s = self.state
            ivr = s.read(s.ivrs, Ivr, request.params["ivrId"], "IVR config")
            return Response(200, render.ivr(s, ivr))

    def put_ivr(self, request: Request) -> Response:
        body = IvrBody.model_validate(request.json())
        with self.host.lock:
            before = render.ivr(self.state, self.state.get_ivr(request.params["ivrId"]))
            after = render.ivr(self.state, self.state.update_ivr(request.params["ivrId"], body))
            self._audit(request, "IVR", "Update", before, after)
            return Response(200, after)

    def delete_ivr(self, request: Request) -> Response:
        with self.host.lock:
            before = render.ivr(self.state, self.state.get_ivr(request.params["ivrId"]))
            self.state.delete_ivr(request.params["ivrId"])
            self._audit(request, "IVR", "Delete", before, None)
        return Response(204)

    # ------------------------------------------------------------------ trunk base settings
    def list_trunk_bases(self, request: Request) -> Response:
        name = request.query_one("name")
        managed = _bool_param(request, "managed")
        expand = set(_list_param(request, "expand"))
        with self.host.lock:
            s = self.state
            bases = [
                b
                for b in s.listed(s.trunk_bases, TrunkBase)
                if _name_matches(name, b.name) and (managed is None or b.managed == managed)
            ]
            return self._page(
                request,
                _sorted(request, bases),
                lambda b: render.trunk_base(s, b, with_properties="properties" in expand),
            )

    def create_trunk_base(self, request: Request) -> Response:
        body = TrunkBaseBody.model_validate(request.json())
        with self.host.lock:
            return Response(200, render.trunk_base(self.state, self.state.create_trunk_base(body)))

    def trunk_base_template(self, request: Request) -> Response:
        metabase_id = request.query_one("trunkMetabaseId")
        if not metabase_id:
            raise required_field("trunkMetabaseId")
        return Response(200, render.trunk_base_template(metabases.metabase(metabase_id)))

    def get_trunk_base(self, request: Request) -> Response:
        with self.host.lock:
            s = self.state
            base_id = request.params["trunkBaseSettingsId"]
            base = s.read(s.trunk_bases, TrunkBase, base_id, "Trunk base settings")
            return Response(200, render.trunk_base(s, base))

    def put_trunk_base(self, request: Request) -> Response:
        body = TrunkBaseBody.model_validate(request.json())
        with self.host.lock:
            base = self.state.update_trunk_base(request.params["trunkBaseSettingsId"], body)
            return Response(200, render.trunk_base(self.state, base))

    def delete_trunk_base(self, request: Request) -> Response:
        with self.host.lock:
            self.state.delete_trunk_base(request.params["trunkBaseSettingsId"])
        return Response(204)

    # ------------------------------------------------------------------ trunks
    def list_trunks(self, request: Request) -> Response:
        base_id = request.query_one("trunkBase.id")
        trunk_type = request.query_one("trunkType")
        edge = request.query_one("edge.id")
        if trunk_type and trunk_type not in ("EXTERNAL", "PHONE", "EDGE"):
            raise bad_request(f"trunkType must be EXTERNAL, PHONE or EDGE, not {trunk_type!r}")
        with self.host.lock:
            s = self.state
            trunks = [
                t
                for t in s.listed(s.trunks, Trunk)
                if (not base_id or t.trunk_base_id == base_id)
                and (not trunk_type or t.trunk_type == trunk_type)
                and (not edge or t.edge_id == edge)
            ]
            return self._page(request, _sorted(request, trunks), lambda t: render.trunk(s, t))

    def get_trunk(self, request: Request) -> Response:
        with self.host.lock:
            s = self.state
            trunk = s.read(s.trunks, Trunk, request.params["trunkId"], "Trunk")
            return Response(200, render.trunk(s, trunk))

    def trunk_metrics(self, request: Request) -> Response:
        with self.host.lock:
            trunk = self.state.get_trunk(request.params["trunkId"])
            return Response(200, render.trunk_metrics(self.state, trunk, self.state.wall_clock()))

    def trunks_metrics(self, request: Request) -> Response:
        ids = _list_param(request, "trunkIds")
        if not ids:
            raise bad_request("trunkIds is required")
        with self.host.lock:
            now = self.state.wall_clock()
            trunks = [self.state.get_trunk(i) for i in ids]
            return Response(200, [render.trunk_metrics(self.state, t, now) for t in trunks])

    # ------------------------------------------------------------------ sites, outbound routes
    def list_sites(self, request: Request) -> Response:
        name = request.query_one("name")
        managed = _bool_param(request, "managed")
        with self.host.lock:
            sites = [
                site
                for site in self.state.sites.values()
                if _name_matches(name, site.name) and (managed is None or site.managed == managed)
            ]
            return self._page(request, _sorted(request, sites), render.site)

    def get_site(self, request: Request) -> Response:
        with self.host.lock:
            return Response(200, render.site(self.state.get_site(request.params["siteId"])))

    def list_number_plans(self, request: Request) -> Response:
        """A bare JSON array, not a page: Genesys lists a site's plans whole."""
        site_id = request.params["siteId"]
        with self.host.lock:
            plans = self.state.get_site(site_id).number_plans
            return Response(200, [render.number_plan(site_id, plan) for plan in plans])

    def get_number_plan(self, request: Request) -> Response:
        site_id = request.params["siteId"]
        with self.host.lock:
            plan = self.state.get_number_plan(site_id, request.params["numberPlanId"])
            return Response(200, render.number_plan(site_id, plan))

    def put_number_plans(self, request: Request) -> Response:
        raw = request.json()
        if not isinstance(raw, list):
            raise bad_request("the body must be a JSON array of number plans")
        bodies = [NumberPlanBody.model_validate(item) for item in raw]
        specs = [
            (body.id, NumberPlanSeed.model_validate(body.model_dump(exclude={"id"})))
            for body in bodies
        ]
        site_id = request.params["siteId"]
        with self.host.lock:
            plans = self.state.replace_number_plans(site_id, specs)
            return Response(200, [render.number_plan(site_id, plan) for plan in plans])

    def list_routes(self, request: Request) -> Response:
        name = request.query_one("name")
        base_ids = set(_list_param(request, "externalTrunkBases.ids"))
        with self.host.lock:
            s = self.state
            routes = [
                s.as_read(r)
                for r in s.get_site(request.params["siteId"]).outbound_routes.values()
                if _name_matches(name, r.name)
                and (not base_ids or base_ids & set(r.external_trunk_base_ids))
            ]
            return self._page(
                request, _sorted(request, routes), lambda r: render.outbound_route(s, r)
            )

    def create_route(self, request: Request) -> Response:
        body = OutboundRouteBody.model_validate(request.json())
        with self.host.lock:
            route = self.state.create_route(request.params["siteId"], body)
            return Response(200, render.outbound_route(self.state, route))

    def get_route(self, request: Request) -> Response:
        with self.host.lock:
            s = self.state
            route = s.as_read(
                s.get_route(request.params["siteId"], request.params["outboundRouteId"])
            )
            return Response(200, render.outbound_route(s, route))

    def put_route(self, request: Request) -> Response:
        body = OutboundRouteBody.model_validate(request.json())
        p = request.params
        with self.host.lock:
            route = self.state.update_route(p["siteId"], p["outboundRouteId"], body)
            return Response(200, render.outbound_route(self.state, route))

    def delete_route(self, request: Request) -> Response:
        with self.host.lock:
            self.state.delete_route(request.params["siteId"], request.params["outboundRouteId"])
        return Response(204)


def _list_param(request: Request, name: str) -> list[str]:
    """The SDK joins list query params with commas; accept repeated keys too."""
    return [v for raw in request.query.get(name, []) for v in raw.split(",") if v]


def _name_matches(pattern: str | None, name: str) -> bool:
    """Genesys name filters are case-insensitive and take `*` wildcards."""
    if not pattern:
        return True
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def _bool_param(request: Request, name: str) -> bool | None:
    raw = request.query_one(name)
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("true", "false"):
        raise bad_request(f"{name} must be true or false, not {raw!r}")
    return raw.lower() == "true"


def _sorted(request: Request, items: list[E]) -> list[E]:
    sort_by = request.query_one("sortBy") or "name"
    order = _sort_order(request)
    keys: dict[str, Callable[[E], Any]] = {
        "name": lambda e: (e.name.lower(), e.id),
        "id": lambda e: e.id,
        "dateCreated": lambda e: (e.created, e.id),
        "dateModified": lambda e: (e.modified, e.id),
    }
    key = keys.get(sort_by, keys["name"])
    return sorted(items, key=key, reverse=order.startswith("desc"))


def _sort_order(request: Request) -> str:
    order = (request.query_one("sortOrder") or "ascending").lower()
    if order not in ("asc", "ascending", "desc", "descending"):
        raise bad_request(f"sortOrder must be ascending or descending, not {order!r}")
    return order
