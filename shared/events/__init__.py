"""Vendor events → commands: pure functions, no I/O, so every mapping is unit-testable."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.commands import AnyCommand


@dataclass(frozen=True)
class MappedCommand:
    """A command plus the key that makes its id deterministic (the same event → one message)."""

    command: AnyCommand
    idempotency_key: str


@dataclass(frozen=True)
class EventMapping:
    commands: tuple[MappedCommand, ...]
    ignored: tuple[str, ...] = ()  # why each event that caused nothing was let go
