"""Purchase → routable: how many round trips a buyer waits for after Twilio sold the number.

One number is bought by area code for a route and provisioned exactly as the purchase
command does (`purchase`), with every vendor call answering after --latency-ms.
The critical path is read from the emulators' logs: the longest chain of requests each sent
after the previous one was answered, counted from the purchase's answer until the number
is on the trunk, in a DID pool and on its IVR. The comparison provisions the same number
the per-resource way: refresh every resource of the estate, then create each new one and
read it back, then update the IVR.

    python -m bench.purchase --latency-ms 100 --estate 100
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from bench.estate import AREA_CODE_FOR_SALE, estate_sandbox, policy
from bench.harness import TOKEN_ENDPOINT, Sandbox, bench_parser, measure, split_at
from bench.harness import sequential_round_trips as round_trips
from bench.per_resource import PerResourceTool, ResourceIds
from sandbox.emulators.core.request_log import LoggedRequest
from shared.adapters.budget import RequestBudget
from shared.domain.commands import PurchaseRequest
from shared.domain.model import Snapshot, TwilioNumber
from shared.domain.policy import SyncMode
from shared.numbers import provisioning
from shared.numbers.provisioning import steps_after_purchase
from shared.reconcile.changes import Plan
from shared.reconcile.snapshot import read_snapshot

LATENCY_MS = 100.0  # default emulated latency per call
OURS = "byoc-sync"
PER_RESOURCE = "per resource + read-back"
ROUTE = "r01"
PURCHASE = "/IncomingPhoneNumbers.json"
TARGET_ROUND_TRIPS = 3


@dataclass(frozen=True)
class Run:
    strategy: str
    estate: int
    before: int  # round trips before the purchase answered (choosing the number, the buy)
    after: int  # round trips after it, until routable
    calls_after: int
    after_s: float  # from the purchase's answer to the last answer
    routable: bool


def _is_purchase(entry: LoggedRequest) -> bool:
    return entry.method == "POST" and entry.endpoint.endswith(PURCHASE)


def _run(strategy: str, box: Sandbox, estate: int, number: str) -> Run:
    entries = [*box.twilio_emu.log.entries(), *box.genesys_emu.log.entries()]
    entries = [e for e in entries if e.endpoint != TOKEN_ENDPOINT]
    [bought] = [e for e in entries if _is_purchase(e)]
    before, following = split_at(entries, bought.endpoint)
    last = max((e.timestamp for e in following), default=bought.timestamp)
    return Run(
        strategy,
        estate,
        before=round_trips(before),
        after=round_trips(following),
        calls_after=len(following),
        after_s=last - bought.timestamp,
        routable=_routable(box, number),
    )


def _routable(box: Sandbox, number: str) -> bool:
    twilio_state, genesys_state = box.twilio_emu.state, box.genesys_emu.state
    on_trunk = any(n.phone_number == number and n.trunk_sid for n in twilio_state.numbers.values())
    in_pool = any(p.contains(number) for p in genesys_state.pools.values())
    on_ivr = any(number in ivr.dnis for ivr in genesys_state.ivrs.values())
    return on_trunk and in_pool and on_ivr


def purchase(
    *, latency_ms: float, budget: int, estate: int, per_resource: bool = True
) -> list[Run]:
    def provisioned() -> AbstractContextManager[Sandbox]:
        return estate_sandbox(
            estate, provisioned=True, latency_ms=latency_ms, budget=budget, for_sale=5
        )

    request = PurchaseRequest(route=ROUTE, area_code=AREA_CODE_FOR_SALE)
    runs = []
    with provisioned() as box:
        result, _ = measure(
            box, lambda: provisioning.purchase(policy(), box.twilio, box.genesys, request)
        )
        runs.append(_run(OURS, box, estate, result.phone_number))
    if per_resource:
        with provisioned() as box:
            state = read_snapshot(box.twilio, box.genesys)  # its state file, not measured
            tool = PerResourceTool(box.settings, RequestBudget(budget))
            bought, _ = measure(box, lambda: _buy_then_apply(box, tool, state))
            runs.append(_run(PER_RESOURCE, box, estate, bought.phone_number))
    return runs


def _buy_then_apply(box: Sandbox, tool: PerResourceTool, state: Snapshot) -> TwilioNumber:
    """The same offer bought, then `apply` of the number's three resources. The trunk and
    the IVR come from the tool's state, so every Genesys call goes through its budget."""
    wanted_policy = policy()
    route = next(r for r in wanted_policy.routes if r.name == ROUTE)
    group = wanted_policy.trunk_group(route.trunk_group)
    trunk = next(t for t in state.twilio_trunks if t.friendly_name == group.twilio_trunk)
    ivr = next(i for i in state.ivrs if i.name == route.ivr)
    [offer] = box.twilio.search_available(area_code=AREA_CODE_FOR_SALE, limit=1)
    bought = box.twilio.purchase(offer.phone_number, f"byoc-sync route:{ROUTE}")
    steps = steps_after_purchase(bought, trunk, route, ivr)
    wanted = Plan(mode=SyncMode.SYNC, snapshot_checksum="", changes=steps)
    tool.apply(wanted, ResourceIds.of(state))
    return bought


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__, latency_ms=LATENCY_MS)
    parser.add_argument(
        "--estate",
        type=int,
        default=100,
        metavar="N",
        help="numbers already provisioned (a per-resource refresh reads them all; default 100)",
    )
    args = parser.parse_args(argv)
    runs = purchase(
        latency_ms=args.latency_ms,
        budget=args.budget,
        estate=args.estate,
        per_resource=not args.no_per_resource,
    )
    console = Console(width=200)
    console.print(table(runs, args.latency_ms, args.budget))


def table(runs: list[Run], latency_ms: float, budget: int) -> Table:
    result = Table(
        "strategy",
        "estate",
        "round trips to the purchase answer",
        f"round trips after (target ≤ {TARGET_ROUND_TRIPS})",
        "calls after",
        "purchase → routable s",
        "routable",
        title=f"Purchase → routable (latency {latency_ms:g} ms/call, Genesys budget {budget}/min)",
    )
    for run in runs:
        result.add_row(
            run.strategy,
            f"{run.estate:,}",
            str(run.before),
            str(run.after),
            str(run.calls_after),
            f"{run.after_s:.2f}",
            "yes" if run.routable else "NO",
        )
    return result


if __name__ == "__main__":
    main()
