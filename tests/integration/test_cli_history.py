"""`byoc-sync history`: the journal as a table that fits 80 columns, or as JSON; filtered
by number, group and time; read from the journal table alone (no vendor settings here)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from cli.history_cmd import SinceError, parse_since
from cli.main import app
from sandbox.azure.azurite import Azurite
from shared import bootstrap
from shared.domain.journal import (
    ChangeRecord,
    CommandOrigin,
    CommandStatus,
    Trigger,
    command_entry,
    entry_of_change,
    route_switch_subject,
)
from tests.support.tables import assert_fits, console_width

runner = CliRunner()
NOW = datetime.now(UTC)
NUMBER = "+12025550100"
GROUP = "TG-BYOC-Primary-Failover"
PRIMARY, BACKUP = "BYOC-Primary-Twilio", "BYOC-Failover-Twilio"
PURCHASE = CommandOrigin(
    command_id="a1b2c3d4e5f6a7b8",
    command_type="purchase_number",
    correlation_id="c",
    trigger=Trigger.API,
)
HEALTH = CommandOrigin(
    command_id="f00dfeedbeef0001",
    command_type="evaluate_trunk_group",
    correlation_id="c",
    trigger=Trigger.TIMER,
)
SWITCH_REASON = f"failover: {PRIMARY} is down (not connected; SIP 3 probes without an answer)"


@pytest.fixture(autouse=True)
def journal(azurite: Azurite, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A journal table of this test's own, holding a purchase two hours ago and a failover
    ten minutes ago; no vendor setting at all."""
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "GENESYSCLOUD_OAUTHCLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AzureWebJobsStorage", azurite.connection_string)
    monkeypatch.setenv("BYOC_JOURNAL_TABLE", f"journal{uuid.uuid4().hex[:12]}")
    writer = bootstrap.app().journal
    bought = NOW - timedelta(hours=2)
    writer.append(command_entry(PURCHASE, CommandStatus.ACCEPTED, bought, phone_numbers=[NUMBER]))
    writer.append(
        entry_of_change(
            PURCHASE,
            ChangeRecord(
                subject=f"Twilio number {NUMBER}",
                before="not on the account",
                after="bought",
                reason="purchase for route 'main'",
                phone_numbers=(NUMBER,),
            ),
            bought + timedelta(seconds=1),
        )
    )
    writer.append(
        command_entry(
            PURCHASE,
            CommandStatus.SUCCEEDED,
            bought + timedelta(seconds=2),
            phone_numbers=[NUMBER],
            steps=["purchase: done (PN1)"],
        )
    )
    writer.append(
        entry_of_change(
            HEALTH,
            ChangeRecord(
                subject=route_switch_subject("TG-BYOC-Primary-Failover"),
                before=f"{PRIMARY}, {BACKUP}",
                after=f"{BACKUP}, {PRIMARY}",
                reason=SWITCH_REASON,
                trunk_group=GROUP,
            ),
            NOW - timedelta(minutes=10),
        )
    )
    yield


@pytest.mark.parametrize("case", ["80", "120", "piped"])
def test_the_table_fits_and_says_what_changed_why_and_by_whom(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    width = console_width(case, monkeypatch)
    shown = runner.invoke(app, ["history", "--since", "1d"])
    assert shown.exit_code == 0, shown.output
    assert_fits(shown.output, width, [NUMBER, "a1b2c3d4e5f6", "f00dfeedbeef"])
    text = " ".join(shown.output.split())
    assert f"{PRIMARY}, {BACKUP} → {BACKUP}, {PRIMARY}" in text
    assert f"why: {SWITCH_REASON}" in text
    assert "evaluate_trunk_group f00dfeedbeef (timer)" in text
    assert "purchase_number succeeded" in text
    assert text.index("outbound route") < text.index("purchase_number succeeded"), "newest first"


def test_json_filters_by_number_group_and_time() -> None:
    by_number = runner.invoke(app, ["history", "--number", NUMBER, "--json", "--since", "1d"])
    assert by_number.exit_code == 0, by_number.output
    entries = json.loads(by_number.output)
    assert [(e["kind"], e["status"]) for e in entries] == [
        ("command", "succeeded"),
        ("change", None),
        ("command", "accepted"),
    ]
    assert entries[1]["before"] == "not on the account" and entries[1]["trigger"] == "api"

    by_group = json.loads(runner.invoke(app, ["history", "--group", GROUP, "--json"]).output)
    assert [e["reason"] for e in by_group] == [SWITCH_REASON]

    last_hour = json.loads(runner.invoke(app, ["history", "--since", "1h", "--json"]).output)
    assert [e["command_id"] for e in last_hour] == [HEALTH.command_id]
    assert len(json.loads(runner.invoke(app, ["history", "--limit", "2", "--json"]).output)) == 2


def test_an_empty_window_says_so() -> None:
    shown = runner.invoke(app, ["history", "--since", "1min"])
    assert shown.exit_code == 0, shown.output
    assert "no journal entries in that window" in shown.output


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--since", "yesterday"], "--since 'yesterday': give a span"),
        (["--number", "2025550100"], "has no country code"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(arguments: list[str], error: str) -> None:
    shown = runner.invoke(app, ["history", *arguments])
    assert shown.exit_code == 1
    lines = shown.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and error in lines[0], shown.output


def test_since_takes_spans_and_iso_times() -> None:
    assert parse_since("90min", NOW) == NOW - timedelta(minutes=90)
    assert parse_since("2d", NOW) == NOW - timedelta(days=2)
    assert parse_since("2026-05-01T06:00:00", NOW) == datetime(2026, 5, 1, 6, tzinfo=UTC)
    with pytest.raises(SinceError):
        parse_since("last week", NOW)
