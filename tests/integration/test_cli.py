"""The operator commands against the sandbox: exit codes, output and what they change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from sandbox.runner import Sandbox
from sandbox.scenario import load_scenario
from shared.reconcile import Plan
from tests.conftest import EXAMPLE_POLICY

runner = CliRunner()


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(load_scenario("default")) as running:
        for name, value in running.client_settings().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("BYOC_POLICY_PATH", str(EXAMPLE_POLICY))
        monkeypatch.setenv("BYOC_RETRY_MAX_WAIT_S", "0.1")
        monkeypatch.setenv("COLUMNS", "200")
        yield running


def test_plan_exits_2_with_pending_changes_apply_converges_and_plan_exits_0(
    sandbox: Sandbox,
) -> None:
    planned = runner.invoke(app, ["plan"])
    assert planned.exit_code == 2, planned.output
    assert "+13125550101 → BYOC-Primary-Failover" in planned.output
    assert "attach to Twilio trunk: 1, create DID pool: 1, add DNIS: 1" in planned.output

    applied = runner.invoke(app, ["apply", "--yes"])
    assert applied.exit_code == 0, applied.output
    assert "3 done, 0 skipped, 0 failed" in applied.output

    again = runner.invoke(app, ["plan"])
    assert again.exit_code == 0 and "No changes" in again.output


def test_plan_json_is_a_plan(sandbox: Sandbox) -> None:
    result = runner.invoke(app, ["plan", "--json"])
    assert result.exit_code == 2
    plan = Plan.model_validate_json(result.stdout)
    assert [c.kind for c in plan.changes] == [
        "attach_number_to_trunk",
        "create_did_pool",
        "add_dnis",
    ]


def test_a_saved_plan_is_refused_once_the_estate_moved(sandbox: Sandbox, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert runner.invoke(app, ["plan", "--out", str(saved)]).exit_code == 2
    bought = runner.invoke(app, ["numbers", "buy", "--route", "main", "--number", "+12025550115"])
    assert bought.exit_code == 0, bought.output
    refused = runner.invoke(app, ["apply", str(saved)])
    assert refused.exit_code == 1
    assert "changed since this plan was made" in refused.output


def test_apply_asks_and_will_not_guess_without_a_terminal(sandbox: Sandbox) -> None:
    result = runner.invoke(app, ["apply"])
    assert result.exit_code == 1
    assert "pass --yes" in result.output
    estate_writes = [
        e
        for e in sandbox.twilio.log.writes() + sandbox.genesys.log.writes()
        if e.path != "/oauth/token"
    ]
    assert estate_writes == []


def test_numbers_list_joins_both_vendors(sandbox: Sandbox) -> None:
    result = runner.invoke(app, ["numbers", "list", "--json"])
    assert result.exit_code == 0
    rows = {row["phone_number"]: row for row in json.loads(result.stdout)}
    assert rows["+12025550100"]["status"] == "in sync"
    assert rows["+13125550101"]["status"].startswith("drift: not on its trunk")


def test_buy_and_release_from_the_command_line(sandbox: Sandbox) -> None:
    bought = runner.invoke(
        app, ["numbers", "buy", "--route", "support", "--number", "+18005550100", "--toll-free"]
    )
    assert bought.exit_code == 0, bought.output
    assert "add_dnis: done" in bought.output
    released = runner.invoke(app, ["numbers", "release", "+18005550100", "--yes", "--json"])
    assert released.exit_code == 0, released.output
    assert json.loads(released.stdout)["ok"] is True
    refused = runner.invoke(app, ["numbers", "release", "+18885550123", "--yes"])
    assert refused.exit_code == 1 and "not a number on the Twilio account" in refused.output


def test_buy_dry_run_names_the_number_and_buys_nothing(sandbox: Sandbox) -> None:
    result = runner.invoke(
        app, ["numbers", "buy", "--route", "main", "--area-code", "202", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "would buy +12025550102 ('byoc-sync route:main') for route 'main'" in result.output
    assert "IVR 'Main IVR'" in result.output
    assert sandbox.twilio.log.writes() == []


def test_a_buy_without_a_way_to_choose_says_what_to_give(sandbox: Sandbox) -> None:
    result = runner.invoke(app, ["numbers", "buy", "--route", "main"])
    assert result.exit_code == 1
    assert "give an exact number, or an area code and/or a pattern" in result.output


def test_missing_settings_and_broken_policies_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = runner.invoke(app, ["plan", "--policy", str(EXAMPLE_POLICY)])
    assert missing.exit_code == 1
    assert "missing setting(s): TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN" in missing.output
    broken = tmp_path / "policy.yaml"
    broken.write_text("mode: mirror\n")
    result = runner.invoke(app, ["numbers", "list", "--policy", str(broken)])
    assert result.exit_code == 1
    assert "line 1, column 1: mode:" in result.output


def test_a_bad_setting_value_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYOC_HTTP_TIMEOUT_S", "abc")
    result = runner.invoke(app, ["plan", "--policy", str(EXAMPLE_POLICY)])
    assert result.exit_code == 1
    assert "error: setting BYOC_HTTP_TIMEOUT_S: Input should be a valid number" in result.output
    assert "Traceback" not in result.output
