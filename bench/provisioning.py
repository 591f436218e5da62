"""First-time provisioning: N numbers bought on Twilio, nothing done yet on either side.

byoc-sync's reconcile attaches every number to its group's trunk, creates a DID pool per
number and adds the numbers to their 20 IVRs in DNIS batches, holding to the Genesys
budget on its own side. The figures: Genesys writes against N + 2·ceil(N/batch), wall time
against the rate-limit floor (Genesys calls ÷ budget), and the 429s Genesys answered (the
target is none). The comparison creates the same resources one by one and reads each back,
as a per-resource IaC provider does, in a fresh estate under the same budget.

    python -m bench.provisioning --numbers 1000 --budget 300 --latency-ms 20
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from bench.estate import IVRS, TRUNK_GROUPS, estate_sandbox, policy
from bench.harness import Meter, Sandbox, bench_parser, measure
from bench.per_resource import PerResourceTool, ResourceIds
from shared.adapters.budget import RequestBudget
from shared.adapters.genesys import DEFAULT_DNIS_PER_WRITE
from shared.reconcile import plan
from shared.reconcile.apply import ApplyReport, apply_plan
from shared.reconcile.saved_plans import plan_now
from shared.reconcile.snapshot import read_snapshot

LATENCY_MS = 20.0  # default emulated latency per call
OURS = "byoc-sync"
PER_RESOURCE = "per resource + read-back"
WALL_TARGET = 1.15  # times the floor


@dataclass(frozen=True)
class Run:
    strategy: str
    numbers: int
    meter: Meter
    budget: int
    dnis_batch: int
    failed: int  # changes that did not complete

    @property
    def writes_target(self) -> int:
        return self.numbers + 2 * math.ceil(self.numbers / self.dnis_batch)

    @property
    def least_writes(self) -> int:
        """A pool per number and, per IVR, a write per batch of its numbers: Genesys has no
        write spanning IVRs, so no client can do with fewer."""
        return self.numbers + sum(
            math.ceil(len(range(ivr, self.numbers, IVRS)) / self.dnis_batch) for ivr in range(IVRS)
        )

    @property
    def floor_s(self) -> float:
        return self.meter.floor_s(self.budget)


def provision(box: Sandbox) -> ApplyReport:
    result, _ = plan_now(policy(), box.twilio, box.genesys)
    return apply_plan(result, box.twilio, box.genesys)


def provisioning(
    n: int,
    *,
    latency_ms: float,
    budget: int,
    per_resource: bool = True,
) -> list[Run]:
    """The emulated org refuses an IVR write adding more than 50 DNIS, as the less
    convenient reality may; byoc-sync's writes fit (`BYOC_GENESYS_DNIS_PER_WRITE`)."""
    runs = []
    dnis_batch = DEFAULT_DNIS_PER_WRITE
    with estate_sandbox(n, provisioned=False, latency_ms=latency_ms, budget=budget) as box:
        report, meter = measure(box, lambda: provision(box))
        runs.append(Run(OURS, n, meter, budget, dnis_batch, len(report.failed)))
    if per_resource:
        with estate_sandbox(n, provisioned=False, latency_ms=latency_ms, budget=budget) as box:
            snapshot = read_snapshot(box.twilio, box.genesys)  # the tool's state, not measured
            wanted = plan(policy(), snapshot)
            tool = PerResourceTool(box.settings, RequestBudget(budget))
            _, meter = measure(box, lambda: tool.apply(wanted, ResourceIds.of(snapshot)))
            runs.append(Run(PER_RESOURCE, n, meter, budget, dnis_batch, 0))
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__, latency_ms=LATENCY_MS)
    parser.add_argument("--numbers", type=int, nargs="+", default=[1000], metavar="N")
    args = parser.parse_args(argv)
    console = Console(width=200)
    runs: list[Run] = []
    for n in args.numbers:
        console.print(
            f"[dim]provisioning {n} numbers over {IVRS} IVRs and {TRUNK_GROUPS} groups "
            f"(floor at {args.budget}/min: about {n / args.budget:.1f} min per strategy)…[/]"
        )
        runs += provisioning(
            n,
            latency_ms=args.latency_ms,
            budget=args.budget,
            per_resource=not args.no_per_resource,
        )
    console.print(table(runs, args.latency_ms, args.budget))


def table(runs: list[Run], latency_ms: float, budget: int) -> Table:
    result = Table(
        "strategy",
        "N",
        "Genesys writes",
        "N + 2·ceil(N/batch)",
        "least possible",
        "Genesys calls",
        "Twilio calls",
        "429s",
        "floor s",
        "wall s",
        f"wall ÷ floor (target ≤ {WALL_TARGET})",
        "failed",
        title=f"First-time provisioning, {IVRS} IVRs, {TRUNK_GROUPS} trunk groups "
        f"(latency {latency_ms:g} ms/call, Genesys budget {budget}/min)",
    )
    for run in runs:
        m = run.meter
        result.add_row(
            run.strategy,
            f"{run.numbers:,}",
            f"{m.genesys_writes:,}",
            f"{run.writes_target:,} (batch {run.dnis_batch})",
            f"{run.least_writes:,}",
            f"{m.genesys_total:,}",
            f"{m.twilio_calls.total():,}",
            str(m.throttled),
            f"{run.floor_s:.1f}",
            f"{m.wall_s:.1f}",
            f"{m.wall_s / run.floor_s:.2f}" if run.floor_s else "—",
            str(run.failed),
        )
    return result


if __name__ == "__main__":
    main()
