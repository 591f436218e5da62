"""function_app.py indexes the blueprints, and /api/healthz tells an operator whether the
deployment can do its job."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

import function_app
from sandbox.azure.functions_host.index import app_functions
from tests.conftest import EXAMPLE_POLICY


def indexed_functions() -> dict[str, Any]:
    """Index once per process, as the Functions host does (indexing the same app twice is an
    error), sharing the local host's index so test order does not matter."""
    return {str(f.get_function_name()): f for f in app_functions(function_app.app)}


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


EXPECTED_HTTP = {
    # name: (route, methods, auth level)
    "healthz": ("healthz", ["GET"], "anonymous"),
    "status_page": ("status", ["GET"], "function"),
    "buy_number": ("numbers", ["POST"], "function"),
    "number_status": ("numbers/{e164}", ["GET"], "function"),
    "release": ("numbers/{e164}", ["DELETE"], "function"),
    "operation_status": ("operations/{command_id}", ["GET"], "function"),
    "twilio_events": ("twilio/events", ["POST"], "anonymous"),
    "genesys_events": ("genesys/events", ["POST"], "anonymous"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_HTTP))
def test_http_functions_are_indexed_with_their_route_methods_and_auth_level(name: str) -> None:
    trigger = indexed_functions()[name].get_trigger()
    route, methods, auth = EXPECTED_HTTP[name]
    assert trigger.type == "httpTrigger"
    assert trigger.route == route
    assert [m.value for m in trigger.methods] == methods
    assert trigger.auth_level.value == auth


def test_the_worker_is_a_session_queue_trigger_on_the_configured_queue_and_connection() -> None:
    trigger = indexed_functions()["command_worker"].get_trigger()
    assert trigger.type == "serviceBusTrigger"
    assert trigger.queue_name == "%BYOC_COMMAND_QUEUE%"
    assert trigger.connection == "ServiceBusConnection"
    assert trigger.is_sessions_enabled is True


@pytest.mark.parametrize(
    ("name", "setting"),
    [
        ("health_check_timer", "BYOC_HEALTH_CHECK_SCHEDULE"),
        ("reconcile_timer", "BYOC_RECONCILE_SCHEDULE"),
        ("audit_timer", "BYOC_AUDIT_SCHEDULE"),
        ("twilio_feed_timer", "BYOC_TWILIO_FEED_SCHEDULE"),
        ("genesys_audit_feed_timer", "BYOC_GENESYS_AUDIT_FEED_SCHEDULE"),
        ("twilio_alert_feed_timer", "BYOC_TWILIO_ALERT_FEED_SCHEDULE"),
        ("journal_prune_timer", "BYOC_JOURNAL_PRUNE_SCHEDULE"),
    ],
)
def test_timers_take_their_schedule_from_an_app_setting(name: str, setting: str) -> None:
    trigger = indexed_functions()[name].get_trigger()
    assert trigger.type == "timerTrigger"
    assert trigger.schedule == f"%{setting}%"
    assert not trigger.run_on_startup


def test_every_registered_function_is_one_this_test_knows() -> None:
    assert set(indexed_functions()) == {
        *EXPECTED_HTTP,
        "command_worker",
        "health_check_timer",
        "reconcile_timer",
        "audit_timer",
        "twilio_feed_timer",
        "genesys_audit_feed_timer",
        "twilio_alert_feed_timer",
        "journal_prune_timer",
    }


def test_healthz_answers_with_the_callers_correlation_id_like_every_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BYOC_POLICY_PATH", str(EXAMPLE_POLICY))
    healthz = function_named("healthz")
    traced = func.HttpRequest(
        method="GET", url="/api/healthz", body=b"", headers={"X-Correlation-Id": "probe-42"}
    )
    response = healthz(traced)
    assert response.headers["X-Correlation-Id"] == "probe-42"
    assert json.loads(response.get_body())["correlation_id"] == "probe-42"
    fresh = healthz(func.HttpRequest(method="GET", url="/api/healthz", body=b"", headers={}))
    assert fresh.headers["X-Correlation-Id"], "a new id when the caller sent none"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{", "Expecting property name enclosed in double quotes at line 1 column 2"),
        (b"\xff", "not UTF-8 (byte 0xff at position 0)"),
        # The json module reads a byte-order mark, pydantic does not: pydantic's reason, then.
        (b'\xef\xbb\xbf{"route": "main"}', "expected value at line 1 column 1"),
    ],
)
def test_a_purchase_body_that_does_not_parse_is_400_in_the_shared_wording(
    body: bytes, reason: str
) -> None:
    request = func.HttpRequest(method="POST", url="/api/numbers", body=body, headers={})
    response = function_named("buy_number")(request)
    assert response.status_code == 400
    assert json.loads(response.get_body())["error"] == f"body is not JSON: {reason}"
