"""Steady-state reconcile: what one scheduled run costs when nothing has drifted.

The estate (bench/estate.py) is fully provisioned: N numbers on their trunks, a DID pool
and a DNIS each, over 20 IVRs and 2 trunk groups. byoc-sync's reconcile (snapshot, plan,
apply of an empty plan) is measured against a per-resource refresh of the same estate
(one GET per resource, 10 at a time), both through the official SDKs under the Genesys
budget. A per-resource run whose budget floor would exceed --max-wait-s is run with the
budget lifted, so its calls are still counted exactly; its wall time is then marked as
not held to the budget, and the floor says how long it would take.

    python -m bench.steady_state --numbers 1000 10000 50000 --budget 300
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from bench.estate import IVRS, TRUNK_GROUPS, estate_sandbox, policy
from bench.harness import (
    Meter,
    Sandbox,
    bench_parser,
    measure,
    short_endpoint,
)
from bench.per_resource import PerResourceTool, ResourceIds
from shared.adapters.budget import RequestBudget
from shared.adapters.genesys import MAX_PAGE_SIZE as GENESYS_PAGE
from shared.adapters.twilio import MAX_PAGE_SIZE as TWILIO_PAGE
from shared.domain.model import Snapshot
from shared.reconcile.apply import apply_plan
from shared.reconcile.saved_plans import plan_now

LATENCY_MS = 0.0  # default emulated latency per call
OURS = "byoc-sync (paged lists)"
PER_RESOURCE = "one GET per resource"


@dataclass(frozen=True)
class Run:
    strategy: str
    numbers: int
    meter: Meter
    budget: int  # the Genesys budget the run was held to; 0 = lifted (calls counted only)


def read_target(n: int) -> int:
    """The issue's bound, less its O(IVRs + trunk groups) term: a page per collection."""
    return math.ceil(n / TWILIO_PAGE) + math.ceil(n / GENESYS_PAGE)


def reconcile(box: Sandbox) -> Snapshot:
    """One scheduled reconcile run, exactly as the timer does it; nothing may change."""
    result, snapshot = plan_now(policy(), box.twilio, box.genesys)
    if not result.is_empty:
        raise RuntimeError(f"the estate drifted: {result.changes[:3]}")
    apply_plan(result, box.twilio, box.genesys)
    return snapshot


def steady_state(
    n: int,
    *,
    latency_ms: float,
    budget: int,
    per_resource: bool = True,
    max_wait_s: float = 120.0,
) -> list[Run]:
    with estate_sandbox(n, provisioned=True, latency_ms=latency_ms, budget=budget) as box:
        snapshot, ours = measure(box, lambda: reconcile(box))
        runs = [Run(OURS, n, ours, budget)]
        if per_resource:
            ids = ResourceIds.of(snapshot)
            genesys_reads = len(ids.did_pools) + len(ids.ivrs) + len(ids.trunk_bases)
            genesys_reads += len(ids.genesys_trunks) + len(ids.outbound_routes)
            held = budget if budget and genesys_reads / budget * 60 <= max_wait_s else 0
            box.genesys_emu.budget.limit = held
            tool = PerResourceTool(box.settings, RequestBudget(held))
            _, theirs = measure(box, lambda: tool.refresh(ids))
            runs.append(Run(PER_RESOURCE, n, theirs, held))
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__, latency_ms=LATENCY_MS)
    parser.add_argument("--numbers", type=int, nargs="+", default=[1000, 10000], metavar="N")
    parser.add_argument(
        "--max-wait-s",
        type=float,
        default=120.0,
        help="lift the budget for a per-resource run whose floor is longer (default 120)",
    )
    args = parser.parse_args(argv)
    console = Console(width=200)
    runs: list[Run] = []
    for n in args.numbers:
        console.print(f"[dim]seeding {n} numbers over {IVRS} IVRs and {TRUNK_GROUPS} groups…[/]")
        runs += steady_state(
            n,
            latency_ms=args.latency_ms,
            budget=args.budget,
            per_resource=not args.no_per_resource,
            max_wait_s=args.max_wait_s,
        )
    console.print(summary_table(runs, args.latency_ms, args.budget))
    console.print(endpoint_table(runs))


def summary_table(runs: list[Run], latency_ms: float, budget: int) -> Table:
    table = Table(
        "strategy",
        "N",
        "Twilio calls",
        "Genesys calls",
        "calls / number",
        "list pages target",
        "429s",
        f"floor @{budget}/min s",
        "wall s",
        "calls vs byoc-sync",
        title=f"Steady-state reconcile, {IVRS} IVRs, {TRUNK_GROUPS} trunk groups "
        f"(latency {latency_ms:g} ms/call, Genesys budget {budget}/min)",
    )
    ours = {r.numbers: r.meter.calls for r in runs if r.strategy == OURS}
    for run in runs:
        m = run.meter
        table.add_row(
            run.strategy,
            f"{run.numbers:,}",
            f"{m.twilio_calls.total():,}",
            f"{m.genesys_total:,}",
            f"{m.calls / run.numbers:.3f}",
            f"{read_target(run.numbers):,} + O(IVRs+groups)" if run.strategy == OURS else "",
            str(m.throttled),
            f"{m.floor_s(budget):.1f}",
            f"{m.wall_s:.1f}" + ("" if run.budget else " (budget lifted)"),
            f"{m.calls / ours[run.numbers]:.0f}x" if run.numbers in ours else "",
        )
    return table


def endpoint_table(runs: list[Run]) -> Table:
    table = Table("endpoint", *(f"{r.strategy}\nN={r.numbers:,}" for r in runs))
    table.title = "Calls by endpoint"
    endpoints = sorted(
        {("Twilio", e) for r in runs for e in r.meter.twilio_calls}
        | {("Genesys", e) for r in runs for e in r.meter.genesys_calls}
    )
    for vendor, endpoint in endpoints:
        counts = [
            (r.meter.twilio_calls if vendor == "Twilio" else r.meter.genesys_calls)[endpoint]
            for r in runs
        ]
        table.add_row(f"{vendor} {short_endpoint(endpoint)}", *(f"{c:,}" for c in counts))
    return table


if __name__ == "__main__":
    main()
