"""`apply`'s progress bar counts changes, as the plan lists them (issue #17: it counted the
numbers each change touches, and said "3/3 numbers" for one number's three changes).
`tests/integration/test_cli.py` watches it through `byoc-sync apply`; here, the changes
whose numbers arrive in several outcomes: IVR batches of 500, a number skipped on its own."""

from __future__ import annotations

import io
import re

from rich.console import Console

from cli.runtime import apply_progress
from shared.reconcile.apply import Outcome, Status
from shared.reconcile.changes import AddDnis, CreateDidPool

NUMBERS = tuple(f"+1202555{n:04d}" for n in range(1200))


def shown(console: Console) -> list[str]:
    """Every count the bar showed, in order (its frames, escape codes removed)."""
    assert isinstance(console.file, io.StringIO)
    return re.findall(r"\d+/\d+ changes", console.file.getvalue())


def terminal() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, force_interactive=True, width=100)


def test_a_batched_change_counts_once_its_last_batch_is_in() -> None:
    pool = CreateDidPool(phone_number=NUMBERS[0], provider="PURE_CLOUD", reason="r")
    add = AddDnis(ivr_id="ivr-1", ivr_name="Main IVR", numbers=NUMBERS, reason="r")
    console = terminal()
    with apply_progress([pool, add], enabled=True, console=console) as progress:
        progress(Outcome(pool, Status.DONE, numbers=(pool.phone_number,)))
        progress(Outcome(add, Status.SKIPPED, "its pool failed", numbers=NUMBERS[:1]))
        progress(Outcome(add, Status.DONE, numbers=NUMBERS[1:501]))
        progress(Outcome(add, Status.FAILED, "503", numbers=NUMBERS[501:1001]))
        progress(Outcome(add, Status.DONE, numbers=NUMBERS[1001:]))
    assert shown(console)[-1] == "2/2 changes"
    assert all(int(count.split("/")[0]) <= 2 for count in shown(console))


def test_no_bar_when_disabled_or_nothing_to_apply() -> None:
    pool = CreateDidPool(phone_number=NUMBERS[0], provider="PURE_CLOUD", reason="r")
    for changes, enabled in (([pool], False), ([], True)):
        console = terminal()
        with apply_progress(changes, enabled=enabled, console=console) as progress:
            if changes:
                progress(Outcome(pool, Status.DONE, numbers=(pool.phone_number,)))
        assert shown(console) == []
