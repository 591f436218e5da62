"""Duplicate delivery: every command delivered two or three times ends in the same state as
one delivery, with exactly as many vendor writes.

Service Bus delivers at least once. Duplicate detection drops a second *send*, but a message
whose lock ran out (or whose completion got lost) is delivered again after it ran. The
broker is told to lose the first one or two completions of every message, and the same
workload runs once with and once without that, each on fresh emulators.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.azure.servicebus import BrokerMessage
from sandbox.fast_policies import FAST_THRESHOLDS, fast_health_policy
from sandbox.runner import DEFAULT_POLICY, HostOptions, Sandbox
from sandbox.scenario import load_scenario
from tests.e2e.conftest import Running
from tests.support.vendor_log import vendor_writes

pytestmark = pytest.mark.slow

PRIMARY = "BYOC-Primary-Twilio"
HAND_BOUGHT = "+13125550112"


def estate(running: Running) -> dict[str, Any]:
    """What both vendors hold, without the ids and versions that differ between runs."""
    twilio, genesys = running.adapters()
    trunks = {t.sid: t for t in twilio.list_trunks()}
    bases = {b.id: b.name for b in genesys.list_trunk_bases()}
    return {
        "numbers": sorted(
            (n.phone_number, trunks[n.trunk_sid].friendly_name if n.trunk_sid else None)
            for n in twilio.list_numbers()
        ),
        "pools": sorted((p.start, p.end, p.owned) for p in genesys.list_did_pools()),
        "ivrs": sorted((i.name, tuple(sorted(i.dnis))) for i in genesys.list_ivrs()),
        "routes": sorted(
            (r.name, tuple(bases[b] for b in r.external_trunk_base_ids))
            for r in genesys.list_outbound_routes()
        ),
        "origination": sorted(
            (u.sip_url, u.priority, u.enabled) for t in trunks.values() for u in t.origination_urls
        ),
    }


def workload(running: Running) -> None:
    """One of each command kind, each drained before the next so both runs see one order."""
    steps: list[Callable[[], requests.Response]] = [
        lambda: running.call("POST", "numbers", json={"route": "main", "area_code": "202"}),
        lambda: running.call(
            "POST", "numbers", json={"route": "support", "phone_number": "+13125550111"}
        ),
        lambda: running.call("DELETE", "numbers/%2B12025550101"),
    ]
    for step in steps:
        answer = step()
        assert answer.status_code == 202, answer.text
        running.drain()
    twilio, _ = running.adapters()
    twilio.purchase(HAND_BOUGHT, "bought by hand route:support")
    assert running.host.fire_timer("reconcile_timer").ok
    running.drain()
    requests.post(
        f"{running.sandbox.genesys.base_url}/__admin/trunks/{PRIMARY}",
        json={"connected": False},
        timeout=5,
    ).raise_for_status()
    for _ in range(FAST_THRESHOLDS["failures_to_down"]):
        assert running.host.fire_timer("health_check_timer").ok
        running.drain()
        time.sleep(FAST_THRESHOLDS["probe_interval_s"] / 2 + 0.1)  # each check a probe


Outcome = tuple[dict[str, Any], Counter[str], int]  # estate, vendor writes, worker runs


def run(tmp_path: Path, lost: Callable[[BrokerMessage], int]) -> Outcome:
    tmp_path.mkdir()
    options = HostOptions(
        policy_path=fast_health_policy(DEFAULT_POLICY, tmp_path / "policy.yaml"),
        run_timers=False,
        state_dir=tmp_path / "azurite",
    )
    with Sandbox(load_scenario("default"), host=options) as sandbox:
        running = Running(sandbox)
        running.broker.lost_completions = lost
        workload(running)
        assert running.dead_letters() == []
        return (
            estate(running),
            vendor_writes(sandbox.twilio, sandbox.genesys),
            len(running.worker_runs()),
        )


def test_every_command_delivered_two_or_three_times_changes_nothing(tmp_path: Path) -> None:
    once_state, once_writes, once_runs = run(tmp_path / "once", lambda _message: 0)
    # Odd sequence numbers lose one completion (two deliveries), even ones two (three).
    state, writes, runs = run(tmp_path / "again", lambda m: 1 + m.sequence_number % 2)
    assert runs >= 2 * once_runs  # really delivered again
    assert state == once_state
    assert writes == once_writes
    assert sum(once_writes.values()) > 0
    # What the workload did, so the comparison is not between two empty runs.
    assert ("+13125550111", "BYOC-Primary-Failover") in state["numbers"]
    assert (HAND_BOUGHT, "BYOC-Primary-Failover") in state["numbers"]
    assert all(number != "+12025550101" for number, _ in state["numbers"])
    assert ("TG-BYOC-Primary-Failover", ("BYOC-Failover-Twilio", PRIMARY)) in state["routes"]
