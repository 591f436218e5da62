"""Each timer records its last run for the status page, and recording never fails a timer."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from azure.functions.timer import TimerRequest

from shared.domain.commands import CommandEnvelope
from shared.ports import StateStore, StateStoreError
from shared.status.timer_runs import (
    DETAIL_LIMIT,
    TIMER_LABELS,
    TIMERS_PARTITION,
    TimerOutcome,
    TimerRun,
    last_runs,
    one_line,
    record_run,
)
from tests.support.memory_store import MemoryStore
from tests.unit.test_function_app import function_named, indexed_functions

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


class BrokenStore(MemoryStore):
    def save(self, key: str, data: Mapping[str, Any], etag: str | None) -> str:
        raise StateStoreError("the state table is unreachable")


class FakeApp:
    """What a timer asks of the composition root: the policy's timer switches, the queue
    and the state table."""

    def __init__(self, *, reconcile: bool = True, store: StateStore | None = None) -> None:
        self.switches = SimpleNamespace(reconcile=reconcile)
        self.store = store or MemoryStore()
        self.partitions: list[str] = []
        self.published: list[CommandEnvelope] = []
        self.publish_error: Exception | None = None

    def policy(self) -> Any:
        return SimpleNamespace(timers=self.switches)

    def publish(self, envelopes: Sequence[CommandEnvelope]) -> None:
        if self.publish_error is not None:
            raise self.publish_error
        self.published.extend(envelopes)

    def state_store(self, partition: str) -> StateStore:
        self.partitions.append(partition)
        return self.store


@pytest.fixture
def fake_app(monkeypatch: pytest.MonkeyPatch) -> FakeApp:
    app = FakeApp()
    monkeypatch.setattr("functions.timers.bootstrap.app", lambda: app)
    return app


def fire_reconcile_timer() -> None:
    function_named("reconcile_timer")(timer=TimerRequest(past_due=False))


def recorded(app: FakeApp) -> TimerRun | None:
    assert isinstance(app.store, MemoryStore)
    return last_runs(app.store)["reconcile_timer"]


def test_the_page_knows_every_timer_function_the_app_registers() -> None:
    timers = {
        name
        for name, function in indexed_functions().items()
        if function.get_trigger().type == "timerTrigger"
    }
    assert set(TIMER_LABELS) == timers


def test_every_timer_function_records_its_last_run() -> None:
    for name in TIMER_LABELS:
        user_function = function_named(name)
        assert getattr(user_function, "__wrapped__", None) is not None, f"{name} is not @_recorded"


def test_a_timer_that_did_its_work_records_ok_with_what_it_did(fake_app: FakeApp) -> None:
    before = datetime.now(UTC)
    fire_reconcile_timer()
    run = recorded(fake_app)
    assert run is not None and run.outcome is TimerOutcome.OK
    (queued,) = fake_app.published
    assert run.detail == f"reconcile queued as {queued.command_id}"
    assert before <= run.started_at <= run.finished_at <= datetime.now(UTC)
    assert fake_app.partitions == [TIMERS_PARTITION]


def test_a_timer_the_policy_paused_records_skipped(fake_app: FakeApp) -> None:
    fake_app.switches.reconcile = False
    fire_reconcile_timer()
    run = recorded(fake_app)
    assert run is not None and run.outcome is TimerOutcome.SKIPPED
    assert run.detail == "the policy's timers.reconcile is false"
    assert fake_app.published == []


def test_a_timer_that_fails_records_why_and_still_fails(fake_app: FakeApp) -> None:
    fake_app.publish_error = RuntimeError("queue\nunreachable")
    with pytest.raises(RuntimeError, match="unreachable"):
        fire_reconcile_timer()
    run = recorded(fake_app)
    assert run is not None and run.outcome is TimerOutcome.FAILED
    assert run.detail == "RuntimeError: queue unreachable"


def test_a_record_that_cannot_be_saved_never_fails_the_timer(
    fake_app: FakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    fake_app.store = BrokenStore()
    with caplog.at_level(logging.WARNING, logger="functions.timers"):
        fire_reconcile_timer()
    assert len(fake_app.published) == 1
    assert "could not record its last run: the state table is unreachable" in caplog.text


def test_each_run_replaces_the_last_and_a_bad_record_reads_as_none() -> None:
    store = MemoryStore()
    for outcome in (TimerOutcome.FAILED, TimerOutcome.OK):
        record_run(
            store,
            TimerRun(
                timer="audit_timer", started_at=T0, finished_at=T0, outcome=outcome, detail="x"
            ),
        )
    store.rows["health_check_timer"] = store.rows["audit_timer"].__class__({"nonsense": 1}, "9")
    runs = last_runs(store)
    assert set(runs) == set(TIMER_LABELS)
    audit = runs["audit_timer"]
    assert audit is not None and audit.outcome is TimerOutcome.OK
    assert runs["health_check_timer"] is None and runs["reconcile_timer"] is None


def test_a_detail_is_one_line_of_bounded_length() -> None:
    assert one_line("a\n  b\tc") == "a b c"
    long = one_line("word " * 200)
    assert len(long) == DETAIL_LIMIT and long.endswith("…")
