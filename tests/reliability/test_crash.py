"""Crash safety: the host process is killed (SIGKILL) between two vendor calls of one
command; a new host on the same durable queue finishes the command, and nothing is done
twice.

The kill lands while the purchase command waits on Genesys to create the DID pool (the
emulator holds that request), after Twilio sold the number and put it on the trunk. The
held request still completes on the Genesys side, so the restarted worker meets a pool it
does not know it made and a number it does not know it bought: exactly what a real crash
leaves behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.azure.azurite import Azurite
from sandbox.azure.servicebus import Broker
from sandbox.emulators.core import FaultConfig
from sandbox.emulators.core.faults import FaultDecision
from sandbox.runner import COMMAND_QUEUE, DEFAULT_POLICY, REPO_ROOT, Sandbox
from sandbox.scenario import load_scenario
from shared.bootstrap import build_adapters
from shared.settings import Settings
from tests.support.wait import wait_until

pytestmark = pytest.mark.slow

NUMBER = "+12025550113"
LOCK_S = 2.0
POOL_HOLD_S = 4.0
POOL_CREATE = "POST /api/v2/telephony/providers/edges/didpools"
PURCHASE = "POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"


class HostProcess:
    def __init__(self, settings: Path, journal: Path) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sandbox.azure.host_process",
                "--settings",
                str(settings),
                "--journal",
                str(journal),
                "--lock-duration",
                str(LOCK_S),
            ],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        ready = json.loads(self.process.stdout.readline())
        self.url, self.key = ready["url"], ready["function_key"]

    def post(self, path: str, body: dict[str, str]) -> requests.Response:
        headers = {"x-functions-key": self.key}
        return requests.post(f"{self.url}/api/{path}", json=body, headers=headers, timeout=30)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def settled(journal: Path) -> bool:
    """No command waiting or in flight, as the broker's journal has it (the broker lives in
    the host process; its journal is replaced atomically on every change)."""
    return not Broker(journal=journal).active_messages(COMMAND_QUEUE)


@pytest.fixture
def estate(azurite: Azurite, tmp_path: Path) -> Iterator[tuple[Sandbox, Path]]:
    with Sandbox(load_scenario("default")) as sandbox:
        settings = {
            **sandbox.client_settings(),
            "AzureWebJobsStorage": azurite.connection_string,
            "BYOC_COMMAND_QUEUE": COMMAND_QUEUE,
            "BYOC_POLICY_PATH": str(DEFAULT_POLICY),
            "BYOC_GENESYS_EVENT_API_KEYS": "unused-in-this-test",
            "BYOC_HEALTH_CHECK_SCHEDULE": "0 */1 * * * *",
            "BYOC_RECONCILE_SCHEDULE": "0 */15 * * * *",
            "BYOC_AUDIT_SCHEDULE": "0 0 6 * * *",
            "BYOC_TWILIO_FEED_SCHEDULE": "30 * * * * *",
            "BYOC_GENESYS_AUDIT_FEED_SCHEDULE": "45 * * * * *",
            "BYOC_TWILIO_ALERT_FEED_SCHEDULE": "15 * * * * *",
            "BYOC_JOURNAL_PRUNE_SCHEDULE": "0 30 5 * * *",
            "BYOC_HEALTH_TABLE": "crashtest",
            "BYOC_RETRY_MAX_WAIT_S": "0.2",
        }
        path = tmp_path / "settings.json"
        path.write_text(json.dumps(settings))
        yield sandbox, path


def test_a_host_killed_mid_command_finishes_it_after_restart(
    estate: tuple[Sandbox, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, settings = estate
    journal = tmp_path / "broker.journal"
    twilio_log, genesys_log = sandbox.twilio.log, sandbox.genesys.log
    faults = sandbox.genesys.faults
    faults.configure(
        FaultConfig(latency_ms=POOL_HOLD_S * 1000, path_pattern=r"/didpools$", methods=["POST"])
    )
    pool_create_held = threading.Event()
    decide = faults.decide

    def noting_the_hold(method: str, path: str, *, versioned_write: bool) -> FaultDecision:
        decision = decide(method, path, versioned_write=versioned_write)
        if decision.delay_s:
            pool_create_held.set()
        return decision

    monkeypatch.setattr(faults, "decide", noting_the_hold)
    first = HostProcess(settings, journal)
    try:
        answer = first.post("numbers", {"route": "main", "phone_number": NUMBER})
        assert answer.status_code == 202, answer.text
        # Twilio sold the number and put it on the trunk; the worker now waits on Genesys.
        wait_until(
            lambda: twilio_log.count(endpoint="POST /v1/Trunks/{TrunkSid}/PhoneNumbers") == 1,
            timeout=30,
            what="the number to be attached to the trunk",
        )
        wait_until(pool_create_held.is_set, timeout=30, what="the DID pool create to reach Genesys")
    finally:
        first.kill()
    # The held pool create lands on Genesys after the process is gone.
    wait_until(
        lambda: genesys_log.count(endpoint="POST /api/v2/telephony/providers/edges/didpools") == 1,
        timeout=POOL_HOLD_S + 5,
        what="the held DID pool create to finish",
    )
    faults.configure(FaultConfig())

    second = HostProcess(settings, journal)
    try:
        # The number becomes routable before the worker returns and its message is settled:
        # wait for the command to be settled, the state asserted below.
        wait_until(
            lambda: settled(journal), timeout=30, what="the command queue to settle after restart"
        )
    finally:
        second.stop()
    client = {k.lower(): v for k, v in sandbox.client_settings().items()}
    twilio, genesys = build_adapters(Settings.model_validate(client))

    # Nothing twice: one purchase, one pool, one DNIS entry; the command is settled.
    assert twilio_log.count(endpoint=PURCHASE) == 1
    # The restarted worker asked for the pool again and was told one already covers it.
    pool_creates = [e.status for e in genesys_log.entries() if e.endpoint == POOL_CREATE]
    assert pool_creates == [200, 400]
    assert len([p for p in genesys.list_did_pools() if p.contains(NUMBER)]) == 1
    main = next(i for i in genesys.list_ivrs() if i.name == "Main IVR")
    assert main.dnis.count(NUMBER) == 1
    number = twilio.find_number(NUMBER)
    assert number is not None and number.trunk_sid is not None
    after = Broker(journal=journal)
    assert after.active_messages(COMMAND_QUEUE) == []
    assert after.dead_letters(COMMAND_QUEUE) == []
