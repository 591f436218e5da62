"""What the change feeds cost per poll, and how long a change made by hand takes to be
handled through them, against estates of growing size.

Three timers poll for changes made outside byoc-sync: Twilio's Monitor events (numbers
bought or changed in the console), Genesys' audit log (IVRs, DIDs and DID pools edited by
hand) and Twilio's Monitor alerts (origination errors). A poll reads what happened since
its watermark, so it should cost the same with 1,000 numbers as with 50,000: measured with
nothing new, then after one change. Two changes are then followed to the end, as the
product handles them: a number bought in the Twilio console (one feed poll, the worker's
number-scoped reconcile, then the number is in sync) and a number taken out of an IVR by
hand in Genesys (one audit feed poll, the reconcile that puts it back). The worst case for
either is one feed interval (the default schedules poll once a minute) plus the measured
processing; Genesys' own delay before an audit can be queried comes on top (the emulator's
is set to 0 here: the real one is not documented).

    python -m bench.feeds --numbers 1000 10000 50000 --latency-ms 20 --budget 300
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import requests
from rich.console import Console
from rich.table import Table

from bench.estate import IVRS, TRUNK_GROUPS, estate_sandbox, fictional_numbers, policy
from bench.harness import Meter, Sandbox, bench_parser, measure
from bench.worker import BenchWorker, MemoryStateStore
from shared.domain.commands import CommandEnvelope
from shared.events import genesys_audit_feed, twilio_alert_feed, twilio_feed
from shared.reconcile.inventory import number_rows

LATENCY_MS = 20.0
FEED_INTERVAL_S = 60.0  # every feed's default schedule fires once a minute (shared/settings.py)
CONSOLE_NAME = "Console purchase route:r01"  # tagged for the first route: IVR 01, group TG1
ORIGINATION_ERROR = "32011"  # Twilio: the origination URI did not answer
CID = "bench"


@dataclass(frozen=True)
class FeedRun:
    """One feed at one estate size: a poll with nothing new, a poll after one change, and
    (for the changes followed to the end) the worker's reconcile of what that poll queued
    and a status read showing the number in sync."""

    numbers: int
    feed: str
    change: str
    idle: Meter
    changed: Meter
    repaired: Meter | None = None
    status: Meter | None = None

    @property
    def processing_s(self) -> float:
        """From the poll that sees the change to the change handled."""
        return self.changed.wall_s + (self.repaired.wall_s if self.repaired else 0.0)

    @property
    def processing_calls(self) -> int:
        return self.changed.calls + (self.repaired.calls if self.repaired else 0)


def _admin(url: str, body: dict[str, object]) -> dict[str, object]:
    answer = requests.post(url, json=body, timeout=30)
    if answer.status_code not in (200, 201):
        raise RuntimeError(f"{url}: {answer.status_code} {answer.text}")
    found: dict[str, object] = answer.json()
    return found


def in_sync(worker: BenchWorker, number: str) -> None:
    """What `GET /api/numbers/{e164}` checks (shared/numbers/requests.py)."""
    rows = [
        r
        for r in number_rows(worker.routing, worker.scoped_read([number]))
        if r.phone_number == number
    ]
    if not rows or rows[0].status != "in sync":
        raise RuntimeError(f"{number} is not in sync: {rows}")


P = TypeVar("P")


def _start(poll: Callable[[], P | None], commit: Callable[[P], None]) -> None:
    """Start the feed (its first poll only sets the watermark) and poll it once more, as a
    process that has polled before would (the Genesys audit query's service mapping is
    read once per process): the measured polls are the steady ones."""
    if poll() is not None:
        raise RuntimeError("the first poll only starts the feed")
    warm = poll()
    if warm is None:
        raise RuntimeError("the feed did not start")
    commit(warm)


def _wait_past(moment: datetime) -> None:
    """Until the clock's millisecond is past `moment`'s: a poll's interval ends at its
    millisecond, exclusive, so a poll in the edit's own millisecond would not see it (the
    next one would, a feed interval later)."""
    while datetime.now(UTC) - moment < timedelta(milliseconds=1):
        time.sleep(0.001)


def _only(commands: list[CommandEnvelope]) -> CommandEnvelope:
    if len(commands) != 1:
        raise RuntimeError(f"expected one command, the poll queued {len(commands)}")
    return commands[0]


def genesys_audit_feed_run(box: Sandbox, n: int) -> FeedRun:
    """A number removed from its IVR by hand, put back through the audit feed."""
    worker = BenchWorker(box.twilio, box.genesys, policy())  # a fresh process: cold cache
    store = MemoryStateStore()
    settings = box.settings

    def poll() -> genesys_audit_feed.AuditPoll | None:
        return genesys_audit_feed.poll(
            box.genesys,
            store,
            datetime.now(UTC),
            CID,
            lag=timedelta(seconds=settings.byoc_genesys_audit_lag_s),
            own_client_id=settings.genesyscloud_oauthclient_id,
        )

    _start(poll, lambda result: genesys_audit_feed.commit(store, result))
    idle_result, idle = measure(box, poll)
    assert idle_result is not None and not idle_result.commands
    genesys_audit_feed.commit(store, idle_result)
    number = fictional_numbers(n)[0]  # route 0: IVR 01
    _admin(f"{box.genesys_emu.base_url}/__admin/console/ivrs/IVR 01", {"remove": [number]})
    _wait_past(box.genesys_emu.audits.entries[-1].event_date)
    result, changed = measure(box, poll)
    assert result is not None
    genesys_audit_feed.commit(store, result)
    queued = _only(result.commands)
    # The worker raises CommandFailedError if the reconcile is left incomplete.
    _, repaired = measure(box, lambda: worker.run(queued))
    _, status = measure(box, lambda: in_sync(worker, number))
    return FeedRun(n, "Genesys audits", "IVR edited by hand", idle, changed, repaired, status)


def twilio_change_feed_run(box: Sandbox, n: int) -> FeedRun:
    """A number bought in the Twilio console, routable through the change feed."""
    worker = BenchWorker(box.twilio, box.genesys, policy())
    store = MemoryStateStore()

    def poll() -> twilio_feed.FeedPoll | None:
        return twilio_feed.poll(box.twilio, store, datetime.now(UTC), CID)

    _start(poll, lambda result: twilio_feed.commit(store, result))
    idle_result, idle = measure(box, poll)
    assert idle_result is not None and not idle_result.commands
    twilio_feed.commit(store, idle_result)
    bought = _admin(
        f"{box.twilio_emu.base_url}/__admin/console/IncomingPhoneNumbers",
        {"area_code": "303", "friendly_name": CONSOLE_NAME},
    )
    number = str(bought["phone_number"])
    result, changed = measure(box, poll)
    assert result is not None
    twilio_feed.commit(store, result)
    queued = _only(result.commands)
    # The worker raises CommandFailedError if the reconcile is left incomplete.
    _, repaired = measure(box, lambda: worker.run(queued))
    _, status = measure(box, lambda: in_sync(worker, number))
    return FeedRun(n, "Twilio changes", "console purchase", idle, changed, repaired, status)


def twilio_alert_feed_run(box: Sandbox, n: int) -> FeedRun:
    """An origination error on the first group's trunk: one evaluation queued."""
    store = MemoryStateStore()

    def poll() -> twilio_alert_feed.AlertPoll | None:
        return twilio_alert_feed.poll(box.twilio, store, datetime.now(UTC), CID)

    _start(poll, lambda result: twilio_alert_feed.commit(store, result))
    idle_result, idle = measure(box, poll)
    assert idle_result is not None and not idle_result.commands
    twilio_alert_feed.commit(store, idle_result)
    trunk = next(t for t in box.twilio.list_trunks() if t.friendly_name == "BYOC-TG1")
    _admin(
        f"{box.twilio_emu.base_url}/__admin/alerts",
        {"error_code": ORIGINATION_ERROR, "resource_sid": trunk.sid},
    )
    result, changed = measure(box, poll)
    assert result is not None
    _only(result.commands)  # the group's evaluation
    twilio_alert_feed.commit(store, result)
    return FeedRun(n, "Twilio alerts", "origination error", idle, changed)


