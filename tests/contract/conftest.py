"""What every contract test asks of an emulator, whichever vendor it plays.

- It never answers 5xx unless a fault was injected (bad input is the vendor's 4xx).
- Every route it serves is exercised successfully through the official SDK somewhere in
  the contract suite: `close_contract_emulator` records the endpoints that answered 2xx,
  and tests/contract/test_route_coverage.py compares them with the emulators' routers.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from sandbox.emulators.core import Emulator

ROUTES_EXERCISED: dict[str, set[str]] = defaultdict(set)
FULL_RUN = pytest.StashKey[bool]()
COVERAGE_TEST = "test_route_coverage.py"


def close_contract_emulator(emulator: Emulator) -> None:
    """Stop-time checks of a contract-test emulator (call from its fixture's teardown)."""
    entries = emulator.log.entries()
    ROUTES_EXERCISED[emulator.name].update(e.endpoint for e in entries if 200 <= e.status < 300)
    bugs = [e for e in entries if e.status >= 500 and e.fault is None]
    assert not bugs, f"{emulator.name} answered 5xx without an injected fault: {bugs}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the coverage check last, and only judge coverage when nothing was filtered out."""
    items.sort(key=lambda item: item.path.name == COVERAGE_TEST)
    narrowed = any(
        (config.getoption("keyword"), config.getoption("markexpr"), config.getoption("deselect"))
    ) or any("::" in str(arg) for arg in config.args)
    config.stash[FULL_RUN] = not narrowed
