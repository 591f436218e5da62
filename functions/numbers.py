"""The numbers API: buy (`POST /api/numbers`), look (`GET /api/numbers/{e164}`), release
(`DELETE /api/numbers/{e164}`). Function-key protected.

Buying and releasing are checked here — the route exists, the trunk and IVR exist, a number
is available, the number is ours to release — so a request that cannot succeed fails now
with a reason instead of in the dead-letter queue later. The work itself is queued: the
answer is 202 with the command id and the URL where the number's state can be watched.
An `Idempotency-Key` header makes a retried request the same command (Service Bus drops the
duplicate), so a client that lost the 202 can safely send again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import azure.functions as func

from functions._http import HttpProblemError, json_response, parse_json, run_http
from shared.adapters.service_bus import command_publisher
from shared.adapters.table_store import StateStoreError, state_store_from_settings
from shared.bootstrap import app_context
from shared.domain.commands import PurchaseNumber, ReleaseNumber, envelope
from shared.domain.e164 import InvalidNumberError, to_e164
from shared.numbers.provisioning import (
    NotOwnedError,
    NumberClaimedError,
    ProvisioningError,
    PurchaseRequest,
    purchase_number,
    release_preflight,
)
from shared.numbers.reservations import PARTITION as RESERVATIONS
from shared.numbers.reservations import NumberReservations

bp = func.Blueprint()
MAX_REQUEST_BYTES = 16 * 1024


def _status_url(req: func.HttpRequest, number: str) -> str:
    parts = urlsplit(req.url)
    return f"{parts.scheme}://{parts.netloc}/api/numbers/{quote(number)}"


def _number_param(req: func.HttpRequest) -> str:
    raw = req.route_params.get("e164", "")
    try:
        number = to_e164(raw)
    except InvalidNumberError as error:
        raise HttpProblemError(400, str(error)) from error
    if number != raw:
        raise HttpProblemError(400, f"{raw!r} is not in E.164 form; use {number}")
    return number


@bp.route(route="numbers", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def buy_number(req: func.HttpRequest) -> func.HttpResponse:
    def handle(cid: str) -> func.HttpResponse:
        request = parse_json(req, PurchaseRequest, MAX_REQUEST_BYTES)
        context = app_context()
        # The request's own key claims the number (a retry with the same Idempotency-Key
        # holds it again; without one, each request is a purchase of its own).
        owner = req.headers.get("Idempotency-Key") or uuid.uuid4().hex
        try:
            with state_store_from_settings(RESERVATIONS) as store:
                reservations = NumberReservations(store)
                check = purchase_number(
                    context.policy(),
                    context.twilio,
                    context.genesys,
                    request,
                    dry_run=True,
                    claim=lambda number: reservations.claim(number, owner, datetime.now(UTC)),
                )
        except NumberClaimedError as error:
            raise HttpProblemError(409, str(error)) from error
        except ProvisioningError as error:
            raise HttpProblemError(422, str(error)) from error
        except StateStoreError as error:
            raise HttpProblemError(503, f"cannot reserve the number: {error}") from error
        # The worker buys exactly the number checked here, so a redelivery cannot buy a second.
        exact = request.model_copy(
            update={"phone_number": check.phone_number, "area_code": None, "contains": None}
        )
        queued = envelope(PurchaseNumber(request=exact), correlation_id=cid, idempotency_key=owner)
        command_publisher(context.settings.byoc_command_queue).publish([queued])
        status_url = _status_url(req, check.phone_number)
        return json_response(
            {
                "command_id": queued.command_id,
                "phone_number": check.phone_number,
                "status_url": status_url,
                "plan": check.report,
            },
            202,
            cid,
            {"Location": status_url},
        )

    return run_http(req, handle)


@bp.route(route="numbers/{e164}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def number_status(req: func.HttpRequest) -> func.HttpResponse:
    def handle(cid: str) -> func.HttpResponse:
        from shared.reconcile.inventory import number_rows
        from shared.reconcile.snapshot import read_snapshot

        number = _number_param(req)
        context = app_context()
        snapshot = read_snapshot(context.twilio, context.genesys)
        row = next(
            (r for r in number_rows(context.policy(), snapshot) if r.phone_number == number), None
        )
        if row is None:
            raise HttpProblemError(404, f"{number} is neither on the Twilio account nor in Genesys")
        return json_response({"number": row.model_dump(mode="json")}, 200, cid)

    return run_http(req, handle)


@bp.route(route="numbers/{e164}", methods=["DELETE"], auth_level=func.AuthLevel.FUNCTION)
def release(req: func.HttpRequest) -> func.HttpResponse:
    def handle(cid: str) -> func.HttpResponse:
        number = _number_param(req)
        context = app_context()
        try:
            release_preflight(context.policy(), context.twilio, context.genesys, number)
        except NotOwnedError as error:
            raise HttpProblemError(409, str(error)) from error
        except ProvisioningError as error:
            raise HttpProblemError(404, str(error)) from error
        queued = envelope(
            ReleaseNumber(phone_number=number),
            correlation_id=cid,
            idempotency_key=req.headers.get("Idempotency-Key"),
        )
        command_publisher(context.settings.byoc_command_queue).publish([queued])
        status_url = _status_url(req, number)
        return json_response(
            {"command_id": queued.command_id, "phone_number": number, "status_url": status_url},
            202,
            cid,
            {"Location": status_url},
        )

    return run_http(req, handle)