FEEDS: tuple[Callable[[Sandbox, int], FeedRun], ...] = (
    genesys_audit_feed_run,  # first: the reconciles below write audits of their own
    twilio_alert_feed_run,
    twilio_change_feed_run,
)


def feeds(n: int, *, latency_ms: float, budget: int) -> list[FeedRun]:
    """Every feed at an estate of `n` numbers: the audit feed, the alert feed, the change
    feed, in that order."""
    with estate_sandbox(
        n, provisioned=True, latency_ms=latency_ms, budget=budget, for_sale=1, audit_delay_s=0
    ) as box:
        return [run(box, n) for run in FEEDS]


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__, latency_ms=LATENCY_MS)
    parser.add_argument("--numbers", type=int, nargs="+", default=[1000, 10000], metavar="N")
    args = parser.parse_args(argv)
    console = Console(width=80)
    runs: list[FeedRun] = []
    for n in args.numbers:
        console.print(f"[dim]seeding {n} numbers over {IVRS} IVRs and {TRUNK_GROUPS} groups…[/]")
        runs += feeds(n, latency_ms=args.latency_ms, budget=args.budget)
    polls = Table(
        "N",
        "feed",
        "poll",
        "Twilio",
        "Genesys",
        "wall s",
        title=f"Calls per feed poll (latency {args.latency_ms:g} ms/call)",
    )
    for run in runs:
        for what, m in (("nothing new", run.idle), (run.change, run.changed)):
            polls.add_row(
                f"{run.numbers:,}",
                run.feed,
                what,
                str(m.twilio_calls.total()),
                str(m.genesys_total),
                f"{m.wall_s:.2f}",
            )
    console.print(polls)
    handled = Table(
        "N",
        "change",
        "poll",
        "reconcile",
        "handled in s",
        "worst s",
        title=f"Calls and time to handle a change made by hand (worst: + the feed's "
        f"{FEED_INTERVAL_S:g} s)",
    )
    for run in runs:
        if run.repaired is None:
            continue
        handled.add_row(
            f"{run.numbers:,}",
            run.change,
            str(run.changed.calls),
            str(run.repaired.calls),
            f"{run.processing_s:.2f}",
            f"{FEED_INTERVAL_S + run.processing_s:.1f}",
        )
    console.print(handled)


if __name__ == "__main__":
    main()
