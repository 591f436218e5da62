"""The worker on Service Bus: duplicates run once, poison dead-letters with its reason,
timers queue work (or skip when the policy says so)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from azure.servicebus import ServiceBusClient, ServiceBusMessage

from sandbox.runner import COMMAND_QUEUE, DEFAULT_POLICY
from shared.adapters.service_bus import ServiceBusPublisher
from shared.domain.commands import ReconcileNumbers, envelope
from shared.settings import ServiceBusConnection
from tests.e2e.conftest import MAX_DELIVERIES, Running


def connection_string(running: Running) -> str:
    assert running.sandbox.amqp is not None
    return running.sandbox.amqp.connection_string


def test_a_duplicate_message_id_is_applied_once(running: Running) -> None:
    command = envelope(
        ReconcileNumbers(phone_numbers=("+13125550101",)), correlation_id="dup", idempotency_key="k"
    )
    publisher = ServiceBusPublisher(
        ServiceBusConnection(ServiceBusConnection=connection_string(running)), COMMAND_QUEUE
    )
    try:
        publisher.publish([command])
        publisher.publish([command])
    finally:
        publisher.close()
    running.drain()
    assert len(running.worker_runs()) == 1
    _, genesys = running.adapters()
    support = next(i for i in genesys.list_ivrs() if i.name == "Support IVR")
    assert "+13125550101" in support.dnis


def test_a_poisoned_command_dead_letters_with_its_reason_after_max_deliveries(
    running: Running,
) -> None:
    client = ServiceBusClient.from_connection_string(connection_string(running))
    with client, client.get_queue_sender(COMMAND_QUEUE) as sender:
        sender.send_messages(
            ServiceBusMessage('{"schema_version": 9}', message_id="poison-1", session_id="p")
        )
    running.drain()
    runs = running.worker_runs()
    assert len(runs) == MAX_DELIVERIES and not any(r.ok for r in runs)
    (dead,) = running.dead_letters()
    assert dead.message_id == "poison-1"
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"
    assert "not a byoc-sync command" in (dead.dead_letter_error_description or "")


def test_the_reconcile_timer_provisions_a_number_bought_by_hand(running: Running) -> None:
    twilio, genesys = running.adapters()
    offer = twilio.search_available(country="US", kind="local", area_code="312", limit=1)[0]
    twilio.purchase(offer.phone_number, "Bought in the console route:support")
    timer = running.host.fire_timer("reconcile_timer")
    assert timer.ok, timer.error
    running.drain()
    support = next(i for i in genesys.list_ivrs() if i.name == "Support IVR")
    assert offer.phone_number in support.dnis


def test_the_health_check_timer_queues_one_evaluation_per_trunk_group(running: Running) -> None:
    assert running.host.fire_timer("health_check_timer").ok
    running.drain()
    (run,) = running.worker_runs()
    assert run.ok and "trunk-group:TG-BYOC-Primary-Failover" in run.detail


def test_timers_skip_cleanly_when_the_policy_pauses_them(
    running: Running,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    paused = tmp_path / "policy.yaml"
    paused.write_text(
        DEFAULT_POLICY.read_text()
        .replace("reconcile: true", "reconcile: false")
        .replace("health_check: true", "health_check: false")
        .replace("audit: true", "audit: false")
    )
    monkeypatch.setenv("BYOC_POLICY_PATH", str(paused))
    assert running.host.fire_timer("reconcile_timer").ok
    assert running.host.fire_timer("health_check_timer").ok
    with caplog.at_level(logging.INFO, logger="functions.timers"):
        assert running.host.fire_timer("audit_timer").ok
    running.drain()
    assert running.worker_runs() == []
    logged = [r.getMessage() for r in caplog.records if r.name == "functions.timers"]
    assert any("audit skipped: the policy's timers.audit is false" in m for m in logged)
    assert not any("audit coverage" in m for m in logged)


def test_the_daily_audit_timer_logs_each_finding_with_its_remediation(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="functions.timers"):
        assert running.host.fire_timer("audit_timer").ok
    logged = [r.getMessage() for r in caplog.records if r.name == "functions.timers"]
    assert all(line.startswith("[cid=") for line in logged)  # one correlation id per run
    lines = [line.split("] ", 1)[1] for line in logged]
    coverage = next(line for line in lines if line.startswith("audit coverage:"))
    assert "+13125550101 (route support) is on no Twilio trunk" in coverage  # the hand-bought
    assert "Remediation: Run `byoc-sync apply`" in coverage
    assert any(line.startswith("audit: 8 rule(s), ") for line in lines)
    assert running.worker_runs() == []  # the audit queues nothing and changes nothing
