"""Extra Genesys tokens for bulk work: the rate limit is per token, not per OAuth client.

Genesys counts requests per client-credentials token (300 a minute by default), and a new
token of the same OAuth client starts a window of its own; CX as Code keeps a pool of tokens
for this reason. With `BYOC_GENESYS_BULK_TOKENS` = n, bulk work (`Priority.BULK`: a
reconcile of every number) sends each attempt with whichever of n extra tokens has the most
room in its own budget, so a full read of a large estate runs up to n times faster and the
main token stays free for failovers and requests. Org-wide limits are not per token and
still apply (see docs/performance.md).

Which token an attempt uses travels in a context variable from `acquire` (run before the
attempt) to the HTTP client that sends it (`vendor_clients.RateLimitObservingHttpClient`),
which puts it in the Authorization header and hands the answer's rate-limit headers to that
token's budget. An attempt refused with 401 fetches a new token for that slot only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from shared.adapters.budget import RequestBudget

_attempt: ContextVar[PooledToken | None] = ContextVar("byoc_genesys_pooled_token", default=None)


@dataclass
class PooledToken:
    """One slot of the pool: its token (None until first used) and its own budget."""

    slot: int
    budget: RequestBudget
    token: str | None = None


def attempt_token() -> PooledToken | None:
    """The pooled token the current attempt was given; None: the main token."""
    return _attempt.get()


def use_main_token() -> None:
    _attempt.set(None)


class TokenPool:
    """`size` tokens of the same OAuth client, fetched on first use, each with a budget."""

    def __init__(
        self, size: int, fetch_token: Callable[[], str], new_budget: Callable[[], RequestBudget]
    ) -> None:
        self._fetch = fetch_token
        self._new_budget = new_budget
        self._lock = threading.Lock()
        self.slots = [PooledToken(i, new_budget()) for i in range(size)]

    def acquire(self) -> PooledToken:
        """The slot with the most room, its slot in the window taken, set for this attempt."""
        chosen = min(self.slots, key=lambda s: s.budget.in_window())
        with self._lock:
            if chosen.token is None:
                chosen.token = self._fetch()
        chosen.budget.acquire()
        _attempt.set(chosen)
        return chosen

    def refresh(self, slot: PooledToken) -> None:
        """A new token for a slot whose token was refused (401: expired or revoked). Genesys
        starts the new token's window afresh, so the slot's budget starts afresh too."""
        token = self._fetch()
        with self._lock:
            slot.token = token
            slot.budget = self._new_budget()
