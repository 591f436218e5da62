"""`byoc-sync health`'s exit code, for cron and monitoring (issue #17): 0 when every member
of every trunk group is up, 2 when one is not or a group cannot be vouched for, 1 when the
command could not run (tests/integration/test_cli_errors.py).

Through the real command line, against the sandbox: the emulators, an SBC endpoint per
member answering OPTIONS while Genesys shows its trunk connected, and Azurite holding the
health state (a table of each test's own).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import yaml
from typer.testing import CliRunner, Result

from cli.main import app
from sandbox.runner import Sandbox
from sandbox.scenario import load_scenario
from shared import bootstrap
from shared.domain.journal import (
    ChangeRecord,
    CommandOrigin,
    Trigger,
    entry_of_change,
    route_switch_subject,
)
from shared.health.decision import GroupHealth, MemberHealth
from shared.health.evaluate import HEALTH_PARTITION
from tests.conftest import EXAMPLE_POLICY

runner = CliRunner()
GROUP = "TG-BYOC-Primary-Failover"
PRIMARY, BACKUP = "BYOC-Primary-Twilio", "BYOC-Failover-Twilio"


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """The example policy, its probes given up after 1 s instead of 2 (a member that does
    not answer costs every `--probe` that long)."""
    policy = yaml.safe_load(EXAMPLE_POLICY.read_text())
    policy["trunk_groups"][0]["thresholds"]["probe_timeout_s"] = 1
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    with Sandbox(load_scenario("default")) as running:
        running.start_health(path, tmp_path_factory.mktemp("azurite"))
        yield running


@pytest.fixture(autouse=True)
def settings(estate: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The sandbox's settings and a health table of this test's own, every trunk connected
    (and connected again afterwards, for the next test)."""
    assert estate.azurite is not None and estate.policy_path is not None
    for name, value in estate.client_settings().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AzureWebJobsStorage", estate.azurite.connection_string)
    monkeypatch.setenv("BYOC_POLICY_PATH", str(estate.policy_path))
    monkeypatch.setenv("BYOC_HEALTH_TABLE", f"health{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("COLUMNS", "100")
    yield
    for member in (PRIMARY, BACKUP):
        connect(estate, member, connected=True)


def connect(estate: Sandbox, trunk: str, *, connected: bool) -> None:
    """What Genesys shows for `trunk`; its SBC endpoint answers OPTIONS only while connected."""
    requests.post(
        f"{estate.genesys.base_url}/__admin/trunks/{trunk}",
        json={"connected": connected},
        timeout=10,
    ).raise_for_status()


def store(**members: MemberHealth) -> None:
    """The group's health state, as the health engine saves it."""
    state = GroupHealth(
        group=GROUP,
        active=PRIMARY,
        active_since=datetime.now(UTC) - timedelta(hours=1),
        members=members,
        last_decision=f"{PRIMARY} is active and up",
    )
    table = bootstrap.app().state_store(HEALTH_PARTITION)
    found = table.load(GROUP)
    table.save(GROUP, state.model_dump(mode="json"), found.etag if found else None)


def stored() -> dict[str, Any] | None:
    found = bootstrap.app().state_store(HEALTH_PARTITION).load(GROUP)
    return None if found is None else found.data


def health(*args: str) -> tuple[Result, dict[str, Any]]:
    """`health ARGS` for people, and the same with --json; both must exit alike."""
    shown = runner.invoke(app, ["health", *args])
    as_json = runner.invoke(app, ["health", *args, "--json"])
    assert shown.exit_code == as_json.exit_code, (shown.output, as_json.output)
    return shown, json.loads(as_json.stdout)


UP = MemberHealth(state="up", consecutive_successes=5, last_ok=True, last_reason="ok")


def test_health_exits_0_while_every_member_is_up_and_2_once_one_is_down() -> None:
    store(**{PRIMARY: UP, BACKUP: UP})
    shown, report = health()
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.rstrip().endswith("healthy: every member is up")
    assert report["healthy"] is True and report["problems"] == []

    down = MemberHealth(state="down", consecutive_failures=3, last_ok=False, last_reason="gone")
    store(**{PRIMARY: UP, BACKUP: down})
    shown, report = health()
    assert shown.exit_code == 2, shown.output
    assert shown.stdout.rstrip().endswith(f"not healthy: {GROUP}: {BACKUP} is down")
    assert report["healthy"] is False
    assert report["problems"] == [f"{GROUP}: {BACKUP} is down"]


def test_a_group_never_evaluated_is_not_vouched_for() -> None:
    shown, report = health()
    assert shown.exit_code == 2, shown.output
    assert report["problems"] == [f"{GROUP}: not evaluated yet"]


def test_probe_counts_a_failed_probe_at_once(estate: Sandbox) -> None:
    """The engine takes a member down only after `failures_to_down` (3) failed probes, so
    the stored verdict still says up; a probe made by hand fails the check at once."""
    store(**{PRIMARY: UP, BACKUP: UP})
    before = stored()
    for member in (PRIMARY, BACKUP):
        connect(estate, member, connected=False)

    probed, report = health("--probe")
    assert probed.exit_code == 2, probed.output
    assert report["problems"] == [
        f"{GROUP}: {PRIMARY} failed its probe",
        f"{GROUP}: {BACKUP} failed its probe",
    ]
    assert all(row["state"] == "up" for row in report["members"])  # 1 of 3 failures
    assert stored() == before  # --probe saves nothing

    shown, _ = health()
    assert shown.exit_code == 0, shown.output  # the engine's verdict: not down yet


def test_probe_of_a_healthy_estate_exits_0_even_before_the_first_evaluation() -> None:
    probed, report = health("--probe")
    assert probed.exit_code == 0, probed.output
    assert report["healthy"] is True
    assert {row["member"]: row["state"] for row in report["members"]} == {
        PRIMARY: "up",
        BACKUP: "up",
    }
    assert stored() is None


def test_the_exit_codes_are_in_the_help() -> None:
    shown = runner.invoke(app, ["health", "--help"], env={"COLUMNS": "200"})
    assert "Exit code, for cron and monitoring: 0 every member of every group is up, 2" in (
        " ".join(shown.stdout.split())
    )


def test_an_operator_move_is_journaled_and_health_shows_the_journals_last_switch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BYOC_JOURNAL_TABLE", f"journal{uuid.uuid4().hex[:12]}")
    store(**{PRIMARY: UP, BACKUP: UP})
    moved = runner.invoke(app, ["health", "move", GROUP, BACKUP])
    assert moved.exit_code == 0, moved.output

    since = datetime.now(UTC) - timedelta(minutes=5)
    entries = bootstrap.app().journal.for_group(GROUP, since)
    assert {e.trigger.value for e in entries} == {"operator"}
    assert [e.status.value for e in entries if e.status] == ["succeeded", "running"]
    (change,) = [e for e in entries if e.kind == "change"]
    assert (change.before, change.after) == (PRIMARY, f"{BACKUP} (pinned)")
    assert change.command_type == "health_move"

    # A route switch journaled by the worker is what `health` shows as the last switch.
    switch = entry_of_change(
        CommandOrigin(
            command_id="hc-1",
            command_type="evaluate_trunk_group",
            correlation_id="c",
            trigger=Trigger.TIMER,
        ),
        ChangeRecord(
            subject=route_switch_subject(GROUP),
            before=f"{PRIMARY}, {BACKUP}",
            after=f"{BACKUP}, {PRIMARY}",
            reason=f"moved by an operator to {BACKUP}",
            trunk_group=GROUP,
        ),
        datetime.now(UTC),
    )
    bootstrap.app().journal.append(switch)
    shown, report = health()
    last = report["last_route_switch"][GROUP]
    assert (last["from_member"], last["to_member"], last["trigger"]) == (PRIMARY, BACKUP, "timer")
    text = " ".join(shown.stdout.split())
    assert f"{PRIMARY} → {BACKUP}: moved by an operator to {BACKUP}" in text
