"""Read what the status page shows: the health state, the journal and the timers' last runs.

Nothing here calls a vendor: a page that refreshes every few seconds on a few screens must
not spend the Genesys request budget a failover needs, nor slow down as the estate grows.
It reads one state-table row per trunk group and per timer, a bounded query of the journal's
last day, and each group's last few switches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import ValidationError

from shared.domain.journal import JournalEntry
from shared.domain.policy import RoutingPolicy
from shared.health.decision import GroupHealth
from shared.health.evaluate import HEALTH_PARTITION
from shared.ports import JournalReader, StateStore, StateStoreError
from shared.status.timer_runs import TIMERS_PARTITION, TimerRun, last_runs
from shared.status.view import SWITCHES_PER_GROUP, StatusView, assemble

log = logging.getLogger(__name__)

# The journal window the page covers, and the most entries it reads from it: a day of a
# busy estate's commands, still one quick query (a few pages of the journal table).
WINDOW = timedelta(hours=24)
JOURNAL_LIMIT = 2000


def _health(store: StateStore, group: str) -> GroupHealth | None:
    stored = store.load(group)
    if stored is None:
        return None
    try:
        return GroupHealth.model_validate(stored.data)
    except ValidationError:
        log.warning("trunk group %s: its stored health state does not parse", group)
        return None


@dataclass(frozen=True)
class _JournalRead:
    entries: list[JournalEntry] = field(default_factory=list)
    switches: dict[str, list[JournalEntry]] = field(default_factory=dict)
    problem: str | None = None


def _journal(journal: JournalReader, since: datetime, groups: Sequence[str]) -> _JournalRead:
    """The window's entries and each group's last switches (from a partition of their own,
    however old), or none and why: the health state is worth showing alone."""
    try:
        return _JournalRead(
            entries=journal.recent(since, limit=JOURNAL_LIMIT),
            switches={group: journal.switches(group, SWITCHES_PER_GROUP) for group in groups},
        )
    except Exception as error:  # any reader failure: the page still shows the groups
        log.warning("status page: the journal could not be read: %s", error)
        return _JournalRead(problem=str(error) or type(error).__name__)


def _timer_runs(store: StateStore) -> dict[str, TimerRun | None]:
    try:
        return last_runs(store)
    except StateStoreError as error:
        log.warning("status page: the timers' last runs could not be read: %s", error)
        return {}


def read_status(
    *,
    policy: RoutingPolicy,
    state_store: Callable[[str], StateStore],
    journal: JournalReader,
    now: datetime,
) -> StatusView:
    since = now - WINDOW
    health_store = state_store(HEALTH_PARTITION)
    health = {group.name: _health(health_store, group.name) for group in policy.trunk_groups}
    read = _journal(journal, since, list(health))
    return assemble(
        now=now,
        since=since,
        groups=policy.trunk_groups,
        health=health,
        entries=read.entries,
        switches=read.switches,
        timer_runs=_timer_runs(state_store(TIMERS_PARTITION)),
        journal_problem=read.problem,
    )
