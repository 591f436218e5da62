"""What every contract test asks of an emulator, whichever vendor it plays.

- It never answers 5xx unless a fault was injected (bad input is the vendor's 4xx), whatever
  the method: one no route serves (TRACE, OPTIONS, made-up ones) is the vendor's 405 on a
  path it serves (`unserved_requests` lists them; each vendor's test_methods.py sends them).
- Every route it serves is exercised successfully through the official SDK somewhere in
  the contract suite: `close_contract_emulator` records the endpoints that answered 2xx,
  and tests/contract/test_route_coverage.py compares them with the emulators' routers.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from sandbox.emulators.core import Emulator

ROUTES_EXERCISED: dict[str, set[str]] = defaultdict(set)
FULL_RUN = pytest.StashKey[bool]()
COVERAGE_TEST = "test_route_coverage.py"
# Methods to try on every path an emulator serves: the standard ones it may not serve there,
# those no route of any vendor API here serves, and one nobody defines.
METHODS_TO_TRY = (
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "TRACE",
    "OPTIONS",
    "PROPFIND",
    "BREW",
)


def close_contract_emulator(emulator: Emulator) -> None:
    """Stop-time checks of a contract-test emulator (call from its fixture's teardown)."""
    entries = emulator.log.entries()
    ROUTES_EXERCISED[emulator.name].update(e.endpoint for e in entries if 200 <= e.status < 300)
    bugs = [e for e in entries if e.status >= 500 and e.fault is None]
    assert not bugs, f"{emulator.name} answered 5xx without an injected fault: {bugs}"


def unserved_requests(emulator: Emulator) -> list[tuple[str, str]]:
    """(method, path) for every path the emulator serves (path parameters filled with `x1`)
    and every method of METHODS_TO_TRY that no route serves on that path."""
    paths = sorted({re.sub(r"\{\w+\}", "x1", r.template) for r in emulator.router.routes})
    return [
        (method, path)
        for path in paths
        for method in METHODS_TO_TRY
        if emulator.router.match(method, path)[0] is None
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the coverage check last, and only judge coverage when nothing was filtered out."""
    items.sort(key=lambda item: item.path.name == COVERAGE_TEST)
    narrowed = any(
        (config.getoption("keyword"), config.getoption("markexpr"), config.getoption("deselect"))
    ) or any("::" in str(arg) for arg in config.args)
    config.stash[FULL_RUN] = not narrowed
