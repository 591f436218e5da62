"""The client-side Genesys budget follows the server's `inin-ratelimit-*` headers where they are
stricter than the configured figure. Pure: an injected clock and sleep, nothing really waits."""

from __future__ import annotations

import pytest

from shared.adapters.budget import RateLimitReading, RequestBudget
from tests.support.fake_clock import FakeClock


def budget(limit: int, clock: FakeClock, margin_s: float = 0.5) -> RequestBudget:
    return RequestBudget(limit, window_s=60.0, margin_s=margin_s, clock=clock, sleep=clock.sleep)


def headers(allowed: int, count: int, reset: int) -> dict[str, str]:
    return {
        "inin-ratelimit-allowed": str(allowed),
        "inin-ratelimit-count": str(count),
        "inin-ratelimit-reset": str(reset),
    }


def test_a_lower_server_limit_becomes_the_limit() -> None:
    clock = FakeClock(1000.0)
    b = budget(300, clock)
    b.acquire()
    b.observe(headers(allowed=3, count=1, reset=60))
    assert (b.limit, b.configured_limit) == (3, 300)
    assert [b.acquire(), b.acquire()] == [0.0, 0.0]
    assert b.acquire() == pytest.approx(60.5)  # the fourth waits for the first to expire
    assert clock.sleeps == [pytest.approx(60.5)]


def test_a_higher_server_limit_does_not_raise_the_configured_one() -> None:
    clock = FakeClock(1000.0)
    b = budget(3, clock)
    b.acquire()
    b.observe(headers(allowed=300, count=1, reset=60))
    assert b.limit == 3


def test_the_limit_follows_the_server_while_it_stays_below_the_configured_one() -> None:
    b = budget(300, FakeClock(1000.0))
    b.observe(headers(allowed=100, count=0, reset=60))
    b.observe(headers(allowed=180, count=0, reset=60))
    assert b.limit == 180


def test_requests_only_the_server_saw_are_waited_out_until_its_reset() -> None:
    clock = FakeClock(1000.0)
    b = budget(5, clock, margin_s=0.0)
    b.acquire()
    # Another process holding the same token already sent 3: the server counts 4, not 1.
    b.observe(headers(allowed=5, count=4, reset=20))
    assert b.acquire() == 0.0  # the fifth slot of the window
    assert b.acquire() == pytest.approx(20.0)  # then the server's reset, not our 60 s window
    assert clock.sleeps == [pytest.approx(20.0)]


def test_a_count_we_already_hold_books_nothing_more() -> None:
    clock = FakeClock(1000.0)
    b = budget(5, clock)
    for count in (1, 2, 3):
        b.acquire()
        b.observe(headers(allowed=5, count=count, reset=60))
    assert len(b._sent) == 3


def test_a_full_server_window_waits_for_its_reset_plus_the_margin() -> None:
    clock = FakeClock(1000.0)
    b = budget(300, clock)
    b.acquire()
    b.observe(headers(allowed=10, count=10, reset=7))  # a 429's headers: the window is full
    assert b.acquire() == pytest.approx(7.5)


def test_without_headers_the_budget_is_the_configured_one() -> None:
    clock = FakeClock(1000.0)
    b = budget(2, clock)
    for answer in (None, {}, {"Content-Type": "application/json"}):
        assert b.observe(answer) == RateLimitReading(None, None, None)
    assert [b.acquire(), b.acquire()] == [0.0, 0.0]
    assert b.acquire() == pytest.approx(60.5)
    assert b.limit == 2


def test_header_names_in_any_case_and_unreadable_values_ignored() -> None:
    reading = RateLimitReading.from_headers(
        {"ININ-RateLimit-Allowed": "180", "inin-ratelimit-count": "x", "Inin-Ratelimit-Reset": "-1"}
    )
    assert reading == RateLimitReading(allowed=180, count=None, reset_s=None)
    b = budget(300, FakeClock(1000.0))
    b.observe({"inin-ratelimit-allowed": "0"})  # not a limit anyone could work under
    assert b.limit == 300


def test_a_budget_switched_off_stays_off() -> None:
    clock = FakeClock(1000.0)
    b = budget(0, clock)
    b.observe(headers(allowed=2, count=2, reset=60))
    for _ in range(10):
        b.acquire()
    assert b.limit == 0 and clock.sleeps == []
