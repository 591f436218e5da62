"""The Genesys Cloud CX API emulator: OAuth, Architect IVRs and BYOC telephony over real HTTP.

One port serves both `/oauth/token` (the SDK derives the login host from the API host, and
leaves a loopback host unchanged) and `/api/v2/...`. Handlers only parse, delegate to the
pure `GenesysState` under the lock, and render; Genesys' rules live in `state.py`.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sandbox.emulators.core import (
    Emulator,
    Request,
    Response,
    Route,
    Router,
    SlidingWindowBudget,
    VendorError,
)
from sandbox.emulators.genesys import render
from sandbox.emulators.genesys.errors import (
    AUTH_REQUIRED,
    BAD_CREDENTIALS,
    DEFAULT_CODES,
    bad_request,
)
from sandbox.emulators.genesys.inputs import (
    DidPoolBody,
    IvrBody,
    NumberPlanBody,
    OutboundRouteBody,
    TrunkBaseBody,
    TrunkControl,
)
from sandbox.emulators.genesys.paging import page
from sandbox.emulators.genesys.scenario import GenesysScenario, NumberPlanSeed
from sandbox.emulators.genesys.state import Entity, GenesysState

T = TypeVar("T")
E = TypeVar("E", bound=Entity)
OAUTH_PATH = "/oauth/token"
EDGES = render.EDGES
ARCHITECT = "/api/v2/architect"


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
    order = (request.query_one("sortOrder") or "ascending").lower()
    if order not in ("asc", "ascending", "desc", "descending"):
        raise bad_request(f"sortOrder must be ascending or descending, not {order!r}")
    keys: dict[str, Callable[[E], Any]] = {
        "name": lambda e: (e.name.lower(), e.id),
        "id": lambda e: e.id,
        "dateCreated": lambda e: (e.created, e.id),
        "dateModified": lambda e: (e.modified, e.id),
    }
    key = keys.get(sort_by, keys["name"])
    return sorted(items, key=key, reverse=order.startswith("desc"))


class GenesysEmulator(Emulator):
    """Stateful Genesys Cloud org on loopback; seeded from a `GenesysScenario`."""

    name = "genesys"

    def __init__(self, scenario: GenesysScenario | None = None) -> None:
        self.scenario = scenario or GenesysScenario()
        self.state = GenesysState(self.scenario)
        self.budget = SlidingWindowBudget(self.scenario.requests_per_minute)
        self._tokens: dict[str, tuple[str, float]] = {}  # token -> (client id, expiry)
        self._token_lock = threading.Lock()
        super().__init__(self.scenario.faults)

    # ------------------------------------------------------------------ routes
    def register_routes(self, router: Router) -> None:
        add = router.add
        add("POST", OAUTH_PATH, self._token)
        add("GET", f"{EDGES}/didpools", self._list_pools)
        add("POST", f"{EDGES}/didpools", self._create_pool)
        add("GET", f"{EDGES}/didpools/{{didPoolId}}", self._get_pool)
        add("PUT", f"{EDGES}/didpools/{{didPoolId}}", self._put_pool, versioned_write=True)
        add("DELETE", f"{EDGES}/didpools/{{didPoolId}}", self._delete_pool)
        add("GET", f"{EDGES}/dids", self._list_dids)
        add("GET", f"{EDGES}/dids/{{didId}}", self._get_did)
        add("GET", f"{ARCHITECT}/ivrs", self._list_ivrs)
        add("POST", f"{ARCHITECT}/ivrs", self._create_ivr)
        add("GET", f"{ARCHITECT}/ivrs/{{ivrId}}", self._get_ivr)
        add("PUT", f"{ARCHITECT}/ivrs/{{ivrId}}", self._put_ivr, versioned_write=True)
        add("DELETE", f"{ARCHITECT}/ivrs/{{ivrId}}", self._delete_ivr)
        tbs = f"{EDGES}/trunkbasesettings"
        add("GET", tbs, self._list_trunk_bases)
        add("POST", tbs, self._create_trunk_base)
        add("GET", tbs + "/{trunkBaseSettingsId}", self._get_trunk_base)
        add("PUT", tbs + "/{trunkBaseSettingsId}", self._put_trunk_base, versioned_write=True)
        add("DELETE", tbs + "/{trunkBaseSettingsId}", self._delete_trunk_base)
        # /trunks/metrics before /trunks/{trunkId}: the router takes the first match.
        add("GET", f"{EDGES}/trunks/metrics", self._trunks_metrics)
        add("GET", f"{EDGES}/trunks", self._list_trunks)
        add("GET", f"{EDGES}/trunks/{{trunkId}}", self._get_trunk)
        add("GET", f"{EDGES}/trunks/{{trunkId}}/metrics", self._trunk_metrics)
        add("GET", f"{EDGES}/sites", self._list_sites)
        add("GET", f"{EDGES}/sites/{{siteId}}", self._get_site)
        plans = f"{EDGES}/sites/{{siteId}}/numberplans"
        add("GET", plans, self._list_number_plans)
        add("PUT", plans, self._put_number_plans)
        add("GET", plans + "/{numberPlanId}", self._get_number_plan)
        routes = f"{EDGES}/sites/{{siteId}}/outboundroutes"
        add("GET", routes, self._list_routes)
        add("POST", routes, self._create_route)
        add("GET", routes + "/{outboundRouteId}", self._get_route)
        add("PUT", routes + "/{outboundRouteId}", self._put_route, versioned_write=True)
        add("DELETE", routes + "/{outboundRouteId}", self._delete_route)

    def register_admin_routes(self, admin: Router) -> None:
        admin.add("POST", "/__admin/trunks/{trunk}", self._admin_trunk)
        admin.add("POST", "/__admin/didpools/propagate", self._admin_propagate)
        admin.add("POST", "/__admin/tokens/expire", self._admin_expire_tokens)

    # ------------------------------------------------------------------ hooks
    def error_response(self, error: VendorError, request: Request | None) -> Response:
        status = error.status
        code = str(error.code) if error.code is not None else DEFAULT_CODES.get(status, "error")
        if request is not None and request.path == OAUTH_PATH and "_" in code:
            # The login service answers in OAuth's own shape, not Genesys' ErrorBody.
            body: dict[str, Any] = {
                "error": code,
                "description": error.message,
                "error_description": error.message,
            }
            return Response(status, body)
        return Response(
            status,
            {
                "message": error.message,
                "code": code,
                "status": status,
                "contextId": str(uuid.uuid4()),
                "details": [],
                "errors": [],
            },
        )

    def authenticate(self, request: Request, route: Route | None) -> None:
        if request.path == OAUTH_PATH:
            return
        header = request.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise VendorError(
                401,
                "No authentication bearer token specified in authorization header.",
                AUTH_REQUIRED,
            )
        with self._token_lock:
            found = self._tokens.get(token)
        if found is None or found[1] <= time.monotonic():
            raise VendorError(401, "Invalid login credentials.", BAD_CREDENTIALS)
        request.principal = found[0]

    def admit(self, request: Request, route: Route) -> Callable[[], None] | None:
        if request.principal is None:
            return None
        wait = self.budget.take(request.principal)
        if wait is not None:
            limit = self.budget.limit
            raise VendorError(
                429,
                f"Rate limit exceeded the maximum [{limit}] requests within [60] seconds",
                "too.many.requests",
                {"Retry-After": str(wait)},
            )
        return None

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            s = self.state
            return {
                "didPools": [render.did_pool(p) for p in s.pools.values()],
                "dids": [render.did(s, d) for d in s.dids()],
                "ivrs": [render.ivr(s, i) for i in s.ivrs.values()],
                "trunkBaseSettings": [render.trunk_base(b) for b in s.trunk_bases.values()],
                "trunks": [render.trunk(s, t) for t in s.trunks.values()],
                "sites": [
                    {
                        **render.site(site),
                        "outboundRoutes": [
                            render.outbound_route(s, r) for r in site.outbound_routes.values()
                        ],
                    }
                    for site in s.sites.values()
                ],
            }

    def reset(self) -> None:
        with self.lock:
            self.state = GenesysState(self.scenario)
        with self._token_lock:
            self._tokens.clear()
        self.budget.reset()
        self.faults.configure(self.scenario.faults)

    # ------------------------------------------------------------------ helpers
    def _page(
        self, request: Request, items: Sequence[T], fn: Callable[[T], dict[str, Any]]
    ) -> Response:
        return Response(200, page(request, items, fn, self.scenario.max_page_size))

    # ------------------------------------------------------------------ OAuth
    def _token(self, request: Request) -> Response:
        form = request.form()
        client_id = (form.get("client_id") or [""])[0]
        secret = (form.get("client_secret") or [""])[0]
        scheme, _, encoded = (request.header("authorization") or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                client_id, _, secret = base64.b64decode(encoded).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise VendorError(401, "malformed client credentials", "invalid_client") from None
        grant = (form.get("grant_type") or [""])[0]
        if grant != "client_credentials":
            raise VendorError(
                400, f"grant type {grant!r} is not supported", "unsupported_grant_type"
            )
        known = {c.client_id: c.client_secret for c in self.scenario.oauth_clients}
        if not client_id or not secrets.compare_digest(known.get(client_id, "\0"), secret):
            raise VendorError(401, "client not found or secret mismatch", "invalid_client")
        token = secrets.token_urlsafe(32)
        ttl = self.scenario.token_ttl_s
        with self._token_lock:
            self._tokens[token] = (client_id, time.monotonic() + ttl)
        return Response(200, {"access_token": token, "token_type": "bearer", "expires_in": ttl})

    # ------------------------------------------------------------------ DID pools and DIDs
    def _list_pools(self, request: Request) -> Response:
        ids = set(_list_param(request, "id"))
        with self.lock:
            pools = [p for p in self.state.pools.values() if not ids or p.id in ids]
            if (request.query_one("sortBy") or "number") == "number":
                ordered = sorted(pools, key=lambda p: (len(p.start), p.start))
            else:
                ordered = _sorted(request, pools)
            return self._page(request, ordered, render.did_pool)

    def _create_pool(self, request: Request) -> Response:
        body = DidPoolBody.model_validate(request.json())
        with self.lock:
            return Response(200, render.did_pool(self.state.create_pool(body)))

    def _get_pool(self, request: Request) -> Response:
        with self.lock:
            return Response(200, render.did_pool(self.state.get_pool(request.params["didPoolId"])))

    def _put_pool(self, request: Request) -> Response:
        body = DidPoolBody.model_validate(request.json())
        with self.lock:
            pool = self.state.update_pool(request.params["didPoolId"], body)
            return Response(200, render.did_pool(pool))

    def _delete_pool(self, request: Request) -> Response:
        with self.lock:
            self.state.delete_pool(request.params["didPoolId"])
        return Response(204)

    def _list_dids(self, request: Request) -> Response:
        ids = set(_list_param(request, "id"))
        number = request.query_one("phoneNumber")
        owner = request.query_one("owner.id")
        pool = request.query_one("didPool.id")
        with self.lock:
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

    def _get_did(self, request: Request) -> Response:
        with self.lock:
            return Response(
                200, render.did(self.state, self.state.get_did(request.params["didId"]))
            )

    # ------------------------------------------------------------------ IVR configurations
    def _list_ivrs(self, request: Request) -> Response:
        name = request.query_one("name")
        dnis = request.query_one("dnis")
        group = request.query_one("scheduleGroup")
        with self.lock:
            s = self.state
            ivrs = [
                i
                for i in s.ivrs.values()
                if _name_matches(name, i.name)
                and (not dnis or dnis in i.dnis)
                and (not group or i.schedule_group == group)
            ]
            return self._page(request, _sorted(request, ivrs), lambda i: render.ivr(s, i))

    def _create_ivr(self, request: Request) -> Response:
        body = IvrBody.model_validate(request.json())
        with self.lock:
            return Response(200, render.ivr(self.state, self.state.create_ivr(body)))

    def _get_ivr(self, request: Request) -> Response:
        with self.lock:
            return Response(
                200, render.ivr(self.state, self.state.get_ivr(request.params["ivrId"]))
            )

    def _put_ivr(self, request: Request) -> Response:
        body = IvrBody.model_validate(request.json())
        with self.lock:
            ivr = self.state.update_ivr(request.params["ivrId"], body)
            return Response(200, render.ivr(self.state, ivr))

    def _delete_ivr(self, request: Request) -> Response:
        with self.lock:
            self.state.delete_ivr(request.params["ivrId"])
        return Response(204)

    # ------------------------------------------------------------------ trunk base settings
    def _list_trunk_bases(self, request: Request) -> Response:
        name = request.query_one("name")
        managed = _bool_param(request, "managed")
        with self.lock:
            bases = [
                b
                for b in self.state.trunk_bases.values()
                if _name_matches(name, b.name) and (managed is None or b.managed == managed)
            ]
            return self._page(request, _sorted(request, bases), render.trunk_base)

    def _create_trunk_base(self, request: Request) -> Response:
        body = TrunkBaseBody.model_validate(request.json())
        with self.lock:
            return Response(200, render.trunk_base(self.state.create_trunk_base(body)))

    def _get_trunk_base(self, request: Request) -> Response:
        with self.lock:
            base = self.state.get_trunk_base(request.params["trunkBaseSettingsId"])
            return Response(200, render.trunk_base(base))

    def _put_trunk_base(self, request: Request) -> Response:
        body = TrunkBaseBody.model_validate(request.json())
        with self.lock:
            base = self.state.update_trunk_base(request.params["trunkBaseSettingsId"], body)
            return Response(200, render.trunk_base(base))

    def _delete_trunk_base(self, request: Request) -> Response:
        with self.lock:
            self.state.delete_trunk_base(request.params["trunkBaseSettingsId"])
        return Response(204)

    # ------------------------------------------------------------------ trunks
    def _list_trunks(self, request: Request) -> Response:
        base_id = request.query_one("trunkBase.id")
        trunk_type = request.query_one("trunkType")
        edge = request.query_one("edge.id")
        if trunk_type and trunk_type not in ("EXTERNAL", "PHONE", "EDGE"):
            raise bad_request(f"trunkType must be EXTERNAL, PHONE or EDGE, not {trunk_type!r}")
        with self.lock:
            s = self.state
            trunks = [
                t
                for t in s.trunks.values()
                if (not base_id or t.trunk_base_id == base_id)
                and (not trunk_type or t.trunk_type == trunk_type)
                and not edge  # BYOC Cloud trunks run on no customer edge
            ]
            return self._page(request, _sorted(request, trunks), lambda t: render.trunk(s, t))

    def _get_trunk(self, request: Request) -> Response:
        with self.lock:
            trunk = self.state.get_trunk(request.params["trunkId"])
            return Response(200, render.trunk(self.state, trunk))

    def _trunk_metrics(self, request: Request) -> Response:
        with self.lock:
            trunk = self.state.get_trunk(request.params["trunkId"])
            return Response(200, render.trunk_metrics(trunk, self.state.wall_clock()))

    def _trunks_metrics(self, request: Request) -> Response:
        ids = _list_param(request, "trunkIds")
        if not ids:
            raise bad_request("trunkIds is required")
        with self.lock:
            now = self.state.wall_clock()
            trunks = [self.state.get_trunk(i) for i in ids]
            return Response(200, [render.trunk_metrics(t, now) for t in trunks])

    # ------------------------------------------------------------------ sites, outbound routes
    def _list_sites(self, request: Request) -> Response:
        name = request.query_one("name")
        managed = _bool_param(request, "managed")
        with self.lock:
            sites = [
                site
                for site in self.state.sites.values()
                if _name_matches(name, site.name) and (managed is None or managed is False)
            ]
            return self._page(request, _sorted(request, sites), render.site)

    def _get_site(self, request: Request) -> Response:
        with self.lock:
            return Response(200, render.site(self.state.get_site(request.params["siteId"])))

    def _list_number_plans(self, request: Request) -> Response:
        """A bare JSON array, not a page: Genesys lists a site's plans whole."""
        site_id = request.params["siteId"]
        with self.lock:
            plans = self.state.get_site(site_id).number_plans
            return Response(200, [render.number_plan(site_id, plan) for plan in plans])

    def _get_number_plan(self, request: Request) -> Response:
        site_id = request.params["siteId"]
        with self.lock:
            plan = self.state.get_number_plan(site_id, request.params["numberPlanId"])
            return Response(200, render.number_plan(site_id, plan))

    def _put_number_plans(self, request: Request) -> Response:
        raw = request.json()
        if not isinstance(raw, list):
            raise bad_request("the body must be a JSON array of number plans")
        bodies = [NumberPlanBody.model_validate(item) for item in raw]
        specs = [
            (body.id, NumberPlanSeed.model_validate(body.model_dump(exclude={"id"})))
            for body in bodies
        ]
        site_id = request.params["siteId"]
        with self.lock:
            plans = self.state.replace_number_plans(site_id, specs)
            return Response(200, [render.number_plan(site_id, plan) for plan in plans])

    def _list_routes(self, request: Request) -> Response:
        name = request.query_one("name")
        base_ids = set(_list_param(request, "externalTrunkBases.ids"))
        with self.lock:
            s = self.state
            routes = [
                r
                for r in s.get_site(request.params["siteId"]).outbound_routes.values()
                if _name_matches(name, r.name)
                and (not base_ids or base_ids & set(r.external_trunk_base_ids))
            ]
            return self._page(
                request, _sorted(request, routes), lambda r: render.outbound_route(s, r)
            )

    def _create_route(self, request: Request) -> Response:
        body = OutboundRouteBody.model_validate(request.json())
        with self.lock:
            route = self.state.create_route(request.params["siteId"], body)
            return Response(200, render.outbound_route(self.state, route))

    def _get_route(self, request: Request) -> Response:
        with self.lock:
            route = self.state.get_route(
                request.params["siteId"], request.params["outboundRouteId"]
            )
            return Response(200, render.outbound_route(self.state, route))

    def _put_route(self, request: Request) -> Response:
        body = OutboundRouteBody.model_validate(request.json())
        p = request.params
        with self.lock:
            route = self.state.update_route(p["siteId"], p["outboundRouteId"], body)
            return Response(200, render.outbound_route(self.state, route))

    def _delete_route(self, request: Request) -> Response:
        with self.lock:
            self.state.delete_route(request.params["siteId"], request.params["outboundRouteId"])
        return Response(204)

    # ------------------------------------------------------------------ admin
    def _admin_trunk(self, request: Request) -> Response:
        """Take a trunk down or up, by trunk id, trunk name or trunk base name."""
        control = TrunkControl.model_validate(request.json())
        with self.lock:
            try:
                trunk = self.state.find_trunk(request.params["trunk"])
            except VendorError as error:
                return Response(404, {"error": error.message})
            self.state.set_trunk_status(
                trunk,
                connected=control.connected,
                in_service=control.in_service,
                enabled=control.enabled,
                options_up=None
                if control.options_status is None
                else control.options_status == "UP",
                registered=None
                if control.registers_status is None
                else control.registers_status == "UP",
                proxy_address=control.proxy_address,
                inbound_calls=control.inbound_call_count,
                outbound_calls=control.outbound_call_count,
            )
            return Response(200, render.trunk(self.state, trunk))

    def _admin_propagate(self, request: Request) -> Response:
        with self.lock:
            self.state.propagate_pools()
        return Response(204)

    def _admin_expire_tokens(self, request: Request) -> Response:
        """Expire every issued token, to exercise the client's re-authentication."""
        with self._token_lock:
            self._tokens = {t: (c, 0.0) for t, (c, _) in self._tokens.items()}
        return Response(204)
