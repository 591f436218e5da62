"""The operator's tables at 80 and 120 columns and piped (issue #17: tables that fit).

80 columns is the default terminal and the width of every pipe, redirect and CI log. In each
table the names an operator acts on — number, trunk, group, member, rule, host:port — must
come out whole, on one line; prose wraps or moves under its row; no line is wider than the
console; `--json` is not affected. Each case runs the real command line against the sandbox
(Azurite alone for `health`, which reads only the policy and the stored health state).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from sandbox.azure.azurite import Azurite
from sandbox.runner import Sandbox
from sandbox.scenario import load_scenario
from shared import bootstrap
from shared.health.decision import GroupHealth, MemberHealth, Switch
from shared.health.evaluate import HEALTH_PARTITION
from tests.conftest import EXAMPLE_POLICY
from tests.support.cli_process import run_cli
from tests.support.tables import (
    WIDTHS,
    assert_fits,
    column_text,
    console_width,
    flat,
    squeezed,
)

runner = CliRunner()
GROUP = "TG-BYOC-Primary-Failover"
PRIMARY, BACKUP = "BYOC-Primary-Twilio", "BYOC-Failover-Twilio"
TRUNK = "BYOC-Primary-Failover"


@pytest.fixture(params=list(WIDTHS))
def width(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    return console_width(request.param, monkeypatch)


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """The default scenario: +13125550101 was bought by hand, so it has drifted and the
    plan has a change of each kind for it."""
    with Sandbox(load_scenario("default")) as running:
        for name, value in running.client_settings().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("BYOC_POLICY_PATH", str(EXAMPLE_POLICY))
        monkeypatch.setenv("BYOC_RETRY_MAX_WAIT_S", "0.1")
        yield running


def invoke_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 2), result.output
    return json.loads(result.stdout)


def test_numbers_list_keeps_every_number_whole_and_puts_drift_under_the_table(
    sandbox: Sandbox, width: int
) -> None:
    rows = invoke_json("numbers", "list")
    result = runner.invoke(app, ["numbers", "list"])
    assert result.exit_code == 0, result.output
    numbers = [row["phone_number"] for row in rows]
    trunks = [row["twilio_trunk"] for row in rows if row["twilio_trunk"]]
    assert_fits(result.stdout, width, [*numbers, *trunks])
    lines = result.stdout.splitlines()
    # A line per number, starting with it and holding its route: grep finds the whole row.
    # A drifted number has a second line, under the table, saying what drifted.
    for row in rows:
        starts = [line for line in lines if line.startswith(row["phone_number"])]
        assert row["route"] in starts[0].split(), starts
        assert len(starts) == (2 if row["status"].startswith("drift") else 1), starts
    (drifted,) = [row for row in rows if row["status"].startswith("drift")]
    assert flat(f"{drifted['phone_number']}  {drifted['status']}") in flat(result.stdout)
    assert drifted["status"] == "drift: not on its trunk, in no DID pool, not on its IVR"


def test_plan_keeps_targets_whole_with_each_reason_under_its_target(
    sandbox: Sandbox, width: int
) -> None:
    plan = invoke_json("plan")
    result = runner.invoke(app, ["plan"])
    assert result.exit_code == 2, result.output
    # The reason that was cut to 'BYOC-Primary-Failove… when piped names the trunk.
    assert_fits(result.stdout, width, ["+13125550101", f"'{TRUNK}'", f"+13125550101 → {TRUNK}"])
    shown = column_text(result.stdout, 2)
    for change in plan["changes"]:
        assert squeezed(change["reason"]) in shown, change


def test_apply_report_keeps_targets_whole_and_says_when_nothing_was_applied(
    sandbox: Sandbox, width: int
) -> None:
    applied = runner.invoke(app, ["apply", "--yes"])
    assert applied.exit_code == 0, applied.output
    assert "Apply report" in applied.stdout
    assert_fits(applied.stdout, width, [f"+13125550101 → {TRUNK}", "+13125550101"])
    assert "3 done, 0 skipped, 0 failed" in applied.stdout

    again = runner.invoke(app, ["apply", "--yes"])
    assert again.exit_code == 0, again.output
    assert "Nothing to apply." in again.stdout
    assert "Apply report" not in again.stdout and "0 done" not in again.stdout


@pytest.fixture
def unreachable_tls_policy(tmp_path: Path) -> Path:
    """The example policy with its TLS endpoints on long host names that never resolve
    (.invalid, RFC 6761), so tls-chain reports each host:port and how to act on it."""
    policy = yaml.safe_load(EXAMPLE_POLICY.read_text())
    for member, side in zip(policy["trunk_groups"][0]["members"], ("east", "west"), strict=True):
        host = f"byoc-{side}-edge.carrier-sbc.example.invalid"
        member["origination_url"] = f"sip:{host};transport=tls"
        member["probe"] = f"sips:{host}:5061"
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path


def test_audit_keeps_the_host_port_whole_with_the_remediation_under_it(
    sandbox: Sandbox, width: int, unreachable_tls_policy: Path
) -> None:
    args = ["audit", "--policy", str(unreachable_tls_policy)]
    report = invoke_json(*args)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    endpoints = [f["objects"][0] for f in report["findings"] if f["rule"] == "tls-chain"]
    assert endpoints == [
        "byoc-east-edge.carrier-sbc.example.invalid:5061",
        "byoc-west-edge.carrier-sbc.example.invalid:5061",
    ]
    rules = {f["rule"] for f in report["findings"]}
    assert_fits(result.stdout, width, [*endpoints, *rules, "+13125550101"])
    shown = column_text(result.stdout, 2)
    for finding in report["findings"]:
        assert squeezed(f"{finding['message']} → {finding['remediation']}") in shown, finding


# ---------------------------------------------------------------------------- health
SECOND_GROUP = "TG-BYOC-Carrier-East-Redundancy"
SECOND_MEMBERS = ("BYOC-Carrier-East-Primary-Edge", "BYOC-Carrier-East-Standby-Edge")
DOWN_REASON = "not connected, SIP registration lost; SIP no answer within 2 s"
UP_REASON = "connected and in service; SIP 200 OK in 14 ms"


@pytest.fixture
def health_state(azurite: Azurite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two trunk groups with long names: the example's, failed over five minutes ago (its
    state stored as the health engine stores it), and a second one never evaluated."""
    policy = yaml.safe_load(EXAMPLE_POLICY.read_text())
    second = yaml.safe_load(yaml.safe_dump(policy["trunk_groups"][0]))
    second.update(name=SECOND_GROUP, outbound_route=SECOND_GROUP, twilio_trunk="BYOC-East")
    for member, name in zip(second["members"], SECOND_MEMBERS, strict=True):
        member["genesys_trunk"] = name
    policy["trunk_groups"].append(second)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    monkeypatch.setenv("BYOC_POLICY_PATH", str(path))
    monkeypatch.setenv("AzureWebJobsStorage", azurite.connection_string)
    monkeypatch.setenv("BYOC_HEALTH_TABLE", f"tables{uuid.uuid4().hex[:12]}")  # this test's

    at = datetime.now(UTC) - timedelta(minutes=5)
    state = GroupHealth(
        group=GROUP,
        active=BACKUP,
        active_since=at,
        members={
            PRIMARY: MemberHealth(
                state="down", consecutive_failures=3, last_reason=DOWN_REASON, last_ok=False
            ),
            BACKUP: MemberHealth(consecutive_successes=3, last_reason=UP_REASON, last_ok=True),
        },
        last_decision=f"{BACKUP} is active and up; {PRIMARY} is down ({DOWN_REASON})",
        last_switch=Switch(
            at=at, from_member=PRIMARY, to_member=BACKUP, reason=f"failover: {PRIMARY} is down"
        ),
    )
    store = bootstrap.app().state_store(HEALTH_PARTITION)
    store.save(GROUP, state.model_dump(mode="json"), None)


