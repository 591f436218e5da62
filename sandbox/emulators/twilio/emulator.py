"""The Twilio emulator: Api v2010, Trunking v1 and Monitor v1 (events) on one loopback port.

Twilio's edge behaviour is modelled here, apart from the resources: HTTP Basic auth with
the account SID and auth token (401/20003), the per-account concurrency limit (429/20429),
and Twilio's error body on every failure, injected faults included. An injected throttle
is Twilio's 429/20429 too: no `Retry-After` (Twilio documents none; twilio.com/docs/api/
errors/20429).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable
from typing import Any

from sandbox.emulators.core import (
    ConcurrencyLimit,
    Emulator,
    Request,
    Response,
    Route,
    Router,
    VendorError,
)
from sandbox.emulators.core.emulator import ADMIN_PREFIX
from sandbox.emulators.twilio import render
from sandbox.emulators.twilio.console import ConsoleRoutes
from sandbox.emulators.twilio.errors import AUTHENTICATE, TOO_MANY_REQUESTS, TwilioError, error_body
from sandbox.emulators.twilio.monitor_routes import MonitorRoutes
from sandbox.emulators.twilio.routes import TwilioRoutes
from sandbox.emulators.twilio.scenario import InventoryBlock, RaisedAlert, TwilioScenario
from sandbox.emulators.twilio.state import TwilioState


class TwilioEmulator(Emulator):
    """A stateful Twilio account served over real HTTP for the official `twilio` SDK."""

    name = "twilio"

    def __init__(self, scenario: TwilioScenario | None = None) -> None:
        self.scenario = scenario or TwilioScenario()
        self.state = TwilioState(self.scenario)
        self.concurrency = ConcurrencyLimit(self.scenario.max_concurrent_requests)
        super().__init__(self.scenario.faults)

    @property
    def account_sid(self) -> str:
        return self.scenario.account_sid

    @property
    def auth_token(self) -> str:
        return self.scenario.auth_token

    # ------------------------------------------------------------------ hooks
    def register_routes(self, router: Router) -> None:
        TwilioRoutes(self).register(router)
        MonitorRoutes(self).register(router)

    def register_admin_routes(self, admin: Router) -> None:
        admin.add("GET", ADMIN_PREFIX + "/inventory", self._admin_inventory)
        admin.add("POST", ADMIN_PREFIX + "/inventory", self._admin_add_inventory)
        ConsoleRoutes(self).register(admin)
        admin.add("POST", ADMIN_PREFIX + "/alerts", self._admin_raise_alert)

    def error_response(self, error: VendorError, request: Request | None) -> Response:
        code = error.code if isinstance(error.code, int) else None
        return Response(error.status, error_body(error.status, code, error.message))

    def throttle_error(self) -> VendorError:
        """Twilio's 429 is the concurrency limit's, 20429, and carries no Retry-After."""
        return TwilioError(429, TOO_MANY_REQUESTS, "Too Many Requests")

    def authenticate(self, request: Request, route: Route | None) -> None:
        """HTTP Basic with the account SID and auth token, compared in constant time."""
        header = request.header("authorization") or ""
        scheme, _, encoded = header.partition(" ")
        username = password = ""
        if scheme.lower() == "basic":
            try:
                username, _, password = base64.b64decode(encoded).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                username = password = ""
        valid = hmac.compare_digest(username, self.account_sid) and hmac.compare_digest(
            password, self.auth_token
        )
        if not valid:
            raise TwilioError(
                401,
                AUTHENTICATE,
                "Authenticate",
                headers={"WWW-Authenticate": 'Basic realm="Twilio API"'},
            )
        request.principal = username

    def admit(self, request: Request, route: Route) -> Callable[[], None] | None:
        """Twilio's per-account concurrency limit: excess requests get 429/20429."""
        client = request.principal or "anonymous"
        if not self.concurrency.acquire(client):
            raise TwilioError(
                429,
                TOO_MANY_REQUESTS,
                "Too many requests: the account's concurrent request limit was exceeded",
            )
        return lambda: self.concurrency.release(client)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            s = self.state
            sid = s.account_sid
            return {
                "account_sid": sid,
                "inventory": [render.available_number(o) for o in s.inventory.values()],
                "incoming_phone_numbers": [
                    render.incoming_number(n, sid) for n in s.ordered(s.numbers)
                ],
                "credential_lists": [
                    {
                        **render.sip_list(i, sid, "CredentialLists"),
                        "credentials": [  # as Twilio answers them: no passwords
                            render.sip_credential(c, sid) for c in s.ordered(i.credentials)
                        ],
                    }
                    for i in s.ordered(s.credential_lists)
                ],
                "ip_access_control_lists": [
                    {
                        **render.sip_list(i, sid, "IpAccessControlLists"),
                        "ip_addresses": [
                            render.sip_ip_address(a, sid) for a in s.ordered(i.ip_addresses)
                        ],
                    }
                    for i in s.ordered(s.ip_access_control_lists)
                ],
                "trunks": [self._trunk_snapshot(t.sid) for t in s.ordered(s.trunks)],
                "monitor_events": [render.monitor_event(e, sid) for e in s.monitor.events],
            }

    def _trunk_snapshot(self, trunk_sid: str) -> dict[str, Any]:
        s = self.state
        t = s.trunks[trunk_sid]
        body = render.trunk(t, s.account_sid)
        body["origination_urls"] = [
            render.origination_url(o, s.account_sid) for o in s.ordered(t.origination_urls)
        ]
        body["phone_numbers"] = [n.phone_number for n in s.numbers_on(t.sid)]
        body["credential_list_sids"] = list(t.credential_lists)
        body["ip_access_control_list_sids"] = list(t.ip_access_control_lists)
        return body

    def reset(self) -> None:
        with self.lock:
            self.state = TwilioState(self.scenario)
            self.concurrency = ConcurrencyLimit(self.scenario.max_concurrent_requests)
            self.faults.configure(self.scenario.faults)

    # ------------------------------------------------------------------ admin
    def _admin_inventory(self, request: Request) -> Response:
        with self.lock:
            offers = [render.available_number(o) for o in self.state.inventory.values()]
        return Response(200, {"available_phone_numbers": offers, "total": len(offers)})

    def _admin_raise_alert(self, request: Request) -> Response:
        """Log an alert as Twilio would (e.g. 32011 when an origination URI did not answer),
        body = RaisedAlert; answers the alert as the list shows it."""
        raised = RaisedAlert.model_validate(request.json())
        with self.lock:
            alert = self.state.monitor.raise_alert(
                raised.error_code,
                self.state.clock(),
                log_level=raised.log_level,
                alert_text=raised.alert_text,
                resource_sid=raised.resource_sid,
                service_sid=raised.service_sid,
                request_url=raised.request_url,
            )
            return Response(201, render.monitor_alert(alert, self.state.account_sid))

    def _admin_add_inventory(self, request: Request) -> Response:
        """Add numbers for sale mid-test (e.g. to model stock arriving), body = InventoryBlock."""
        block = InventoryBlock.model_validate(request.json())
        with self.lock:
            added = self.state.add_inventory(block)
        return Response(201, {"added": added})
