"""Spans: one trace per HTTP request or timer tick, carried across the queue into the worker
and down to every vendor request it makes.

Where a trace starts. An entry span (an HTTP request, a timer tick, a command taken off the
queue) continues the trace the caller sent: the `traceparent` header of a request, the
`traceparent` application property of a Service Bus message. In Azure the Functions host
has usually started a span of its own for the invocation (HTTP and Service Bus triggers,
with `PYTHON_ENABLE_OPENTELEMETRY`, attach it as the current context before the function
runs); the entry span is then that span's child and of kind INTERNAL, so Application
Insights shows one request per invocation, not two. A message whose sender's trace the
host's span does not continue is linked instead.

Every span carries the correlation id of the request or tick it belongs to
(`byoc.correlation_id`, from `shared.observability`), so one search finds the log lines and
the spans of one event alike.

Exceptions are not recorded on spans: their messages may quote a vendor's answer, and the
log records (which carry the trace id) already hold them. A failed span says which
exception type ended it (`error.type`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

from shared.observability import current_correlation_id
from shared.telemetry import contract
from shared.telemetry.templates import endpoint, operation_template

TRACER_NAME = "byoc_sync"
TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
# The Azure SDKs' older name for the W3C traceparent of a message (Service Bus, Event Hubs).
DIAGNOSTIC_ID = "Diagnostic-Id"
ERROR_TYPE = "error.type"

_tracer = trace.get_tracer(TRACER_NAME)
_w3c = TraceContextTextMapPropagator()

Attributes = Mapping[str, AttributeValue]


def trace_headers() -> dict[str, str]:
    """`traceparent` (and `tracestate`) of the current span; empty when nothing is traced."""
    carrier: dict[str, str] = {}
    _w3c.inject(carrier)
    return carrier


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return value if isinstance(value, str) else None


def carrier_from_properties(properties: Mapping[Any, Any] | None) -> dict[str, str]:
    """The trace context a message carries in its application properties: `traceparent`
    (else `Diagnostic-Id`, which holds the same value) and `tracestate`. Keys and values
    may arrive as bytes (the AMQP SDKs) or text (the Functions host)."""
    found = {_text(key): _text(value) for key, value in (properties or {}).items()}
    parent = found.get(TRACEPARENT) or found.get(DIAGNOSTIC_ID)
    if not parent:
        return {}
    carrier = {TRACEPARENT: parent}
    state = found.get(TRACESTATE)
    if state:
        carrier[TRACESTATE] = state
    return carrier


def carrier_from_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The W3C trace headers of an HTTP request, whatever their case."""
    wanted = {TRACEPARENT, TRACESTATE}
    return {key.lower(): value for key, value in headers.items() if key.lower() in wanted}


def failed(span: Span, error: BaseException) -> None:
    span.set_attribute(ERROR_TYPE, type(error).__name__)
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))


@contextmanager
def _span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes | None = None,
    context: Any = None,
    links: list[Link] | None = None,
) -> Iterator[Span]:
    correlation_id = current_correlation_id()
    if correlation_id is not None:
        attributes = {**(attributes or {}), contract.CORRELATION_ID_ATTRIBUTE: correlation_id}
    with _tracer.start_as_current_span(
        name,
        context=context,
        kind=kind,
        attributes=attributes,
        links=links,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except BaseException as error:
            failed(span, error)
            raise


@contextmanager
def entry_span(
    name: str,
    *,
    kind: SpanKind,
    carrier: Mapping[str, str] | None = None,
    attributes: Attributes | None = None,
) -> Iterator[Span]:
    """The span of one invocation: child of the Functions host's span when there is one
    (then INTERNAL, linked to the sender's context if that is another trace), else of the
    caller's context in `carrier`, else a new trace (see the module docstring)."""
    host = trace.get_current_span().get_span_context()
    remote = _w3c.extract(dict(carrier)) if carrier else None
    sender = trace.get_current_span(remote).get_span_context() if remote is not None else None
    if host.is_valid:
        links = (
            [Link(sender)]
            if sender is not None and sender.is_valid and sender.trace_id != host.trace_id
            else []
        )
        with _span(name, kind=SpanKind.INTERNAL, attributes=attributes, links=links) as span:
            yield span
        return
    with _span(name, kind=kind, attributes=attributes, context=remote) as span:
        yield span


@contextmanager
def span(name: str, attributes: Attributes | None = None) -> Iterator[Span]:
    """An INTERNAL span under the current one (a step worth seeing in a trace)."""
    with _span(name, attributes=attributes) as current:
        yield current


@contextmanager
def producer_span(name: str, attributes: Attributes | None = None) -> Iterator[Span]:
    """The span whose context a published message carries (`trace_headers()` inside it)."""
    with _span(name, kind=SpanKind.PRODUCER, attributes=attributes) as current:
        yield current


@contextmanager
def vendor_operation(vendor: str, operation: str) -> Iterator[Span]:
    """One vendor operation under the retry policy: its attempts are children of this span."""
    template = operation_template(operation)
    attributes = {
        contract.VENDOR_ATTRIBUTE: vendor,
        contract.VENDOR_OPERATION_ATTRIBUTE: template,
    }
    with _span(f"{vendor} {template}", attributes=attributes) as current:
        yield current


@contextmanager
def vendor_request(vendor: str, method: str, url: str) -> Iterator[Span]:
    """One HTTP request to a vendor: a CLIENT span named by method and endpoint template;
    the caller adds the answer's status with `answered`."""
    target = endpoint(url)
    attributes: dict[str, AttributeValue] = {
        "http.request.method": method.upper(),
        "url.template": target.path_template,
        "url.scheme": target.scheme,
        "server.address": target.host,
        contract.VENDOR_ATTRIBUTE: vendor,
    }
    if target.port is not None:
        attributes["server.port"] = target.port
    name = f"{method.upper()} {target.path_template}"
    with _span(name, kind=SpanKind.CLIENT, attributes=attributes) as current:
        yield current


def answered(span: Span, status: int) -> None:
    """The HTTP status a vendor answered; 4xx and 5xx mark the client span failed."""
    span.set_attribute("http.response.status_code", status)
    if status >= 400:
        span.set_attribute(ERROR_TYPE, str(status))
        span.set_status(Status(StatusCode.ERROR))
