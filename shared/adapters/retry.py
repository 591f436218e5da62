"""The one retry policy every outbound vendor call goes through.

Built on tenacity rather than hand-rolled loops so there is exactly one place that decides
how long to wait and when to give up:
- 429: wait what `Retry-After` says (capped by `max_wait_s`), else back off;
- 5xx, timeouts, connection resets: exponential backoff with full jitter (a random wait
  in [0, min(max_wait, base * 2^(attempt-1))]), so many workers do not retry in lockstep;
- at most `max_attempts` attempts, then `RetriesExhausted`;
- everything else from a vendor (400, 401, 403, 404, 409 …) at once `TerminalVendorError`.
`sleep` and `random` are injectable so tests never sleep and see deterministic waits.

Every call passes here once, so this is also where vendor calls are observed: one span per
operation (its HTTP requests are its children, see vendor_clients.py), and per attempt
`byoc.vendor.calls` by how the vendor answered (429s also as `byoc.vendor.throttled`), and
`byoc.vendor.retries` for each attempt made again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from opentelemetry.trace import Span
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception, stop_after_attempt

from shared import telemetry
from shared.adapters.classify import classify
from shared.ports import RetriesExhausted, TerminalVendorError
from shared.settings import Settings
from shared.telemetry.contract import VENDOR_ATTEMPTS_ATTRIBUTE, VENDOR_OUTCOME_ATTRIBUTE
from shared.telemetry.metrics import vendor_outcome

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_BASE_WAIT_S = 0.5


def _retryable(exc: BaseException) -> bool:
    failure = classify(exc)
    return failure is not None and failure.retryable


class RetryPolicy:
    """Runs a vendor call with bounded, logged retries; see the module docstring."""

    def __init__(
        self,
        max_attempts: int = 5,
        max_wait_s: float = 30.0,
        base_wait_s: float = DEFAULT_BASE_WAIT_S,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self.max_wait_s = max_wait_s
        self.base_wait_s = base_wait_s
        self._sleep = sleep
        self._rand = rand

    @classmethod
    def from_settings(
        cls, settings: Settings, sleep: Callable[[float], None] = time.sleep
    ) -> RetryPolicy:
        return cls(settings.byoc_retry_max_attempts, settings.byoc_retry_max_wait_s, sleep=sleep)

    def wait_for(self, exc: BaseException | None, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        failure = classify(exc) if exc is not None else None
        if failure is not None and failure.retry_after_s is not None:
            return min(failure.retry_after_s, self.max_wait_s)
        ceiling = min(self.max_wait_s, self.base_wait_s * 2.0 ** (attempt - 1))
        return self._rand() * ceiling

    def pause_before_reread(self, attempt: int) -> float:
        """Sleep before re-reading an object whose write met a version conflict; seconds slept.

        Right after a write Genesys may still answer the old version (replicas catch up), so
        an immediate re-read can fetch the same stale version again. Equal jitter (half the
        ceiling, plus up to the other half) always waits a little, and writers racing on
        one object spread out.
        """
        ceiling = min(self.max_wait_s, self.base_wait_s * 2.0 ** (attempt - 1))
        wait = ceiling * (0.5 + 0.5 * self._rand())
        self._sleep(wait)
        return wait

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        return self.wait_for(exc, state.attempt_number)

    def call(
        self,
        vendor: str,
        operation: str,
        fn: Callable[[], T],
        *,
        before_attempt: Callable[[], object] | None = None,
    ) -> T:
        """`fn()` under the policy; `before_attempt` runs before every attempt (budgets)."""
        with telemetry.vendor_operation(vendor, operation) as span:
            return self._call(vendor, operation, fn, before_attempt, span)

    def _call(
        self,
        vendor: str,
        operation: str,
        fn: Callable[[], T],
        before_attempt: Callable[[], object] | None,
        span: Span,
    ) -> T:
        attempts = 0

        def attempt() -> T:
            nonlocal attempts
            if before_attempt is not None:
                before_attempt()
            attempts += 1
            span.set_attribute(VENDOR_ATTEMPTS_ATTRIBUTE, attempts)
            try:
                result = fn()
            except Exception as exc:
                failure = classify(exc)
                if failure is not None:  # anything else is not the vendor's answer
                    outcome = vendor_outcome(failure.status)
                    span.set_attribute(VENDOR_OUTCOME_ATTRIBUTE, outcome)
                    telemetry.vendor_answered(vendor, outcome)
                raise
            span.set_attribute(VENDOR_OUTCOME_ATTRIBUTE, "ok")
            telemetry.vendor_answered(vendor, "ok")
            return result

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            failure = classify(exc) if exc is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            telemetry.vendor_retried(vendor)
            log.warning(
                "%s %s: attempt %d/%d failed (%s); retrying in %.2fs",
                vendor,
                operation,
                state.attempt_number,
                self.max_attempts,
                failure.reason if failure is not None else exc,
                wait,
            )

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            sleep=self._sleep,
            before_sleep=log_retry,
            reraise=False,
        )
        try:
            return retrying(attempt)
        except RetryError as exhausted:
            last = exhausted.last_attempt.exception()
            assert last is not None  # tenacity retries on exceptions only here
            failure = classify(last)
            raise RetriesExhausted(
                vendor,
                operation,
                exhausted.last_attempt.attempt_number,
                last,
                failure.reason if failure is not None else None,
            ) from last
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise  # not a vendor failure: a bug or an adapter error, keep it as it is
            raise TerminalVendorError(
                vendor, operation, failure.status, failure.code, failure.message
            ) from exc
