"""Shared test fixtures: paths to the repo and to the vendor specs beside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sandbox.azure.azurite import Azurite

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_POLICY = REPO_ROOT / "examples" / "policy.yaml"


def pytest_configure(config: pytest.Config) -> None:
    """Every log record of the run passes the secret watch (checked at the end of the run
    by tests/reliability/test_secrets.py); INFO is where SDKs log their requests."""
    import logging

    from tests.support.secret_watch import WATCH

    root = logging.getLogger()
    root.addHandler(WATCH)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `suite_end` run last: they judge what the whole run did."""
    items.sort(key=lambda item: item.get_closest_marker("suite_end") is not None)


@pytest.fixture(autouse=True)
def _no_byoc_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own settings; an operator's real credentials must never leak in."""
    from shared.settings import Settings, get_settings

    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """Azurite's Table service for the session (installed by `make test-deps`; a missing
    Azurite fails the tests that need it rather than skipping them)."""
    from sandbox.azure.azurite import Azurite, AzuriteNotInstalledError

    try:
        server = Azurite(tmp_path_factory.mktemp("azurite")).start()
    except AzuriteNotInstalledError as error:
        pytest.fail(str(error))
    yield server
    server.stop()
