"""A client-side Genesys Cloud request budget, so the org's rate limit is never reached.

Genesys answers 429 once an OAuth client exceeds its requests per minute (300 by default),
and 429s cost twice: the refused call and the wait. Counting our own calls against the
same rolling window and waiting *before* sending means a full snapshot or a large apply
slows down smoothly instead of bouncing off the limit. Every attempt takes a slot,
retries included, because the vendor counts those too. Thread-safe: apply runs changes
with bounded concurrency over one budget.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from shared.settings import Settings


class RequestBudget:
    """At most `limit` acquisitions in any `window_s` seconds; `limit` 0 means no budget.

    `margin_s` widens the window a little: our send time precedes the vendor's receive
    time, so a budget exactly equal to the vendor's would occasionally overshoot it.
    """

    def __init__(
        self,
        limit: int,
        window_s: float = 60.0,
        *,
        margin_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self.window_s = window_s + margin_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self.waited_s = 0.0  # total time callers spent waiting (observability, tests)

    @classmethod
    def from_settings(cls, settings: Settings) -> RequestBudget:
        return cls(settings.byoc_genesys_requests_per_minute)

    def acquire(self) -> float:
        """Block until one more request fits the window, take the slot; seconds waited."""
        if self.limit <= 0:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.window_s:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    self.waited_s += waited
                    return waited
                wait = self._sent[0] + self.window_s - now
            # Sleep outside the lock so other threads can see the window move too.
            self._sleep(wait)
            waited += wait
