"""`GET /api/status` refuses with a reason, in JSON, what it cannot show."""

from __future__ import annotations

import json
from pathlib import Path

import azure.functions as func
import pytest

from tests.conftest import EXAMPLE_POLICY
from tests.unit.test_function_app import function_named


def get_status(query: str = "") -> func.HttpResponse:
    params = dict(p.split("=", 1) for p in query.split("&") if p)
    request = func.HttpRequest(
        method="GET", url=f"/api/status?{query}", body=b"", headers={}, params=params
    )
    response: func.HttpResponse = function_named("status_page")(request)
    return response


@pytest.mark.parametrize("refresh", ["0", "4", "3601", "ten", "-5", "1.5"])
def test_a_refresh_outside_its_bounds_is_a_400_with_the_bounds(refresh: str) -> None:
    answer = get_status(f"refresh={refresh}")
    assert answer.status_code == 400
    assert json.loads(answer.get_body())["error"] == (
        "refresh must be whole seconds from 5 to 3600"
    )


def test_a_policy_that_does_not_load_is_a_503_naming_the_problem(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "policy.yaml"
    broken.write_text(EXAMPLE_POLICY.read_text().replace("priority: 2", "priority: zero"))
    monkeypatch.setenv("BYOC_POLICY_PATH", str(broken))
    answer = get_status()
    assert answer.status_code == 503
    body = json.loads(answer.get_body())
    assert body["error"].startswith("the policy does not load: ")
    assert "priority" in body["error"]
