"""How long a dead trunk carries calls: from the trunk going down to the group's outbound
route trying the other member first, through the real health engine, idle and during a
full reconcile of a large estate.

The health check runs every `probe_interval_s`; a member is down after `failures_to_down`
failed checks, and then the evaluation flips the route. So the idle figure is about
`failures_to_down` intervals. The issue's target is that a bulk reconcile filling the
Genesys budget delays it by less than one health interval: failover runs at
`Priority.FAILOVER` and bulk work leaves the budget's reserved share free for it
(shared/adapters/budget.py).

Here a health loop evaluates every group each interval (compressed to the policy's 5 s
minimum) exactly as the worker runs a queued `EvaluateTrunkGroup`, through the same Genesys
adapter and budget as a full reconcile (read the estate, plan, again) that runs at
`Priority.BULK` in another thread. The first group's active trunk is taken down in Genesys
right after a check, and the route is watched in the emulator, not in the product. The
trunk then comes back and the group recovers (the bench policy recovers after one good
check and holds no dwell time) before the loaded run.

    python -m bench.failover_latency --numbers 50000 --latency-ms 20 --budget 300
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from rich.console import Console
from rich.table import Table

from bench.estate import estate_sandbox, policy
from bench.failover_under_load import genesys_with
from bench.harness import Meter, Sandbox, bench_parser, measure
from bench.worker import BenchWorker
from shared.adapters.budget import RequestBudget
from shared.adapters.genesys import GenesysAdapter
from shared.domain.commands import EvaluateTrunkGroup
from shared.domain.policy import RoutingPolicy
from shared.domain.priority import Priority, working_as
from shared.reconcile.planner import plan
from shared.reconcile.snapshot import read_snapshot

LATENCY_MS = 20.0
INTERVAL_S = 5  # the least probe_interval_s a policy accepts


def health_policy(interval_s: int) -> RoutingPolicy:
    """The estate's policy, checked every `interval_s`, with no dwell time (so the first
    failover is not held) and recovery after one good check (so runs follow quickly)."""
    base = policy()
    groups = [
        g.model_copy(
            update={
                "thresholds": g.thresholds.model_copy(
                    update={"probe_interval_s": interval_s, "min_dwell_s": 0, "successes_to_up": 1}
                )
            }
        )
        for g in base.trunk_groups
    ]
    return base.model_copy(update={"trunk_groups": groups})


def evaluate_all(worker: BenchWorker) -> None:
    """One scheduled health check: the timer queues a group each, the worker runs them."""
    for group in worker.routing.trunk_groups:
        worker.run_command(
            EvaluateTrunkGroup(trunk_group=group.name, reason="scheduled health check")
        )


class HealthLoop:
    """The health timer and the worker, compressed: every group evaluated every interval."""

    def __init__(self, worker: BenchWorker, interval_s: float) -> None:
        self.worker = worker
        self.interval_s = interval_s
        self.checks = 0
        self._done = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="health", daemon=True)

    def __enter__(self) -> HealthLoop:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            evaluate_all(self.worker)
            with self._done:
                self.checks += 1
                self._done.notify_all()
            due += self.interval_s
            self._stop.wait(max(0.0, due - time.monotonic()))

    def next_check(self) -> None:
        """Return right after the next check has finished."""
        with self._done:
            seen = self.checks
            self._done.wait_for(lambda: self.checks > seen)


def first_member(box: Sandbox, route_name: str) -> str:
    """The trunk base the route tries first, as the emulated org holds it."""
    emu = box.genesys_emu
    with emu.lock:
        state = emu.state
        for site in state.sites.values():
            for route in site.outbound_routes.values():
                if route.name == route_name:
                    return state.trunk_bases[route.external_trunk_base_ids[0]].name
    raise LookupError(route_name)


def set_connected(box: Sandbox, trunk_base: str, connected: bool) -> None:
    answer = requests.post(
        f"{box.genesys_emu.base_url}/__admin/trunks/{trunk_base}",
        json={"connected": connected},
        timeout=30,
    )
    answer.raise_for_status()


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout_s:g} s")
        time.sleep(0.02)


def time_to_flip(box: Sandbox, loop: HealthLoop) -> float:
    """Take the first group's active trunk down right after a check; seconds until its
    route tries the other member first. Then bring it back and wait for the recovery."""
    group = loop.worker.routing.trunk_groups[0]
    active = first_member(box, group.outbound_route)
    limit = 10 * group.thresholds.failures_to_down * loop.interval_s
    loop.next_check()
    started = time.monotonic()
    set_connected(box, active, False)
    wait_for(lambda: first_member(box, group.outbound_route) != active, limit, "the route flipped")
    flipped = time.monotonic() - started
    set_connected(box, active, True)
    wait_for(lambda: first_member(box, group.outbound_route) == active, limit, "the recovery")
    return flipped


class FullReconcile:
    """A reconcile of every number, over and over, at bulk priority: the budget stays full."""

    def __init__(self, box: Sandbox, genesys: GenesysAdapter, routing: RoutingPolicy) -> None:
        self.box, self.genesys, self.routing = box, genesys, routing
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bulk", daemon=True)

    def __enter__(self) -> FullReconcile:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()  # the read under way finishes first

    def _run(self) -> None:
        with working_as(Priority.BULK):
            while not self._stop.is_set():
                plan(self.routing, read_snapshot(self.box.twilio, self.genesys))
                self.rounds += 1


@dataclass(frozen=True)
class Latency:
    numbers: int
    interval_s: float
    idle_s: float
    loaded_s: float
    in_window: int  # Genesys calls the budget held when the loaded run began
    bulk_cap: int

    @property
    def within_one_interval(self) -> bool:
        return self.loaded_s - self.idle_s <= self.interval_s


def failover_latency(n: int, *, latency_ms: float, budget: int, interval_s: int) -> Latency:
    routing = health_policy(interval_s)
    with estate_sandbox(n, provisioned=True, latency_ms=latency_ms, budget=budget) as box:
        shared_budget = RequestBudget.from_settings(box.settings)
        genesys = genesys_with(box, shared_budget)
        worker = BenchWorker(box.twilio, genesys, routing)
        with HealthLoop(worker, interval_s) as loop:
            idle = time_to_flip(box, loop)
            cap = shared_budget.cap(Priority.BULK)
            with FullReconcile(box, genesys, routing) as bulk:
                wait_for(
                    lambda: shared_budget.in_window() >= cap or bulk.rounds > 0,
                    600,
                    "the full reconcile filling the budget",
                )
                in_window = shared_budget.in_window()
                loaded = time_to_flip(box, loop)
    return Latency(n, interval_s, idle, loaded, in_window, cap)


def health_check_calls(n: int, *, latency_ms: float, budget: int) -> Meter:
    """What one scheduled health check of every group costs, nothing down."""
    with estate_sandbox(n, provisioned=True, latency_ms=latency_ms, budget=budget) as box:
        worker = BenchWorker(box.twilio, box.genesys, health_policy(INTERVAL_S))
        evaluate_all(worker)  # the first check adopts the estate's state
        _, meter = measure(box, lambda: evaluate_all(worker))
    return meter


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__, latency_ms=LATENCY_MS)
    parser.add_argument("--numbers", type=int, default=50000, metavar="N")
    parser.add_argument(
        "--interval-s", type=int, default=INTERVAL_S, help="health check interval (min 5)"
    )
    args = parser.parse_args(argv)
    console = Console(width=80)
    console.print(f"[dim]seeding {args.numbers} numbers…[/]")
    result = failover_latency(
        args.numbers, latency_ms=args.latency_ms, budget=args.budget, interval_s=args.interval_s
    )
    table = Table(
        "N",
        "full reconcile",
        "Genesys calls in window",
        "down → flipped s",
        title=f"Trunk down to route flipped (health every {result.interval_s:g} s, "
        f"{args.latency_ms:g} ms/call, {args.budget}/min)",
    )
    table.add_row(f"{result.numbers:,}", "no", "", f"{result.idle_s:.2f}")
    table.add_row(
        f"{result.numbers:,}",
        "yes",
        f"{result.in_window} (bulk cap {result.bulk_cap})",
        f"{result.loaded_s:.2f}",
    )
    console.print(table)
    delay = result.loaded_s - result.idle_s
    verdict = "within" if result.within_one_interval else "NOT within"
    console.print(
        f"Under the full reconcile: {delay:+.2f} s, {verdict} one health interval "
        f"({result.interval_s:g} s) of the idle figure."
    )


if __name__ == "__main__":
    main()
