"""Trunk-group failover end to end: the health timer in the local host probes each member
(Genesys trunk state + SIP OPTIONS to its SBC endpoint), keeps the hysteresis in Azurite,
and reorders the Genesys outbound route and the Twilio origination URLs.

The policy is the example one with thresholds short enough for a test: down after 2 failed
probes, up after 2 good ones, probes 5 s apart (so evaluations must be at least 2.5 s apart
to count), no dwell time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from cli.main import app as cli
from sandbox.fast_policies import FAST_THRESHOLDS, fast_health_policy
from sandbox.runner import DEFAULT_POLICY, HostOptions, Sandbox
from sandbox.scenario import load_scenario
from tests.e2e.conftest import Running

GROUP = "TG-BYOC-Primary-Failover"
PRIMARY, BACKUP = "BYOC-Primary-Twilio", "BYOC-Failover-Twilio"
PROBE_INTERVAL_S = FAST_THRESHOLDS["probe_interval_s"]


def fast_policy(directory: Path, recovery: str) -> Path:
    return fast_health_policy(
        DEFAULT_POLICY, directory / f"policy-{recovery}.yaml", recovery=recovery
    )


@pytest.fixture(params=["on_success", "never"])
def recovery(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def failover(recovery: str, tmp_path: Path) -> Iterator[Running]:
    options = HostOptions(
        policy_path=fast_policy(tmp_path, recovery),
        run_timers=False,
        state_dir=tmp_path / "azurite",
    )
    with Sandbox(load_scenario("default"), host=options) as sandbox:
        yield Running(sandbox)


class Estate:
    """What both vendors say about the group's order, read through the adapters."""

    def __init__(self, running: Running) -> None:
        self.running = running
        self.last_health_check = 0.0

    def health_check(self) -> None:
        """One scheduled health check, spaced so that it counts as a probe of its own."""
        wait = self.last_health_check + PROBE_INTERVAL_S / 2 + 0.1 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        invocation = self.running.host.fire_timer("health_check_timer")
        assert invocation.ok, invocation.detail
        self.running.drain()
        # The worker takes "now" when it runs, so the spacing counts from when it finished.
        self.last_health_check = time.monotonic()
        run = self.running.worker_runs()[-1]
        assert run.ok, run.detail

    def route_order(self) -> list[str]:
        _, genesys = self.running.adapters()
        names = {b.id: b.name for b in genesys.list_trunk_bases()}
        route = next(r for r in genesys.list_outbound_routes() if r.name == GROUP)
        return [names[i] for i in route.external_trunk_base_ids]

    def origination_priorities(self) -> dict[str, int]:
        twilio, _ = self.running.adapters()
        trunk = next(t for t in twilio.list_trunks() if t.friendly_name == "BYOC-Primary-Failover")
        hosts = {"byoc-primary": PRIMARY, "byoc-failover": BACKUP}
        return {
            member: url.priority
            for url in trunk.origination_urls
            for prefix, member in hosts.items()
            if prefix in url.sip_url
        }

    def first(self) -> str:
        order = self.route_order()
        priorities = self.origination_priorities()
        twilio_first = min(priorities, key=lambda m: priorities[m])
        assert order[0] == twilio_first, f"Genesys {order} vs Twilio {priorities}"
        return order[0]

    def set_trunk(self, name: str, connected: bool) -> None:
        """Every instance of the member's trunk base: the carrier side is down for all."""
        requests.post(
            f"{self.running.sandbox.genesys.base_url}/__admin/trunks/{name}",
            json={"connected": connected},
            timeout=10,
        ).raise_for_status()


@pytest.mark.slow
def test_failover_and_recovery_follow_the_policy(failover: Running, recovery: str) -> None:
    estate = Estate(failover)

    estate.health_check()  # first sight: the estate is adopted as it is
    assert estate.first() == PRIMARY

    estate.set_trunk(PRIMARY, connected=False)
    estate.health_check()
    assert estate.first() == PRIMARY, "one failed probe must not fail over"
    estate.health_check()
    assert estate.first() == BACKUP  # within failures_to_down probes
    assert estate.origination_priorities() == {BACKUP: 10, PRIMARY: 20}

    failover.sandbox.restart_functions()  # the counters live in Azurite, not in the process

    estate.set_trunk(PRIMARY, connected=True)
    estate.health_check()
    assert estate.first() == BACKUP, "one good probe must not recover"
    estate.health_check()
    if recovery == "on_success":
        assert estate.first() == PRIMARY
        assert estate.origination_priorities() == {PRIMARY: 10, BACKUP: 20}
        return

    # recovery: never — the backup stays until an operator moves traffic back
    estate.health_check()
    assert estate.first() == BACKUP
    settings = failover.sandbox.host_settings()
    moved = CliRunner().invoke(cli, ["health", "move", GROUP, PRIMARY], env=settings)
    assert moved.exit_code == 0, moved.output
    estate.health_check()
    assert estate.first() == PRIMARY


