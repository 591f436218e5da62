"""What one number event and one status request cost, against estates of growing size.

A Twilio or Genesys event about one number queues a reconcile of that number, and a buyer
polls the number's status URL. Both used to read the whole estate. They now read that
number alone (shared/reconcile/scoped.py): the Twilio number by its `PhoneNumber` filter,
its DID pool and IVR assignment from Genesys's per-number listing of pool numbers, and the
few collections (Twilio trunks, IVR configurations) from a cache a process keeps for 30 s.
Measured cold (the first event a process sees) and warm (every later one), next to the
full read the same event cost before.

    python -m bench.number_event --numbers 1000 10000 50000
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from bench.estate import IVRS, TRUNK_GROUPS, estate_sandbox, fictional_numbers, policy
from bench.harness import Meter, Sandbox, bench_parser, measure
from shared.reconcile.apply import apply_plan
from shared.reconcile.changes import restricted_to
from shared.reconcile.inventory import number_rows
from shared.reconcile.planner import plan
from shared.reconcile.scoped import ScopedReader
from shared.reconcile.snapshot import read_snapshot

LATENCY_MS = 0.0


@dataclass(frozen=True)
class Run:
    numbers: int
    action: str
    meter: Meter


def targeted_reconcile(reader: ScopedReader, box: Sandbox, number: str) -> None:
    """What the worker does for a reconcile naming one number (shared/handlers.py)."""
    result = restricted_to(plan(policy(), reader.read([number])), [number])
    if not result.is_empty:
        raise RuntimeError(f"the estate drifted: {result.changes[:3]}")
    apply_plan(result, box.twilio, box.genesys)


def status(reader: ScopedReader, number: str) -> None:
    """What `GET /api/numbers/{e164}` does (shared/numbers/requests.py)."""
    rows = [r for r in number_rows(policy(), reader.read([number])) if r.phone_number == number]
    if not rows or rows[0].status != "in sync":
        raise RuntimeError(f"{number} is not in sync: {rows}")


def number_event(n: int, *, latency_ms: float, budget: int, full_read: bool = True) -> list[Run]:
    number = fictional_numbers(n)[n // 2]
    with estate_sandbox(n, provisioned=True, latency_ms=latency_ms, budget=budget) as box:
        reader = ScopedReader(box.twilio, box.genesys)
        _, cold = measure(box, lambda: targeted_reconcile(reader, box, number))
        _, warm = measure(box, lambda: targeted_reconcile(reader, box, number))
        _, polled = measure(box, lambda: status(reader, number))
        runs = [
            Run(n, "number event, cold cache", cold),
            Run(n, "number event", warm),
            Run(n, "status request", polled),
        ]
        if full_read:
            _, before = measure(box, lambda: read_snapshot(box.twilio, box.genesys))
            runs.append(Run(n, "full read (before)", before))
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__, latency_ms=LATENCY_MS)
    parser.add_argument("--numbers", type=int, nargs="+", default=[1000, 10000], metavar="N")
    args = parser.parse_args(argv)
    console = Console(width=120)
    runs: list[Run] = []
    for n in args.numbers:
        console.print(f"[dim]seeding {n} numbers over {IVRS} IVRs and {TRUNK_GROUPS} groups…[/]")
        runs += number_event(n, latency_ms=args.latency_ms, budget=args.budget)
    table = Table(
        "N",
        "action",
        "Twilio calls",
        "Genesys calls",
        f"floor @{args.budget}/min s",
        "wall s",
        title=f"One number, estates of N numbers (latency {args.latency_ms:g} ms/call)",
    )
    for run in runs:
        m = run.meter
        table.add_row(
            f"{run.numbers:,}",
            run.action,
            str(m.twilio_calls.total()),
            str(m.genesys_total),
            f"{m.floor_s(args.budget):.2f}",
            f"{m.wall_s:.2f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
