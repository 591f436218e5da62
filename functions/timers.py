"""Timers: the trunk health check (every minute), the reconcile (every 15 min), the audit
(daily), and the three feeds — Twilio's changes and alerts, Genesys' audit log — every minute.

Schedules are app settings (`%BYOC_HEALTH_CHECK_SCHEDULE%`, `%BYOC_RECONCILE_SCHEDULE%`), so
an operator changes the cadence without a deployment, and the policy's `timers` switches
pause either one. A timer does not do the work itself: it queues commands (one health
evaluation per trunk group, one reconcile) with ids derived from the firing time, so the same
firing delivered twice queues one command, and the work runs in the worker with its retries
and dead-lettering. The audit is the exception: it only reads and reports (to the log, where
alerts pick up its error lines), so it runs in the timer itself.

Every tick is a trace of its own (`telemetry.timer_run`: the commands it queues carry it
to the worker) and one count of `byoc.timer.runs`: ok, failed, or skipped when the policy
switches the timer off. A change feed's poll is also counted as a feed (`telemetry.feed_poll`).

Every timer also records its last run (when, ok / failed / skipped, one line of detail) for
the status page (`shared/status/timer_runs.py`); recording never fails the timer.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol, TypeVar

import azure.functions as func

from functions._alerts import record_alerts
from functions._startup import invocation_setup
from shared import bootstrap, telemetry
from shared.audit import carrier_alerts
from shared.audit.report import Severity
from shared.audit.run import gather, run_rules
from shared.bootstrap import App
from shared.domain.commands import CommandEnvelope, EvaluateTrunkGroup, ReconcileNumbers, envelope
from shared.domain.journal import Trigger
from shared.events import genesys_audit_feed, twilio_alert_feed, twilio_feed
from shared.observability import correlation, new_correlation_id
from shared.ports import StateStore
from shared.status.timer_runs import (
    TIMERS_PARTITION,
    TimerOutcome,
    TimerRun,
    one_line,
    record_run,
)
from shared.telemetry.contract import Feed
from shared.telemetry.runs import TimerRun as TelemetryTimerRun

bp = func.Blueprint()
log = logging.getLogger(__name__)


TimerFunction = Callable[[func.TimerRequest], None]
# How the running timer ended when it returned normally: set by `_ran`, read by `_recorded`.
_outcome: ContextVar[tuple[TimerOutcome, str] | None] = ContextVar("timer_outcome", default=None)


def _ran(outcome: TimerOutcome, detail: str) -> None:
    """Say how this run ended, for its last-run record (a run that says nothing was ok)."""
    _outcome.set((outcome, detail))


def _save_run(run: TimerRun) -> None:
    try:
        record_run(bootstrap.app().state_store(TIMERS_PARTITION), run)
    except Exception as error:  # the record is for people; the timer's work matters more
        log.warning("timer %s: could not record its last run: %s", run.timer, error)


def _recorded(timer_function: TimerFunction) -> TimerFunction:
    """Record the decorated timer's last run, whatever happens in it. `functools.wraps`
    keeps the name and signature the Functions worker indexes the function by."""

    @functools.wraps(timer_function)
    def run(timer: func.TimerRequest) -> None:
        started = datetime.now(UTC)
        token = _outcome.set(None)
        outcome, detail = TimerOutcome.FAILED, "interrupted"
        try:
            timer_function(timer)
            outcome, detail = _outcome.get() or (TimerOutcome.OK, "")
        except Exception as error:
            detail = f"{type(error).__name__}: {error}"
            raise
        finally:
            _outcome.reset(token)
            _save_run(
                TimerRun(
                    timer=timer_function.__name__,
                    started_at=started,
                    finished_at=datetime.now(UTC),
                    outcome=outcome,
                    detail=one_line(detail),
                )
            )

    return run


def _skip(run: TelemetryTimerRun, what: str, switch: str) -> None:
    """The policy's `timers` switch for this timer is off: say so, count and record it."""
    log.info("%s skipped: the policy's timers.%s is false", what, switch)
    run.skip()
    _ran(TimerOutcome.SKIPPED, f"the policy's timers.{switch} is false")


class _Mark(Protocol):
    @property
    def since(self) -> datetime: ...


class _Polled(Protocol):
    """What every feed's poll answers: the commands to queue, then the watermark to save."""

    @property
    def commands(self) -> Sequence[CommandEnvelope]: ...

    @property
    def watermark(self) -> _Mark: ...


Polled = TypeVar("Polled", bound=_Polled)


