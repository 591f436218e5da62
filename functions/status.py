"""`GET /api/healthz`: is this Function App configured to do its job?

A deployment with a missing setting or a broken policy file should say so at once,
to a load balancer or an operator, rather than on the first webhook. Like every other
endpoint it answers with `X-Correlation-Id` (the caller's, or a new one), so a failed probe
can be found in the logs.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import azure.functions as func
from pydantic import ValidationError

from functions._http import json_response, run_http
from shared import bootstrap
from shared.domain.yaml_source import SourceError

bp = func.Blueprint()


def _version() -> str:
    try:
        return version("byoc-sync")
    except PackageNotFoundError:  # deployed from requirements.txt, not installed as a package
        return "unknown"


@bp.route(route="healthz", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def healthz(req: func.HttpRequest) -> func.HttpResponse:
    """200 when settings parse and the policy validates; 503 with the reasons otherwise."""
    return run_http(req, _healthz)


def _healthz(correlation_id: str) -> func.HttpResponse:
    problems: list[str] = []
    body: dict[str, object] = {"version": _version()}
    try:
        app = bootstrap.app()
    except ValidationError as error:
        problems.extend(
            f"setting {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
        )
    else:
        try:
            policy = app.policy()
        except SourceError as error:
            problems.extend(str(p) for p in error.problems)
        else:
            body["policy"] = {
                "mode": policy.mode.value,
                "trunk_groups": len(policy.trunk_groups),
                "routes": len(policy.routes),
            }
    body["status"] = "degraded" if problems else "ok"
    if problems:
        body["problems"] = problems
    return json_response(body, 503 if problems else 200, correlation_id)
