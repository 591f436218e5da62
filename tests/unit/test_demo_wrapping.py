"""The demo's echo of the host's log: long lines are wrapped to the terminal, never cut."""

from __future__ import annotations

import pytest

from sandbox.demo import _GUTTER, _gutter_lines


def shown(lines: list[str]) -> str:
    """What the lines say, spacing aside (a word longer than a line is split across two)."""
    return "".join("".join(line.removeprefix(_GUTTER) for line in lines).split())


REFUSAL = (
    "I byoc_sync.http: [cid=112d7f40…] GET http://127.0.0.1:36867/api/numbers/%2B12025550102 "
    "refused 404: +12025550102 is neither on the Twilio account nor in Genesys"
)


@pytest.mark.parametrize("width", [80, 100, 200])
def test_a_long_line_is_wrapped_to_the_width_with_its_reason_whole(width: int) -> None:
    lines = _gutter_lines(REFUSAL, width)
    assert all(len(line) <= width for line in lines)
    assert all(line.startswith(_GUTTER) for line in lines)
    assert all(line.startswith(_GUTTER + "  ") for line in lines[1:])  # continuations indented
    assert shown(lines) == "".join(REFUSAL.split())  # nothing cut, nothing added
    assert lines[-1].endswith("nor in Genesys")


def test_a_line_that_fits_is_one_line() -> None:
    assert _gutter_lines("I functions.worker: done", 80) == [_GUTTER + "I functions.worker: done"]


def test_a_very_narrow_terminal_still_gets_readable_lines() -> None:
    lines = _gutter_lines(REFUSAL, 10)
    assert all(len(line) <= 40 for line in lines)
    assert shown(lines) == "".join(REFUSAL.split())
