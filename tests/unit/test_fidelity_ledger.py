"""docs/fidelity.md stays a ledger: every row has a source, a known confidence and tests
that exist, and every assumed row says how to settle it on a real account."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ROOT / "docs" / "fidelity.md"
CONFIDENCE = {"documented", "seen by practitioners", "assumed"}
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?(?:\[[^\]]*\])?`")


def rows() -> list[list[str]]:
    found = []
    for line in LEDGER.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith(("| behaviour", "| ---", "| **")):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        found.append(cells)
    return found


@cache
def defined_tests(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {
        node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }


def test_the_ledger_has_rows() -> None:
    assert len(rows()) > 150


@pytest.mark.parametrize("row", rows(), ids=lambda row: row[0][:60])
def test_each_row_is_complete_and_pinned_by_tests_that_exist(row: list[str]) -> None:
    assert len(row) == 4, f"a row has 4 cells: {row[0][:80]}"
    behaviour, source, confidence, pinned = row
    assert behaviour and source
    assert confidence in CONFIDENCE, confidence
    if confidence == "assumed":
        assert "settle" in behaviour.lower(), f"an assumed row says how to settle it: {behaviour}"
    refs = TEST_REF.findall(pinned)
    assert refs, f"no test pins: {behaviour[:80]}"
    for path, name in refs:
        assert (ROOT / path).is_file(), path
        if name:
            assert name in defined_tests(path), f"{path}::{name} does not exist"
