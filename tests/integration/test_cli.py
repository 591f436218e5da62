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
from tests.support.cli_process import run_cli

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
    # Each step in the words of `plan` and `apply`, not by its internal name.
    steps = [line.strip() for line in bought.stdout.splitlines()[1:]]
    assert [step.split(":")[0] for step in steps] == [
        "buy on Twilio",
        "attach to Twilio trunk",
        "create DID pool",
        "add DNIS",
    ]
    assert all(step.split(": ")[1].startswith("done") for step in steps), steps
    released = runner.invoke(app, ["numbers", "release", "+18005550100", "--yes", "--json"])
    assert released.exit_code == 0, released.output
    # --json is the result as the HTTP API reports it: the steps keep their names.
    report = json.loads(released.stdout)
    assert report["ok"] is True
    assert [line.split(":")[0] for line in report["report"]] == [
        "remove_dnis",
        "delete_did_pool",
        "detach_number_from_trunk",
        "release",
    ]
    refused = runner.invoke(app, ["numbers", "release", "+18885550123", "--yes"])
    assert refused.exit_code == 1 and "not a number on the Twilio account" in refused.output


def test_buy_dry_run_names_the_number_and_buys_nothing(sandbox: Sandbox) -> None:
    result = runner.invoke(
        app, ["numbers", "buy", "--route", "main", "--area-code", "202", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    # Said to be a dry run from its first line, without the ✓ of a purchase made.
    assert result.stdout.splitlines()[0] == "dry run — nothing bought: +12025550102"
    assert "✓" not in result.output
    assert "would buy +12025550102 ('byoc-sync route:main') for route 'main'" in result.output
    assert "IVR 'Main IVR'" in result.output
    assert sandbox.twilio.log.writes() == []


def test_numbers_list_filters_by_route_and_drift(sandbox: Sandbox) -> None:
    def listed(*args: str) -> list[str]:
        result = runner.invoke(app, ["numbers", "list", *args, "--json"])
        assert result.exit_code == 0, result.output
        return [row["phone_number"] for row in json.loads(result.stdout)]

    assert listed("--route", "main") == ["+12025550100", "+12025550101"]
    assert listed("--route", "support") == ["+13125550100", "+13125550101"]
    assert listed("--drift") == ["+13125550101"]  # bought by hand, never provisioned
    assert listed("--route", "main", "--drift") == []
    table = runner.invoke(app, ["numbers", "list", "--route", "support", "--drift"])
    assert table.exit_code == 0, table.output
    assert "+13125550101" in table.stdout and "+13125550100" not in table.stdout
    assert runner.invoke(app, ["numbers", "list", "--route", "main", "--drift"]).stdout == (
        "No numbers match.\n"
    )
    unknown = runner.invoke(app, ["numbers", "list", "--route", "sales"])
    assert unknown.exit_code == 1
    assert "no route 'sales' in the policy (routes: main, support)" in unknown.output


def test_numbers_show_is_the_row_of_numbers_list(sandbox: Sandbox) -> None:
    listed = runner.invoke(app, ["numbers", "list", "--json"])
    rows = {row["phone_number"]: row for row in json.loads(listed.stdout)}
    shown = runner.invoke(app, ["numbers", "show", "+13125550101", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == rows["+13125550101"]
    national = runner.invoke(app, ["numbers", "show", "3125550101", "--country", "us"])
    assert national.exit_code == 0, national.output
    lines = national.stdout.splitlines()
    assert lines[0] == "number         +13125550101"
    assert "route          support" in lines
    assert lines[-1].startswith("status         drift: not on its trunk")
    missing = runner.invoke(app, ["numbers", "show", "+12025550199"])
    assert missing.exit_code == 1
    assert "+12025550199 is neither a number on the Twilio account nor a DNIS" in missing.output


@pytest.mark.slow
def test_apply_progress_counts_changes(sandbox: Sandbox) -> None:
    """One number's three changes are "3/3 changes" (the bar said "3/3 numbers" for one
    number). A process of its own, its stderr taken for a terminal, so the bar is drawn."""
    terminal = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "TERM": "xterm"}
    applied = run_cli("apply", "--yes", env=terminal)
    assert applied.returncode == 0, applied.stderr
    assert "3 done, 0 skipped, 0 failed" in applied.stdout
    assert "3/3 changes" in applied.stderr
    assert "numbers" not in applied.stderr


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
