"""Shared test fixtures: paths to the repo and to the vendor specs beside it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sandbox.azure.azurite import Azurite

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_POLICY = REPO_ROOT / "examples" / "policy.yaml"


# Every log record of the run, in every process (pytest-xdist workers included), passes the
# secret watch; a secret in any of them fails the run once all tests have finished. The
# `telemetry` fixture captures spans and metrics in memory.
pytest_plugins = [
    "tests.support.secret_watch",
    "tests.support.leftovers",
    "tests.support.telemetry",
]

# Tests that share one process under `pytest -n`: the contract suite, whose route-coverage
# check (tests/contract/test_route_coverage.py, collected last) judges what the other contract
# tests exercised in its process.
ONE_WORKER = ("tests/contract/",)
# readline (loaded in pytest's process) exports these at C level: invisible in os.environ, yet
# inherited by every child process, pytest-xdist's workers included, where rich would then
# fix its consoles at 80 columns.
TERMINAL_SIZE = ("COLUMNS", "LINES")
# Telemetry in a test run goes to the in-memory exporters of tests/support/telemetry.py only:
# never to an Application Insights the shell happens to name, nor to the console.
TELEMETRY_EXPORTS = ("APPLICATIONINSIGHTS_CONNECTION_STRING", "BYOC_TELEMETRY_CONSOLE")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Controller side (pytest-xdist): hand each worker the terminal size pytest itself sees."""
    node.workerinput["terminal_size"] = {name: os.environ.get(name) for name in TERMINAL_SIZE}


def pytest_configure(config: pytest.Config) -> None:
    """A worker's environment matches the controller's, so tests see what they see without -n."""
    for name in TELEMETRY_EXPORTS:
        os.environ.pop(name, None)
    workerinput = getattr(config, "workerinput", None)
    for name, value in (workerinput or {}).get("terminal_size", {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `pytest -n`: load balancing, test by test, except that each ONE_WORKER directory
    is one unit of work, run by one worker in collection order. (`--dist loadgroup` with
    `xdist_group` marks would say the same, but with pytest 9.2 it silently stopped grouping:
    pytest-xdist issue #1386.) An explicit other `--dist` is left to pytest-xdist."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduler(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return next((group for group in ONE_WORKER if nodeid.startswith(group)), nodeid)

    return Scheduler(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """xdist workers start the `slow` tests first (the scheduler hands out tests in collection
    order), so that no long test starts last."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _no_byoc_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own settings; an operator's real credentials must never leak in."""
    from shared.settings import Settings

    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


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
