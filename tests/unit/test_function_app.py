"""function_app.py indexes the blueprints, and /api/healthz tells an operator whether the
deployment can do its job."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

import function_app
from tests.conftest import EXAMPLE_POLICY


@cache
def indexed_functions() -> dict[str, Any]:
    """Index once, as the Functions host does (indexing the same app twice is an error)."""
    return {str(f.get_function_name()): f for f in function_app.app.get_functions()}


def function_named(name: str) -> Callable[..., Any]:
    function = indexed_functions().get(name)
    assert function is not None, f"function {name!r} is not registered"
    return function.get_user_function()  # type: ignore[no-any-return]


def test_function_app_indexes_and_registers_blueprint_functions() -> None:
    functions = indexed_functions()
    assert "healthz" in functions
    trigger = functions["healthz"].get_trigger()
    assert trigger is not None and trigger.type == "httpTrigger"


def call_healthz() -> tuple[int, dict[str, Any]]:
    request = func.HttpRequest(method="GET", url="/api/healthz", body=b"", headers={})
    response = function_named("healthz")(request)
    return response.status_code, json.loads(response.get_body())


def test_healthz_is_ok_with_a_valid_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYOC_POLICY_PATH", str(EXAMPLE_POLICY))
    status, body = call_healthz()
    assert status == 200
    assert body["status"] == "ok"
    assert body["policy"] == {"mode": "sync", "trunk_groups": 1, "routes": 2}


def test_healthz_is_503_with_the_policy_problems(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "policy.yaml"
    broken.write_text(EXAMPLE_POLICY.read_text().replace("priority: 2", "priority: zero"))
    monkeypatch.setenv("BYOC_POLICY_PATH", str(broken))
    status, body = call_healthz()
    assert status == 503 and body["status"] == "degraded"
    assert any("trunk_groups.0.members.1.priority" in p for p in body["problems"])


def test_healthz_is_503_with_a_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENESYSCLOUD_REGION", "nowhere-1")
    status, body = call_healthz()
    assert status == 503
    assert any("genesyscloud_region" in p for p in body["problems"])
