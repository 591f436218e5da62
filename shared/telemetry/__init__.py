"""Traces and metrics (OpenTelemetry): what byoc-sync records, never where it goes.

- `contract`: the metric names, attribute keys and values Azure alerts and the workbook use;
- `metrics`: the instruments, one function per thing counted;
- `tracing`: spans and the W3C trace context carried across HTTP and the command queue;
- `runs`: the invocations (request, timer tick, command, feed poll) as spans with outcomes;
- `templates`: operation and endpoint names with the identifiers taken out;
- `console`: the sandbox's console exporters (imported only when switched on).

Everything here uses the OpenTelemetry API only, and records nothing until the process sets
providers: `shared.bootstrap.start_telemetry` (Azure Monitor, or the console), or a test.
Like `shared.observability`, it sits outside the layers: any module may record, and it
imports nothing of byoc-sync's and nothing of Azure's.
"""

from __future__ import annotations

from shared.telemetry.metrics import (
    drift_found,
    drift_repaired,
    journal_write_failed,
    route_switched,
    vendor_answered,
    vendor_retried,
)
from shared.telemetry.runs import command_delivery, feed_poll, http_request, timer_run
from shared.telemetry.tracing import (
    producer_span,
    span,
    trace_headers,
    vendor_operation,
    vendor_request,
)

__all__ = [
    "command_delivery",
    "drift_found",
    "drift_repaired",
    "feed_poll",
    "http_request",
    "journal_write_failed",
    "producer_span",
    "route_switched",
    "span",
    "timer_run",
    "trace_headers",
    "vendor_answered",
    "vendor_operation",
    "vendor_request",
    "vendor_retried",
]
