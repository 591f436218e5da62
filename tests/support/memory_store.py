"""An in-memory StateStore with the state table's ETag rule, for unit tests.

`interleave` has another request write the key between a caller's read and its write, that
many times (the record it writes comes from `other`), so a test can pin what a caller does
when it loses the race.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.ports import StateConflictError, StoredState


class MemoryStore:
    def __init__(
        self,
        interleave: int = 0,
        other: Callable[[str], Mapping[str, Any]] = lambda key: {"key": "someone-else"},
    ) -> None:
        self.rows: dict[str, StoredState] = {}
        self.interleave = interleave
        self.other = other
        self.saves = 0
        self._version = 0

    def load(self, key: str) -> StoredState | None:
        return self.rows.get(key)

    def save(self, key: str, data: Mapping[str, Any], etag: str | None) -> str:
        if self.interleave:
            self.interleave -= 1
            self._write(key, self.other(key))
        current = self.rows.get(key)
        if (current.etag if current else None) != etag:
            raise StateConflictError(f"{key}: changed")
        self.saves += 1
        return self._write(key, data)

    def _write(self, key: str, data: Mapping[str, Any]) -> str:
        self._version += 1
        self.rows[key] = StoredState(dict(data), str(self._version))
        return str(self._version)
