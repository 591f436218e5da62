"""What every benchmark shares: emulators with latency and the Genesys budget, and the meter.

Figures come from the emulators' request logs, never from the code under test, so a
benchmark cannot flatter itself: calls by endpoint, Genesys writes, 429s received, and the
critical path — the longest chain of requests each sent after the previous one was
answered, i.e. the sequential round trips a caller waits for. Wall time is what this
machine measured around the action.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.core.request_log import LoggedRequest
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.twilio import TwilioAdapter
from shared.bootstrap import build_adapters
from shared.settings import Settings

T = TypeVar("T")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_ENDPOINT = "POST /oauth/token"
GENESYS_DEFAULT_BUDGET = 300  # Genesys Cloud's default per-client limit


@dataclass
class Sandbox:
    """Both emulators, and settings pointing the product (or a comparison) at them."""

    twilio_emu: TwilioEmulator
    genesys_emu: GenesysEmulator
    settings: Settings
    twilio: TwilioAdapter
    genesys: GenesysAdapter

    def clear_logs(self) -> None:
        self.twilio_emu.log.clear()
        self.genesys_emu.log.clear()


@contextmanager
def sandbox(
    twilio_seed: TwilioScenario,
    genesys_seed: GenesysScenario,
    *,
    latency_ms: float,
    requests_per_minute: int,
) -> Iterator[Sandbox]:
    """Emulators seeded, answering after `latency_ms`, Genesys enforcing its budget of
    `requests_per_minute` — and the product's own client budget set to the same figure,
    as `BYOC_GENESYS_REQUESTS_PER_MINUTE` would be in Azure."""
    seed = genesys_seed.model_copy(update={"requests_per_minute": requests_per_minute})
    with TwilioEmulator(twilio_seed) as t_emu, GenesysEmulator(seed) as g_emu:
        client = seed.oauth_clients[0]
        settings = Settings(
            twilio_account_sid=t_emu.account_sid,
            twilio_auth_token=t_emu.auth_token,
            twilio_api_base_url=t_emu.base_url,
            genesyscloud_oauthclient_id=client.client_id,
            genesyscloud_oauthclient_secret=client.client_secret,
            genesyscloud_api_host=g_emu.base_url,
            byoc_genesys_requests_per_minute=requests_per_minute,
        )
        twilio, genesys = build_adapters(settings)
        for emu in (t_emu, g_emu):
            emu.faults.configure(FaultConfig(latency_ms=latency_ms))
        box = Sandbox(t_emu, g_emu, settings, twilio, genesys)
        box.clear_logs()
        yield box


@dataclass(frozen=True)
class Meter:
    """What one measured action cost, read from both emulators' logs."""

    twilio_calls: Counter[str]
    genesys_calls: Counter[str]
    genesys_writes: int
    throttled: int  # 429s the emulators answered
    round_trips: int  # sequential round trips (critical path)
    wall_s: float

    @property
    def calls(self) -> int:
        return self.twilio_calls.total() + self.genesys_calls.total()

    @property
    def genesys_total(self) -> int:
        return self.genesys_calls.total()

    def floor_s(self, requests_per_minute: int) -> float:
        """The least time Genesys' budget allows for this many Genesys calls."""
        if requests_per_minute <= 0:
            return 0.0
        return self.genesys_total / requests_per_minute * 60.0


def measure(box: Sandbox, action: Callable[[], T]) -> tuple[T, Meter]:
    box.clear_logs()
    box.genesys_emu.budget.reset()  # one run's calls must not throttle the next
    started = time.perf_counter()
    result = action()
    wall = time.perf_counter() - started
    return result, meter_of(box.twilio_emu.log.entries(), box.genesys_emu.log.entries(), wall)


def meter_of(
    twilio_log: list[LoggedRequest], genesys_log: list[LoggedRequest], wall_s: float
) -> Meter:
    genesys_log = [e for e in genesys_log if e.endpoint != TOKEN_ENDPOINT]
    return Meter(
        twilio_calls=Counter(e.endpoint for e in twilio_log),
        genesys_calls=Counter(e.endpoint for e in genesys_log),
        genesys_writes=sum(1 for e in genesys_log if e.method in WRITE_METHODS),
        throttled=sum(1 for e in [*twilio_log, *genesys_log] if e.status == 429),
        round_trips=sequential_round_trips([*twilio_log, *genesys_log]),
        wall_s=wall_s,
    )


def sequential_round_trips(entries: list[LoggedRequest]) -> int:
    """The most requests that ran one after another: the longest chain of answered
    intervals that do not overlap. Requests that overlap ran side by side and count once;
    the greedy earliest-end choice finds the longest such chain."""
    chain, last_end = 0, -math.inf
    for start, end in sorted(
        ((e.timestamp - e.duration_ms / 1000.0, e.timestamp) for e in entries),
        key=lambda interval: interval[1],
    ):
        if start >= last_end:
            chain, last_end = chain + 1, end
    return chain


def split_at(
    entries: list[LoggedRequest], endpoint: str
) -> tuple[list[LoggedRequest], list[LoggedRequest]]:
    """The requests sent before the first answer to `endpoint` (e.g. the purchase), that
    request included, and those sent after it."""
    marks = [e.timestamp for e in entries if e.endpoint == endpoint]
    if not marks:
        return entries, []
    before: list[LoggedRequest] = []
    after: list[LoggedRequest] = []
    for entry in entries:
        started = entry.timestamp - entry.duration_ms / 1000.0
        (after if started >= marks[0] else before).append(entry)
    return before, after


def bench_parser(doc: str | None, *, latency_ms: float) -> argparse.ArgumentParser:
    """A benchmark's command line: its docstring's summary, and the options all share."""
    parser = argparse.ArgumentParser(
        description=(doc or "").split("\n\n")[0],
        epilog="Figures, not pass/fail: see docs/performance.md.",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=latency_ms,
        help=f"emulated latency of every vendor call (default {latency_ms:g})",
    )
    parser.add_argument(
        "--budget",
        type=int,
        default=GENESYS_DEFAULT_BUDGET,
        metavar="PER_MINUTE",
        help="Genesys requests per minute, enforced by the emulator (429 beyond it) and given "
        "to byoc-sync as BYOC_GENESYS_REQUESTS_PER_MINUTE "
        f"(default {GENESYS_DEFAULT_BUDGET})",
    )
    parser.add_argument(
        "--no-per-resource", action="store_true", help="measure byoc-sync only (no comparison)"
    )
    return parser


PREFIXES = {
    "/api/v2/telephony/providers/edges": "edges",
    "/api/v2/architect": "architect",
    "/2010-04-01/Accounts/{AccountSid}": "Accounts/{AccountSid}",
    "/v1/Trunks": "Trunks",
}


def short_endpoint(endpoint: str) -> str:
    """`GET /api/v2/telephony/providers/edges/didpools` as `GET edges/didpools`."""
    method, _, path = endpoint.partition(" ")
    for prefix, short in PREFIXES.items():
        if path.startswith(prefix):
            path = short + path[len(prefix) :]
            break
    return f"{method} {path}"
