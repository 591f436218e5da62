"""`GET /api/status`: the status page, one self-contained HTML page for a browser.

Function-key auth like the rest of the API; a browser cannot send the `x-functions-key`
header from the address bar, so it passes the key as `?code=`, which Azure Functions accepts
as well (docs/status-page.md also describes Entra ID sign-in in front of it with App Service
Authentication). The key in the address is why the answer forbids referrers, caching and
framing. It reads the health state and the journal only (`shared/status/read.py`): looking
at the page never calls Twilio or Genesys.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import azure.functions as func

from functions._http import HttpProblemError, run_http
from shared import bootstrap
from shared.domain.yaml_source import SourceError
from shared.observability import CORRELATION_HEADER
from shared.ports import StateStoreError
from shared.status.page import DEFAULT_REFRESH_S, render
from shared.status.read import read_status

bp = func.Blueprint()

# `?refresh=` bounds: faster than every 5 s reads the tables for nothing; a wall screen may
# want an hour.
MIN_REFRESH_S, MAX_REFRESH_S = 5, 3600
# Nothing on the page is fetched: only its inline style may apply, and it cannot be framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


@bp.route(route="status", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def status_page(req: func.HttpRequest) -> func.HttpResponse:
    """The status page; `?refresh=SECONDS` sets how often it reloads (default 15)."""
    return run_http(req, partial(_status_page, req))


def _refresh(req: func.HttpRequest) -> int:
    raw = req.params.get("refresh")
    if raw is None:
        return DEFAULT_REFRESH_S
    if not raw.isdigit() or not MIN_REFRESH_S <= int(raw) <= MAX_REFRESH_S:
        raise HttpProblemError(
            400, f"refresh must be whole seconds from {MIN_REFRESH_S} to {MAX_REFRESH_S}"
        )
    return int(raw)


def _status_page(req: func.HttpRequest, correlation_id: str) -> func.HttpResponse:
    refresh = _refresh(req)
    app = bootstrap.app()
    try:
        view = read_status(
            policy=app.policy(),
            state_store=app.state_store,
            journal=app.journal,
            now=datetime.now(UTC),
        )
    except SourceError as error:  # the groups to show come from the policy
        raise HttpProblemError(503, f"the policy does not load: {error}") from error
    except StateStoreError as error:  # the health state is the page's core
        raise HttpProblemError(503, f"cannot read the health state: {error}") from error
    return func.HttpResponse(
        render(view, refresh),
        status_code=200,
        mimetype="text/html",
        charset="utf-8",
        headers={
            CORRELATION_HEADER: correlation_id,
            "Cache-Control": "no-store",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )
