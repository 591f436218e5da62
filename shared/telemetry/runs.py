"""The invocations the Functions app serves, each as one entry span with its outcome counted:
an HTTP request, a timer tick, a command taken off the queue, a change feed's poll.

Each is a context manager around the invocation's body: it starts the span (continuing the
caller's trace, see `tracing.entry_span`), and on the way out counts the outcome — an
exception means failed, and is re-raised untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from shared.telemetry import contract, metrics
from shared.telemetry.contract import Feed, TimerOutcome
from shared.telemetry.tracing import (
    carrier_from_headers,
    carrier_from_properties,
    entry_span,
)
from shared.telemetry.tracing import span as internal_span


@contextmanager
def http_request(method: str, route: str, headers: Mapping[str, str]) -> Iterator[Span]:
    """An HTTP invocation, named by method and route template (`GET /api/numbers/{e164}`);
    the caller sets the answer's status with `http_answered`."""
    attributes = {"http.request.method": method.upper(), "http.route": route}
    with entry_span(
        f"{method.upper()} {route}",
        kind=SpanKind.SERVER,
        carrier=carrier_from_headers(headers),
        attributes=attributes,
    ) as span:
        yield span


def http_answered(span: Span, status: int) -> None:
    """A server span fails on 5xx only: a 4xx is the caller's problem, answered correctly."""
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_attribute("error.type", str(status))
        span.set_status(Status(StatusCode.ERROR))


@dataclass
class TimerRun:
    skipped: bool = False

    def skip(self) -> None:
        """The timer is switched off (the policy's `timers`): it ran, but did nothing."""
        self.skipped = True


@contextmanager
def timer_run(timer: str) -> Iterator[TimerRun]:
    """A timer tick: a new trace (a root SERVER span, so Application Insights lists every
    tick as a request) and `byoc.timer.runs` by outcome."""
    run = TimerRun()
    attributes = {contract.TIMER_ATTRIBUTE: timer}
    with entry_span(f"timer {timer}", kind=SpanKind.SERVER, attributes=attributes) as span:
        try:
            yield run
        except Exception:
            span.set_attribute(contract.TIMER_OUTCOME_ATTRIBUTE, "failed")
            metrics.timer_ran(timer, "failed")
            raise
        outcome: TimerOutcome = "skipped" if run.skipped else "ok"
        span.set_attribute(contract.TIMER_OUTCOME_ATTRIBUTE, outcome)
        metrics.timer_ran(timer, outcome)


@dataclass
class CommandDelivery:
    """What the worker learns about the message it runs, as it learns it."""

    span: Span
    command_type: str = contract.UNKNOWN_COMMAND
    refusal: str | None = None

    def command(self, command_type: str, command_id: str) -> None:
        self.command_type = command_type
        self.span.update_name(f"run {command_type}")
        self.span.set_attribute(contract.COMMAND_TYPE_ATTRIBUTE, command_type)
        self.span.set_attribute(contract.COMMAND_ID_ATTRIBUTE, command_id)

    def refuse(self, reason: str) -> None:
        """Not a command this version reads: it is counted `refused`, not `failed`."""
        self.refusal = reason
        self.span.set_attribute(contract.COMMAND_REFUSAL_ATTRIBUTE, reason)


@contextmanager
def command_delivery(
    *,
    message_id: str,
    correlation_id: str,
    delivery_count: int,
    properties: Mapping[Any, Any] | None,
) -> Iterator[CommandDelivery]:
    """A message off the command queue: a CONSUMER span continuing the trace of the request
    or tick that queued it (its `traceparent` application property), and `byoc.commands`."""
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "servicebus",
        "messaging.operation.type": "process",
        "messaging.message.id": message_id,
        "messaging.message.conversation_id": correlation_id,
        contract.DELIVERY_COUNT_ATTRIBUTE: delivery_count,
    }
    with entry_span(
        "run command",
        kind=SpanKind.CONSUMER,
        carrier=carrier_from_properties(properties),
        attributes=attributes,
    ) as span:
        delivery = CommandDelivery(span)
        try:
            yield delivery
        except Exception:
            outcome: contract.CommandOutcome = "failed" if delivery.refusal is None else "refused"
            span.set_attribute(contract.COMMAND_OUTCOME_ATTRIBUTE, outcome)
            metrics.command_finished(delivery.command_type, outcome)
            raise
        span.set_attribute(contract.COMMAND_OUTCOME_ATTRIBUTE, "succeeded")
        metrics.command_finished(delivery.command_type, "succeeded")


@dataclass
class FeedPoll:
    feed: Feed
    lag_s: float | None = field(default=None)

    def handled_up_to(self, newest: datetime, now: datetime) -> None:
        """The feed has handled everything up to `newest` (its watermark) as of `now`."""
        self.lag_s = max(0.0, (now - newest).total_seconds())


@contextmanager
def feed_poll(feed: Feed) -> Iterator[FeedPoll]:
    """One poll of a vendor change feed: a span, `byoc.feed.polls` by outcome and, when the
    poll says how far it got, `byoc.feed.lag`. A feed is one `with` around its poll."""
    poll = FeedPoll(feed)
    with internal_span(f"poll {feed}", {contract.FEED_ATTRIBUTE: feed}) as span:
        try:
            yield poll
        except Exception:
            metrics.feed_polled(feed, "failed")
            raise
        metrics.feed_polled(feed, "ok")
        if poll.lag_s is not None:
            span.set_attribute("byoc.feed.lag_s", poll.lag_s)
            metrics.feed_lag(feed, poll.lag_s)
