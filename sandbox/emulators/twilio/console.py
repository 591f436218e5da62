"""Admin routes that act as a person in the Twilio Console: buy, change and release numbers.

Tests use them for the changes people make by hand (drift). They change the account exactly
as the API does, but Monitor events record them as the Console's: `source` "web",
`actor_type` "user", `actor_sid` the scenario's `console_user_sid`. Like every admin route
they are neither logged nor faulted. A number is named by its SID or its E.164 value, a
trunk by its SID or friendly name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict

from sandbox.emulators.core import Request, Response, Router
from sandbox.emulators.core.emulator import ADMIN_PREFIX
from sandbox.emulators.twilio import render
from sandbox.emulators.twilio.errors import TwilioError, error_body, not_found
from sandbox.emulators.twilio.monitor import Actor
from sandbox.emulators.twilio.routes import StateHost, client_ip
from sandbox.emulators.twilio.state import IncomingNumber, TwilioState

NUMBERS = ADMIN_PREFIX + "/console/IncomingPhoneNumbers"


class ConsoleNumber(BaseModel):
    """Buy (`phone_number` or `area_code`) or change a number; `trunk: null` takes it off."""

    model_config = ConfigDict(extra="forbid")

    phone_number: str | None = None
    area_code: str | None = None
    friendly_name: str | None = None
    trunk: str | None = None


class ConsoleRoutes:
    def __init__(self, host: StateHost) -> None:
        self.host = host

    @property
    def state(self) -> TwilioState:
        return self.host.state

    def register(self, admin: Router) -> None:
        admin.add("POST", NUMBERS, self._as_user(self.buy))
        admin.add("POST", NUMBERS + "/{Number}", self._as_user(self.change))
        admin.add("DELETE", NUMBERS + "/{Number}", self._as_user(self.release))

    def _as_user(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            with self.host.lock:
                state = self.state
                state.actor = Actor.console(state.scenario.console_user_sid, client_ip(request))
                try:
                    return handler(request)
                except TwilioError as error:
                    return Response(
                        error.status, error_body(error.status, _code(error), error.message)
                    )
                finally:
                    state.actor = None

        return run

    def _number(self, request: Request) -> IncomingNumber:
        name = unquote(request.params["Number"])
        found = self.state.numbers.get(name) or self.state.owned(name)
        if found is None:
            raise not_found(request.path)
        return found

    def _updates(self, body: ConsoleNumber) -> dict[str, Any]:
        updates: dict[str, Any] = {}
        if body.friendly_name is not None:
            updates["friendly_name"] = body.friendly_name
        if "trunk" in body.model_fields_set:
            updates["trunk_sid"] = None if body.trunk is None else self._trunk_sid(body.trunk)
        return updates

    def _trunk_sid(self, name: str) -> str:
        trunks = self.state.trunks
        found = trunks.get(name) or next(
            (t for t in trunks.values() if t.friendly_name == name), None
        )
        if found is None:
            raise not_found(f"/v1/Trunks/{name}")
        return found.sid

    def buy(self, request: Request) -> Response:
        body = ConsoleNumber.model_validate(request.json())
        updates = self._updates(body)
        number = self.state.purchase(body.phone_number, body.area_code, updates)
        return Response(201, render.incoming_number(number, self.state.account_sid))

    def change(self, request: Request) -> Response:
        number = self._number(request)
        body = ConsoleNumber.model_validate(request.json())
        self.state.update_number(number, self._updates(body))
        return Response(200, render.incoming_number(number, self.state.account_sid))

    def release(self, request: Request) -> Response:
        self.state.release(self._number(request))
        return Response(204)


def _code(error: TwilioError) -> int | None:
    return error.code if isinstance(error.code, int) else None
