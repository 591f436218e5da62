"""Purchase → routable: how many round trips a buyer waits for after Twilio sold the number.

One number is bought by area code for a route and provisioned exactly as the purchase
command does (`purchase_number`), with every vendor call answering after --latency-ms.
The critical path is read from the emulators' logs: the longest chain of requests each sent
after the previous one was answered, counted from the purchase's answer until the number
is on the trunk, in a DID pool and on its IVR. The comparison provisions the same number
the per-resource way: refresh every resource of the estate, then create each new one and
read it back, then update the IVR.

    python -m bench.purchase --latency-ms 100 --estate 100
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from bench.estate import AREA_CODE_FOR_SALE, fictional_numbers, genesys_scenario, policy
from bench.estate import twilio_scenario as twilio_seed
from bench.harness import Sandbox, add_common_arguments, after, measure, sandbox
from bench.harness import sequential_round_trips as round_trips
from bench.per_resource import PerResourceTool, ResourceIds
from sandbox.core.request_log import LoggedRequest
from shared.adapters import RequestBudget, read_snapshot
from shared.model import Snapshot, TwilioNumber
from shared.planning.changes import AddDnis, AttachNumberToTrunk, CreateDidPool, Plan
from shared.policy import SyncMode
from shared.provisioning import PurchaseRequest, purchase_number

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
    entries = [e for e in entries if not e.endpoint.endswith("/oauth/token")]
    [bought] = [e for e in entries if _is_purchase(e)]
    following = after(entries, bought.endpoint)
    before = [e for e in entries if e not in following]
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
    numbers = fictional_numbers(estate)
    seeds = (
        twilio_seed(numbers, attached=True, for_sale=5),
        genesys_scenario(numbers, provisioned=True, requests_per_minute=budget),
    )
    request = PurchaseRequest(route=ROUTE, area_code=AREA_CODE_FOR_SALE)
    runs = []
    with sandbox(*seeds, latency_ms=latency_ms, requests_per_minute=budget) as box:
        result, _ = measure(
            box, lambda: purchase_number(policy(), box.twilio, box.genesys, request)
        )
        runs.append(_run(OURS, box, estate, result.phone_number))
    if per_resource:
        with sandbox(*seeds, latency_ms=latency_ms, requests_per_minute=budget) as box:
            state = read_snapshot(box.twilio, box.genesys)  # its state file, not measured
            tool = PerResourceTool(box.settings, RequestBudget(budget))
            bought, _ = measure(box, lambda: _buy_then_apply(box, tool, state))
            runs.append(_run(PER_RESOURCE, box, estate, bought.phone_number))
    return runs


def _buy_then_apply(box: Sandbox, tool: PerResourceTool, state: Snapshot) -> TwilioNumber:
    """The same offer bought, then `apply` of the number's three resources. The trunk and
    the IVR come from the tool's state, so every Genesys call goes through its budget."""
    route = next(r for r in policy().routes if r.name == ROUTE)
    group = policy().trunk_group(route.trunk_group)
    trunk = next(t for t in state.twilio_trunks if t.friendly_name == group.twilio_trunk)
    ivr = next(i for i in state.ivrs if i.name == route.ivr)
    [offer] = box.twilio.search_available(area_code=AREA_CODE_FOR_SALE, limit=1)
    bought = box.twilio.purchase(offer.phone_number, f"byoc-sync route:{ROUTE}")
    wanted = Plan(
        mode=SyncMode.SYNC,
        snapshot_checksum="",
        changes=(
            AttachNumberToTrunk(
                phone_number=bought.phone_number,
                number_sid=bought.sid,
                trunk_sid=trunk.sid,
                trunk_name=trunk.friendly_name,
                reason="purchase",
            ),
            CreateDidPool(
                phone_number=bought.phone_number,
                provider=route.did_pool_provider,
                reason="purchase",
            ),
            AddDnis(
                ivr_id=ivr.id, ivr_name=ivr.name, numbers=(bought.phone_number,), reason="purchase"
            ),
        ),
    )
    tool.apply(wanted, ResourceIds.of(state))
    return bought


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        epilog="Figures, not pass/fail: see README, Performance.",
    )
    parser.add_argument(
        "--estate",
        type=int,
        default=100,
        metavar="N",
        help="numbers already provisioned (a per-resource refresh reads them all; default 100)",
    )
    parser.add_argument(
        "--no-per-resource", action="store_true", help="measure byoc-sync only (no comparison)"
    )
    add_common_arguments(parser, latency_ms=100.0)
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
