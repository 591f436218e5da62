"""Whose vendor calls go first when the Genesys budget is short.

Failover shares the org's rate limit with everything else. A scheduled full reconcile of a
large estate can use a minute's budget by itself, and a failover queued behind it would wait
that minute with traffic on a dead trunk. The work under way therefore carries a priority
(a context variable, so it follows the work into the threads it starts), and the budget
holds back a share that bulk work never takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import IntEnum


class Priority(IntEnum):
    FAILOVER = 0  # trunk-group evaluations and their actions
    REQUEST = 1  # purchases, releases, a reconcile of named numbers, operator commands
    BULK = 2  # a reconcile of every number


current_priority: ContextVar[Priority] = ContextVar("byoc_priority", default=Priority.REQUEST)


@contextmanager
def working_as(priority: Priority) -> Iterator[None]:
    token = current_priority.set(priority)
    try:
        yield
    finally:
        current_priority.reset(token)
