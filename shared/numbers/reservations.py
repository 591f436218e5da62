"""Purchase reservations: one accepted purchase request per phone number.

`POST /api/numbers` picks a number Twilio offers and queues a command that buys exactly
that number. Two requests for "a number in area code 415" arriving together would both be
offered the same first number, both answered 202, and only one number bought: the second
command would find the number on the account and count it as its own. So the request
claims its number first, in the host's state table (insert-if-absent, guarded by ETag);
a number another request holds is passed over for the next offer. A claim lapses after
`ttl`, so a request whose command never ran does not hold a number forever.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.ports import StateConflictError, StateStore

PARTITION = "number-reservation"
DEFAULT_TTL = timedelta(hours=1)


class NumberReservations:
    def __init__(self, store: StateStore, ttl: timedelta = DEFAULT_TTL) -> None:
        self._store = store
        self._ttl = ttl

    def claim(self, number: str, owner: str, now: datetime) -> bool:
        """True when `owner` holds `number` now (newly, again, or taking over a lapsed
        claim); False when another request holds it."""
        current = self._store.load(number)
        if current is not None:
            held_by = current.data.get("owner")
            claimed_at = datetime.fromisoformat(str(current.data.get("at")))
            if held_by == owner:
                return True
            if now - claimed_at < self._ttl:
                return False
        try:
            self._store.save(
                number,
                {"owner": owner, "at": now.isoformat()},
                current.etag if current is not None else None,
            )
        except StateConflictError:  # another request claimed it between our read and write
            return False
        return True
