"""The telemetry contract holds: infra/telemetry-contract.json says what the code records,
every instrument records exactly the attribute keys the contract names, and the values the
contract lists are the ones the product can produce."""

from __future__ import annotations

import json
from typing import get_args

import pytest

from shared.domain.commands import AnyCommand
from shared.health.decision import SwitchCause
from shared.health.switches import CAUSE_REASONS
from shared.telemetry import contract, metrics
from shared.telemetry.metrics import vendor_outcome
from tests.conftest import REPO_ROOT
from tests.support.telemetry import Captured

CONTRACT_FILE = REPO_ROOT / "infra" / "telemetry-contract.json"


def test_the_infra_contract_file_is_the_code_s_contract() -> None:
    assert json.loads(CONTRACT_FILE.read_text()) == contract.contract_document()


def test_the_contract_names_the_metrics_the_alerts_are_written_against() -> None:
    assert contract.contract_document()["metrics"] == {
        "byoc.commands": ["command_type", "outcome"],
        "byoc.vendor.calls": ["vendor", "outcome"],
        "byoc.vendor.throttled": ["vendor"],
        "byoc.vendor.retries": ["vendor"],
        "byoc.failovers": ["trunk_group", "direction", "reason"],
        "byoc.drift.found": ["kind"],
        "byoc.drift.repaired": ["kind"],
        "byoc.feed.polls": ["feed", "outcome"],
        "byoc.feed.lag": ["feed"],
        "byoc.timer.runs": ["timer", "outcome"],
        "byoc.journal.write_failures": [],
    }


def record_one_of_each() -> None:
    metrics.command_finished("purchase_number", "succeeded")
    metrics.vendor_answered("twilio", "throttled")
    metrics.vendor_retried("genesys")
    metrics.route_switched("TG", "failover", "member_down")
    metrics.drift_found("add_dnis", 2)
    metrics.drift_repaired("add_dnis", 2)
    metrics.feed_polled("twilio-monitor", "ok")
    metrics.feed_lag("twilio-monitor", 12.5)
    metrics.timer_ran("reconcile_timer", "skipped")
    metrics.journal_write_failed()


def test_every_instrument_records_exactly_the_contract_s_keys(telemetry: Captured) -> None:
    record_one_of_each()
    points = telemetry.collect()
    assert {point.name for point in points} == set(contract.METRIC_BY_NAME)
    for point in points:
        spec = contract.METRIC_BY_NAME[point.name]
        assert set(point.attributes) == set(spec.attributes), point.name
        for key, allowed in spec.values.items():
            assert point.attributes[key] in allowed, (point.name, key)


def test_a_throttled_answer_counts_as_a_call_and_as_throttled(telemetry: Captured) -> None:
    metrics.vendor_answered("twilio", "throttled")
    metrics.vendor_answered("twilio", "ok")
    assert telemetry.value(contract.VENDOR_CALLS, vendor="twilio") == 2
    assert telemetry.value(contract.VENDOR_CALLS, vendor="twilio", outcome="throttled") == 1
    assert telemetry.value(contract.VENDOR_THROTTLED, vendor="twilio") == 1


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (None, "network_error"),
        (200, "ok"),
        (404, "client_error"),
        (409, "client_error"),
        (429, "throttled"),
        (500, "server_error"),
        (503, "server_error"),
    ],
)
def test_how_a_vendor_answered(status: int | None, outcome: str) -> None:
    assert vendor_outcome(status) == outcome


def test_the_listed_values_are_the_literal_types() -> None:
    pairs = [
        (contract.COMMAND_OUTCOMES, contract.CommandOutcome),
        (contract.VENDORS, contract.Vendor),
        (contract.VENDOR_OUTCOMES, contract.VendorOutcome),
        (contract.DIRECTIONS, contract.Direction),
        (contract.SWITCH_REASONS, contract.SwitchReason),
        (contract.FEEDS, contract.Feed),
        (contract.FEED_OUTCOMES, contract.FeedOutcome),
        (contract.TIMER_OUTCOMES, contract.TimerOutcome),
    ]
    for values, literal in pairs:
        assert values == get_args(literal)


def test_command_types_are_the_commands_the_worker_runs() -> None:
    types = {
        get_args(command.model_fields["type"].annotation)[0] for command in AnyCommand.__args__
    }
    listed = contract.METRIC_BY_NAME[contract.COMMANDS].values[contract.COMMAND_TYPE]
    assert set(listed) == types | {contract.UNKNOWN_COMMAND}


def test_every_switch_cause_has_a_reason_and_realign_is_the_rest() -> None:
    assert set(CAUSE_REASONS) == set(SwitchCause)
    assert set(contract.SWITCH_REASONS) == set(CAUSE_REASONS.values()) | {"realign"}