@pytest.mark.usefixtures("health_state")
def test_health_has_a_section_per_group_with_names_whole(width: int) -> None:
    report = invoke_json("health")
    result = runner.invoke(app, ["health"])
    assert result.exit_code == 2, result.output  # a member down, a group never evaluated
    output = result.stdout
    assert_fits(output, width, [GROUP, PRIMARY, BACKUP, SECOND_GROUP, *SECOND_MEMBERS])
    # Why it is not healthy closes the output, every group and member named whole.
    verdict = flat(output[output.rindex("not healthy: ") :])
    assert verdict == (
        f"not healthy: {GROUP}: {PRIMARY} is down; {SECOND_GROUP}: not evaluated yet"
    )
    output = output[: output.rindex("not healthy: ")]
    # Each group heads its section: its verdict, its members' table, its last switch.
    first, second = output.split(f"{SECOND_GROUP}: not evaluated yet")
    assert first.startswith(f"{GROUP}: {BACKUP} is active and up")
    assert flat(f"to {BACKUP}: failover: {PRIMARY} is down") in flat(first)
    assert GROUP not in second and all(member in second for member in SECOND_MEMBERS)
    # Each last probe reads whole under its member.
    assert squeezed(f"{PRIMARY} {DOWN_REASON}") in column_text(first, 0)
    assert squeezed(f"{BACKUP} {UP_REASON}") in column_text(first, 0)
    assert column_text(second, 0).count(squeezed("never probed")) == 2
    # --json as before: a row per member, a verdict and a last switch per group.
    assert [(row["group"], row["member"]) for row in report["members"]] == [
        (GROUP, PRIMARY),
        (GROUP, BACKUP),
        (SECOND_GROUP, SECOND_MEMBERS[0]),
        (SECOND_GROUP, SECOND_MEMBERS[1]),
    ]
    assert report["members"][0]["last_probe"] == DOWN_REASON
    assert report["groups"][SECOND_GROUP] == "not evaluated yet"
    assert report["last_switch"][GROUP]["to_member"] == BACKUP
    assert report["last_switch"][SECOND_GROUP] is None
    assert report["healthy"] is False
    assert report["problems"] == [
        f"{GROUP}: {PRIMARY} is down",
        f"{SECOND_GROUP}: not evaluated yet",
    ]


