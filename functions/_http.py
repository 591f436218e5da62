"""What every HTTP function shares: the correlation id, JSON answers, errors with a reason.

Handlers raise `HttpProblemError` (or a `WebhookRejectedError`) for anything the caller got
wrong; the runner turns it into a 4xx JSON body `{"error": …, "correlation_id": …}` and
nothing is queued, because queuing is always a handler's last step. Configuration problems
answer 503 and vendor failures 502 — with the reason, never a stack trace.

Every refusal is logged, at a level that says whose problem it is: 404, 409 and 422 are
ordinary answers about the estate (a status URL polled before the number is bought, a
number another request holds), so INFO; a malformed, unauthenticated or oversized request
(400, 401, 403, 413, 415) may be a misconfigured client or a probe, so WARNING; and 503 or
502 mean the function cannot serve at all, so ERROR.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import azure.functions as func
from pydantic import BaseModel, ValidationError

from functions._startup import invocation_setup
from shared import telemetry
from shared.events.webhooks import WebhookRejectedError
from shared.observability import CORRELATION_HEADER, correlation, correlation_id_from
from shared.ports import AdapterError
from shared.settings import MissingSettingError
from shared.telemetry.runs import http_answered

log = logging.getLogger("byoc_sync.http")
Model = TypeVar("Model", bound=BaseModel)
# Refusals that are answers about the estate rather than a sign of a broken caller.
ORDINARY_REFUSALS = frozenset({404, 409, 422})
# Pydantic's prefix on a validator's own message; the message itself is already the reason.
_VALIDATOR_PREFIX = "Value error, "
# A function key passed in the address (`?code=`, as a browser does) is a secret in a URL.
_KEY_IN_QUERY = re.compile(r"([?&]code=)[^&#]*", re.IGNORECASE)


def loggable_url(url: str) -> str:
    """`url` with a function key in its query replaced, fit for a log line."""
    return _KEY_IN_QUERY.sub(r"\1<redacted>", url)


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


def not_json(error: json.JSONDecodeError | UnicodeDecodeError) -> HttpProblemError:
    """The one 400 every endpoint answers for a body that does not parse as JSON.

    The reason is the standard library's, whoever parsed the body first (pydantic for the
    numbers API, the event mappers for the webhooks), so the same bytes get the same words
    from every endpoint."""
    if isinstance(error, UnicodeDecodeError):
        reason = f"not UTF-8 (byte {error.object[error.start]:#04x} at position {error.start})"
    else:
        reason = f"{error.msg} at line {error.lineno} column {error.colno}"
    return HttpProblemError(400, f"body is not JSON: {reason}")


def _invalid_json(body: bytes, parser_reason: str) -> HttpProblemError:
    """Pydantic refused `body` as JSON: say why in the standard library's words (see
    `not_json`), or in pydantic's where the standard library accepts what pydantic does not
    (a byte-order mark, UTF-16, a lone surrogate)."""
    try:
        json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return not_json(error)
    return HttpProblemError(400, f"body is not JSON: {parser_reason}")


def parse_json(req: func.HttpRequest, model: type[Model], limit: int) -> Model:
    body = body_bytes(req, limit)
    if not body:
        raise HttpProblemError(400, "empty body; send a JSON object")
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        errors = error.errors()
        if errors[0]["type"] == "json_invalid":
            raise _invalid_json(body, str(errors[0].get("ctx", {}).get("error", ""))) from error
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg'].removeprefix(_VALIDATOR_PREFIX)}"
            for e in errors
        )
        raise HttpProblemError(422, problems) from error


def _refusal_level(status: int) -> int:
    """The log level of a refusal: see the module's docstring."""
    if status >= 500:
        return logging.ERROR
    return logging.INFO if status in ORDINARY_REFUSALS else logging.WARNING


def route_template(req: func.HttpRequest) -> str:
    """The request's path with its route parameters as the route names them
    (`/api/numbers/{e164}`): the name of its span, whatever number it was about."""
    path = unquote(urlsplit(req.url).path) or "/"
    segments = path.split("/")
    for name, value in req.route_params.items():
        segments = [f"{{{name}}}" if segment == value else segment for segment in segments]
    return "/".join(segments)


def run_http(
    req: func.HttpRequest, handler: Callable[[str], func.HttpResponse]
) -> func.HttpResponse:
    """Run `handler(correlation_id)` with the id in every log line and error answers mapped,
    as one span (`telemetry.http_request`) continuing the caller's trace."""
    invocation_setup()
    headers = {key: value for key, value in req.headers.items()}
    with (
        correlation(correlation_id_from(headers)) as cid,
        telemetry.http_request(req.method, route_template(req), headers) as span,
    ):
        response = _answer(req, handler, cid)
        http_answered(span, response.status_code)
        return response


def _answer(
    req: func.HttpRequest, handler: Callable[[str], func.HttpResponse], cid: str
) -> func.HttpResponse:
    try:
        return handler(cid)
    except (HttpProblemError, WebhookRejectedError) as problem:
        log.log(
            _refusal_level(problem.status),
            "%s %s refused %d: %s",
            req.method,
            loggable_url(req.url),
            problem.status,
            problem.reason,
        )
        return json_response({"error": problem.reason}, problem.status, cid)
    except MissingSettingError as error:
        log.error("%s %s: %s", req.method, loggable_url(req.url), error)
        return json_response({"error": str(error)}, 503, cid)
    except AdapterError as error:
        log.error("%s %s: vendor call failed: %s", req.method, loggable_url(req.url), error.reason)
        return json_response({"error": f"vendor call failed: {error.reason}"}, 502, cid)
