"""A journal in memory: the JournalReader and JournalWriter ports over a list, where no
Table Storage is wanted — tests of what is journaled and of what reads it, and benchmarks,
which count vendor calls and not the journal's."""

from __future__ import annotations

from datetime import datetime

from shared.domain.journal import JournalEntry, is_route_switch


class MemoryJournal:
    def __init__(self, entries: list[JournalEntry] | None = None) -> None:
        self.entries: list[JournalEntry] = list(entries or [])

    def append(self, entry: JournalEntry) -> None:
        self.entries.append(entry)

    def _newest_first(self, entries: list[JournalEntry]) -> list[JournalEntry]:
        return sorted(entries, key=lambda e: (e.at, e.entry_id), reverse=True)

    def for_command(self, command_id: str) -> list[JournalEntry]:
        return self._newest_first([e for e in self.entries if e.command_id == command_id])[::-1]

    def for_number(self, phone_number: str, since: datetime) -> list[JournalEntry]:
        return self._newest_first(
            [e for e in self.entries if phone_number in e.phone_numbers and e.at >= since]
        )

    def for_group(self, trunk_group: str, since: datetime) -> list[JournalEntry]:
        return self._newest_first(
            [e for e in self.entries if e.trunk_group == trunk_group and e.at >= since]
        )

    def recent(self, since: datetime, limit: int = 200) -> list[JournalEntry]:
        return self._newest_first([e for e in self.entries if e.at >= since])[:limit]

    def switches(self, trunk_group: str, limit: int = 1) -> list[JournalEntry]:
        found = [e for e in self.entries if e.trunk_group == trunk_group and is_route_switch(e)]
        return self._newest_first(found)[:limit]
