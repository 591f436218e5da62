"""Each timer's last run, one small record per timer in the state table.

A timer that stopped firing, or fires and fails every time, is invisible from the outside:
it queues nothing, so the journal stays quiet and nothing looks wrong. The status page shows
when each timer last ran and how it ended, so a quiet page can be told from a stopped one.
Recording is best effort: a timer's work never fails because its record could not be saved.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.ports import StateConflictError, StateStore

log = logging.getLogger(__name__)

# The state-table partition holding one record per timer (row key: the timer function name).
TIMERS_PARTITION = "timers"

# The timer functions in functions/timers.py, in the order the page lists them, and what
# each is called on it (tests/unit/test_status_timer_runs.py keeps the list complete).
TIMER_LABELS: dict[str, str] = {
    "health_check_timer": "health check",
    "reconcile_timer": "reconcile",
    "twilio_feed_timer": "Twilio change feed",
    "twilio_alert_feed_timer": "Twilio alert feed",
    "genesys_audit_feed_timer": "Genesys audit feed",
    "audit_timer": "audit",
    "journal_prune_timer": "journal retention",
}

# Longest detail kept: one line on the page, never an essay from an exception.
DETAIL_LIMIT = 300


class TimerOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # the policy's `timers` switch paused it


class TimerRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    timer: str
    started_at: datetime
    finished_at: datetime
    outcome: TimerOutcome
    detail: str = ""


def one_line(text: str) -> str:
    """`text` as a single line of at most DETAIL_LIMIT characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= DETAIL_LIMIT else flat[: DETAIL_LIMIT - 1] + "…"


def record_run(store: StateStore, run: TimerRun) -> None:
    """Save `run` as its timer's last run. Azure runs a timer as a singleton, so a conflict
    means an overlapping run of the same timer saved first; its record is as good as ours."""
    stored = store.load(run.timer)
    try:
        store.save(run.timer, run.model_dump(mode="json"), stored.etag if stored else None)
    except StateConflictError:
        log.info("timer %s: another run recorded its last run first", run.timer)


def last_runs(store: StateStore) -> dict[str, TimerRun | None]:
    """Every known timer's last run (None: never recorded, or unreadable)."""
    runs: dict[str, TimerRun | None] = {}
    for timer in TIMER_LABELS:
        stored = store.load(timer)
        try:
            runs[timer] = TimerRun.model_validate(stored.data) if stored else None
        except ValidationError:
            log.warning("timer %s: its last-run record does not parse; shown as unknown", timer)
            runs[timer] = None
    return runs
