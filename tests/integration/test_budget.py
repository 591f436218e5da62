"""The client-side Genesys budget: calls wait for a slot instead of bouncing off 429s."""

from __future__ import annotations

import threading

import pytest

from sandbox.emulators.core.faults import SlidingWindowBudget
from sandbox.emulators.genesys import GenesysEmulator
from shared.adapters.budget import RequestBudget
from shared.adapters.retry import RetryPolicy
from shared.ports import RetriesExhausted
from tests.integration.conftest import Sleeps, genesys_adapter
from tests.support.fake_clock import FakeClock


def test_budget_admits_limit_calls_per_window_then_waits_for_the_oldest_to_expire() -> None:
    clock = FakeClock()
    budget = RequestBudget(3, window_s=60.0, margin_s=0.0, clock=clock, sleep=clock.sleep)
    assert [budget.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 10
    assert budget.acquire() == pytest.approx(50.0)  # until the first slot is 60 s old
    assert clock.sleeps == [pytest.approx(50.0)]
    # All three first slots expired together, so two more fit; the next waits a full window.
    assert budget.acquire() == 0.0 and budget.acquire() == 0.0
    assert budget.acquire() == pytest.approx(60.0)


def test_a_zero_budget_never_waits() -> None:
    clock = FakeClock()
    budget = RequestBudget(0, clock=clock, sleep=clock.sleep)
    for _ in range(1000):
        budget.acquire()
    assert clock.sleeps == []


def test_budget_is_shared_safely_between_threads() -> None:
    clock = FakeClock()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            clock.sleep(seconds)

    budget = RequestBudget(5, window_s=1.0, margin_s=0.0, clock=clock, sleep=sleep)
    threads = [threading.Thread(target=budget.acquire) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(budget._sent) == 5  # never more than the limit in one window


def small_window(emu: GenesysEmulator, limit: int, window_s: float) -> None:
    """The emulator's rate limit over a short window, so the test takes seconds, not minutes."""
    emu.budget = SlidingWindowBudget(limit, window_s=window_s)


def test_with_a_budget_the_client_waits_instead_of_receiving_429(
    genesys_emu: GenesysEmulator,
) -> None:
    small_window(genesys_emu, 3, 0.5)
    budget = RequestBudget(3, window_s=0.5, margin_s=0.05)
    adapter = genesys_adapter(genesys_emu, RetryPolicy(sleep=Sleeps()), budget)
    genesys_emu.log.clear()
    for _ in range(7):
        adapter.list_ivrs()
    statuses = [e.status for e in genesys_emu.log.entries()]
    assert statuses == [200] * 7
    assert budget.waited_s > 0.5  # two full windows were waited out (7 calls, 3 per window)


def test_without_the_budget_the_same_calls_hit_the_rate_limit(
    genesys_emu: GenesysEmulator,
) -> None:
    small_window(genesys_emu, 3, 60.0)
    sleeps = Sleeps()
    adapter = genesys_adapter(genesys_emu, RetryPolicy(max_attempts=2, sleep=sleeps))
    genesys_emu.log.clear()
    with pytest.raises(RetriesExhausted, match="429"):
        for _ in range(7):
            adapter.list_ivrs()
    assert [e.status for e in genesys_emu.log.entries()] == [200, 200, 200, 429, 429]
    assert sleeps == [30.0]  # Retry-After (60 s window) capped by max_wait_s
