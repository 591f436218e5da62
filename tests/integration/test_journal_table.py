"""The journal in Azure Table Storage (Azurite), through azure-data-tables: what is written
reads back by command, number, group and day, each as one partition's query; retention
prunes whole days with every copy; an unreachable table never raises."""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from azure.core.exceptions import ServiceRequestError

from sandbox.azure.azurite import Azurite
from shared import observability
from shared.adapters.journal_table import TableJournal
from shared.adapters.table_store import development_connection_string, table_client
from shared.domain.journal import (
    ChangeRecord,
    CommandOrigin,
    CommandStatus,
    JournalEntry,
    Trigger,
    command_entry,
    entry_of_change,
    partitions_of,
    route_switch_subject,
    row_key_of,
)
from shared.settings import HostStorageConnection

NOW = datetime.now(UTC).replace(microsecond=0)
NUMBER, OTHER = "+12025550100", "+12025550199"
GROUP = "TG-BYOC-Primary-Failover"


def _origin(command_id: str, trigger: Trigger = Trigger.API) -> CommandOrigin:
    return CommandOrigin(
        command_id=command_id,
        command_type="purchase_number",
        correlation_id="cid-1",
        trigger=trigger,
    )


@pytest.fixture
def journal(azurite: Azurite) -> Iterator[TableJournal]:
    connection = HostStorageConnection(AzureWebJobsStorage=azurite.connection_string)
    journal = TableJournal(table_client(connection, f"journal{secrets.token_hex(4)}"))
    yield journal
    journal.close()


