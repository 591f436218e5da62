"""Telemetry end to end, function_app in the local host with spans and metrics in memory: a
request's trace crosses the Service Bus queue into the worker and down to its vendor
requests; the counters move when commands run, vendors throttle, feeds poll, drift is
repaired and a trunk group fails over and back; and no span carries a secret."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from azure.servicebus import ServiceBusClient, ServiceBusMessage
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from sandbox.emulators.core import FaultConfig
from sandbox.runner import COMMAND_QUEUE, HostOptions, Sandbox
from sandbox.scenario import load_scenario
from shared.telemetry import contract
from tests.e2e.conftest import MAX_DELIVERIES, Running
from tests.e2e.test_failover import BACKUP, GROUP, PRIMARY, Estate, fast_policy
from tests.support.secret_watch import AUTHORIZATION, WATCH
from tests.support.telemetry import Captured, attrs

PURCHASE = re.compile(r"/IncomingPhoneNumbers\.json$")
CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
CALLER_TRACE = 0x0AF7651916CD43DD8448EB211C80319C


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[ReadableSpan]:
    by_id = {s.context.span_id: s for s in spans}
    found = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        found.append(span)
    return found


def under(root: ReadableSpan, spans: list[ReadableSpan]) -> list[ReadableSpan]:
    return [s for s in spans if root in ancestors(s, spans)]


def secrets_in_play(running: Running) -> set[str]:
    sandbox = running.sandbox
    return WATCH.secrets() | {running.host.function_key, sandbox.genesys_event_key}


def leaks(spans: list[ReadableSpan], secrets: set[str]) -> list[str]:
    """Attribute values that hold a secret, an Authorization value or a URL with a query
    string or credentials."""
    found = []
    for span in spans:
        for key, value in (span.attributes or {}).items():
            text = str(value)
            if (
                any(secret in text for secret in secrets)
                or AUTHORIZATION.search(text)
                or re.search(r"://[^/\s]*@", text)
                or ("?" in text and ("url" in key or "://" in text))
            ):
                found.append(f"{span.name}: {key}")
    return found


def test_a_purchase_is_one_trace_from_the_request_to_the_worker_s_vendor_requests(
    running: Running, telemetry: Captured
) -> None:
    running.sandbox.twilio.faults.configure(
        FaultConfig(burst_429=1, path_pattern=PURCHASE.pattern, methods=["POST"])
    )
    answer = running.call(
        "POST",
        "numbers",
        json={"route": "main", "area_code": "202"},
        headers={"traceparent": CALLER},
    )
    assert answer.status_code == 202, answer.text
    running.drain()
    spans = telemetry.spans()

    (request,) = telemetry.spans_named("POST /api/numbers")
    assert request.kind is SpanKind.SERVER and request.context.trace_id == CALLER_TRACE
    assert attrs(request)["http.response.status_code"] == 202
    assert attrs(request)["byoc.correlation_id"] == answer.json()["correlation_id"]
    (worker,) = telemetry.spans_named("run purchase_number")
    assert worker.kind is SpanKind.CONSUMER
    assert request in ancestors(worker, spans)  # through the message's traceparent
    assert attrs(worker)["byoc.correlation_id"] == answer.json()["correlation_id"]
    assert attrs(worker)["byoc.command.id"] == answer.json()["command_id"]

    cid = answer.json()["correlation_id"]
    assert {attrs(s).get("byoc.correlation_id") for s in [worker, *under(worker, spans)]} == {cid}
    vendor_requests = [s for s in under(worker, spans) if s.kind is SpanKind.CLIENT]
    assert {attrs(s)["byoc.vendor"] for s in vendor_requests} == {"twilio", "genesys"}
    assert {s.context.trace_id for s in vendor_requests} == {CALLER_TRACE}
    purchases = [s for s in vendor_requests if s.name.endswith("/IncomingPhoneNumbers.json")]
    assert [
        (attrs(s)["http.request.method"], attrs(s)["http.response.status_code"])
        for s in purchases
        if attrs(s)["http.request.method"] == "POST"
    ] == [("POST", 429), ("POST", 201)]
    assert all("{sid}" in attrs(s)["url.template"] for s in purchases)

    assert telemetry.value(contract.COMMANDS, command_type="purchase_number") == 1
    assert telemetry.value(contract.COMMANDS, outcome="succeeded") == 1
    assert telemetry.value(contract.VENDOR_THROTTLED, vendor="twilio") == 1
    assert telemetry.value(contract.VENDOR_CALLS, vendor="twilio", outcome="throttled") == 1
    assert telemetry.value(contract.VENDOR_RETRIES, vendor="twilio") == 1
    assert telemetry.value(contract.VENDOR_CALLS, vendor="genesys", outcome="ok") > 0

    assert leaks(spans, secrets_in_play(running)) == []


def test_a_message_that_is_not_a_command_is_counted_refused_at_each_delivery(
    running: Running, telemetry: Captured
) -> None:
    assert running.sandbox.amqp is not None
    client = ServiceBusClient.from_connection_string(running.sandbox.amqp.connection_string)
    with client, client.get_queue_sender(COMMAND_QUEUE) as sender:
        sender.send_messages(ServiceBusMessage('{"schema_version": 9}', session_id="p"))
    running.drain()
    assert telemetry.value(contract.COMMANDS, command_type="unknown", outcome="refused") == (
        MAX_DELIVERIES
    )
    assert telemetry.value(contract.COMMANDS, outcome="failed") == 0


def test_a_feed_poll_s_reconcile_counts_the_drift_it_repairs(
    running: Running, telemetry: Captured
) -> None:
    assert running.host.fire_timer("twilio_feed_timer").ok  # the first poll starts the feed
    bought = requests.post(
        f"{running.sandbox.twilio.base_url}/__admin/console/IncomingPhoneNumbers",
        json={"area_code": "202", "friendly_name": "Console purchase route:main"},
        timeout=10,
    )
    assert bought.status_code == 201, bought.text
    assert running.host.fire_timer("twilio_feed_timer").ok
    running.drain()

    assert telemetry.value(contract.TIMER_RUNS, timer="twilio_feed_timer", outcome="ok") == 2
    assert telemetry.value(contract.FEED_POLLS, feed="twilio-monitor", outcome="ok") == 2
    lags = telemetry.points_of(contract.FEED_LAG)
    assert sum(p.value for p in lags) == 2 and all(
        p.attributes == {"feed": "twilio-monitor"} for p in lags
    )
    assert telemetry.value(contract.COMMANDS, command_type="reconcile", outcome="succeeded") == 1
    found = {p.attributes["kind"]: p.value for p in telemetry.points_of(contract.DRIFT_FOUND)}
    repaired = {p.attributes["kind"]: p.value for p in telemetry.points_of(contract.DRIFT_REPAIRED)}
    assert found["add_dnis"] == 1 and found == repaired

    ticks = telemetry.spans_named("timer twilio_feed_timer")
    (reconcile,) = telemetry.spans_named("run reconcile")
    assert reconcile.context.trace_id == ticks[-1].context.trace_id
    assert ticks[0].context.trace_id != ticks[-1].context.trace_id  # a trace per tick


@pytest.fixture
def on_success(tmp_path: Path) -> Iterator[Running]:
    options = HostOptions(
        policy_path=fast_policy(tmp_path, "on_success"),
        run_timers=False,
        state_dir=tmp_path / "azurite",
    )
    with Sandbox(load_scenario("default"), host=options) as sandbox:
        yield Running(sandbox)


@pytest.mark.slow
def test_a_failover_and_its_recovery_count_once_each(
    on_success: Running, telemetry: Captured
) -> None:
    estate = Estate(on_success)
    estate.health_check()  # first sight: the estate is adopted, nothing switches
    estate.set_trunk(PRIMARY, connected=False)
    estate.health_check()
    assert telemetry.value(contract.FAILOVERS) == 0, "one failed probe must not count"
    estate.health_check()
    assert estate.first() == BACKUP
    assert telemetry.value(contract.FAILOVERS) == 1
    assert (
        telemetry.value(
            contract.FAILOVERS, trunk_group=GROUP, direction="failover", reason="member_down"
        )
        == 1
    )

    estate.set_trunk(PRIMARY, connected=True)
    estate.health_check()
    estate.health_check()
    assert estate.first() == PRIMARY
    assert telemetry.value(contract.FAILOVERS) == 2
    assert (
        telemetry.value(
            contract.FAILOVERS, trunk_group=GROUP, direction="failback", reason="recovery"
        )
        == 1
    )
    evaluations = telemetry.spans_named("evaluate trunk group")
    assert len(evaluations) == 5
    assert [attrs(s)["byoc.health.switched"] for s in evaluations].count(True) == 2
    assert (
        telemetry.value(contract.COMMANDS, command_type="evaluate_trunk_group", outcome="succeeded")
        == 5
    )
