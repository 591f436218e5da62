"""Operation status (`GET /api/operations/{command_id}`), the async request-reply pattern.

A purchase or release answers 202 with `Location` pointing here. This answers from the
journal alone — never a vendor call, so polling it costs the same at any estate size and
cannot eat the Genesys budget a failover needs: queued, running, succeeded, failed or
dead-lettered, with the reason and the steps done, and links to the numbers' views once the
command succeeded. While the command is not finished the answer carries `Retry-After`.
Function-key protected.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import azure.functions as func

from functions._http import HttpProblemError, json_response, run_http
from shared import bootstrap
from shared.domain.journal import OperationOutcome, OperationState, operation_state
from shared.ports import JournalReadError

bp = func.Blueprint()
# What a client waits before polling again while the command is queued or running.
RETRY_AFTER_S = 2
_COMMAND_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def operation_path(command_id: str) -> str:
    return f"/api/operations/{quote(command_id, safe='')}"


def _base(req: func.HttpRequest) -> str:
    parts = urlsplit(req.url)
    return f"{parts.scheme}://{parts.netloc}"


def operation_body(state: OperationState, base: str) -> dict[str, object]:
    links = (
        [f"{base}/api/numbers/{quote(n)}" for n in state.phone_numbers]
        if state.status is OperationOutcome.SUCCEEDED
        else []
    )
    return {
        "command_id": state.command_id,
        "type": state.command_type,
        "status": state.status.value,
        "reason": state.reason,
        "steps": list(state.steps),
        "phone_numbers": list(state.phone_numbers),
        "accepted_at": state.accepted_at.isoformat() if state.accepted_at else None,
        "updated_at": state.updated_at.isoformat(),
        "delivery": state.delivery,
        "number_urls": links,
    }


@bp.route(route="operations/{command_id}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def operation_status(req: func.HttpRequest) -> func.HttpResponse:
    def handle(cid: str) -> func.HttpResponse:
        command_id = req.route_params.get("command_id", "")
        if not _COMMAND_ID.match(command_id):
            raise HttpProblemError(400, f"{command_id!r} is not a command id")
        try:
            state = operation_state(bootstrap.app().journal.for_command(command_id))
        except JournalReadError as error:
            raise HttpProblemError(503, str(error)) from error
        if state is None:
            raise HttpProblemError(404, f"no command {command_id} in the journal")
        headers = {} if state.finished else {"Retry-After": str(RETRY_AFTER_S)}
        return json_response(operation_body(state, _base(req)), 200, cid, headers)

    return run_http(req, handle)
