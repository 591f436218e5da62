"""Journaling what an operator does from the command line, as the worker journals commands.

An operator's `apply`, `numbers buy` / `release` and `health move` / `release` change the
estate (or what the health engine will do) without a queued command, so each is journaled
as a command of its own with trigger `operator`: running, each change as it is made, then
succeeded or failed with the reason. Like every journal write, none of this can stop the
operator's command (the writer swallows and counts its failures).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.domain.journal import (
    ChangeRecord,
    CommandOrigin,
    CommandStatus,
    Trigger,
    command_entry,
)
from shared.handlers import ChangeLog, failure_reason
from shared.observability import current_correlation_id, new_correlation_id
from shared.ports import JournalWriter
from shared.reconcile.apply import Outcome


@dataclass
class OperatorRun:
    """One operator command being journaled: `changes` records what it changed, `steps`
    and `failed` say how it ended when it ends without raising."""

    changes: ChangeLog
    steps: list[str] = field(default_factory=list)
    failed: str | None = None

    def progress(self, also: Callable[[Outcome], None] | None = None) -> Callable[[Outcome], None]:
        """An apply progress callback that journals each change made (and calls `also`)."""

        def relay(outcome: Outcome) -> None:
            self.changes.outcome(outcome)
            if also is not None:
                also(outcome)

        return relay

    def record(self, change: ChangeRecord) -> None:
        self.changes.record(change)


def number_change(phone_number: str, done: str, route: str | None) -> ChangeRecord:
    """A number bought or released on Twilio by an operator."""
    before = "not on the account" if done == "bought" else "on the account"
    why = f"operator purchase for route {route!r}" if route else f"operator {done[:-1]}"
    return ChangeRecord(
        subject=f"Twilio number {phone_number}",
        before=before,
        after=done,
        reason=why,
        phone_numbers=(phone_number,),
    )


@contextmanager
def operator_run(
    journal: JournalWriter,
    command_type: str,
    *,
    phone_numbers: Sequence[str] = (),
    trunk_group: str | None = None,
) -> Iterator[OperatorRun]:
    origin = CommandOrigin(
        command_id=f"op-{uuid.uuid4().hex}",
        command_type=command_type,
        correlation_id=current_correlation_id() or new_correlation_id(),
        trigger=Trigger.OPERATOR,
    )

    def journaled(status: CommandStatus, reason: str = "", steps: Sequence[str] = ()) -> None:
        entry = command_entry(
            origin,
            status,
            datetime.now(UTC),
            phone_numbers=phone_numbers,
            trunk_group=trunk_group,
            reason=reason,
            steps=steps,
        )
        journal.append(entry)

    journaled(CommandStatus.RUNNING)
    run = OperatorRun(ChangeLog(journal, origin))
    try:
        yield run
    except Exception as error:
        journaled(CommandStatus.FAILED, failure_reason(error), run.steps or run.changes.made)
        raise
    if run.failed is not None:
        journaled(CommandStatus.FAILED, run.failed, run.steps)
    else:
        journaled(CommandStatus.SUCCEEDED, steps=run.steps)