# ---------------------------------------------------------------------------- a real pipe
@pytest.mark.slow
def test_plan_through_a_real_pipe_is_80_columns_with_the_trunk_whole(sandbox: Sandbox) -> None:
    """The command as a shell pipeline runs it: a process of its own, COLUMNS unset, no
    terminal on any standard stream."""
    piped = run_cli("plan", env={"COLUMNS": None, "LINES": None})
    assert piped.returncode == 2, piped.stderr
    assert "\x1b[" not in piped.stdout  # no colour codes in a pipe
    assert_fits(piped.stdout, 80, [f"+13125550101 → {TRUNK}", f"'{TRUNK}'"])
    assert max(len(line) for line in piped.stdout.splitlines()) == 80  # rich's fallback width


def test_plan_conflicts_keep_their_subject_whole(
    sandbox: Sandbox, width: int, tmp_path: Path
) -> None:
    policy = yaml.safe_load(EXAMPLE_POLICY.read_text())
    policy["routes"][1]["ivr"] = "Support IVR After Hours Overflow"  # not in Genesys
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    plan = invoke_json("plan", "--policy", str(path))
    result = runner.invoke(app, ["plan", "--policy", str(path)])
    assert result.exit_code == 0, result.output  # conflicts are left alone: nothing to do
    subjects = [conflict["subject"] for conflict in plan["conflicts"]]
    assert "IVR 'Support IVR After Hours Overflow'" in subjects
    assert_fits(result.stdout, width, subjects)
    conflicts = result.stdout[result.stdout.index("Conflicts") :]
    for conflict in plan["conflicts"]:
        assert squeezed(conflict["detail"]) in column_text(conflicts, 1), conflict