def _queries(journal: TableJournal, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every query filter the journal sends."""
    client: Any = journal._client
    seen: list[str] = []
    original = client.query_entities

    def recording(query_filter: str, **kwargs: Any) -> Any:
        seen.append(query_filter)
        return original(query_filter, **kwargs)

    monkeypatch.setattr(client, "query_entities", recording)
    return seen


def _switch(command_id: str, at: datetime, after: str) -> JournalEntry:
    record = ChangeRecord(
        subject=route_switch_subject("Outbound-Primary"),
        before="Primary → Backup" if after.startswith("Backup") else "Backup → Primary",
        after=after,
        reason="Primary down: 3 failed probes",
        trunk_group=GROUP,
    )
    return entry_of_change(_origin(command_id, Trigger.TIMER), record, at)


def test_a_command_reads_back_oldest_first_and_by_number_newest_first(
    journal: TableJournal, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = _origin("cmd-1")
    written = [
        command_entry(
            origin, CommandStatus.ACCEPTED, NOW - timedelta(seconds=3), phone_numbers=[NUMBER]
        ),
        command_entry(
            origin, CommandStatus.RUNNING, NOW - timedelta(seconds=2), phone_numbers=[NUMBER]
        ),
        entry_of_change(
            origin,
            ChangeRecord(
                subject=f"Twilio number {NUMBER}", after="bought", phone_numbers=(NUMBER,)
            ),
            NOW - timedelta(seconds=1),
        ),
        command_entry(origin, CommandStatus.SUCCEEDED, NOW, phone_numbers=[NUMBER], steps=["done"]),
    ]
    other = command_entry(_origin("cmd-2"), CommandStatus.ACCEPTED, NOW, phone_numbers=[OTHER])
    for entry in [*written, other]:
        journal.append(entry)
    queries = _queries(journal, monkeypatch)

    assert journal.for_command("cmd-1") == written
    assert journal.for_number(NUMBER, NOW - timedelta(hours=1)) == written[::-1]
    assert journal.for_number(NUMBER, NOW - timedelta(seconds=1)) == written[:1:-1][:2]
    assert journal.for_number("+12025550111", NOW - timedelta(days=1)) == []
    assert queries and all(q.startswith("PartitionKey eq @pk") for q in queries), queries


def test_a_retried_write_duplicates_nothing(journal: TableJournal) -> None:
    entry = command_entry(_origin("cmd-3"), CommandStatus.RUNNING, NOW, phone_numbers=[NUMBER])
    journal.append(entry)
    journal.append(entry)
    assert journal.rows(partitions_of(entry)) == dict.fromkeys(partitions_of(entry), 1)


def test_a_groups_switches_have_a_partition_of_their_own(journal: TableJournal) -> None:
    first = _switch("hc-1", NOW - timedelta(minutes=30), "Backup → Primary")
    routine = command_entry(
        _origin("hc-2", Trigger.TIMER), CommandStatus.SUCCEEDED, NOW, trunk_group=GROUP
    )
    second = _switch("hc-3", NOW - timedelta(minutes=1), "Primary → Backup")
    for entry in (first, routine, second):
        journal.append(entry)
    assert journal.switches(GROUP) == [second]
    assert journal.switches(GROUP, limit=5) == [second, first]
    assert journal.for_group(GROUP, NOW - timedelta(hours=1)) == [routine, second, first]


def test_recent_is_newest_first_across_days_up_to_the_limit(journal: TableJournal) -> None:
    entries = [
        command_entry(_origin(f"r-{days}"), CommandStatus.SUCCEEDED, NOW - timedelta(days=days))
        for days in (0, 1, 2, 5)
    ]
    for entry in entries:
        journal.append(entry)
    assert journal.recent(NOW - timedelta(days=3)) == entries[:3]
    assert journal.recent(NOW - timedelta(days=10), limit=2) == entries[:2]


def test_prune_drops_old_days_from_every_partition_and_keeps_the_rest(
    journal: TableJournal,
) -> None:
    old = [
        command_entry(
            _origin(f"old-{i}"),
            CommandStatus.SUCCEEDED,
            NOW - timedelta(days=100, seconds=i),
            phone_numbers=[NUMBER],
            trunk_group=GROUP,
        )
        for i in range(130)  # more than one batch transaction for the shared partitions
    ]
    old_switch = _switch("old-switch", NOW - timedelta(days=95), "Primary → Backup")
    kept = command_entry(_origin("new"), CommandStatus.SUCCEEDED, NOW, phone_numbers=[NUMBER])
    for entry in [*old, old_switch, kept]:
        journal.append(entry)
    # A prune that stopped half-way left a copy gone: the batch holding it still goes.
    journal._client.delete_entity(f"num:{NUMBER}", row_key_of(old[0]))

    cutoff = (NOW - timedelta(days=90)).date()
    assert journal.prune(cutoff) == len(old) + 1

    assert journal.for_number(NUMBER, NOW - timedelta(days=200)) == [kept]
    assert journal.for_group(GROUP, NOW - timedelta(days=200)) == []
    assert journal.switches(GROUP) == []
    assert journal.for_command("old-1") == []
    assert journal.for_command("new") == [kept]
    assert journal.prune(cutoff) == 0


def test_prune_of_a_table_never_written_finds_nothing(journal: TableJournal) -> None:
    assert journal.prune(date.today()) == 0
    assert journal.for_command("nothing") == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unreachable(**options: Any) -> TableJournal:
    connection = HostStorageConnection(
        AzureWebJobsStorage=development_connection_string(port=_closed_port())
    )
    return TableJournal(table_client(connection, "journalgone"), **options)


ENTRY = command_entry(_origin("cmd-x"), CommandStatus.RUNNING, NOW, phone_numbers=[NUMBER])


def test_a_refused_write_is_counted_not_raised_and_the_next_is_tried() -> None:
    journal = _unreachable()
    before = observability.journal_write_failures()
    started = time.monotonic()
    for _ in range(5):
        journal.append(ENTRY)
    assert time.monotonic() - started < 10
    assert observability.journal_write_failures() - before == 5


def test_after_a_slow_failure_the_journal_is_not_tried_for_a_pause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A write that failed slowly (a timeout) would make every entry wait as long: the
    entries of the next half minute are counted as failed without a call."""
    ticks = iter(range(0, 1000, 2))  # every clock reading 2 s after the one before
    journal = _unreachable(failure_pause_s=30, clock=lambda: float(next(ticks)))
    calls: list[str] = []
    client: Any = journal._client

    def create_table(**_: Any) -> None:
        calls.append("create")
        raise ServiceRequestError("connection timed out")  # what a timeout raises

    monkeypatch.setattr(client, "create_table", create_table)
    before = observability.journal_write_failures()
    for _ in range(5):
        journal.append(ENTRY)
    assert calls == ["create"]
    assert observability.journal_write_failures() - before == 5
