"""Executing a plan: phases in dependency order, bounded concurrency, a report of everything.

The plan says *what*; this module decides only *how*: which changes may run side by side,
which must wait for others, and which must not run because something they depend on
failed. A number whose trunk attachment or DID pool failed is left out of its IVR batch
(Genesys would refuse the whole batch for it); a pool is deleted only after its number
left every IVR. Nothing here decides what to change.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from enum import StrEnum
from threading import Lock

from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from shared.domain.model import normalise_dnis
from shared.domain.policy import SyncMode
from shared.ports import GenesysNumberWrites, TerminalVendorError, TwilioNumberWrites
from shared.reconcile.changes import (
    APPLY_ORDER,
    APPLY_STAGES,
    AddDnis,
    AttachNumberToTrunk,
    Change,
    CreateDidPool,
    DeleteDidPool,
    Plan,
    RemoveDnis,
    numbers_in,
)
from shared.trunks.changes import TrunkChange

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 4
# Genesys accepts a number as DNIS only some time after its DID pool was created (400
# before, as integrators report). Adding numbers whose pools this run created waits up to
# this long; other 400s are never retried.
DEFAULT_POOL_PROPAGATION_WAIT_S = 60.0


class PlanRefusedError(RuntimeError):
    """The plan may not run as it is (guards, dry-run); the message says why."""


class Status(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    change: Change | TrunkChange
    status: Status
    detail: str = ""
    numbers: tuple[str, ...] = ()  # for batched IVR changes: the numbers this outcome covers

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.change.kind}: {self.status.value}{detail}"


@dataclass
class ApplyReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def _with(self, status: Status) -> list[Outcome]:
        return [o for o in self.outcomes if o.status is status]

    @property
    def done(self) -> list[Outcome]:
        return self._with(Status.DONE)

    @property
    def skipped(self) -> list[Outcome]:
        return self._with(Status.SKIPPED)

    @property
    def failed(self) -> list[Outcome]:
        return self._with(Status.FAILED)


def apply_plan(
    plan: Plan,
    twilio: TwilioNumberWrites,
    genesys: GenesysNumberWrites,
    *,
    force: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    dnis_batch: int | None = None,
    progress: Callable[[Outcome], None] | None = None,
    pool_propagation_wait_s: float = DEFAULT_POOL_PROPAGATION_WAIT_S,
    sleep: Callable[[float], None] = time.sleep,
) -> ApplyReport:
    """Run `plan`; raise PlanRefusedError before any write when it may not run."""
    check_may_apply(plan, force=force)
    # One batch is one IVR write: the adapter's limit of DNIS added per write.
    batch = dnis_batch if dnis_batch is not None else genesys.dnis_per_write
    run = _Run(twilio, genesys, batch, progress, pool_propagation_wait_s, sleep)
    for stage in APPLY_STAGES:
        # A stage finishes before the next starts: later stages depend on earlier ones.
        # Each kind in a stage gets its own workers, so one vendor's queue (or budget
        # wait) never holds up the other's.
        futures = []
        with ExitStack() as stack:
            for kind in stage:
                lane = [change for change in plan.changes if change.kind == kind]
                if not lane:
                    continue
                workers = stack.enter_context(
                    ThreadPoolExecutor(max(1, concurrency), thread_name_prefix=f"apply-{kind}")
                )
                # Each worker runs in a copy of this context: the work's priority for the
                # Genesys budget (shared.domain.priority) follows it into the threads.
                futures += [
                    workers.submit(contextvars.copy_context().run, run.execute, change)
                    for change in lane
                ]
        for future in futures:
            future.result()
    # Reported in plan order (completion order within a kind), however the stages overlapped.
    run.report.outcomes.sort(key=lambda outcome: _order(outcome.change))
    return run.report


def _order(change: Change | TrunkChange) -> int:
    return -1 if isinstance(change, TrunkChange) else APPLY_ORDER.index(change.kind)


def check_may_apply(plan: Plan, *, force: bool = False) -> None:
    """Raise PlanRefusedError when `plan` may not run (dry-run, or refused by the guards)."""
    if plan.mode is SyncMode.DRY_RUN:
        raise PlanRefusedError("the policy's mode is dry-run: plans are reported, never applied")
    if not plan.guard.allowed and not force:
        raise PlanRefusedError("; ".join(plan.guard.reasons) + " (pass --force to apply anyway)")


class _Run:
    def __init__(
        self,
        twilio: TwilioNumberWrites,
        genesys: GenesysNumberWrites,
        dnis_batch: int,
        progress: Callable[[Outcome], None] | None,
        pool_propagation_wait_s: float,
        sleep: Callable[[float], None],
    ) -> None:
        self.twilio = twilio
        self.genesys = genesys
        self.dnis_batch = max(1, dnis_batch)
        self.progress = progress
        self.propagation_wait_s = pool_propagation_wait_s
        self.sleep = sleep
        self.report = ApplyReport()
        self._lock = Lock()
        self._blocked: dict[str, str] = {}  # number -> why later steps must not touch it
        self._fresh_pools: set[str] = set()  # numbers whose DID pool this run created

    def _record(self, outcome: Outcome) -> None:
        with self._lock:
            self.report.outcomes.append(outcome)
        if self.progress is not None:
            self.progress(outcome)

    # Keyed by E.164: a removal names the entry as the IVR spells it (`2025550100`), while
    # the add or pool deletion it must block names `+12025550100`.
    def _block(self, number: str, why: str) -> None:
        with self._lock:
            self._blocked.setdefault(normalise_dnis(number) or number, why)

    def _why_blocked(self, number: str) -> str | None:
        with self._lock:
            return self._blocked.get(normalise_dnis(number) or number)

    def execute(self, change: Change) -> None:
        try:
            if isinstance(change, AttachNumberToTrunk | CreateDidPool):
                self._single(change)
            elif isinstance(change, RemoveDnis | AddDnis):
                self._ivr_batches(change)
            else:
                self._delete_pool(change)
        except Exception as error:  # one failed change must not stop the rest
            log.exception("applying %s failed", change.kind)
            self._fail(change, error, numbers_in(change))

    def _fail(self, change: Change, error: Exception, numbers: tuple[str, ...]) -> None:
        reason = f"{type(error).__name__}: {error}"
        for number in numbers:
            self._block(number, f"{change.kind} failed: {reason}")
        self._record(Outcome(change, Status.FAILED, reason, numbers))

    def _single(self, change: AttachNumberToTrunk | CreateDidPool) -> None:
        detail = ""
        if isinstance(change, AttachNumberToTrunk):
            self.twilio.attach_number(change.number_sid, change.trunk_sid)
        else:
            pool = self.genesys.create_did_pool(change.phone_number, change.provider)
            with self._lock:
                self._fresh_pools.add(change.phone_number)
            # The adapter answers with a pool that already covers the number instead of
            # creating one; when that pool is not ours, "done" alone would claim a pool
            # byoc-sync never made (and will never delete).
            if not pool.owned:
                detail = (
                    f"covered by existing pool {pool.id} ({pool.start}-{pool.end}, not managed)"
                )
        self._record(Outcome(change, Status.DONE, detail, numbers=(change.phone_number,)))

    def _ivr_batches(self, change: RemoveDnis | AddDnis) -> None:
        ready: list[str] = []
        for number in change.numbers:
            why = self._why_blocked(number)
            if why is None:
                ready.append(number)
            else:
                self._record(Outcome(change, Status.SKIPPED, why, (number,)))
        for start in range(0, len(ready), self.dnis_batch):
            batch = tuple(ready[start : start + self.dnis_batch])
            try:
                if isinstance(change, AddDnis):
                    self._add_after_propagation(change.ivr_id, batch)
                else:
                    self.genesys.update_ivr_dnis(change.ivr_id, remove=batch)
            except Exception as error:  # later batches may still succeed
                log.exception("%s on IVR %s failed", change.kind, change.ivr_name)
                self._fail(change, error, batch)
            else:
                self._record(Outcome(change, Status.DONE, numbers=batch))

    def _add_after_propagation(self, ivr_id: str, batch: tuple[str, ...]) -> None:
        with self._lock:
            waits_for_pools = bool(self._fresh_pools.intersection(batch))

        def refused_for_fresh_pool(error: BaseException) -> bool:
            return (
                waits_for_pools and isinstance(error, TerminalVendorError) and error.status == 400
            )

        retrying = Retrying(
            retry=retry_if_exception(refused_for_fresh_pool),
            wait=wait_exponential(multiplier=0.5, max=10),
            # The attempt cap also bounds runs whose `sleep` does not pass real time (tests).
            stop=stop_after_delay(self.propagation_wait_s) | stop_after_attempt(20),
            sleep=self.sleep,
            reraise=True,
        )
        retrying(self.genesys.update_ivr_dnis, ivr_id, add=batch)

    def _delete_pool(self, change: DeleteDidPool) -> None:
        why = self._why_blocked(change.phone_number)
        if why is not None:
            self._record(Outcome(change, Status.SKIPPED, why, (change.phone_number,)))
            return
        self.genesys.delete_did_pool(change.pool_id)
        self._record(Outcome(change, Status.DONE, numbers=(change.phone_number,)))
