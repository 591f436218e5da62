"""`byoc-sync rehearse`: the guide's three validation states against its own sandbox.

Each run starts the emulators, an SBC endpoint per member and Azurite, and drives the real
health engine on a simulated clock; the tests read its JSON report and exit code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import EXAMPLE_POLICY
from tests.support.tables import WIDTHS, assert_fits, console_width, flat

runner = CliRunner()
GROUP = "TG-BYOC-Primary-Failover"
PRIMARY, BACKUP = "BYOC-Primary-Twilio", "BYOC-Failover-Twilio"


def policy_with(tmp_path: Path, **changes: Any) -> Path:
    """The example policy with its trunk group changed. Probes of a down member wait out
    their timeout, so it is shortened to 1 s; shorter, an answer delayed by a loaded machine
    would count as a failed probe (0.3 s did, once, under a parallel run)."""
    policy = yaml.safe_load(EXAMPLE_POLICY.read_text())
    (group,) = policy["trunk_groups"]
    group["thresholds"]["probe_timeout_s"] = 1.0
    for key, value in changes.items():
        if key in group["thresholds"]:
            group["thresholds"][key] = value
        elif key == "mode":
            policy["mode"] = value
        else:
            group[key] = value
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path


def rehearse(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["rehearse", "--json", *args])
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    return result.exit_code, report


def states(report: dict[str, Any]) -> list[tuple[str, bool, int]]:
    (group,) = report["groups"]
    return [(c["state"], c["passed"], c["health_checks"]) for c in group["checks"]]


@pytest.mark.slow
def test_the_example_policy_passes_all_three_states_with_production_counts() -> None:
    code, report = rehearse("--policy", str(EXAMPLE_POLICY))
    assert code == 0, report
    # Down after 3 failed probes; up after 5 good ones, which also covers the 300 s hold-down.
    assert states(report) == [
        ("primary up, failover idle", True, 1),
        ("primary down, failover active", True, 3),
        ("primary back, recovery per policy", True, 5),
    ]
    checks = report["groups"][0]["checks"]
    assert checks[1]["vendors"] == (
        f"Genesys route: {BACKUP} → {PRIMARY}; Twilio priorities: {BACKUP} 10, {PRIMARY} 20"
    )
    assert checks[2]["vendors"].startswith(f"Genesys route: {PRIMARY} → {BACKUP}")
    assert checks[1]["simulated_s"] == 180


def test_recovery_never_keeps_the_backup_first_though_the_primary_is_up(
    tmp_path: Path,
) -> None:
    code, report = rehearse("--policy", str(policy_with(tmp_path)), "--recovery", "never")
    assert code == 0, report
    group = report["groups"][0]
    assert group["recovery"] == "never"
    third = group["checks"][2]
    assert third["passed"] and third["observed"].startswith(f"{PRIMARY} is up; {BACKUP} still")
    assert third["vendors"].startswith(f"Genesys route: {BACKUP} → {PRIMARY}")


def test_the_hold_down_delays_recovery_beyond_the_good_probes(tmp_path: Path) -> None:
    # 2 good probes would do, but the primary must stay down 600 s = 10 probe intervals.
    path = policy_with(tmp_path, successes_to_up=2, min_dwell_s=600, failures_to_down=2)
    code, report = rehearse("--policy", str(path))
    assert code == 0, report
    assert [n for _, _, n in states(report)] == [1, 2, 10]


@pytest.mark.slow
def test_a_policy_in_dry_run_fails_the_failover_state(tmp_path: Path) -> None:
    code, report = rehearse("--policy", str(policy_with(tmp_path, mode="dry-run")))
    assert code == 2
    assert states(report)[1] == ("primary down, failover active", False, 5)
    (group,) = report["groups"]
    assert group["checks"][1]["observed"] == "no failover after 5 probes"
    assert len(group["checks"]) == 2 and not group["passed"]


def test_a_group_the_sandbox_cannot_realise_is_reported_not_run(tmp_path: Path) -> None:
    code, report = rehearse("--policy", str(policy_with(tmp_path, outbound_route="No-Such-Route")))
    assert code == 1
    (group,) = report["groups"]
    assert "no outbound route 'No-Such-Route'" in group["problem"]


def test_group_selects_the_groups_to_rehearse(tmp_path: Path) -> None:
    code, report = rehearse("--policy", str(policy_with(tmp_path)), "--group", GROUP)
    assert code == 0 and [g["group"] for g in report["groups"]] == [GROUP]


def test_an_unknown_group_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["rehearse", "--group", "TG-Nope", "--policy", str(EXAMPLE_POLICY)])
    assert result.exit_code == 1
    assert "no trunk group TG-Nope" in result.output


@pytest.mark.parametrize("case", list(WIDTHS))
def test_the_table_shows_pass_per_state_and_progress_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    width = console_width(case, monkeypatch)
    result = runner.invoke(app, ["rehearse", "--policy", str(policy_with(tmp_path))])
    assert result.exit_code == 0, result.output
    assert f"{GROUP} (recovery: on_success)" in result.stdout
    assert result.stdout.count("PASS") == 3
    assert_fits(result.stdout, width, [PRIMARY, BACKUP])  # the members the states name
    progress = flat(result.stderr)  # wrapped at the console width too
    assert "Genesys trunk BYOC-Primary-Twilio disconnected" in progress
    assert "failover: BYOC-Primary-Twilio is down" in progress
