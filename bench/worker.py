"""A worker process as the benchmarks run it: the product's command handlers
(`shared.handlers.execute`) over the sandbox's adapters, with the state table in memory.

Benchmarks that follow a change through a feed, drain a burst of events or let the health
engine fail a group over run each command exactly as the Service Bus worker does — the
same handler, the same priority for the Genesys budget, one number-scoped reader per
process — so what they count is what Azure would pay. Only the queue and the state table
are left out: the queue has no vendor calls, and the table is not what is measured.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.azure.memory_journal import MemoryJournal
from shared.domain.commands import AnyCommand, CommandEnvelope, envelope
from shared.domain.model import Snapshot
from shared.domain.policy import RoutingPolicy
from shared.handlers import CommandResult, execute
from shared.ports import (
    GenesysPort,
    ProbeOutcome,
    SipProbe,
    StateConflictError,
    StateStore,
    StoredState,
    TwilioPort,
)
from shared.reconcile.scoped import ScopedReader


class MemoryStateStore:
    """The state table's ETag rule, in memory: a save names the ETag it read, or fails."""

    def __init__(self) -> None:
        self._rows: dict[str, StoredState] = {}
        self._version = 0
        self._lock = threading.Lock()

    def load(self, key: str) -> StoredState | None:
        with self._lock:
            return self._rows.get(key)

    def save(self, key: str, data: Mapping[str, Any], etag: str | None) -> str:
        with self._lock:
            current = self._rows.get(key)
            if (current.etag if current else None) != etag:
                raise StateConflictError(f"{key}: changed")
            self._version += 1
            self._rows[key] = StoredState(dict(data), str(self._version))
            return str(self._version)


def no_probe(*_: object) -> ProbeOutcome | None:
    """Benchmarks have no SIP endpoints: health comes from Genesys' trunk states alone."""
    return None


@dataclass
class BenchWorker:
    """What `shared.ports.ServiceContext` gives a handler, for one benchmark process."""

    twilio: TwilioPort
    genesys: GenesysPort
    routing: RoutingPolicy
    probe: SipProbe = no_probe
    published: list[CommandEnvelope] = field(default_factory=list)
    journal: MemoryJournal = field(default_factory=MemoryJournal)
    _stores: dict[str, MemoryStateStore] = field(default_factory=dict)
    _reader: ScopedReader | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def policy(self, path: Path | None = None) -> RoutingPolicy:
        return self.routing

    def scoped_read(self, numbers: Collection[str]) -> Snapshot:
        with self._lock:
            if self._reader is None:
                self._reader = ScopedReader(self.twilio, self.genesys)
            reader = self._reader
        return reader.read(numbers)

    def state_store(self, partition: str) -> StateStore:
        with self._lock:
            return self._stores.setdefault(partition, MemoryStateStore())

    def publish(self, envelopes: Sequence[CommandEnvelope]) -> None:
        self.published.extend(envelopes)

    def run(self, queued: CommandEnvelope) -> CommandResult:
        """One delivery of a queued command, as the Service Bus worker runs it."""
        return execute(queued, self)

    def run_command(self, command: AnyCommand) -> CommandResult:
        return self.run(envelope(command, correlation_id="bench"))
