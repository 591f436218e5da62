"""Waiting in tests: poll for the state a test asserts, never sleep and hope.

A test that waits on an intermediate signal and then asserts a later state is flaky by
construction; wait on the state itself (`wait_until(settled, …)` before asserting settled).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    interval: float = 0.05,
) -> T:
    """Call `condition` every `interval` seconds until it returns a truthy value, and return
    that value; after `timeout` seconds fail the test, naming `what` was awaited and the
    last value `condition` returned."""
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what} (last seen: {value!r})")
        time.sleep(min(interval, remaining))
