"""A failover never waits behind bulk work for a Genesys budget slot: a reconcile of every
number leaves a share of the window free, and requests leave half of it. Pure: an injected
clock and sleep, nothing really waits."""

from __future__ import annotations

import threading

from shared.adapters.budget import RequestBudget
from shared.domain.commands import (
    EvaluateTrunkGroup,
    PurchaseNumber,
    PurchaseRequest,
    ReconcileNumbers,
    ReleaseNumber,
)
from shared.domain.model import DidPool
from shared.domain.policy import SyncMode
from shared.domain.priority import Priority, current_priority, working_as
from shared.handlers import priority_of
from shared.reconcile.apply import apply_plan
from shared.reconcile.changes import CreateDidPool, Plan
from tests.support.fake_clock import FakeClock


def budget(clock: FakeClock, limit: int = 10, share: float = 0.2) -> RequestBudget:
    return RequestBudget(
        limit, window_s=60.0, margin_s=0.0, clock=clock, sleep=clock.sleep, reserved_share=share
    )


def test_bulk_work_leaves_the_reserve_free_and_a_failover_takes_it_at_once() -> None:
    clock = FakeClock(1000.0)
    b = budget(clock)
    with working_as(Priority.BULK):
        waits = [b.acquire() for _ in range(8)]  # 10 less a reserve of 2
        assert waits == [0.0] * 8
    with working_as(Priority.FAILOVER):
        assert [b.acquire(), b.acquire()] == [0.0, 0.0]
    assert clock.sleeps == []


def test_bulk_waits_for_its_own_cap_not_for_the_whole_window() -> None:
    clock = FakeClock(1000.0)
    b = budget(clock)
    with working_as(Priority.BULK):
        for second in range(8):
            clock.now = 1000.0 + second
            b.acquire()
        clock.now = 1010.0
        waited = b.acquire()  # the 9th waits for the first slot to leave the window
    assert waited == 50.0 and clock.now == 1060.0


def test_requests_leave_half_the_reserve() -> None:
    clock = FakeClock(1000.0)
    b = budget(clock, limit=300)  # a reserve of 60: bulk stops at 240, requests at 270
    assert [b.cap(p) for p in Priority] == [300, 270, 240]
    with working_as(Priority.REQUEST):
        assert all(b.acquire() == 0.0 for _ in range(270))
    with working_as(Priority.FAILOVER):
        assert all(b.acquire() == 0.0 for _ in range(30))


def test_without_a_reserve_every_priority_shares_the_whole_window() -> None:
    b = budget(FakeClock(), share=0.0)
    assert {b.cap(p) for p in Priority} == {10}


def test_each_command_runs_at_its_priority() -> None:
    assert priority_of(EvaluateTrunkGroup(trunk_group="TG")) is Priority.FAILOVER
    assert priority_of(ReconcileNumbers(phone_numbers=("+12025550100",))) is Priority.REQUEST
    assert priority_of(ReleaseNumber(phone_number="+12025550100")) is Priority.REQUEST
    purchase = PurchaseNumber(request=PurchaseRequest(route="main", area_code="202"))
    assert priority_of(purchase) is Priority.REQUEST
    assert priority_of(ReconcileNumbers()) is Priority.BULK  # every number


class PoolWrites:
    """Genesys DID pool writes that note the priority each one ran at."""

    dnis_per_write = 50

    def __init__(self) -> None:
        self.seen: list[Priority] = []
        self._lock = threading.Lock()

    def create_did_pool(self, number: str, provider: str | None = None) -> DidPool:
        with self._lock:
            self.seen.append(current_priority.get())
        return DidPool(id=f"pool-{number}", start=number, end=number)


def test_the_priority_follows_the_work_into_apply_threads() -> None:
    changes = tuple(
        CreateDidPool(phone_number=f"+1202555{n:04d}", provider="PURE_CLOUD", reason="test")
        for n in range(8)
    )
    writes = PoolWrites()
    with working_as(Priority.FAILOVER):
        apply_plan(
            Plan(mode=SyncMode.SYNC, snapshot_checksum="x", changes=changes),
            twilio=None,  # type: ignore[arg-type]  # no Twilio change in this plan
            genesys=writes,  # type: ignore[arg-type]
            concurrency=4,
        )
    assert writes.seen == [Priority.FAILOVER] * 8
