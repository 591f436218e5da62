"""The reliability suite runs on the end-to-end harness: emulators, broker and local host."""

from __future__ import annotations

from tests.e2e.conftest import running

__all__ = ["running"]