def _poll_feed(
    app: App,
    feed: Feed,
    partition: str,
    poll: Callable[[StateStore, datetime], Polled | None],
    commit: Callable[[StateStore, Polled], None],
) -> Polled | None:
    """One poll of a feed: read since the watermark, queue the commands, then `commit` the
    watermark. Anything failing before the commit leaves the watermark where it was, so
    the next poll reads the same window again (the commands' ids make that harmless).
    None on a feed's first poll, which only starts its watermark (what came before is the
    full reconcile's)."""
    with telemetry.feed_poll(feed) as observed:
        store = app.state_store(partition)
        now = datetime.now(UTC)
        result = poll(store, now)
        if result is None:
            observed.handled_up_to(now, now)
            _ran(TimerOutcome.OK, "first poll: watermark set, changes read from the next one")
            return None
        if result.commands:
            app.publish(result.commands)
        commit(store, result)
        observed.handled_up_to(result.watermark.since, now)
    return result


def _slot() -> str:
    """The firing this run belongs to. In Azure a timer runs as a singleton, so the id only has
    to tell one occurrence from the next (schedules can be as fine as a second) while a
    duplicate delivery of the same occurrence maps to the same command."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@bp.timer_trigger(arg_name="timer", schedule="%BYOC_HEALTH_CHECK_SCHEDULE%", run_on_startup=False)
@_recorded
def health_check_timer(timer: func.TimerRequest) -> None:
    invocation_setup()
    with (
        correlation(new_correlation_id()) as cid,
        telemetry.timer_run("health_check_timer") as run,
    ):
        app = bootstrap.app()
        policy = app.policy()
        if not policy.timers.health_check:
            _skip(run, "health check", "health_check")
            return
        slot = _slot()
        queued = [
            envelope(
                EvaluateTrunkGroup(trunk_group=group.name, reason="scheduled health check"),
                correlation_id=cid,
                trigger=Trigger.TIMER,
                idempotency_key=f"health:{group.name}:{slot}",
            )
            for group in policy.trunk_groups
        ]
        app.publish(queued)
        log.info(
            "health check: %d trunk group(s) queued (past due: %s)", len(queued), timer.past_due
        )
        _ran(TimerOutcome.OK, f"{len(queued)} trunk group evaluation(s) queued")


@bp.timer_trigger(arg_name="timer", schedule="%BYOC_RECONCILE_SCHEDULE%", run_on_startup=False)
@_recorded
def reconcile_timer(timer: func.TimerRequest) -> None:
    invocation_setup()
    with (
        correlation(new_correlation_id()) as cid,
        telemetry.timer_run("reconcile_timer") as run,
    ):
        app = bootstrap.app()
        policy = app.policy()
        if not policy.timers.reconcile:
            _skip(run, "reconcile", "reconcile")
            return
        queued = envelope(
            ReconcileNumbers(reason="scheduled reconcile"),
            correlation_id=cid,
            trigger=Trigger.TIMER,
            idempotency_key=f"reconcile:{_slot()}",
        )
        app.publish([queued])
        log.info("reconcile queued as %s (past due: %s)", queued.command_id, timer.past_due)
        _ran(TimerOutcome.OK, f"reconcile queued as {queued.command_id}")


@bp.timer_trigger(arg_name="timer", schedule="%BYOC_AUDIT_SCHEDULE%", run_on_startup=False)
@_recorded
def audit_timer(timer: func.TimerRequest) -> None:
    """The same report as `byoc-sync audit`, one log line per finding (errors at ERROR)."""
    invocation_setup()
    with correlation(new_correlation_id()), telemetry.timer_run("audit_timer") as run:
        app = bootstrap.app()
        policy = app.policy()
        if not policy.timers.audit:
            _skip(run, "audit", "audit")
            return
        alerts = partial(app.state_store, carrier_alerts.PARTITION)
        report = run_rules(gather(policy, app.twilio, app.genesys, alerts=alerts))
        for finding in report.findings:
            level = logging.ERROR if finding.severity is Severity.ERROR else logging.WARNING
            log.log(
                level,
                "audit %s: %s. Remediation: %s",
                finding.rule,
                finding.message,
                finding.remediation,
            )
        for rule in report.could_not_run:
            log.error("audit %s could not run: %s", rule.rule, rule.error)
        log.info(
            "audit: %d rule(s), %d error(s), %d warning(s)%s",
            len(report.rules),
            report.count(Severity.ERROR),
            report.count(Severity.WARNING),
            " (past due)" if timer.past_due else "",
        )
        _ran(
            TimerOutcome.OK,
            f"{report.count(Severity.ERROR)} error(s), {report.count(Severity.WARNING)} "
            f"warning(s), {len(report.could_not_run)} rule(s) could not run",
        )


@bp.timer_trigger(arg_name="timer", schedule="%BYOC_JOURNAL_PRUNE_SCHEDULE%", run_on_startup=False)
@_recorded
def journal_prune_timer(timer: func.TimerRequest) -> None:
    """Drop journal entries older than BYOC_JOURNAL_RETENTION_DAYS. Not paused by the
    policy's timers: retention is a promise about stored data, not an automation."""
    invocation_setup()
    with correlation(new_correlation_id()), telemetry.timer_run("journal_prune_timer"):
        pruned = bootstrap.app().prune_journal(datetime.now(UTC))
        log.info("journal prune: %d entr(y/ies) older than retention removed", pruned)
        _ran(TimerOutcome.OK, f"{pruned} journal entr(y/ies) older than retention removed")


