"""How long a failover's vendor work takes while a full reconcile fills the Genesys budget.

The budget is one rolling minute per process. A reconcile of every number in a large estate
can use all of it, and a failover queued behind it would wait for that window to move. The
budget therefore serves work by priority (shared/domain/priority.py): bulk work leaves
`BYOC_GENESYS_RESERVED_SHARE` of the window free. This measures a failover's vendor work —
read the trunk state and routes, flip the group's outbound route, swap its Twilio
origination priorities — alone, then while a full read of the estate is filling the
budget, with the reserve (20 %) and without it (0).

    python -m bench.failover_under_load --numbers 50000 --latency-ms 20 --budget 300
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from bench.estate import estate_sandbox, policy
from bench.harness import Sandbox, bench_parser
from shared.adapters.budget import RequestBudget
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.vendor_clients import genesys_api_client
from shared.domain.priority import Priority, working_as
from shared.health.evaluate import read_estate
from shared.reconcile.snapshot import read_snapshot

LATENCY_MS = 20.0


@dataclass(frozen=True)
class Run:
    numbers: int
    reserved_share: float
    under_load: bool
    failover_s: float
    genesys_calls_in_window: int  # what the budget held when the failover started


def genesys_with(box: Sandbox, budget: RequestBudget) -> GenesysAdapter:
    client = genesys_api_client(box.settings, budget=budget)
    return GenesysAdapter(client, RetryPolicy.from_settings(box.settings), budget)


def failover(box: Sandbox, genesys: GenesysAdapter) -> float:
    """The vendor work of one failover of the first trunk group, at failover priority."""
    group = policy().trunk_groups[0]
    started = time.perf_counter()
    with working_as(Priority.FAILOVER):
        estate = read_estate(box.twilio, genesys)
        route = next(r for r in estate.routes if r.name == group.outbound_route)
        genesys.update_outbound_route_trunks(route, list(reversed(route.external_trunk_base_ids)))
        trunk = next(t for t in estate.twilio_trunks if t.friendly_name == group.twilio_trunk)
        for url, priority in zip(trunk.origination_urls, (20, 10), strict=False):
            box.twilio.update_origination_url(trunk.sid, url.sid, priority=priority)
    return time.perf_counter() - started


def measure(box: Sandbox, n: int, limit: int, share: float) -> list[Run]:
    budget = RequestBudget(limit, reserved_share=share)
    genesys = genesys_with(box, budget)
    box.genesys_emu.budget.reset()
    runs = [Run(n, share, False, failover(box, genesys), budget.in_window())]
    # Undo the flip, then let the window empty before the loaded run.
    failover(box, genesys)
    box.genesys_emu.budget.reset()
    budget = RequestBudget(limit, reserved_share=share)
    genesys = genesys_with(box, budget)
    bulk_cap = budget.cap(Priority.BULK)

    def bulk() -> None:
        with working_as(Priority.BULK):
            read_snapshot(box.twilio, genesys)

    reading = threading.Thread(target=bulk, daemon=True)
    reading.start()
    while budget.in_window() < bulk_cap and reading.is_alive():  # wait on the state itself
        time.sleep(0.05)
    in_window = budget.in_window()
    runs.append(Run(n, share, True, failover(box, genesys), in_window))
    reading.join()
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__, latency_ms=LATENCY_MS)
    parser.add_argument("--numbers", type=int, default=50000, metavar="N")
    args = parser.parse_args(argv)
    console = Console(width=120)
    console.print(f"[dim]seeding {args.numbers} numbers…[/]")
    runs: list[Run] = []
    with estate_sandbox(
        args.numbers, provisioned=True, latency_ms=args.latency_ms, budget=args.budget
    ) as box:
        for share in (0.2, 0.0):
            runs += measure(box, args.numbers, args.budget, share)
    table = Table(
        "N",
        "reserved share",
        "full read running",
        "Genesys calls in the window",
        "failover s",
        title=f"A failover's vendor work (latency {args.latency_ms:g} ms/call, Genesys budget "
        f"{args.budget}/min)",
    )
    for run in runs:
        table.add_row(
            f"{run.numbers:,}",
            f"{run.reserved_share:.0%}",
            "yes" if run.under_load else "no",
            str(run.genesys_calls_in_window),
            f"{run.failover_s:.2f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
