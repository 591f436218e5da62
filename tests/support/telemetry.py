"""Capturing what the product records: spans and metric points, in memory.

OpenTelemetry lets a process set its tracer and meter providers once, so the SDK providers
are installed once per test process (the first time a test asks for `telemetry`) with an
in-memory span exporter and an in-memory metric reader, and each test gets a clean view of
them: spans only while the test runs (a gate in front of the exporter), and metrics as
deltas since the test started (the reader's temporality is DELTA, and the fixture collects
once before handing over). Nothing is exported anywhere else.

Loaded as a plugin by tests/conftest.py; a test asks for the `telemetry` fixture.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    MeterProvider,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    HistogramDataPoint,
    InMemoryMetricReader,
    NumberDataPoint,
)
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

DELTA: dict[type, AggregationTemporality] = {
    kind: AggregationTemporality.DELTA
    for kind in (
        Counter,
        UpDownCounter,
        Histogram,
        ObservableCounter,
        ObservableUpDownCounter,
        ObservableGauge,
    )
}


class _Gate(SpanProcessor):
    """Passes ended spans on only while a test holds the gate open."""

    def __init__(self, inner: SpanProcessor) -> None:
        self.inner = inner
        self.open = False

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        if self.open:
            self.inner.on_end(span)

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


@dataclass(frozen=True)
class Point:
    name: str
    attributes: Mapping[str, Any]
    value: float  # the sum of a counter's delta; a histogram's count
    total: float  # the same for a counter; a histogram's sum


@dataclass
class _Providers:
    spans: InMemorySpanExporter
    gate: _Gate
    reader: InMemoryMetricReader


_installed: _Providers | None = None
_install_lock = threading.Lock()


def _providers() -> _Providers:
    global _installed
    with _install_lock:
        if _installed is None:
            exporter = InMemorySpanExporter()
            gate = _Gate(SimpleSpanProcessor(exporter))
            tracer_provider = TracerProvider()
            tracer_provider.add_span_processor(gate)
            trace.set_tracer_provider(tracer_provider)
            reader = InMemoryMetricReader(preferred_temporality=DELTA)
            metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
            assert trace.get_tracer_provider() is tracer_provider, (
                "another tracer provider was set first in this process; telemetry tests "
                "need theirs (is BYOC_TELEMETRY_CONSOLE set?)"
            )
            _installed = _Providers(exporter, gate, reader)
        return _installed


def attrs(span: ReadableSpan) -> Mapping[str, Any]:
    """A span's attributes (none is an empty mapping)."""
    return span.attributes or {}


@dataclass
class Captured:
    """What the product recorded during one test."""

    providers: _Providers
    points: list[Point] = field(default_factory=list)

    def spans(self) -> list[ReadableSpan]:
        return list(self.providers.spans.get_finished_spans())

    def spans_named(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.spans() if span.name == name]

    def collect(self) -> list[Point]:
        """Every metric point recorded so far in this test (collecting adds the new ones)."""
        data = self.providers.reader.get_metrics_data()
        for resource in data.resource_metrics if data is not None else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    for point in metric.data.data_points:
                        if isinstance(point, NumberDataPoint):
                            value = float(point.value)
                            labels = dict(point.attributes or {})
                            self.points.append(Point(metric.name, labels, value, value))
                        elif isinstance(point, HistogramDataPoint):
                            labels = dict(point.attributes or {})
                            self.points.append(Point(metric.name, labels, point.count, point.sum))
        return self.points

    def value(self, name: str, **attributes: str) -> float:
        """A counter's total (a histogram's count) over points whose attributes include these."""
        return sum(
            point.value
            for point in self.collect()
            if point.name == name
            and all(point.attributes.get(k) == v for k, v in attributes.items())
        )

    def points_of(self, name: str) -> list[Point]:
        return [point for point in self.collect() if point.name == name]


@pytest.fixture
def telemetry() -> Iterator[Captured]:
    providers = _providers()
    providers.reader.get_metrics_data()  # what earlier tests recorded is not this test's
    providers.spans.clear()
    providers.gate.open = True
    try:
        yield Captured(providers)
    finally:
        providers.gate.open = False
        providers.spans.clear()
