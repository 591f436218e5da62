"""The numbers API: buy (`POST /api/numbers`), look (`GET /api/numbers/{e164}`), release
(`DELETE /api/numbers/{e164}`). Function-key protected.

The checks and the queuing are `shared.numbers.requests`; this module maps HTTP to them.
The answer to a buy or a release is 202 with the command id, `Location` (and
`operation_url`) naming the operation to poll until it finished (`functions/operations.py`),
and `status_url`, the number's own view. An `Idempotency-Key` header makes a retried
request the same command, so a client that lost the 202 can safely send again — a release
too, once the worker has released the number (`shared.numbers.releases`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import azure.functions as func

from functions._http import HttpProblemError, json_response, parse_json, run_http
from functions.operations import RETRY_AFTER_S, operation_path
from shared import bootstrap
from shared.domain.commands import PurchaseRequest
from shared.domain.e164 import InvalidNumberError, strict_e164
from shared.numbers import requests as numbers
from shared.numbers.provisioning import NotOwnedError, NumberClaimedError, ProvisioningError
from shared.numbers.requests import Accepted, accept_purchase, accept_release
from shared.ports import StateStoreError

bp = func.Blueprint()
MAX_REQUEST_BYTES = 16 * 1024


def _status_url(req: func.HttpRequest, number: str) -> str:
    parts = urlsplit(req.url)
    return f"{parts.scheme}://{parts.netloc}/api/numbers/{quote(number)}"


def _number_param(req: func.HttpRequest) -> str:
    """The `{e164}` path segment, held to the rule the policy and request bodies follow
    (exact E.164), refused with the same words when it is not."""
    raw = req.route_params.get("e164", "")
    try:
        return strict_e164(raw)
    except InvalidNumberError as error:
        raise HttpProblemError(400, str(error)) from error


@bp.route(route="numbers", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def buy_number(req: func.HttpRequest) -> func.HttpResponse:
    def handle(cid: str) -> func.HttpResponse:
        request = parse_json(req, PurchaseRequest, MAX_REQUEST_BYTES)
        # Without an Idempotency-Key, each request is a purchase of its own.
        owner = req.headers.get("Idempotency-Key") or uuid.uuid4().hex
        try:
            accepted = accept_purchase(
                bootstrap.app(), request, owner=owner, correlation_id=cid, now=datetime.now(UTC)
            )
        except NumberClaimedError as error:
            raise HttpProblemError(409, str(error)) from error
        except ProvisioningError as error:
            raise HttpProblemError(422, str(error)) from error
        except StateStoreError as error:
            raise HttpProblemError(503, f"cannot reserve the number: {error}") from error
        return _accepted(req, accepted, cid, plan=accepted.plan)

    return run_http(req, handle)


@bp.route(route="numbers/{e164}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def number_status(req: func.HttpRequest) -> func.HttpResponse:
    def handle(cid: str) -> func.HttpResponse:
        number = _number_param(req)
        row = numbers.number_status(bootstrap.app(), number)
        if row is None:
            raise HttpProblemError(404, f"{number} is neither on the Twilio account nor in Genesys")
        return json_response({"number": row.model_dump(mode="json")}, 200, cid)

    return run_http(req, handle)


@bp.route(route="numbers/{e164}", methods=["DELETE"], auth_level=func.AuthLevel.FUNCTION)
def release(req: func.HttpRequest) -> func.HttpResponse:
    def handle(cid: str) -> func.HttpResponse:
        number = _number_param(req)
        try:
            accepted = accept_release(
                bootstrap.app(),
                number,
                correlation_id=cid,
                idempotency_key=req.headers.get("Idempotency-Key"),
                now=datetime.now(UTC),
            )
        except NotOwnedError as error:
            raise HttpProblemError(409, str(error)) from error
        except ProvisioningError as error:
            raise HttpProblemError(404, str(error)) from error
        except StateStoreError as error:
            raise HttpProblemError(503, f"cannot record the Idempotency-Key: {error}") from error
        return _accepted(req, accepted, cid)

    return run_http(req, handle)


def _accepted(
    req: func.HttpRequest, accepted: Accepted, cid: str, **extra: object
) -> func.HttpResponse:
    parts = urlsplit(req.url)
    operation_url = f"{parts.scheme}://{parts.netloc}{operation_path(accepted.queued.command_id)}"
    return json_response(
        {
            "command_id": accepted.queued.command_id,
            "phone_number": accepted.phone_number,
            "status_url": _status_url(req, accepted.phone_number),
            "operation_url": operation_url,
            **extra,
        },
        202,
        cid,
        {"Location": operation_url, "Retry-After": str(RETRY_AFTER_S)},
    )
