"""Checking that the command line's tables fit a console width (issue #17: tables that fit).

rich takes its width from `COLUMNS`, or, when no standard stream is a terminal (a pipe, a
redirect, a CI log), falls back to 80 columns. `console_width` sets up one of three cases
for a test: COLUMNS=80, COLUMNS=120, or piped (COLUMNS unset, no terminal).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import pytest
from rich.cells import cell_len

# case -> the width rich must render at
WIDTHS = {"80": 80, "120": 120, "piped": 80}


def console_width(case: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Make the CLI's consoles see the `case` of WIDTHS, and return its width. Tests set
    COLUMNS themselves: pytest-xdist workers inherit the controller's (tests/conftest.py)."""
    if case == "piped":
        monkeypatch.delenv("COLUMNS", raising=False)

        def not_a_terminal(fd: int = 1) -> os.terminal_size:
            raise OSError(f"fd {fd} is not a terminal")  # what a pipe answers

        # Not a sleep or a fake vendor: only the question rich asks of stdin/stdout/stderr,
        # answered as a pipe answers it, even when pytest runs in a terminal with -s.
        monkeypatch.setattr(os, "get_terminal_size", not_a_terminal)
    else:
        monkeypatch.setenv("COLUMNS", case)
    return WIDTHS[case]


def assert_fits(output: str, width: int, names: Iterable[str]) -> None:
    """No line of `output` is wider than `width`, rich cut nothing with an ellipsis, and each
    of `names` stands whole on one line."""
    __tracebackhide__ = True
    lines = output.splitlines()
    assert lines, "no output"
    too_wide = [line for line in lines if cell_len(line) > width]
    assert not too_wide, f"wider than {width} columns:\n" + "\n".join(too_wide)
    cut = [line for line in lines if "…" in line]
    assert not cut, "cut with an ellipsis:\n" + "\n".join(cut)
    split = sorted({name for name in names if not any(name in line for line in lines)})
    assert not split, f"not whole on one line: {split}\n{output}"


def column_text(output: str, index: int) -> str:
    """The text of column `index` (from 0) of a boxed table in `output`, with no whitespace
    at all: what `squeezed` prose must be found in when nothing of it was cut, however its
    cell wrapped it at spaces or folded a word too long for the column."""
    pieces = []
    for line in output.splitlines():
        if line.startswith("│"):
            cells = line.split("│")
            if len(cells) > index + 2:
                pieces.append(cells[index + 1])
    return squeezed("".join(pieces))


def squeezed(text: str) -> str:
    """`text` without whitespace, to compare prose however it was wrapped."""
    return "".join(text.split())


def flat(text: str) -> str:
    """`text` with every run of whitespace one space: prose as it reads, wrapped at spaces."""
    return " ".join(text.split())
