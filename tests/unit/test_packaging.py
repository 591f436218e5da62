"""The Functions deployment (requirements.txt) installs what the package declares."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO_ROOT


def test_requirements_txt_matches_pyproject_dependencies() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    declared = set(pyproject["project"]["dependencies"])
    lines = (REPO_ROOT / "requirements.txt").read_text().splitlines()
    pinned = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert pinned == declared


def test_console_script_points_at_the_cli() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["byoc-sync"] == "cli.main:app"
