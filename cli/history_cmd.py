"""`byoc-sync history`: the journal as a table — what byoc-sync did, when, why, for whom.

Each filter is one query of one journal partition (a number's, a group's, or each day's),
so the answer costs the same at any estate size and calls no vendor.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from cli.runtime import JsonOption, fail, operator_errors
from cli.tables import described, listing, name_column, print_table, prose_column
from shared import bootstrap
from shared.domain.e164 import InvalidNumberError, strict_e164
from shared.domain.journal import CommandStatus, JournalEntry

DEFAULT_SINCE = "1d"
_SPAN = re.compile(r"^\s*(\d+)\s*(s|min|m|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_STATUS_STYLE = {
    CommandStatus.SUCCEEDED: "green",
    CommandStatus.FAILED: "red",
    CommandStatus.DEAD_LETTERED: "red",
}


class SinceError(ValueError):
    """--since is neither a span (30min, 1h, 2d) nor an ISO time."""


def parse_since(text: str, now: datetime) -> datetime:
    """`30min`, `1h`, `2d`, `1w` back from `now`, or an ISO 8601 time (UTC when it names
    no zone)."""
    span = _SPAN.match(text)
    if span:
        return now - timedelta(seconds=int(span.group(1)) * _UNITS[span.group(2).lower()])
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise SinceError(
            f"--since {text!r}: give a span (30min, 1h, 2d, 1w) or an ISO time "
            "(2026-05-01T06:00:00Z)"
        ) from error
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _what(entry: JournalEntry) -> tuple[Text, str]:
    """The headline of an entry, and the line under it: who, why."""
    by = f"{entry.command_type} {entry.command_id[:12]} ({entry.trigger.value})"
    if entry.kind == "change":
        change = f"{entry.before or '—'} → {entry.after or '—'}"
        note = f"why: {entry.reason or '—'}; by {by}"
        return Text(f"{entry.subject}: {change}"), note
    assert entry.status is not None
    head = Text(f"{entry.command_type} ", style="bold")
    head.append(entry.status.value, style=_STATUS_STYLE.get(entry.status, "yellow"))
    about = ", ".join((*entry.phone_numbers, *([entry.trunk_group] if entry.trunk_group else [])))
    parts = [f"{entry.command_id[:12]} ({entry.trigger.value})"]
    if about:
        parts.append(about)
    if entry.delivery and entry.delivery > 1:
        parts.append(f"delivery {entry.delivery}")
    if entry.reason:
        parts.append(entry.reason)
    return head, "; ".join(parts)


def _print(entries: list[JournalEntry]) -> None:
    console = Console()
    if not entries:
        console.print("no journal entries in that window")
        return
    times = [f"{e.at.astimezone(UTC):%m-%d %H:%M:%S}" for e in entries]
    table = listing(name_column("UTC", times), prose_column("what (and why, by whom)"))
    for at, entry in zip(times, entries, strict=True):
        head, note = _what(entry)
        table.add_row(at, described(head, note, marker="·"))
    print_table(console, table)


def history_command(
    number: Annotated[
        str | None, typer.Option("--number", help="Only entries about this number (E.164).")
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", help="Only entries about this trunk group.")
    ] = None,
    since: Annotated[
        str,
        typer.Option("--since", help="How far back: a span (30min, 1h, 2d, 1w) or an ISO time."),
    ] = DEFAULT_SINCE,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=5000, help="Most entries shown, newest first.")
    ] = 200,
    as_json: JsonOption = False,
) -> None:
    """The journal: every command byoc-sync ran and every change it made, newest first.

    A command shows as accepted, running, succeeded, failed or dead-lettered, with who set
    it going (api, event, feed, timer, operator); a change shows what changed, before →
    after, and why. Reads the journal table only: no vendor is called.
    """
    now = datetime.now(UTC)
    try:
        start = parse_since(since, now)
        phone = strict_e164(number) if number is not None else None
    except (SinceError, InvalidNumberError) as error:
        fail(str(error))
    with operator_errors():
        journal = bootstrap.app().journal
        if phone is not None:
            entries = journal.for_number(phone, start)
            if group is not None:
                entries = [e for e in entries if e.trunk_group == group]
        elif group is not None:
            entries = journal.for_group(group, start)
        else:
            entries = journal.recent(start, limit)
    entries = entries[:limit]
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    _print(entries)
