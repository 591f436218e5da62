"""The telemetry contract: every metric byoc-sync emits, its attribute keys and their values.

Azure alerts and the operations workbook query these names (customMetrics in Application
Insights), so they change only together with them: `infra/telemetry-contract.json` is
generated from `METRICS` (`byoc-sync docs generate`) and tests/unit/test_telemetry_contract.py
fails when the two disagree or when an instrument records a key the contract does not name.

Attribute values are bounded on purpose: a metric's cost and its usefulness in a chart both
depend on how many distinct attribute sets it has, so no value here is an id, a number or a
free-text message (those belong on spans and in logs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

# ------------------------------------------------------------------ metric names
COMMANDS = "byoc.commands"
VENDOR_CALLS = "byoc.vendor.calls"
VENDOR_THROTTLED = "byoc.vendor.throttled"
VENDOR_RETRIES = "byoc.vendor.retries"
FAILOVERS = "byoc.failovers"
DRIFT_FOUND = "byoc.drift.found"
DRIFT_REPAIRED = "byoc.drift.repaired"
FEED_POLLS = "byoc.feed.polls"
FEED_LAG = "byoc.feed.lag"
TIMER_RUNS = "byoc.timer.runs"
JOURNAL_WRITE_FAILURES = "byoc.journal.write_failures"

# ------------------------------------------------------------------ metric attribute keys
COMMAND_TYPE = "command_type"
OUTCOME = "outcome"
VENDOR = "vendor"
TRUNK_GROUP = "trunk_group"
DIRECTION = "direction"
REASON = "reason"
KIND = "kind"
FEED = "feed"
TIMER = "timer"

# ------------------------------------------------------------------ attribute values
CommandOutcome = Literal["succeeded", "failed", "refused"]
Vendor = Literal["twilio", "genesys"]
VendorOutcome = Literal["ok", "client_error", "server_error", "throttled", "network_error"]
Direction = Literal["failover", "failback"]
# Why a trunk group's route was switched: the cause of the switch the health state
# recorded (shared/health/decision.py `SwitchCause`), or `realign` when the vendors had
# left the order the state already holds (an unfinished switch, a change by hand).
SwitchReason = Literal["member_down", "recovery", "pinned", "operator", "realign"]
Feed = Literal["twilio-monitor", "genesys-audit", "twilio-alerts"]
FeedOutcome = Literal["ok", "failed"]
TimerOutcome = Literal["ok", "failed", "skipped"]
# `command_type` of a message the worker could not read as a command.
UNKNOWN_COMMAND = "unknown"

COMMAND_OUTCOMES: tuple[CommandOutcome, ...] = ("succeeded", "failed", "refused")
VENDORS: tuple[Vendor, ...] = ("twilio", "genesys")
VENDOR_OUTCOMES: tuple[VendorOutcome, ...] = (
    "ok",
    "client_error",
    "server_error",
    "throttled",
    "network_error",
)
DIRECTIONS: tuple[Direction, ...] = ("failover", "failback")
SWITCH_REASONS: tuple[SwitchReason, ...] = (
    "member_down",
    "recovery",
    "pinned",
    "operator",
    "realign",
)
FEEDS: tuple[Feed, ...] = ("twilio-monitor", "genesys-audit", "twilio-alerts")
FEED_OUTCOMES: tuple[FeedOutcome, ...] = ("ok", "failed")
TIMER_OUTCOMES: tuple[TimerOutcome, ...] = ("ok", "failed", "skipped")


@dataclass(frozen=True)
class MetricSpec:
    """One instrument: what it counts, in which unit, split by which attributes."""

    name: str
    instrument: Literal["counter", "histogram"]
    unit: str
    description: str
    attributes: tuple[str, ...] = ()
    # The values an attribute takes, where the contract fixes them (docs, tests).
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        COMMANDS,
        "counter",
        "{command}",
        "Deliveries of queued commands the worker finished: succeeded, failed (the message "
        "goes back to the queue) or refused (not a command this version reads; it "
        "dead-letters). A command redelivered three times counts three times.",
        (COMMAND_TYPE, OUTCOME),
        {
            COMMAND_TYPE: (
                "purchase_number",
                "release_number",
                "reconcile",
                "evaluate_trunk_group",
                UNKNOWN_COMMAND,
            ),
            OUTCOME: COMMAND_OUTCOMES,
        },
    ),
    MetricSpec(
        VENDOR_CALLS,
        "counter",
        "{call}",
        "Attempts of vendor operations (every retry is an attempt of its own), by how the "
        "vendor answered.",
        (VENDOR, OUTCOME),
        {VENDOR: VENDORS, OUTCOME: VENDOR_OUTCOMES},
    ),
    MetricSpec(
        VENDOR_THROTTLED,
        "counter",
        "{call}",
        "Attempts the vendor refused with HTTP 429 (rate limited).",
        (VENDOR,),
        {VENDOR: VENDORS},
    ),
    MetricSpec(
        VENDOR_RETRIES,
        "counter",
        "{retry}",
        "Attempts the retry policy makes again after a retryable failure (429, 5xx, no answer).",
        (VENDOR,),
        {VENDOR: VENDORS},
    ),
    MetricSpec(
        FAILOVERS,
        "counter",
        "{switch}",
        "Trunk groups whose first member was actually switched on the vendors (never in "
        "dry-run): to a lower-priority member (failover) or back to a higher one (failback).",
        (TRUNK_GROUP, DIRECTION, REASON),
        {DIRECTION: DIRECTIONS, REASON: SWITCH_REASONS},
    ),
    MetricSpec(
        DRIFT_FOUND,
        "counter",
        "{number}",
        "Drift a reconcile found: one per number a planned change is about, by change kind "
        "(dry-run included).",
        (KIND,),
    ),
    MetricSpec(
        DRIFT_REPAIRED,
        "counter",
        "{number}",
        "Drift a reconcile repaired: one per number of a change applied successfully.",
        (KIND,),
    ),
    MetricSpec(
        FEED_POLLS,
        "counter",
        "{poll}",
        "Polls of a vendor change feed, by whether the poll completed.",
        (FEED, OUTCOME),
        {FEED: FEEDS, OUTCOME: FEED_OUTCOMES},
    ),
    MetricSpec(
        FEED_LAG,
        "histogram",
        "s",
        "At each poll, the age of the newest event the feed has handled (its watermark).",
        (FEED,),
        {FEED: FEEDS},
    ),
    MetricSpec(
        TIMER_RUNS,
        "counter",
        "{run}",
        "Timer function runs: ok, failed (raised), or skipped (switched off in the policy).",
        (TIMER, OUTCOME),
        {OUTCOME: TIMER_OUTCOMES},
    ),
    MetricSpec(
        JOURNAL_WRITE_FAILURES,
        "counter",
        "{write}",
        "Journal entries that could not be written.",
    ),
)
METRIC_BY_NAME: Mapping[str, MetricSpec] = {spec.name: spec for spec in METRICS}


def contract_document() -> dict[str, object]:
    """The contract as `infra/telemetry-contract.json` holds it, for the alert rules and the
    workbook (tests/infra/test_alerts.py checks their queries against it): metric ->
    attribute keys, metric -> instrument kind, metric -> attribute -> the values it takes."""
    return {
        "description": "Generated from shared/telemetry/contract.py (byoc-sync docs generate): "
        "the custom metrics byoc-sync emits, which the alerts and the workbook in infra/ "
        "query in Application Insights customMetrics (name = instrument name, attributes in "
        "customDimensions).",
        "metrics": {spec.name: list(spec.attributes) for spec in METRICS},
        "kinds": {spec.name: spec.instrument for spec in METRICS},
        "values": {
            spec.name: {key: list(values) for key, values in spec.values.items()}
            for spec in METRICS
            if spec.values
        },
    }


# ------------------------------------------------------------------ span attributes
# Spans carry what metrics must not: ids and the correlation id. Standard OpenTelemetry
# keys where one exists; ours under `byoc.`.
CORRELATION_ID_ATTRIBUTE = "byoc.correlation_id"
COMMAND_TYPE_ATTRIBUTE = "byoc.command.type"
COMMAND_ID_ATTRIBUTE = "byoc.command.id"
COMMAND_OUTCOME_ATTRIBUTE = "byoc.command.outcome"
COMMAND_REFUSAL_ATTRIBUTE = "byoc.command.refusal"
DELIVERY_COUNT_ATTRIBUTE = "byoc.command.delivery_count"
VENDOR_ATTRIBUTE = "byoc.vendor"
VENDOR_OPERATION_ATTRIBUTE = "byoc.vendor.operation"
VENDOR_ATTEMPTS_ATTRIBUTE = "byoc.vendor.attempts"
VENDOR_OUTCOME_ATTRIBUTE = "byoc.vendor.outcome"
TIMER_ATTRIBUTE = "byoc.timer"
TIMER_OUTCOME_ATTRIBUTE = "byoc.timer.outcome"
FEED_ATTRIBUTE = "byoc.feed"
TRUNK_GROUP_ATTRIBUTE = "byoc.trunk_group"
HEALTH_PREFERRED_ATTRIBUTE = "byoc.health.preferred"
HEALTH_CHANGED_ATTRIBUTE = "byoc.health.changed"
HEALTH_SWITCHED_ATTRIBUTE = "byoc.health.switched"
DRY_RUN_ATTRIBUTE = "byoc.dry_run"
