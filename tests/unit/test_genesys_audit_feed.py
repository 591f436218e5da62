"""Genesys' audit feed: each hand edit reconciled once, for the numbers it touched, however
late Genesys indexes its audit, and byoc-sync's own writes never fed back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain.commands import AnyCommand, EvaluateTrunkGroup, ReconcileNumbers
from shared.domain.model import AuditedChange, GenesysAudit
from shared.events.genesys_audit_feed import REALTIME_HORIZON, commit, poll
from tests.support.memory_store import MemoryStore

T0 = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
LAG = timedelta(seconds=120)
OURS = "byoc-sync-client"


class AuditLog:
    """The audits of an org, each answered only from `indexed` on (late indexing)."""

    def __init__(self) -> None:
        self.entries: list[tuple[GenesysAudit, datetime]] = []
        self.now = T0
        self.windows: list[tuple[str, datetime, datetime]] = []

    def edit_dnis(
        self,
        at: datetime,
        old: list[str],
        new: list[str],
        *,
        client: str = "admin-ui",
        indexed_after: timedelta = timedelta(0),
        entity_type: str = "IVR",
    ) -> None:
        audit = GenesysAudit(
            id=f"audit-{len(self.entries)}",
            event_date=at,
            entity_type=entity_type,
            entity_id="ivr-1",
            entity_name="Main IVR",
            action="Update",
            client_id=client,
            property_changes=(AuditedChange(name="dnis", old_values=old, new_values=new),),
        )
        self.entries.append((audit, at + indexed_after))

    def audits(self, entity_type: str, start: datetime, end: datetime) -> list[GenesysAudit]:
        self.windows.append((entity_type, start, end))
        return [
            a
            for a, indexed in self.entries
            if a.entity_type == entity_type and indexed <= self.now and start <= a.event_date < end
        ]


def polled(log: AuditLog, store: MemoryStore, at: datetime) -> list[AnyCommand]:
    log.now = at
    result = poll(log, store, at, "cid", lag=LAG, own_client_id=OURS)  # type: ignore[arg-type]
    if result is None:
        return []
    commit(store, result)
    return [e.command for e in result.commands]


def numbers(commands: list[AnyCommand]) -> list[tuple[str, ...]]:
    return [c.phone_numbers for c in commands if isinstance(c, ReconcileNumbers)]


def test_the_first_poll_starts_the_feed_and_queues_nothing() -> None:
    log, store = AuditLog(), MemoryStore()
    log.edit_dnis(T0 - timedelta(seconds=5), ["+12025550100"], [])
    assert polled(log, store, T0) == []
    assert log.windows == []


def test_an_edit_is_reconciled_once_for_the_numbers_added_and_removed() -> None:
    log, store = AuditLog(), MemoryStore()
    polled(log, store, T0)
    log.edit_dnis(T0 + timedelta(seconds=10), ["+12025550100", "+12025550101"], ["+12025550100"])
    assert numbers(polled(log, store, T0 + timedelta(seconds=60))) == [("+12025550101",)]
    assert polled(log, store, T0 + timedelta(seconds=120)) == []  # seen in the look-back


def test_an_audit_indexed_after_a_poll_passed_its_date_is_still_reconciled() -> None:
    log, store = AuditLog(), MemoryStore()
    polled(log, store, T0)
    log.edit_dnis(
        T0 + timedelta(seconds=50), [], ["+12025550109"], indexed_after=timedelta(seconds=30)
    )
    assert polled(log, store, T0 + timedelta(seconds=60)) == []  # not indexed yet
    assert numbers(polled(log, store, T0 + timedelta(seconds=120))) == [("+12025550109",)]
    assert polled(log, store, T0 + timedelta(seconds=180)) == []


def test_byoc_syncs_own_writes_queue_nothing() -> None:
    log, store = AuditLog(), MemoryStore()
    polled(log, store, T0)
    log.edit_dnis(T0 + timedelta(seconds=5), [], ["+12025550100"], client=OURS)
    assert polled(log, store, T0 + timedelta(seconds=60)) == []


def test_edits_of_one_poll_are_one_reconcile_of_their_numbers() -> None:
    log, store = AuditLog(), MemoryStore()
    polled(log, store, T0)
    log.edit_dnis(T0 + timedelta(seconds=5), [], ["+12025550100"])
    log.edit_dnis(T0 + timedelta(seconds=6), ["+12025550101"], [])
    assert numbers(polled(log, store, T0 + timedelta(seconds=60))) == [
        ("+12025550100", "+12025550101")
    ]


def test_every_entity_type_is_read_over_the_window_with_its_look_back() -> None:
    log, store = AuditLog(), MemoryStore()
    polled(log, store, T0)
    polled(log, store, T0 + timedelta(seconds=60))
    assert log.windows == [
        (kind, T0 - LAG, T0 + timedelta(seconds=60)) for kind in ("IVR", "DIDPool", "DID")
    ]


def test_a_restart_repeats_the_window_rather_than_skip_it() -> None:
    log, store = AuditLog(), MemoryStore()
    polled(log, store, T0)
    log.edit_dnis(T0 + timedelta(seconds=5), [], ["+12025550100"])
    log.now = T0 + timedelta(seconds=60)
    # Polled, but the worker died before the commands were queued: no commit.
    crashed = poll(log, store, log.now, "cid", lag=LAG, own_client_id=OURS)  # type: ignore[arg-type]
    assert crashed is not None and crashed.commands
    assert numbers(polled(log, store, T0 + timedelta(seconds=70))) == [("+12025550100",)]


def test_a_feed_stopped_beyond_the_query_horizon_reconciles_every_number() -> None:
    log, store = AuditLog(), MemoryStore()
    polled(log, store, T0)
    (command,) = polled(log, store, T0 + REALTIME_HORIZON)
    assert isinstance(command, ReconcileNumbers) and command.every_number
    assert polled(log, store, T0 + REALTIME_HORIZON + timedelta(seconds=60)) == []


def test_a_did_pool_edit_reconciles_that_pool() -> None:
    log, store = AuditLog(), MemoryStore()
    polled(log, store, T0)
    log.edit_dnis(T0 + timedelta(seconds=5), [], [], entity_type="DIDPool")
    (command,) = polled(log, store, T0 + timedelta(seconds=60))
    assert isinstance(command, ReconcileNumbers) and command.genesys_did_pool_id == "ivr-1"
    assert not isinstance(command, EvaluateTrunkGroup)
