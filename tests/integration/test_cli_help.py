"""Every command's `--help`, as an operator reads it at 80 columns (issue #17).

Typer's own rendering printed `<bool>` after flags as if they took a value, named arguments
in whatever case their Python names had (`{number}` beside `{GROUP}`) and broke the later
paragraphs of a docstring where the source wraps them; `cli/typer_app.py` builds every
command so that it does not, and these tests read the help of each one, those added later
included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.main import app
from shared.audit.rules import RULES

runner = CliRunner()


def _paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _paths(sub, (*path, name))


PATHS = list(_paths(typer.main.get_command(app)))


def help_of(*path: str, columns: int = 80) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_command_is_read() -> None:
    assert {"numbers show", "health move", "sandbox env", "docs check"} <= {
        " ".join(p) for p in PATHS
    }


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "byoc-sync")
def test_flags_take_no_value_and_arguments_are_in_capitals(path: tuple[str, ...]) -> None:
    shown = help_of(*path)
    assert "<bool>" not in shown
    usage = next(line for line in shown.splitlines() if "Usage:" in line)
    placeholders = re.findall(r"[{\[]([^\]}]+)[}\]]", usage.split("[OPTIONS]", 1)[-1])
    assert all(p.isupper() or p == "ARGS" for p in placeholders), usage
    assert all(len(line) <= 80 for line in shown.splitlines())


def test_a_flag_still_reads_as_a_flag_and_an_option_shows_its_value() -> None:
    shown = help_of("apply")
    assert re.search(r"│ --yes +-y +Do not ask for confirmation\.", shown)
    assert re.search(r"│ --policy +<path> +Routing policy file", shown)
    assert "Usage: byoc-sync apply [OPTIONS] [PLAN_FILE]" in shown
    assert "Usage: byoc-sync health move [OPTIONS] {GROUP} {MEMBER}" in help_of("health", "move")


def test_help_paragraphs_wrap_at_the_terminal_not_where_the_source_does() -> None:
    lines = help_of("health", "move").splitlines()
    # A paragraph of the docstring, wrapped at 92 columns in the source: every line but its
    # last is filled to the terminal's width, none broken after a word or two.
    start = next(n for n, line in enumerate(lines) if "The next health evaluation" in line)
    end = next(n for n in range(start, len(lines)) if not lines[n].strip())
    assert end - start >= 3
    assert all(len(line.rstrip()) > 70 for line in lines[start : end - 1]), lines[start:end]
    # An example (indented lines) keeps its lines.
    example = [line.rstrip() for line in help_of("sandbox", "env").splitlines()]
    assert "   byoc-sync sandbox serve > sandbox.json &" in example


def test_audit_help_lists_every_rule_and_cites_no_guide() -> None:
    shown = " ".join(help_of("audit", columns=200).split())
    for rule in RULES:
        assert f"{rule.id}: {rule.title}" in shown
    rehearse = help_of("rehearse", columns=200)
    root = help_of(columns=200)
    for text in (shown, rehearse, root):
        assert "guide" not in text.lower()
