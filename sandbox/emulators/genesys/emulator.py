"""The Genesys Cloud emulator's edge: OAuth tokens, bearer auth, the per-token rate limit,
correlation ids (and, when switched on, the `inin-ratelimit-*` headers Genesys has since
removed) and Genesys' error bodies, around the routes of `routes.py`, on one loopback port."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

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
from sandbox.emulators.genesys.audits import AuditLog, AuditRoutes
from sandbox.emulators.genesys.console import ConsoleRoutes
from sandbox.emulators.genesys.errors import (
    AUTH_REQUIRED,
    BAD_CREDENTIALS,
    DEFAULT_CODES,
    TOO_MANY_REQUESTS,
    DetailedError,
)
from sandbox.emulators.genesys.ids import ORG_ID
from sandbox.emulators.genesys.inputs import TrunkControl
from sandbox.emulators.genesys.routes import GenesysRoutes
from sandbox.emulators.genesys.scenario import GenesysScenario
from sandbox.emulators.genesys.state import GenesysState

OAUTH_PATH = "/oauth/token"
# Requests counted against the token's limit in the current window, the limit, and whole
# seconds until the window frees up. Genesys deprecated these in 2019 and announced their
# removal from every answer from 2021-06-05 (developer forum, "Removal of inin-ratelimit-*
# response headers"), so they are sent only while `ratelimit_headers` is on. The correlation
# id is on every API answer (an error body's `contextId` is the same id).
RATELIMIT_COUNT = "inin-ratelimit-count"
RATELIMIT_ALLOWED = "inin-ratelimit-allowed"
RATELIMIT_RESET = "inin-ratelimit-reset"
CORRELATION_ID = "inin-correlation-id"


def bearer_token(request: Request) -> str | None:
    """The bearer token of the request's Authorization header, if it has one."""
    scheme, _, token = (request.header("authorization") or "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


class GenesysEmulator(Emulator):
    """Stateful Genesys Cloud org on loopback; seeded from a `GenesysScenario`."""

    name = "genesys"

    def __init__(self, scenario: GenesysScenario | None = None) -> None:
        self.scenario = scenario or GenesysScenario()
        self.state = GenesysState(self.scenario)
        self.audits = self._new_audit_log()
        # Genesys limits each client-credentials *token*, not the OAuth client: the budget is
        # keyed on the token, so a client that fetches a new token gets a fresh window.
        self.budget = SlidingWindowBudget(self.scenario.requests_per_minute)
        # Off by default, as in today's Genesys Cloud (see RATELIMIT_COUNT); tests of a client
        # that reads them switch them on. Then every authenticated API answer carries them.
        self.ratelimit_headers = self.scenario.ratelimit_headers
        self._tokens: dict[str, tuple[str, float]] = {}  # token -> (client id, expiry)
        self._token_lock = threading.Lock()
        super().__init__(self.scenario.faults)

    # ------------------------------------------------------------------ hooks
    def register_routes(self, router: Router) -> None:
        # The SDK derives the login host from the API host and leaves a loopback host as it
        # is, so /oauth/token shares the port with /api/v2.
        router.add("POST", OAUTH_PATH, self._token)
        GenesysRoutes(self).register(router)
        AuditRoutes(lambda: self.audits, self.lock, ORG_ID).register(router)

    def register_admin_routes(self, admin: Router) -> None:
        admin.add("POST", "/__admin/trunks/{trunk}", self._admin_trunk)
        admin.add("POST", "/__admin/didpools/propagate", self._admin_propagate)
        admin.add("POST", "/__admin/tokens/expire", self._admin_expire_tokens)
        ConsoleRoutes(self).register(admin)

    def _new_audit_log(self) -> AuditLog:
        return AuditLog(self.state.clock, lambda: self.scenario.audit_delay_s)

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
        correlation_id = str(uuid.uuid4())
        details = error.details if isinstance(error, DetailedError) else []
        return Response(
            status,
            {
                "message": error.message,
                "code": code,
                "status": status,
                "messageWithParams": error.message,
                "messageParams": {},
                "contextId": correlation_id,
                "details": [dict(d) for d in details],
                "errors": [],
            },
            {CORRELATION_ID: correlation_id},
        )

    def authenticate(self, request: Request, route: Route | None) -> None:
        if request.path == OAUTH_PATH:
            return
        token = bearer_token(request)
        if token is None:
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
        token = bearer_token(request)
        if request.principal is None or token is None:
            return None
        wait = self.budget.take(token)
        if wait is not None:
            raise VendorError(
                429,
                f"Rate limit exceeded the maximum. Retry the request in [{wait}] seconds",
                TOO_MANY_REQUESTS,
                {"Retry-After": str(wait)},  # whole seconds, as Genesys sends it
            )
        return None

    def response_headers(self, request: Request, response: Response) -> dict[str, str]:
        if request.path == OAUTH_PATH:
            return {}
        headers = {CORRELATION_ID: str(uuid.uuid4())}
        token = bearer_token(request)
        if not self.ratelimit_headers or request.principal is None or token is None:
            return headers  # switched off, or not authenticated (401)
        if self.budget.limit <= 0:
            return headers  # no rate limit configured
        count, reset = self.budget.usage(token)
        headers[RATELIMIT_COUNT] = str(count)
        headers[RATELIMIT_ALLOWED] = str(self.budget.limit)
        headers[RATELIMIT_RESET] = str(reset)
        return headers

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            s = self.state
            return {
                "didPools": [render.did_pool(p) for p in s.pools.values()],
                "dids": [render.did(s, d) for d in s.dids()],
                "ivrs": [render.ivr(s, i) for i in s.ivrs.values()],
                "trunkBaseSettings": [render.trunk_base(s, b) for b in s.trunk_bases.values()],
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
            self.audits = self._new_audit_log()
        with self._token_lock:
            self._tokens.clear()
        self.budget.reset()
        self.faults.configure(self.scenario.faults)

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

    # ------------------------------------------------------------------ admin
    def _admin_trunk(self, request: Request) -> Response:
        """Take trunks down or up: one instance (by its id or name) or every instance of a
        trunk base (by the base's id or name). `inService` writes the base's `trunk_enabled`
        property, which every instance's inService follows. Answers the instances changed."""
        control = TrunkControl.model_validate(request.json())
        with self.lock:
            try:
                trunks = self.state.find_trunks(request.params["trunk"])
            except VendorError as error:
                return Response(404, {"error": error.message})
            for trunk in trunks:
                if control.in_service is not None:
                    base = self.state.trunk_bases.get(trunk.trunk_base_id)
                    if base is not None:
                        self.state.set_trunk_enabled(base, control.in_service)
                self.state.set_trunk_status(
                    trunk,
                    connected=control.connected,
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
            return Response(200, [render.trunk(self.state, trunk) for trunk in trunks])

    def _admin_propagate(self, request: Request) -> Response:
        with self.lock:
            self.state.propagate_pools()
        return Response(204)

    def _admin_expire_tokens(self, request: Request) -> Response:
        """Expire every issued token, to exercise the client's re-authentication."""
        with self._token_lock:
            self._tokens = {t: (c, 0.0) for t, (c, _) in self._tokens.items()}
        return Response(204)
