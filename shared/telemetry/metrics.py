"""The instruments of the contract (`contract.METRICS`) and one function per thing counted.

The instruments come from the OpenTelemetry API's global meter, created once at import: until
a process installs a meter provider (Azure Monitor in Azure, the console in the sandbox, an
in-memory reader in tests) they record nothing and cost next to nothing; once one is
installed they record into it. Callers never build attribute dicts themselves, so a key the
contract does not name cannot slip in.
"""

from __future__ import annotations

from opentelemetry import metrics

from shared.telemetry import contract
from shared.telemetry.contract import (
    CommandOutcome,
    Direction,
    Feed,
    FeedOutcome,
    SwitchReason,
    TimerOutcome,
    Vendor,
    VendorOutcome,
)

METER_NAME = "byoc_sync"
_meter = metrics.get_meter(METER_NAME)


def _counter(name: str) -> metrics.Counter:
    spec = contract.METRIC_BY_NAME[name]
    return _meter.create_counter(spec.name, unit=spec.unit, description=spec.description)


def _histogram(name: str) -> metrics.Histogram:
    spec = contract.METRIC_BY_NAME[name]
    return _meter.create_histogram(spec.name, unit=spec.unit, description=spec.description)


_commands = _counter(contract.COMMANDS)
_vendor_calls = _counter(contract.VENDOR_CALLS)
_vendor_throttled = _counter(contract.VENDOR_THROTTLED)
_vendor_retries = _counter(contract.VENDOR_RETRIES)
_failovers = _counter(contract.FAILOVERS)
_drift_found = _counter(contract.DRIFT_FOUND)
_drift_repaired = _counter(contract.DRIFT_REPAIRED)
_feed_polls = _counter(contract.FEED_POLLS)
_feed_lag = _histogram(contract.FEED_LAG)
_timer_runs = _counter(contract.TIMER_RUNS)
_journal_write_failures = _counter(contract.JOURNAL_WRITE_FAILURES)


def command_finished(command_type: str, outcome: CommandOutcome) -> None:
    _commands.add(1, {contract.COMMAND_TYPE: command_type, contract.OUTCOME: outcome})


def vendor_outcome(status: int | None) -> VendorOutcome:
    """How a vendor answered one attempt: no answer at all is a network error."""
    if status is None:
        return "network_error"
    if status == 429:
        return "throttled"
    if status >= 500:
        return "server_error"
    if status >= 400:
        return "client_error"
    return "ok"


def vendor_answered(vendor: Vendor | str, outcome: VendorOutcome) -> None:
    """One attempt of a vendor operation, and 429s counted on their own as well."""
    _vendor_calls.add(1, {contract.VENDOR: vendor, contract.OUTCOME: outcome})
    if outcome == "throttled":
        _vendor_throttled.add(1, {contract.VENDOR: vendor})


def vendor_retried(vendor: Vendor | str) -> None:
    _vendor_retries.add(1, {contract.VENDOR: vendor})


def route_switched(trunk_group: str, direction: Direction, reason: SwitchReason) -> None:
    _failovers.add(
        1,
        {contract.TRUNK_GROUP: trunk_group, contract.DIRECTION: direction, contract.REASON: reason},
    )


def drift_found(kind: str, count: int = 1) -> None:
    if count > 0:
        _drift_found.add(count, {contract.KIND: kind})


def drift_repaired(kind: str, count: int = 1) -> None:
    if count > 0:
        _drift_repaired.add(count, {contract.KIND: kind})


def feed_polled(feed: Feed, outcome: FeedOutcome) -> None:
    _feed_polls.add(1, {contract.FEED: feed, contract.OUTCOME: outcome})


def feed_lag(feed: Feed, seconds: float) -> None:
    _feed_lag.record(max(0.0, seconds), {contract.FEED: feed})


def timer_ran(timer: str, outcome: TimerOutcome) -> None:
    _timer_runs.add(1, {contract.TIMER: timer, contract.OUTCOME: outcome})


def journal_write_failed() -> None:
    """A journal entry could not be written (the journal's writer calls this)."""
    _journal_write_failures.add(1)
