"""Shared test fixtures: paths to the repo and to the vendor specs beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_POLICY = REPO_ROOT / "examples" / "policy.yaml"


@pytest.fixture(autouse=True)
def _no_byoc_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own settings; an operator's real credentials must never leak in."""
    from shared.settings import Settings, get_settings

    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    get_settings.cache_clear()
