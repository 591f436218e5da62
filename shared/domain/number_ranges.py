"""Which DID pool holds a number, in O(log n): the lookup behind planning and the emulator.

Estates run to tens of thousands of DID pools; scanning every pool for every number made
planning (and the Genesys emulator's seeding and listing) quadratic. Genesys DID pools never
overlap, so ranges sorted by start answer both "which pool holds this number" and "does this
range overlap one" by bisection.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import Counter

# E.164 numbers of different lengths never compare as one range, so a key carries the length.
NumberKey = tuple[int, int]


def number_key(number: str) -> NumberKey:
    return (len(number), int(number[1:]))


class RangeIndex:
    """Non-overlapping [start, end] number ranges, each owned by an id."""

    def __init__(self) -> None:
        self._starts: list[NumberKey] = []
        self._ranges: dict[NumberKey, tuple[NumberKey, str]] = {}  # start -> (end, owner)
        self._by_owner: dict[str, NumberKey] = {}
        self._lengths: Counter[int] = Counter()  # number length -> ranges of that length

    def add(self, owner: str, start: str, end: str) -> None:
        key = number_key(start)
        insort(self._starts, key)
        self._ranges[key] = (number_key(end), owner)
        self._by_owner[owner] = key
        self._lengths[key[0]] += 1

    def remove(self, owner: str) -> None:
        key = self._by_owner.pop(owner, None)
        if key is None:
            return
        del self._ranges[key]
        self._starts.pop(bisect_right(self._starts, key) - 1)
        self._lengths[key[0]] -= 1

    def owner_of(self, number: str) -> str | None:
        key = number_key(number)
        position = bisect_right(self._starts, key)
        if position == 0:
            return None
        start = self._starts[position - 1]
        end, owner = self._ranges[start]
        return owner if start[0] == key[0] and key <= end else None

    def overlapping(self, start: str, end: str, exclude: str | None = None) -> str | None:
        """An owner whose range meets [start, end], other than `exclude`, if any."""
        low, high = number_key(start), number_key(end)
        position = bisect_right(self._starts, high)
        # Ranges do not overlap each other, so only the nearest starts at or below `high`
        # can reach into [low, high]; step past `exclude` if it is one of them.
        for candidate in reversed(self._starts[max(0, position - 2) : position]):
            range_end, owner = self._ranges[candidate]
            if owner != exclude and candidate[0] == low[0] and range_end >= low:
                return owner
        return None

    def owners_within(self, low: NumberKey, high: NumberKey) -> list[str]:
        """The owners whose ranges meet [low, high], in number order."""
        first = max(0, bisect_right(self._starts, low) - 1)  # may reach up into `low`
        last = bisect_right(self._starts, high)
        owners = []
        for start in self._starts[first:last]:
            end, owner = self._ranges[start]
            if end >= low and start[0] == low[0]:
                owners.append(owner)
        return owners

    def lengths(self) -> set[int]:
        """The lengths of the numbers the ranges hold (E.164, with the `+`)."""
        return {length for length, ranges in self._lengths.items() if ranges}