@bp.timer_trigger(arg_name="timer", schedule="%BYOC_TWILIO_FEED_SCHEDULE%", run_on_startup=False)
@_recorded
def twilio_feed_timer(timer: func.TimerRequest) -> None:
    """Numbers bought or changed in the Twilio console since the last poll, reconciled by
    themselves (shared/events/twilio_feed.py)."""
    invocation_setup()
    with (
        correlation(new_correlation_id()) as cid,
        telemetry.timer_run("twilio_feed_timer") as run,
    ):
        app = bootstrap.app()
        if not app.policy().timers.twilio_feed:
            _skip(run, "Twilio change feed", "twilio_feed")
            return
        result = _poll_feed(
            app,
            "twilio-monitor",
            twilio_feed.PARTITION,
            lambda store, now: twilio_feed.poll(app.twilio, store, now, cid),
            twilio_feed.commit,
        )
        if result is None:
            return
        log.info(
            "Twilio change feed: %d change(s), %d command(s) queued (past due: %s)",
            result.changes,
            len(result.commands),
            timer.past_due,
        )
        _ran(
            TimerOutcome.OK,
            f"{result.changes} change(s), {len(result.commands)} command(s) queued",
        )


@bp.timer_trigger(
    arg_name="timer", schedule="%BYOC_GENESYS_AUDIT_FEED_SCHEDULE%", run_on_startup=False
)
@_recorded
def genesys_audit_feed_timer(timer: func.TimerRequest) -> None:
    """IVRs, DIDs and DID pools edited by hand since the last poll, reconciled for the
    numbers the edits touched (shared/events/genesys_audit_feed.py)."""
    invocation_setup()
    with (
        correlation(new_correlation_id()) as cid,
        telemetry.timer_run("genesys_audit_feed_timer") as run,
    ):
        app = bootstrap.app()
        if not app.policy().timers.genesys_audit_feed:
            _skip(run, "Genesys audit feed", "genesys_audit_feed")
            return
        settings = app.settings
        result = _poll_feed(
            app,
            "genesys-audit",
            genesys_audit_feed.PARTITION,
            lambda store, now: genesys_audit_feed.poll(
                app.genesys,
                store,
                now,
                cid,
                lag=timedelta(seconds=settings.byoc_genesys_audit_lag_s),
                own_client_id=settings.genesyscloud_oauthclient_id,
            ),
            genesys_audit_feed.commit,
        )
        if result is None:
            return
        for why in result.ignored:
            log.info("Genesys audit feed: ignored %s", why)
        log.info(
            "Genesys audit feed: %d change(s) (%d byoc-sync's own), %d command(s) queued "
            "(past due: %s)",
            result.changes,
            result.own,
            len(result.commands),
            timer.past_due,
        )
        _ran(
            TimerOutcome.OK,
            f"{result.changes} change(s) ({result.own} our own), "
            f"{len(result.commands)} command(s) queued",
        )


class AlertsNotCountedError(RuntimeError):
    """The alert feed's carrier-side alerts could not be counted; its watermark stays."""


@bp.timer_trigger(
    arg_name="timer", schedule="%BYOC_TWILIO_ALERT_FEED_SCHEDULE%", run_on_startup=False
)
@_recorded
def twilio_alert_feed_timer(timer: func.TimerRequest) -> None:
    """Twilio's alerts since the last poll: origination errors evaluate their trunk group,
    termination errors are counted for the audit (shared/events/twilio_alert_feed.py)."""
    invocation_setup()
    with (
        correlation(new_correlation_id()) as cid,
        telemetry.timer_run("twilio_alert_feed_timer") as run,
    ):
        app = bootstrap.app()
        if not app.policy().timers.twilio_alert_feed:
            _skip(run, "Twilio alert feed", "twilio_alert_feed")
            return

        def count_then_commit(store: StateStore, result: twilio_alert_feed.AlertPoll) -> None:
            if result.observed and not record_alerts(result.observed, app):
                # The watermark stays: the next poll counts these alerts again (by alert
                # SID, once) and re-queues the same command ids, which the queue drops.
                raise AlertsNotCountedError("carrier-side alerts not counted; polled again next")
            twilio_alert_feed.commit(store, result)

        result = _poll_feed(
            app,
            "twilio-alerts",
            twilio_alert_feed.PARTITION,
            lambda store, now: twilio_alert_feed.poll(app.twilio, store, now, cid),
            count_then_commit,
        )
        if result is None:
            return
        log.info(
            "Twilio alert feed: %d alert(s), %d command(s) queued, %d counted, %d ignored "
            "(past due: %s)",
            result.alerts,
            len(result.commands),
            len(result.observed),
            result.ignored,
            timer.past_due,
        )
        _ran(
            TimerOutcome.OK,
            f"{result.alerts} alert(s), {len(result.commands)} command(s) queued, "
            f"{len(result.observed)} counted",
        )