@pytest.mark.parametrize("recovery", ["on_success"])
def test_health_shows_members_states_and_the_active_one(failover: Running) -> None:
    estate = Estate(failover)
    estate.health_check()
    estate.set_trunk(PRIMARY, connected=False)
    estate.health_check()
    shown = CliRunner().invoke(cli, ["health", "--json"], env=failover.sandbox.host_settings())
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.output)
    members = {row["member"]: row for row in report["members"]}
    assert members[PRIMARY]["active"] and members[PRIMARY]["failures"] == 1
    assert "not connected" in members[PRIMARY]["last_probe"]
    assert members[BACKUP]["state"] == "up"
    assert GROUP in report["groups"]


@pytest.mark.slow
@pytest.mark.parametrize("recovery", ["on_success"])
def test_health_shows_the_last_switch_after_later_checks(failover: Running) -> None:
    estate = Estate(failover)
    estate.health_check()
    estate.set_trunk(PRIMARY, connected=False)
    estate.health_check()
    estate.health_check()
    assert estate.first() == BACKUP
    estate.health_check()  # a steady check: a new verdict, the same last switch
    settings = failover.sandbox.host_settings()

    shown = CliRunner().invoke(cli, ["health", "--json"], env=settings)
    assert shown.exit_code == 2, shown.output  # the primary is down
    report = json.loads(shown.output)
    assert report["problems"] == [f"{GROUP}: {PRIMARY} is down"]
    assert report["groups"][GROUP].startswith(f"{BACKUP} is active and up")
    switch = report["last_switch"][GROUP]
    assert (switch["from_member"], switch["to_member"]) == (PRIMARY, BACKUP)
    assert switch["reason"].startswith(f"failover: {PRIMARY} is down (not connected")
    assert switch["at"]

    # The journal holds the switch: before → after on the route, why, set going by the timer.
    route_switch = report["last_route_switch"][GROUP]
    assert (route_switch["from_member"], route_switch["to_member"]) == (PRIMARY, BACKUP)
    assert route_switch["before"] == f"{PRIMARY}, {BACKUP}"
    assert route_switch["after"] == f"{BACKUP}, {PRIMARY}"
    assert route_switch["reason"] == switch["reason"] and route_switch["trigger"] == "timer"

    table = CliRunner().invoke(cli, ["health"], env={**settings, "COLUMNS": "80"})
    assert table.exit_code == 2, table.output
    start = table.output.index("last switch ")
    shown_switch = table.output[start:].splitlines()
    assert all(len(line) <= 80 for line in shown_switch)
    switch_text = " ".join(" ".join(shown_switch).split())
    assert f"{PRIMARY} → {BACKUP}: failover: {PRIMARY} is down" in switch_text

    history = CliRunner().invoke(
        cli, ["history", "--group", GROUP, "--json"], env={**settings, "COLUMNS": "80"}
    )
    assert history.exit_code == 0, history.output
    switches = [e for e in json.loads(history.output) if e["subject"].startswith("outbound route")]
    assert [(e["before"], e["after"]) for e in switches] == [
        (f"{PRIMARY}, {BACKUP}", f"{BACKUP}, {PRIMARY}")
    ]
    assert switches[0]["command_type"] == "evaluate_trunk_group"
    assert switches[0]["trigger"] == "timer"


@pytest.mark.slow
@pytest.mark.parametrize("recovery", ["on_success"])
def test_a_move_under_on_success_is_pinned_until_released(failover: Running) -> None:
    """Draining the primary for maintenance: the move sticks through later checks (the
    primary stays up, so recovery alone would take traffic straight back), and `release`
    hands the group back to recovery."""
    estate = Estate(failover)
    settings = failover.sandbox.host_settings()
    estate.health_check()
    assert estate.first() == PRIMARY

    moved = CliRunner().invoke(cli, ["health", "move", GROUP, BACKUP], env=settings)
    assert moved.exit_code == 0, moved.output
    assert f"release with `byoc-sync health release {GROUP}`" in moved.output
    estate.health_check()
    assert estate.first() == BACKUP
    estate.health_check()
    estate.health_check()
    assert estate.first() == BACKUP, "recovery must not undo a pinned move"
    shown = CliRunner().invoke(cli, ["health", "--json"], env=settings)
    assert shown.exit_code == 0, shown.output
    assert "pinned by an operator" in json.loads(shown.output)["groups"][GROUP]

    released = CliRunner().invoke(cli, ["health", "release", GROUP], env=settings)
    assert released.exit_code == 0, released.output
    assert f"released the pin on {BACKUP}" in released.output
    estate.health_check()
    assert estate.first() == PRIMARY
    again = CliRunner().invoke(cli, ["health", "release", GROUP], env=settings)
    assert again.exit_code == 0 and f"{GROUP}: nothing pinned" in again.output
