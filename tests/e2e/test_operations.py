"""The async request-reply pattern through the local host: a purchase's `Location` is its
operation, answered from the journal alone until it succeeded (or failed, with why)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from shared import bootstrap
from shared.domain.journal import CommandOrigin, CommandStatus, Trigger, command_entry
from tests.e2e.conftest import MAX_DELIVERIES, Running
from tests.support.vendor_log import vendor_requests


def _poll(running: Running, location: str) -> requests.Response:
    return requests.get(
        location, headers={"x-functions-key": running.host.function_key}, timeout=30
    )


def _vendor_requests(running: Running) -> int:
    return vendor_requests(running.sandbox.twilio, running.sandbox.genesys)


def test_a_purchase_location_answers_from_the_journal_until_succeeded(running: Running) -> None:
    answer = running.call("POST", "numbers", json={"route": "main", "area_code": "202"})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    location = answer.headers["Location"]
    assert location == body["operation_url"]
    assert location.endswith(f"/api/operations/{body['command_id']}")
    assert body["status_url"].endswith("/api/numbers/%2B" + body["phone_number"][1:])

    first = _poll(running, location)
    assert first.status_code == 200, first.text
    if first.json()["status"] in ("queued", "running"):
        assert int(first.headers["Retry-After"]) > 0
    running.drain()

    done = _poll(running, location)
    assert done.status_code == 200
    state = done.json()
    assert state["status"] == "succeeded", state
    assert state["type"] == "purchase_number"
    assert state["phone_numbers"] == [body["phone_number"]]
    assert state["number_urls"] == [body["status_url"]]
    assert any(step.startswith("purchase: done") for step in state["steps"]), state["steps"]
    assert "Retry-After" not in done.headers


def test_polling_a_finished_operation_calls_no_vendor(running: Running) -> None:
    answer = running.call("POST", "numbers", json={"route": "main", "area_code": "202"})
    running.drain()
    asked = _vendor_requests(running)
    for _ in range(5):
        assert _poll(running, answer.headers["Location"]).json()["status"] == "succeeded"
    assert _vendor_requests(running) == asked


def test_a_purchase_that_cannot_complete_ends_dead_lettered_with_its_reason(
    running: Running,
) -> None:
    genesys = running.sandbox.genesys.base_url
    faults = {"server_error_rate": 1.0, "path_pattern": "didpools", "methods": ["POST"]}
    requests.put(f"{genesys}/__admin/faults", json=faults, timeout=10).raise_for_status()
    answer = running.call("POST", "numbers", json={"route": "main", "area_code": "202"})
    assert answer.status_code == 202, answer.text
    running.drain()

    asked = _vendor_requests(running)
    state = _poll(running, answer.headers["Location"]).json()
    assert _vendor_requests(running) == asked
    assert state["status"] == "dead_lettered", state
    assert state["reason"].startswith(f"purchase of {answer.json()['phone_number']} incomplete")
    assert "create_did_pool: failed" in state["reason"], state["reason"]
    assert "injected fault: server_error" in state["reason"]
    assert state["delivery"] == MAX_DELIVERIES
    assert state["number_urls"] == []
    assert any("bought" in step or "purchase" in step for step in state["steps"]), state

    entries = bootstrap.app().journal.for_command(answer.json()["command_id"])
    statuses = [e.status for e in entries if e.kind == "command"]
    assert statuses.count(CommandStatus.FAILED) == MAX_DELIVERIES - 1
    assert statuses[0] is CommandStatus.ACCEPTED and statuses[-1] is CommandStatus.DEAD_LETTERED


def test_an_unknown_operation_is_404_and_a_malformed_id_400(running: Running) -> None:
    assert running.call("GET", "operations/0123456789abcdef").status_code == 404
    assert running.call("GET", "operations/not%20an%20id").status_code == 400
    assert running.call("GET", "operations/0123456789abcdef", key=False).status_code == 401


def test_a_release_is_journaled_with_its_changes_under_the_number(running: Running) -> None:
    answer = running.call("DELETE", "numbers/%2B12025550101")
    assert answer.status_code == 202, answer.text
    running.drain()
    assert _poll(running, answer.headers["Location"]).json()["status"] == "succeeded"

    since = datetime.now(UTC) - timedelta(minutes=5)
    entries = bootstrap.app().journal.for_number("+12025550101", since)
    changes: list[Any] = [e for e in entries if e.kind == "change"]
    assert {e.command_id for e in entries} == {answer.json()["command_id"]}
    assert changes[0].subject == "Twilio number +12025550101"
    assert (changes[0].before, changes[0].after) == ("on the account", "released")
    assert all(e.trigger.value == "api" for e in entries)


def test_the_daily_prune_drops_entries_past_retention_and_keeps_the_rest(
    running: Running,
) -> None:
    journal = bootstrap.app().journal
    origin = CommandOrigin(
        command_id="old-reconcile",
        command_type="reconcile",
        correlation_id="c",
        trigger=Trigger.TIMER,
    )
    now = datetime.now(UTC)
    old = command_entry(origin, CommandStatus.SUCCEEDED, now - timedelta(days=91))
    recent = command_entry(
        origin.model_copy(update={"command_id": "new-reconcile"}), CommandStatus.SUCCEEDED, now
    )
    journal.append(old)
    journal.append(recent)

    assert running.host.fire_timer("journal_prune_timer").ok
    assert journal.for_command("old-reconcile") == []
    assert journal.for_command("new-reconcile") == [recent]
