"""Admin routes that act as a person in the Genesys Cloud admin UI: edit an IVR's DNIS.

Tests use them for the hand edits byoc-sync must notice and repair. They change the org
exactly as the API does, but the audit entry names the scenario's `console_user_id` as the
user and the admin UI as the client. An IVR is named by its id or its name. Like every
admin route they are neither logged nor faulted.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, ValidationError

from sandbox.emulators.core import Request, Response, Router, VendorError
from sandbox.emulators.core.emulator import ADMIN_PREFIX
from sandbox.emulators.genesys import render
from sandbox.emulators.genesys.audits import AuditActor
from sandbox.emulators.genesys.inputs import IvrBody
from sandbox.emulators.genesys.routes import StateHost, client_ip
from sandbox.emulators.genesys.state import Ivr

IVRS = ADMIN_PREFIX + "/console/ivrs"
ADMIN_UI_CLIENT_ID = "genesys-cloud-admin-ui"


class ConsoleIvrEdit(BaseModel):
    """Replace the DNIS (`dnis`), or add and remove entries."""

    model_config = ConfigDict(extra="forbid")

    dnis: list[str] | None = None
    add: list[str] = []
    remove: list[str] = []


class ConsoleRoutes:
    def __init__(self, host: StateHost) -> None:
        self.host = host

    def register(self, admin: Router) -> None:
        admin.add("POST", IVRS + "/{ivr}", self.edit_ivr)

    def _ivr(self, name: str) -> Ivr:
        state = self.host.state
        found = state.ivrs.get(name) or next(
            (i for i in state.ivrs.values() if i.name == name), None
        )
        if found is None:
            raise VendorError(404, f"IVR config {name} not found")
        return found

    def edit_ivr(self, request: Request) -> Response:
        try:
            edit = ConsoleIvrEdit.model_validate(request.json())
        except ValidationError as error:
            return Response(400, {"error": str(error.errors()[0]["msg"])})
        with self.host.lock:
            state = self.host.state
            try:
                ivr = self._ivr(unquote(request.params["ivr"]))
                before = render.ivr(state, ivr)
                dnis = list(ivr.dnis if edit.dnis is None else edit.dnis)
                dnis = [n for n in dnis if n not in edit.remove]
                dnis += [n for n in edit.add if n not in dnis]
                body: dict[str, Any] = {**before, "dnis": dnis}
                after = render.ivr(state, state.update_ivr(ivr.id, IvrBody.model_validate(body)))
            except VendorError as error:
                return Response(error.status, {"error": error.message})
            self.host.audits.record(
                AuditActor(
                    ADMIN_UI_CLIENT_ID,
                    user_id=state.scenario.console_user_id,
                    user_name="Console Admin",
                    remote_ip=client_ip(request),
                ),
                "IVR",
                "Update",
                after,
                before=before,
                after=after,
                now=state.wall_clock(),
            )
        return Response(200, after)
