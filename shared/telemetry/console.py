"""The sandbox's exporters: spans and metrics as short lines on stderr.

`BYOC_TELEMETRY_CONSOLE=true` turns them on (`shared.bootstrap.start_telemetry`): the same
instrumentation as in Azure, readable while `byoc-sync sandbox serve` or the demo runs. One
line per span (trace id, span id, parent, name, duration, the attributes that say what it
was) and one line per metric point every `interval_s`, instead of the SDK's indented JSON.
"""

from __future__ import annotations

import sys
from typing import IO

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    HistogramDataPoint,
    MetricsData,
    NumberDataPoint,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

SERVICE_NAME = "byoc-sync"


def span_line(span: ReadableSpan) -> str:
    context = span.get_span_context()
    parent = f"{span.parent.span_id:016x}" if span.parent is not None else "-"
    took = ((span.end_time or 0) - (span.start_time or 0)) / 1e6
    status = "" if span.status.is_ok else f" {span.status.status_code.name}"
    attributes = " ".join(f"{k}={v!s}" for k, v in sorted((span.attributes or {}).items()))
    trace_id = f"{context.trace_id:032x}" if context is not None else "-"
    span_id = f"{context.span_id:016x}" if context is not None else "-"
    return (
        f"span trace={trace_id} span={span_id} parent={parent} "
        f"{span.kind.name} {span.name!r} {took:.1f}ms{status} {attributes}\n"
    )


def metric_lines(data: MetricsData) -> str:
    lines = []
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    labels = ",".join(
                        f"{k}={v!s}" for k, v in sorted((point.attributes or {}).items())
                    )
                    if isinstance(point, NumberDataPoint):
                        value = f"{point.value}"
                    elif isinstance(point, HistogramDataPoint):
                        value = f"count={point.count} sum={point.sum:.3f} max={point.max:.3f}"
                    else:
                        continue
                    lines.append(f"metric {metric.name}{{{labels}}} {value}\n")
    return "".join(lines)


def install_console(out: IO[str] = sys.stderr, interval_s: float = 60.0) -> None:
    """Set the process's tracer and meter providers to console exporters (once per process:
    OpenTelemetry keeps the first providers set)."""
    resource = Resource.create({"service.name": SERVICE_NAME})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(
        BatchSpanProcessor(ConsoleSpanExporter(out=out, formatter=span_line))
    )
    trace.set_tracer_provider(tracer_provider)
    reader = PeriodicExportingMetricReader(
        ConsoleMetricExporter(out=out, formatter=metric_lines),
        export_interval_millis=interval_s * 1000,
    )
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
