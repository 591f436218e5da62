"""The Layout block of docs/architecture.md matches the tree: every package and core module
is named, and everything it names exists (a moved module cannot leave the map behind)."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT

MAP = "docs/architecture.md Layout"
ENTRY = re.compile(r"(?<![\w/.-])([\w.-]+(?:/|\.py))")


def _layout_block() -> list[str]:
    doc = (REPO_ROOT / "docs" / "architecture.md").read_text()
    section = doc.split("## Layout\n", 1)[1]
    block = section.split("```\n", 2)[1]
    return block.splitlines()


def _named(lines: list[str], parent: str) -> set[str]:
    """Names on the lines indented under `parent/` (or on the top level for "")."""
    names: set[str] = set()
    inside = parent == ""
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if parent and indent == 0:
            inside = line.startswith(f"{parent}/")
            continue
        if inside and (indent == 2 if parent else indent == 0):
            names.update(m.rstrip("/") for m in ENTRY.findall(line.split("  ")[1 if parent else 0]))
    return names


def test_every_package_of_the_product_and_the_sandbox_is_on_the_map() -> None:
    lines = _layout_block()
    for parent in ("shared", "sandbox"):
        root = REPO_ROOT / parent
        packages = {p.parent.name for p in root.glob("*/__init__.py")}
        modules = {p.stem for p in root.glob("*.py") if p.name != "__init__.py"}
        named = {name.removesuffix(".py") for name in _named(lines, parent)}
        missing = packages - named
        if parent == "shared":
            missing |= modules - named
        assert not missing, f"{MAP} does not name {parent}/: {sorted(missing)}"


def test_everything_the_map_names_exists() -> None:
    lines = _layout_block()
    top = _named(lines, "")
    for name in top:
        assert (REPO_ROOT / name).exists(), f"{MAP} names {name}, which does not exist"
    for parent in ("shared", "sandbox"):
        for name in _named(lines, parent):
            assert (REPO_ROOT / parent / name).exists(), f"{MAP} names {parent}/{name}"
