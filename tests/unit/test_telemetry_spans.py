"""Spans: names without identifiers, the trace carried across HTTP and the queue, and the
outcome of each invocation counted once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

import shared.bootstrap  # noqa: F401  (importing it wires the journal count to the metric)
from shared import observability
from shared.adapters.service_bus import to_service_bus_message, trace_properties
from shared.domain.commands import ReconcileNumbers, envelope
from shared.observability import correlation
from shared.telemetry import (
    command_delivery,
    feed_poll,
    http_request,
    span,
    timer_run,
    vendor_operation,
)
from shared.telemetry.contract import COMMANDS, FEED_LAG, FEED_POLLS, TIMER_RUNS
from shared.telemetry.templates import endpoint, operation_template
from shared.telemetry.tracing import (
    carrier_from_headers,
    carrier_from_properties,
    entry_span,
    trace_headers,
)
from tests.support.telemetry import Captured, attrs

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
REMOTE_TRACE = 0x0AF7651916CD43DD8448EB211C80319C
REMOTE_SPAN = 0xB7AD6B7169203331
SID = "PN" + "0123456789abcdef" * 2
UUID = "3f2b6a0e-1c7d-4e2a-9b8f-5d6c7e8f9a0b"


@pytest.mark.parametrize(
    ("operation", "template"),
    [
        ("purchase +12025550100", "purchase {number}"),
        (f"attach number {SID} to trunk TK{'f' * 32}", "attach number {sid} to trunk {sid}"),
        ("list DID pools (page 12)", "list DID pools (page {n})"),
        (f"delete DID pool {UUID}", "delete DID pool {id}"),
        (
            "reorder trunks of outbound route 'TG-Primary'",
            "reorder trunks of outbound route {name}",
        ),
        ("token request", "token request"),
    ],
)
def test_operation_names_lose_their_identifiers(operation: str, template: str) -> None:
    assert operation_template(operation) == template


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (
            f"https://api.twilio.com/2010-04-01/Accounts/AC{'a' * 32}/IncomingPhoneNumbers/"
            f"{SID}.json",
            "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/{sid}.json",
        ),
        (
            "https://api.twilio.com/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json"
            "?PhoneNumber=%2B12025550100&PageSize=1000",
            "/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json",
        ),
        (
            f"https://api.mypurecloud.de/api/v2/telephony/providers/edges/didpools/{UUID}",
            "/api/v2/telephony/providers/edges/didpools/{id}",
        ),
        ("http://127.0.0.1:8080/api/v2/numbers/%2B12025550100", "/api/v2/numbers/{id}"),
    ],
)
def test_endpoints_keep_the_path_shape_only(url: str, path: str) -> None:
    assert endpoint(url).path_template == path


def test_an_endpoint_never_keeps_credentials_or_a_query() -> None:
    target = endpoint("https://user:s3cret@login.example.com:8443/oauth/token?client_secret=x")
    assert (target.scheme, target.host, target.port) == ("https", "login.example.com", 8443)
    assert target.path_template == "/oauth/token"
    assert "s3cret" not in repr(target) and "client_secret" not in repr(target)


def test_a_request_continues_the_caller_s_trace(telemetry: Captured) -> None:
    headers = {"Traceparent": TRACEPARENT, "Content-Type": "application/json"}
    with correlation("cid-1"), http_request("post", "/api/numbers", headers):
        pass
    (server,) = telemetry.spans()
    assert server.name == "POST /api/numbers" and server.kind is SpanKind.SERVER
    assert server.context.trace_id == REMOTE_TRACE
    assert server.parent is not None and server.parent.span_id == REMOTE_SPAN
    assert attrs(server)["byoc.correlation_id"] == "cid-1"


def test_without_a_caller_s_trace_a_request_starts_one(telemetry: Captured) -> None:
    with http_request("GET", "/api/healthz", {}):
        pass
    (server,) = telemetry.spans()
    assert server.parent is None and server.context.trace_id != REMOTE_TRACE


def test_under_the_functions_host_s_span_an_invocation_is_its_internal_child(
    telemetry: Captured,
) -> None:
    """In Azure the worker attaches the host's span: ours must not be a second request, and
    a message from another trace is linked."""
    tracer = trace.get_tracer("the functions host")
    with (
        tracer.start_as_current_span("host invocation", kind=SpanKind.CONSUMER) as host,
        entry_span("run command", kind=SpanKind.CONSUMER, carrier={"traceparent": TRACEPARENT}),
    ):
        pass
    ours = next(s for s in telemetry.spans() if s.name == "run command")
    assert ours.kind is SpanKind.INTERNAL
    assert ours.parent is not None and ours.parent.span_id == host.get_span_context().span_id
    assert [link.context.span_id for link in ours.links] == [REMOTE_SPAN]


def test_a_queued_message_carries_the_trace_it_was_sent_in(telemetry: Captured) -> None:
    command = envelope(ReconcileNumbers(), correlation_id="cid-3", idempotency_key="k")
    with span("sender") as sender:
        message = to_service_bus_message(command)
        headers = trace_headers()
    properties = message.application_properties
    assert properties is not None
    assert properties[b"traceparent"] == headers["traceparent"]
    assert properties[b"Diagnostic-Id"] == headers["traceparent"]
    assert properties["schema_version"] == 1
    assert f"{sender.get_span_context().trace_id:032x}" in headers["traceparent"]


def test_outside_a_trace_a_message_carries_none() -> None:
    assert trace_properties() == {}


@pytest.mark.parametrize(
    "properties",
    [
        {"traceparent": TRACEPARENT, "tracestate": "a=1", "schema_version": 1},
        {b"traceparent": TRACEPARENT.encode(), b"tracestate": b"a=1"},
        {"Diagnostic-Id": TRACEPARENT, "tracestate": "a=1"},
    ],
)
def test_the_worker_reads_the_trace_as_either_side_writes_it(
    properties: dict[str | bytes, object],
) -> None:
    assert carrier_from_properties(properties) == {"traceparent": TRACEPARENT, "tracestate": "a=1"}


def test_headers_of_any_case_carry_the_trace() -> None:
    assert carrier_from_headers({"TRACEPARENT": TRACEPARENT, "Accept": "x"}) == {
        "traceparent": TRACEPARENT
    }


def test_every_span_carries_the_correlation_id_it_runs_under(telemetry: Captured) -> None:
    with correlation("cid-5"), span("outer"), vendor_operation("twilio", "purchase +12025550100"):
        pass
    with span("uncorrelated"):
        pass
    carried = {s.name: attrs(s).get("byoc.correlation_id") for s in telemetry.spans()}
    assert carried == {"outer": "cid-5", "twilio purchase {number}": "cid-5", "uncorrelated": None}


def test_a_delivery_continues_the_sender_s_trace_and_counts_its_outcome(
    telemetry: Captured,
) -> None:
    with command_delivery(
        message_id="m1",
        correlation_id="cid-4",
        delivery_count=2,
        properties={"traceparent": TRACEPARENT},
    ) as delivery:
        delivery.command("reconcile", "c1")
    (run,) = telemetry.spans()
    assert run.name == "run reconcile" and run.kind is SpanKind.CONSUMER
    assert run.context.trace_id == REMOTE_TRACE
    assert attrs(run)["byoc.command.delivery_count"] == 2
    assert telemetry.value(COMMANDS, command_type="reconcile", outcome="succeeded") == 1


def test_a_message_that_is_not_a_command_is_refused_not_failed(telemetry: Captured) -> None:
    with (
        pytest.raises(ValueError),
        command_delivery(
            message_id="m2", correlation_id="cid", delivery_count=1, properties=None
        ) as delivery,
    ):
        delivery.refuse("not a byoc-sync command (schema v1)")
        raise ValueError("not a command")
    with (
        pytest.raises(RuntimeError),
        command_delivery(
            message_id="m3", correlation_id="cid", delivery_count=1, properties=None
        ) as delivery,
    ):
        delivery.command("purchase_number", "c3")
        raise RuntimeError("vendor down")
    assert telemetry.value(COMMANDS, command_type="unknown", outcome="refused") == 1
    (refused,) = telemetry.spans_named("run command")
    assert attrs(refused)["byoc.command.refusal"] == "not a byoc-sync command (schema v1)"
    assert telemetry.value(COMMANDS, command_type="purchase_number", outcome="failed") == 1
    assert telemetry.value(COMMANDS, outcome="succeeded") == 0
    failed = telemetry.spans_named("run purchase_number")[0]
    assert failed.status.status_code is StatusCode.ERROR
    assert attrs(failed)["error.type"] == "RuntimeError"
    assert failed.events == ()  # the exception's message stays in the logs


def test_timer_runs_count_ok_skipped_and_failed(telemetry: Captured) -> None:
    with timer_run("reconcile_timer"):
        pass
    with timer_run("reconcile_timer") as run:
        run.skip()
    with pytest.raises(KeyError), timer_run("reconcile_timer"):
        raise KeyError("policy")
    for outcome in ("ok", "skipped", "failed"):
        assert telemetry.value(TIMER_RUNS, timer="reconcile_timer", outcome=outcome) == 1
    roots = telemetry.spans_named("timer reconcile_timer")
    assert len(roots) == 3 and all(s.parent is None and s.kind is SpanKind.SERVER for s in roots)
    assert len({s.context.trace_id for s in roots}) == 3  # a trace per tick


def test_a_feed_poll_counts_its_outcome_and_the_watermark_s_age(telemetry: Captured) -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    with feed_poll("twilio-monitor") as poll:
        poll.handled_up_to(now - timedelta(seconds=90), now)
    with pytest.raises(ConnectionError), feed_poll("twilio-monitor"):
        raise ConnectionError("no answer")
    assert telemetry.value(FEED_POLLS, feed="twilio-monitor", outcome="ok") == 1
    assert telemetry.value(FEED_POLLS, feed="twilio-monitor", outcome="failed") == 1
    (lag,) = telemetry.points_of(FEED_LAG)
    assert (lag.value, lag.total) == (1, 90.0)


def test_a_journal_write_that_failed_moves_the_metric_alerts_read(telemetry: Captured) -> None:
    # The composition root (imported above) connects the journal's count to the metric.
    before = observability.journal_write_failures()
    observability.journal_write_failed()
    assert observability.journal_write_failures() == before + 1
    assert telemetry.value("byoc.journal.write_failures") == 1
