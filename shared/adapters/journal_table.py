"""The journal in Azure Table Storage: appended to by commands, read by operators.

Each entry is stored as one row in several partitions (its command, each number, its group,
its UTC day: `shared.domain.journal.partitions_of`), so every question is a range query
inside one partition. A batch transaction may only span one partition, so the rows of an
entry are separate upserts; the row key is fixed by the entry, so a retried write rewrites
the same rows and duplicates nothing.

Writing never holds up the change being recorded: each row gets two attempts with short
timeouts, a failure is logged (one line, no secrets) and counted, and after a failure that
took long (a timeout: the table is unreachable, not merely refusing) the journal stays quiet
for a short pause — entries in the pause are counted as failed without a network call — so
an unreachable table costs a command one timeout, not one per entry. A failure that was
quick costs nothing to try again, so it opens no pause: a blip loses one entry, not the
next half minute's.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.domain.journal import (
    DAY_PARTITION_PREFIX,
    JournalEntry,
    command_partition,
    day_of,
    day_partition,
    days_between,
    group_partition,
    number_partition,
    partitions_of,
    row_key_of,
    since_upper_bound,
    switch_partition,
)
from shared.observability import journal_write_failed
from shared.ports import JournalReadError

log = logging.getLogger(__name__)

ENTRY_PROPERTY = "entry"
DAY_PROPERTY = "day"
# A string property holds at most 64 KiB (32 K UTF-16 characters): long step lists are cut.
MAX_ENTRY_CHARS = 30_000
# Two attempts per row (the SDK retries at once), each bounded in time: the journal must
# not slow a failover down.
WRITE_OPTIONS: dict[str, Any] = {"retry_total": 1, "connection_timeout": 2, "read_timeout": 3}
READ_OPTIONS: dict[str, Any] = {"retry_total": 2, "connection_timeout": 5, "read_timeout": 20}
FAILURE_PAUSE_S = 30.0
SLOW_FAILURE_S = 1.0  # a failed write that took this long opens the pause
MAX_BATCH = 100  # operations in one batch transaction (all in one partition)


def _entity_text(entry: JournalEntry) -> str:
    text = entry.model_dump_json()
    if len(text) <= MAX_ENTRY_CHARS:
        return text
    kept = list(entry.steps)
    while kept and len(text) > MAX_ENTRY_CHARS:
        kept = kept[: len(kept) // 2]
        cut = entry.model_copy(update={"steps": (*kept, "… (more steps not journaled)")})
        text = cut.model_dump_json()
    if len(text) > MAX_ENTRY_CHARS:
        text = entry.model_copy(
            update={"steps": (), "reason": entry.reason[:2000]}
        ).model_dump_json()
    return text


def _entry_of(entity: dict[str, Any]) -> JournalEntry | None:
    try:
        return JournalEntry.model_validate_json(entity[ENTRY_PROPERTY])
    except (KeyError, TypeError, ValueError):
        return None  # a row this version cannot read is left out rather than failing a view


class TableJournal:
    """`JournalReader` and `JournalWriter` over one table."""

    def __init__(
        self,
        client: TableClient | None,
        *,
        failure_pause_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        table: str = "",
        unavailable: str = "",
    ) -> None:
        self._table = client.table_name if client is not None else table
        self._unavailable = unavailable
        self._client_or_none = client
        # Read when built, so a test can shorten the pause of the journals a host builds.
        self._failure_pause_s = FAILURE_PAUSE_S if failure_pause_s is None else failure_pause_s
        self._clock = clock
        self._lock = threading.Lock()
        self._quiet_until = 0.0
        self._table_ready = False

    @classmethod
    def unavailable(cls, table: str, why: str) -> TableJournal:
        """A journal whose storage settings cannot make a client: every write counts as
        failed, every read raises JournalReadError with `why`."""
        return cls(None, table=table, unavailable=why)

    @property
    def _client(self) -> TableClient:
        if self._client_or_none is None:
            raise JournalReadError(f"no journal: {self._unavailable}")
        return self._client_or_none

    @property
    def table(self) -> str:
        return self._table

    def close(self) -> None:
        if self._client_or_none is not None:
            self._client_or_none.close()

    # ------------------------------------------------------------------ writing

    def _ensure_table(self, options: dict[str, Any]) -> None:
        if self._table_ready:
            return
        with contextlib.suppress(ResourceExistsError):
            self._client.create_table(**options)
        self._table_ready = True

    def append(self, entry: JournalEntry) -> None:
        """Store the entry's rows; never raises. See the module docstring."""
        with self._lock:
            quiet = self._clock() < self._quiet_until
        if quiet:
            self._failed(entry, "the journal table failed a moment ago; not tried")
            return
        text = _entity_text(entry)
        day = day_of(entry.at).isoformat()
        row = row_key_of(entry)
        started = self._clock()
        try:
            self._ensure_table(WRITE_OPTIONS)
            for partition in partitions_of(entry):
                entity = {
                    "PartitionKey": partition,
                    "RowKey": row,
                    DAY_PROPERTY: day,
                    ENTRY_PROPERTY: text,
                }
                self._client.upsert_entity(entity, mode=UpdateMode.REPLACE, **WRITE_OPTIONS)
        except Exception as error:  # whatever went wrong, the change goes on
            now = self._clock()
            if now - started >= SLOW_FAILURE_S:
                with self._lock:
                    self._quiet_until = now + self._failure_pause_s
            message = (error.message if isinstance(error, AzureError) else str(error)) or ""
            first_line = next(iter(message.splitlines()), "")
            self._failed(entry, f"{type(error).__name__}: {first_line[:200]}")

    def _failed(self, entry: JournalEntry, why: str) -> None:
        journal_write_failed()
        what = entry.status.value if entry.status else entry.subject
        log.warning(
            "journal: entry not stored (%s %s, %s): %s",
            entry.command_type,
            entry.command_id[:12],
            what,
            why,
        )

    # ------------------------------------------------------------------ reading

    def _query(
        self, partition: str, since: datetime | None, limit: int | None
    ) -> list[JournalEntry]:
        """Rows of one partition, newest first (the row keys' order)."""
        query = "PartitionKey eq @pk"
        parameters: dict[str, Any] = {"pk": partition}
        if since is not None:
            query += " and RowKey lt @upper"
            parameters["upper"] = since_upper_bound(since)
        entries: list[JournalEntry] = []
        try:
            pages = self._client.query_entities(
                query,
                parameters=parameters,
                results_per_page=min(limit, 1000) if limit else None,
                **READ_OPTIONS,
            )
            for entity in pages:
                entry = _entry_of(dict(entity))
                if entry is not None:
                    entries.append(entry)
                if limit is not None and len(entries) >= limit:
                    break
        except ResourceNotFoundError:
            return []  # no table yet: nothing journaled yet
        except AzureError as error:
            raise JournalReadError(
                f"cannot read the journal ({partition}): {error.message}"
            ) from error
        return entries

    def for_command(self, command_id: str) -> list[JournalEntry]:
        return list(reversed(self._query(command_partition(command_id), None, None)))

    def for_number(self, phone_number: str, since: datetime) -> list[JournalEntry]:
        return self._query(number_partition(phone_number), since, None)

    def for_group(self, trunk_group: str, since: datetime) -> list[JournalEntry]:
        return self._query(group_partition(trunk_group), since, None)

    def switches(self, trunk_group: str, limit: int = 1) -> list[JournalEntry]:
        return self._query(switch_partition(trunk_group), None, limit)

    def recent(self, since: datetime, limit: int = 200) -> list[JournalEntry]:
        """One query per day partition, today's first, until `limit` entries are found."""
        entries: list[JournalEntry] = []
        for day in days_between(since, datetime.now(UTC)):
            entries += self._query(day_partition(day), since, limit - len(entries))
            if len(entries) >= limit:
                break
        return entries

    # ------------------------------------------------------------------ retention

    def prune(self, before: date) -> int:
        """Delete every entry of the days before `before`, with its rows in the other
        partitions; returns how many entries went. Rows are deleted in batch transactions
        (one partition, at most 100 operations each); the day rows go last, so a prune
        that stops half-way finds the rest next time. Raises JournalReadError when the
        table cannot be read or written."""
        query = "PartitionKey ge @low and PartitionKey lt @high"
        parameters = {"low": DAY_PARTITION_PREFIX, "high": day_partition(before)}
        doomed: dict[str, list[str]] = {}
        days: dict[str, list[str]] = {}
        pruned = 0
        try:
            for entity in self._client.query_entities(query, parameters=parameters, **READ_OPTIONS):
                day, row = str(entity["PartitionKey"]), str(entity["RowKey"])
                entry = _entry_of(dict(entity))
                for partition in partitions_of(entry) if entry is not None else ():
                    if not partition.startswith(DAY_PARTITION_PREFIX):
                        self._queue_delete(doomed, partition, row)
                days.setdefault(day, []).append(row)
                pruned += 1
            for partition, rows in [*doomed.items(), *days.items()]:
                self._delete_rows(partition, rows)
        except ResourceNotFoundError:
            return 0  # no table: nothing was ever journaled
        except AzureError as error:
            raise JournalReadError(f"cannot prune the journal: {error.message}") from error
        return pruned

    def _queue_delete(self, doomed: dict[str, list[str]], partition: str, row: str) -> None:
        rows = doomed.setdefault(partition, [])
        rows.append(row)
        if len(rows) >= MAX_BATCH:
            self._delete_rows(partition, rows)
            rows.clear()

    def _delete_rows(self, partition: str, rows: list[str]) -> None:
        """One transaction per 100 rows. A transaction fails whole when one of its rows is
        gone (an earlier prune got that far), so then each row goes on its own; deleting a
        row that is gone succeeds (the SDK ignores the 404)."""
        for start in range(0, len(rows), MAX_BATCH):
            chunk = rows[start : start + MAX_BATCH]
            operations = [("delete", {"PartitionKey": partition, "RowKey": r}) for r in chunk]
            try:
                self._client.submit_transaction(operations, **READ_OPTIONS)
            except TableTransactionError:
                for row in chunk:
                    self._client.delete_entity(partition, row, **READ_OPTIONS)

    def rows(self, partitions: Iterable[str]) -> dict[str, int]:
        """How many rows each partition holds (for tests and diagnostics)."""
        counts: dict[str, int] = {}
        for partition in partitions:
            found = self._client.query_entities(
                "PartitionKey eq @pk", parameters={"pk": partition}, select=["RowKey"]
            )
            counts[partition] = sum(1 for _ in found)
        return counts
