"""A client-side Genesys Cloud request budget, so the org's rate limit is never reached.

Genesys answers 429 once a client-credentials token exceeds its requests per minute (300 by
default), and 429s cost twice: the refused call and the wait. Counting our own calls against
the same rolling window and waiting *before* sending means a full snapshot or a large apply
slows down smoothly instead of bouncing off the limit. Every attempt takes a slot,
retries included, because the vendor counts those too. Thread-safe: apply runs changes
with bounded concurrency over one budget.

The configured figure is a ceiling: where an answer says how the server counts
(`inin-ratelimit-allowed`, `-count`, `-reset`), `observe` follows it whenever it is stricter —
a lower limit than configured, or more requests used than we sent ourselves (another process
holding the same token). Genesys announced the removal of those headers in 2021, so against
a current org (and the sandbox, unless switched on) there are none, and the budget is
exactly the configured one.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shared.domain.priority import Priority, current_priority
from shared.settings import Settings

# Genesys' rate-limit headers: once on every API answer (errors and 429s included), removed
# from Genesys Cloud in 2021; read when present.
RATELIMIT_ALLOWED = "inin-ratelimit-allowed"  # the token's limit per window
RATELIMIT_COUNT = "inin-ratelimit-count"  # requests the server counted in this window
RATELIMIT_RESET = "inin-ratelimit-reset"  # seconds until the window resets


@dataclass(frozen=True)
class RateLimitReading:
    """What one answer's headers say; a header that is missing or not a number is None."""

    allowed: int | None
    count: int | None
    reset_s: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str] | None) -> RateLimitReading:
        """Read the `inin-ratelimit-*` headers (names in any case)."""
        found = {k.lower(): v for k, v in (headers or {}).items()}

        def number(name: str) -> float | None:
            try:
                value = float(found[name])
            except (KeyError, TypeError, ValueError):
                return None
            return value if value >= 0 else None

        allowed, count = number(RATELIMIT_ALLOWED), number(RATELIMIT_COUNT)
        return cls(
            allowed=int(allowed) if allowed is not None else None,
            count=int(count) if count is not None else None,
            reset_s=number(RATELIMIT_RESET),
        )


class RequestBudget:
    """At most `limit` acquisitions in any `window_s` seconds; a configured 0 means no budget.

    `reserved_share` of the window is kept from bulk work (`Priority.BULK`: a reconcile of
    every number), and half of it from requests (purchases, releases, named numbers), so a
    failover (`Priority.FAILOVER`) finds a slot at once however busy a bulk read keeps the
    budget. The priority is the calling context's (`shared.domain.priority`).

    `limit` is the configured figure, or the server's `inin-ratelimit-allowed` once an answer
    said it is lower (`configured_limit` keeps the setting). `margin_s` widens the window a
    little: our send time precedes the vendor's receive time, so a budget exactly equal to
    the vendor's would occasionally overshoot it.
    """

    def __init__(
        self,
        limit: int,
        window_s: float = 60.0,
        *,
        margin_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        reserved_share: float = 0.0,
    ) -> None:
        self.configured_limit = limit
        self.reserved_share = reserved_share
        self.window_s = window_s + margin_s
        self._window_base_s = window_s
        self._margin_s = margin_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._server_allowed: int | None = None
        # Send times, oldest first; `observe` may add the requests only the server has seen.
        self._sent: deque[float] = deque()
        self.waited_s = 0.0  # total time callers spent waiting (observability, tests)

    @classmethod
    def from_settings(cls, settings: Settings) -> RequestBudget:
        return cls(
            settings.byoc_genesys_requests_per_minute,
            reserved_share=settings.byoc_genesys_reserved_share,
        )

    def cap(self, priority: Priority) -> int:
        """How much of the window work of this priority may fill."""
        limit = self.limit
        reserve = math.ceil(limit * self.reserved_share)
        held_back = {Priority.FAILOVER: 0, Priority.REQUEST: reserve // 2, Priority.BULK: reserve}
        return max(1, limit - held_back[priority])

    @property
    def limit(self) -> int:
        """The limit in force: the configured one, or the server's if that is lower."""
        if self.configured_limit <= 0 or self._server_allowed is None:
            return self.configured_limit
        return min(self.configured_limit, self._server_allowed)

    def _expire(self, now: float) -> None:
        while self._sent and now - self._sent[0] >= self.window_s:
            self._sent.popleft()

    def in_window(self) -> int:
        """Requests the window holds now (what a caller of each priority competes for)."""
        with self._lock:
            self._expire(self._clock())
            return len(self._sent)

    def acquire(self) -> float:
        """Block until one more request fits the window, take the slot; seconds waited."""
        if self.configured_limit <= 0:
            return 0.0
        waited = 0.0
        priority = current_priority.get()
        while True:
            with self._lock:
                now = self._clock()
                self._expire(now)
                if len(self._sent) < self.cap(priority):
                    self._sent.append(now)
                    self.waited_s += waited
                    return waited
                # The slot that frees this priority's cap is the one that many from the end.
                wait = self._sent[len(self._sent) - self.cap(priority)] + self.window_s - now
            # Sleep outside the lock so other threads can see the window move too.
            self._sleep(wait)
            waited += wait

    def observe(self, headers: Mapping[str, str] | None) -> RateLimitReading:
        """Follow what one Genesys answer says about the rate limit, where it is stricter.

        - `inin-ratelimit-allowed` below the configured limit becomes the limit (and follows
          the server while it stays below it);
        - `inin-ratelimit-count` above what this budget holds in its window means requests
          we did not send count against the token too: the difference is booked as sent
          now and expiring `inin-ratelimit-reset` seconds from now (plus the margin), so a
          full window waits until the server's resets.
        Answers without these headers change nothing. A configured 0 stays off.
        """
        reading = RateLimitReading.from_headers(headers)
        if self.configured_limit <= 0:
            return reading
        with self._lock:
            if reading.allowed is not None and reading.allowed > 0:
                self._server_allowed = reading.allowed
            if reading.count is not None and reading.reset_s is not None:
                now = self._clock()
                self._expire(now)
                unseen = reading.count - len(self._sent)
                if unseen > 0:
                    # Booked so that it leaves our window when the server's window resets.
                    stamp = now + reading.reset_s - self._window_base_s
                    for _ in range(unseen):
                        bisect.insort(self._sent, stamp)
        return reading
