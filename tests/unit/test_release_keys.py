"""Which Idempotency-Key released which number: the record a retried DELETE is checked by."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.numbers.releases import ReleaseKeys
from shared.ports import StateStoreError
from tests.support.memory_store import MemoryStore

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NUMBER = "+12025550101"


def Store(interleave: int = 0) -> MemoryStore:
    return MemoryStore(interleave, lambda key: {"key": "someone-else", "at": NOW.isoformat()})


def test_the_key_of_the_latest_keyed_release_is_the_one_recognised() -> None:
    keys = ReleaseKeys(Store())
    assert not keys.released_with(NUMBER, "order-7")
    keys.record(NUMBER, "order-7", NOW)
    keys.record(NUMBER, "order-7", NOW)  # the retry while the number is still there
    assert keys.released_with(NUMBER, "order-7")
    assert not keys.released_with(NUMBER, "order-8")
    assert not keys.released_with("+12025550102", "order-7")
    keys.record(NUMBER, "order-8", NOW)  # bought again and released by another request
    assert keys.released_with(NUMBER, "order-8") and not keys.released_with(NUMBER, "order-7")


def test_a_release_recorded_in_between_is_read_again_and_the_latest_writer_wins() -> None:
    keys = ReleaseKeys(Store(interleave=2))
    keys.record(NUMBER, "order-7", NOW)
    assert keys.released_with(NUMBER, "order-7")


def test_a_record_that_keeps_changing_is_a_state_store_error_not_a_silent_loss() -> None:
    with pytest.raises(StateStoreError, match="kept changing"):
        ReleaseKeys(Store(interleave=3)).record(NUMBER, "order-7", NOW)
