"""What every HTTP function shares: the correlation id, JSON answers, errors with a reason.

Handlers raise `HttpProblemError` (or a `WebhookRejectedError`) for anything the caller got
wrong; the runner turns it into a 4xx JSON body `{"error": …, "correlation_id": …}` and
nothing is queued, because queuing is always a handler's last step. Configuration problems
answer 503 and vendor failures 502 — with the reason, never a stack trace.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TypeVar

import azure.functions as func
from pydantic import BaseModel, ValidationError

from shared.events.webhooks import WebhookRejectedError
from shared.observability import (
    CORRELATION_HEADER,
    correlation,
    correlation_id_from,
    install_correlation_logging,
)
from shared.ports import AdapterError
from shared.settings import MissingSettingError

log = logging.getLogger("byoc_sync.http")
Model = TypeVar("Model", bound=BaseModel)


class HttpProblemError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def json_response(
    body: dict[str, object], status: int, correlation_id: str, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps({**body, "correlation_id": correlation_id}),
        status_code=status,
        mimetype="application/json",
        headers={CORRELATION_HEADER: correlation_id, **(headers or {})},
    )


def body_bytes(req: func.HttpRequest, limit: int) -> bytes:
    body = req.get_body() or b""
    if len(body) > limit:
        raise HttpProblemError(413, f"body of {len(body)} bytes exceeds the {limit}-byte limit")
    return body


def parse_json(req: func.HttpRequest, model: type[Model], limit: int) -> Model:
    body = body_bytes(req, limit)
    if not body:
        raise HttpProblemError(400, "empty body; send a JSON object")
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()
        )
        raise HttpProblemError(
            422 if error.errors()[0]["type"] != "json_invalid" else 400, problems
        ) from error


def run_http(
    req: func.HttpRequest, handler: Callable[[str], func.HttpResponse]
) -> func.HttpResponse:
    """Run `handler(correlation_id)` with the id in every log line and error answers mapped."""
    install_correlation_logging()
    headers = {key: value for key, value in req.headers.items()}
    with correlation(correlation_id_from(headers)) as cid:
        try:
            return handler(cid)
        except (HttpProblemError, WebhookRejectedError) as problem:
            log.warning("%s %s refused %d: %s", req.method, req.url, problem.status, problem.reason)
            return json_response({"error": problem.reason}, problem.status, cid)
        except MissingSettingError as error:
            log.error("%s %s: %s", req.method, req.url, error)
            return json_response({"error": str(error)}, 503, cid)
        except AdapterError as error:
            log.error("%s %s: vendor call failed: %s", req.method, req.url, error.reason)
            return json_response({"error": f"vendor call failed: {error.reason}"}, 502, cid)
