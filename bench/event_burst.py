"""A burst of number events at a large estate, drained by the worker's concurrent sessions
under one Genesys budget.

A bulk change in the Twilio console, or a script, can raise hundreds of number events at
once. Each queues a reconcile naming its number, which the worker runs at request
priority, reading that number alone (shared/reconcile/scoped.py). The Functions host runs
up to 8 sessions side by side (host.json `maxConcurrentSessions`), all in one process with
one Genesys client and one request budget. The burst must drain at the budget's pace with
no 429 from Genesys: the product's budget, not Genesys' refusals, paces the calls.

    python -m bench.event_burst --numbers 50000 --events 500 --latency-ms 20 --budget 300
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from bench.estate import IVRS, TRUNK_GROUPS, estate_sandbox, fictional_numbers, policy
from bench.harness import Meter, Sandbox, bench_parser, measure
from bench.worker import BenchWorker
from shared.domain.commands import ReconcileNumbers, envelope
from shared.handlers import CommandResult

LATENCY_MS = 20.0
SESSIONS = 8  # host.json: extensions.serviceBus.maxConcurrentSessions


@dataclass(frozen=True)
class Burst:
    numbers: int
    events: int
    sessions: int
    meter: Meter
    in_sync: int  # events whose reconcile found the number in sync


def event_numbers(n: int, events: int) -> list[str]:
    """`events` distinct numbers spread over the whole estate (every route, every page)."""
    numbers = fictional_numbers(n)
    step = max(1, n // events)
    return numbers[::step][:events]


def drain(box: Sandbox, numbers: list[str], sessions: int) -> list[CommandResult]:
    """One numbers-only reconcile per number, `sessions` at a time, in one process."""
    worker = BenchWorker(box.twilio, box.genesys, policy())
    queued = [
        envelope(
            ReconcileNumbers(phone_numbers=(number,), reason="Twilio event"),
            correlation_id="bench",
            idempotency_key=f"event:{number}",
        )
        for number in numbers
    ]
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        return list(pool.map(worker.run, queued))


def event_burst(n: int, *, events: int, latency_ms: float, budget: int) -> Burst:
    numbers = event_numbers(n, events)
    with estate_sandbox(n, provisioned=True, latency_ms=latency_ms, budget=budget) as box:
        results, meter = measure(box, lambda: drain(box, numbers, SESSIONS))
    in_sync = sum(1 for r in results if r.lines and r.lines[0].endswith(": in sync"))
    return Burst(n, len(numbers), SESSIONS, meter, in_sync)


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__, latency_ms=LATENCY_MS)
    parser.add_argument("--numbers", type=int, default=50000, metavar="N")
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args(argv)
    console = Console(width=80)
    console.print(
        f"[dim]seeding {args.numbers} numbers over {IVRS} IVRs and {TRUNK_GROUPS} groups…[/]"
    )
    burst = event_burst(
        args.numbers, events=args.events, latency_ms=args.latency_ms, budget=args.budget
    )
    m = burst.meter
    table = Table(
        "N",
        "events",
        "Twilio",
        "Genesys",
        "429s",
        f"floor @{args.budget}/min s",
        "wall s",
        title=f"A burst drained by {burst.sessions} sessions (latency {args.latency_ms:g} ms)",
    )
    table.add_row(
        f"{burst.numbers:,}",
        str(burst.events),
        str(m.twilio_calls.total()),
        str(m.genesys_total),
        str(m.throttled),
        f"{m.floor_s(args.budget):.1f}",
        f"{m.wall_s:.1f}",
    )
    console.print(table)
    console.print(f"{burst.in_sync} of {burst.events} reconciles found their number in sync.")
    if m.throttled:
        console.print(f"[bold red]FAIL: Genesys answered {m.throttled} request(s) with 429[/]")
        raise SystemExit(1)
    console.print("[green]No 429: the product's budget paced every Genesys call.[/]")


if __name__ == "__main__":
    main()
