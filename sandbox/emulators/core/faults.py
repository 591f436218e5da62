"""Fault injection and rate limiting for the emulators.

Faults are what make the emulators worth testing against: the product's retry policy,
dead-lettering and convergence are only proven when the vendor misbehaves the way real
vendors do (429 with Retry-After, 5xx, hung connections, resets, version conflicts).
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FaultKind(StrEnum):
    THROTTLE = "throttle"  # 429 (+ Retry-After where the vendor sends one)
    SERVER_ERROR = "server_error"  # 500/502/503
    TIMEOUT = "timeout"  # hold the connection, then close it without answering
    RESET = "reset"  # TCP RST instead of an answer
    CONFLICT = "conflict"  # 409 on versioned writes only


class FaultConfig(BaseModel):
    """Switchable misbehaviour; rates are per-request probabilities that add up.

    One roll per request picks at most one fault, so `throttle_rate: 0.1` plus
    `server_error_rate: 0.1` means 20% of matching requests fail.
    """

    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(0.0, ge=0, description="Added to every matching request.")
    jitter_ms: float = Field(0.0, ge=0, description="Uniform extra latency on top.")
    throttle_rate: float = Field(0.0, ge=0, le=1)
    retry_after_s: int = Field(
        1, ge=0, description="Retry-After sent with injected 429s (by vendors that send one)."
    )
    server_error_rate: float = Field(0.0, ge=0, le=1)
    server_error_statuses: list[int] = Field(default_factory=lambda: [500, 502, 503])
    timeout_rate: float = Field(0.0, ge=0, le=1)
    timeout_hold_s: float = Field(5.0, ge=0, description="How long a 'timeout' holds on.")
    reset_rate: float = Field(0.0, ge=0, le=1)
    conflict_rate: float = Field(0.0, ge=0, le=1, description="409s on versioned writes.")
    burst_429: int = Field(0, ge=0, description="The next N matching requests get 429.")
    path_pattern: str | None = Field(
        None, description="Regex on the path; faults apply only to matching requests."
    )
    methods: list[str] | None = Field(None, description="Only these HTTP methods.")
    seed: int | None = Field(None, description="Seed for a reproducible fault sequence.")

    @model_validator(mode="after")
    def _rates_fit(self) -> FaultConfig:
        total = (
            self.throttle_rate
            + self.server_error_rate
            + self.timeout_rate
            + self.reset_rate
            + self.conflict_rate
        )
        if total > 1.0:
            raise ValueError(f"fault rates add up to {total:.2f}, more than 1")
        return self


@dataclass(frozen=True)
class FaultDecision:
    kind: FaultKind | None
    delay_s: float
    status: int | None = None


class FaultInjector:
    """Decides, per request, what latency and which fault (if any) to apply."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = config or FaultConfig()
        self._rng = random.Random(self._config.seed)
        self._pattern = self._compile(self._config)

    @staticmethod
    def _compile(config: FaultConfig) -> re.Pattern[str] | None:
        return re.compile(config.path_pattern) if config.path_pattern else None

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self._config = config
            self._rng = random.Random(config.seed)
            self._pattern = self._compile(config)

    def _applies(self, method: str, path: str) -> bool:
        config = self._config
        if config.methods and method.upper() not in {m.upper() for m in config.methods}:
            return False
        return self._pattern is None or self._pattern.search(path) is not None

    def decide(self, method: str, path: str, *, versioned_write: bool) -> FaultDecision:
        with self._lock:
            config = self._config
            if not self._applies(method, path):
                return FaultDecision(None, 0.0)
            delay = config.latency_ms / 1000.0
            if config.jitter_ms:
                delay += self._rng.uniform(0, config.jitter_ms) / 1000.0
            if config.burst_429 > 0:
                self._config = config.model_copy(update={"burst_429": config.burst_429 - 1})
                return FaultDecision(FaultKind.THROTTLE, delay, 429)
            roll = self._rng.random()
            for kind, rate in (
                (FaultKind.THROTTLE, config.throttle_rate),
                (FaultKind.SERVER_ERROR, config.server_error_rate),
                (FaultKind.TIMEOUT, config.timeout_rate),
                (FaultKind.RESET, config.reset_rate),
                (FaultKind.CONFLICT, config.conflict_rate),
            ):
                if roll < rate:
                    if kind is FaultKind.CONFLICT and not versioned_write:
                        return FaultDecision(None, delay)
                    status = {
                        FaultKind.THROTTLE: 429,
                        FaultKind.SERVER_ERROR: self._rng.choice(config.server_error_statuses),
                        FaultKind.CONFLICT: 409,
                    }.get(kind)
                    return FaultDecision(kind, delay, status)
                roll -= rate
            return FaultDecision(None, delay)


class SlidingWindowBudget:
    """A request budget per key over a rolling window (Genesys' 300 requests/minute).

    The key is whatever the vendor limits on (Genesys: the access token). `take` answers
    None when the request fits, else the whole seconds until it would, which is what the
    vendor sends back as Retry-After. `clock` is injectable so tests control time.
    """

    def __init__(
        self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def _window(self, client: str, now: float) -> deque[float]:
        stamps = self._seen.setdefault(client, deque())
        while stamps and now - stamps[0] >= self.window_s:
            stamps.popleft()
        return stamps

    def take(self, client: str, now: float | None = None) -> int | None:
        if self.limit <= 0:
            return None
        now = self._clock() if now is None else now
        with self._lock:
            stamps = self._window(client, now)
            if len(stamps) < self.limit:
                stamps.append(now)
                return None
            return max(1, math.ceil(self.window_s - (now - stamps[0])))

    def usage(self, client: str, now: float | None = None) -> tuple[int, int]:
        """(requests counted in the window now, whole seconds until the oldest leaves it);
        a full window (`window_s`) when nothing is counted."""
        now = self._clock() if now is None else now
        with self._lock:
            stamps = self._window(client, now)
            if not stamps:
                return 0, math.ceil(self.window_s)
            return len(stamps), max(1, math.ceil(self.window_s - (now - stamps[0])))

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()


class ConcurrencyLimit:
    """Caps requests in flight per client (Twilio's concurrency limit answers 20429)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}

    def acquire(self, client: str) -> bool:
        if self.limit <= 0:
            return True
        with self._lock:
            current = self._in_flight.get(client, 0)
            if current >= self.limit:
                return False
            self._in_flight[client] = current + 1
            return True

    def in_flight(self) -> int:
        """Requests admitted and not yet answered, across clients (tests wait on it)."""
        with self._lock:
            return sum(self._in_flight.values())

    def release(self, client: str) -> None:
        if self.limit <= 0:
            return
        with self._lock:
            self._in_flight[client] = max(0, self._in_flight.get(client, 0) - 1)
