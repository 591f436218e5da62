"""Safety: a policy edit that would delete everything is stopped by the guards, and even
with the guards opened wide the integration deletes only what it owns.

Through the local host: the reconcile timer queues the command, the worker plans and (maybe)
applies. The policy file is edited in place, as an operator would edit it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sandbox.emulators.core.emulator import Emulator
from sandbox.runner import COMMAND_QUEUE
from shared.adapters.service_bus import ServiceBusPublisher
from shared.domain.commands import ReconcileNumbers, envelope
from shared.settings import ServiceBusConnection
from tests.e2e.conftest import MAX_DELIVERIES, Running
from tests.support.vendor_log import vendor_writes

BOUGHT = 12
HAND_MADE_POOLS = {("+12025550100", "+12025550109"), ("+13125550100", "+13125550100")}


def writes(emulator: Emulator) -> list[str]:
    return sorted(vendor_writes(emulator))


def clear_logs(running: Running) -> None:
    for emulator in (running.sandbox.twilio, running.sandbox.genesys):
        emulator.log.clear()


def edit_policy(running: Running, **changes: Any) -> None:
    """Routes that select no number at all, plus any top-level changes (the guards)."""
    path = Path(str(running.sandbox.policy_path))
    policy = yaml.safe_load(path.read_text())
    for route in policy["routes"]:
        route["select"] = {"prefixes": ["+1999"]}
    policy.update(changes)
    path.write_text(yaml.safe_dump(policy, sort_keys=False))


def reconcile(running: Running, key: str) -> None:
    """A full reconcile, as the timer queues it (its own key: the timer's slot key would
    make a second run in the same minute a duplicate, which Service Bus drops)."""
    assert running.sandbox.amqp is not None
    command = envelope(ReconcileNumbers(), correlation_id=key, idempotency_key=key)
    connection = ServiceBusConnection(ServiceBusConnection=running.sandbox.amqp.connection_string)
    publisher = ServiceBusPublisher(connection, COMMAND_QUEUE)
    try:
        publisher.publish([command])
    finally:
        publisher.close()
    running.drain()


def test_a_policy_that_would_delete_everything(running: Running) -> None:
    for _ in range(BOUGHT):
        answer = running.call("POST", "numbers", json={"route": "support", "area_code": "312"})
        assert answer.status_code == 202, answer.text
        running.drain()
    twilio, genesys = running.adapters()
    owned = [p for p in genesys.list_did_pools() if p.owned]
    numbers_before = {n.phone_number for n in twilio.list_numbers()}
    assert len(owned) == BOUGHT

    # 1. The guards: more than max_deletions (10) owned objects would go. Nothing is written;
    #    the command ends in the dead-letter queue with the guard's reason.
    edit_policy(running)
    clear_logs(running)
    reconcile(running, "everything-1")
    assert writes(running.sandbox.genesys) == [] and writes(running.sandbox.twilio) == []
    (refused,) = running.dead_letters()
    assert refused.delivery_count == MAX_DELIVERIES
    assert "more than max_deletions (10)" in (refused.dead_letter_error_description or "")

    # 2. Guards opened wide: what byoc-sync made goes, what it did not make stays.
    edit_policy(running, max_deletions=1000, change_guard={"max_share": 1.0, "min_owned": 10**6})
    reconcile(running, "everything-2")
    _, genesys = running.adapters()
    pools = genesys.list_did_pools()
    assert {(p.start, p.end) for p in pools} == HAND_MADE_POOLS  # owned pools all deleted
    assert not any(p.owned for p in pools)
    assert {n.phone_number for n in twilio.list_numbers()} == numbers_before  # none released
    assert writes(running.sandbox.twilio) == []  # reconcile never touches Twilio numbers
    assert len(running.broker.active_messages(COMMAND_QUEUE)) == 0


def test_release_of_a_number_the_integration_does_not_own_is_refused(running: Running) -> None:
    twilio, _ = running.adapters()
    twilio.purchase("+18885550123", "another team's number")
    clear_logs(running)
    answer = running.call("DELETE", "numbers/%2B18885550123")
    assert answer.status_code == 409, answer.text
    assert writes(running.sandbox.twilio) == [] and writes(running.sandbox.genesys) == []
    assert running.broker.active_messages(COMMAND_QUEUE) == []
