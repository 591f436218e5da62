"""The benchmark meter's critical path: calls that overlap ran side by side and count once."""

from __future__ import annotations

from bench.harness import sequential_round_trips, split_at
from sandbox.emulators.core.request_log import LoggedRequest


def call(seq: int, start: float, end: float, endpoint: str = "GET /x") -> LoggedRequest:
    method, _, path = endpoint.partition(" ")
    return LoggedRequest(
        seq=seq,
        timestamp=end,
        method=method,
        path=path,
        query="",
        endpoint=endpoint,
        status=200,
        duration_ms=(end - start) * 1000.0,
    )


def test_calls_one_after_another_each_count() -> None:
    assert sequential_round_trips([call(1, 0, 1), call(2, 1.1, 2), call(3, 2.1, 3)]) == 3


def test_calls_side_by_side_count_once() -> None:
    side_by_side = [call(1, 0, 1), call(2, 0.05, 1.05), call(3, 1.1, 2)]
    assert sequential_round_trips(side_by_side) == 2


def test_a_long_call_beside_a_chain_does_not_shorten_the_chain() -> None:
    chain = [call(1, 0, 1), call(2, 1.1, 2), call(3, 2.1, 3)]
    assert sequential_round_trips([call(9, 0, 3), *chain]) == 3
    assert sequential_round_trips([]) == 0


def test_split_at_parts_the_calls_sent_before_and_after_the_purchase_was_answered() -> None:
    purchase = call(2, 1, 2, "POST /buy")
    entries = [call(1, 0, 0.9), purchase, call(3, 2.1, 3), call(4, 1.5, 2.5)]
    before, after = split_at(entries, "POST /buy")
    assert ([e.seq for e in before], [e.seq for e in after]) == ([1, 2, 4], [3])
    assert split_at(entries, "POST /missing") == (entries, [])
