"""Accepted releases: which `Idempotency-Key` released which number.

`DELETE /api/numbers/{e164}` refuses a number that is not on the Twilio account (404). A
client retrying a release that went through — it lost the 202, or its retry policy fired
after the worker had run — would read that 404 as its own release failing. So an accepted
release that carries a key records the key against the number in the host's state table,
next to the purchase reservations; a retry with the same key, once the number is gone, is
answered as the first request was. Without a key there is nothing to tell a retry from a
mistake, and the 404 stays.

One record per number (the latest keyed release of it), so the table grows with the numbers
released, not with the requests; a later keyed release of the same number (bought again)
replaces the record, and the older key gets the 404 again.
"""

from __future__ import annotations

from datetime import datetime

from shared.ports import StateConflictError, StateStore, StateStoreError

PARTITION = "number-release"
_ATTEMPTS = 3  # a conflict means another keyed release of this number wrote in between


class ReleaseKeys:
    def __init__(self, store: StateStore) -> None:
        self._store = store

    def record(self, number: str, key: str, now: datetime) -> None:
        """Remember that the request with `key` released `number` (the latest writer wins)."""
        for _ in range(_ATTEMPTS):
            current = self._store.load(number)
            if current is not None and current.data.get("key") == key:
                return  # a retry while the number is still there: recorded already
            try:
                self._store.save(
                    number,
                    {"key": key, "at": now.isoformat()},
                    current.etag if current is not None else None,
                )
            except StateConflictError:
                continue
            return
        raise StateStoreError(f"{number}: the release record kept changing while being written")

    def released_with(self, number: str, key: str) -> bool:
        """Whether the last keyed release of `number` was the request with `key`."""
        current = self._store.load(number)
        return current is not None and current.data.get("key") == key
