"""The numbers of DID pools as `GET /edges/didpools/dids` lists them, one entry per number.

A range pool lists every number it covers, so a pool of 10,000 numbers is a listing of
10,000 entries. Nothing here builds them all: a pool is a segment of the number line that
answers its k-th number by arithmetic, the listing is those segments end to end, and only
the entries of the page asked for are made. `numberMatch` narrows a pool to the numbers
holding the match, found from where the match can sit in the digits (for a whole number:
at most one), not by walking the range.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Literal, overload

MatchMode = Literal["substring", "exact"]

_PATTERN = re.compile(r"(\+?)([0-9]+)")


@dataclass(frozen=True)
class PoolNumber:
    """One listed number and the live pool it belongs to."""

    number: str  # E.164
    pool_id: str


@dataclass(frozen=True)
class Segment:
    """One pool's listed numbers: `values` when a `numberMatch` picked them, else every
    number from `lo` to `hi` except those in `skip` (sorted; assigned numbers, when only
    unassigned ones are asked for). Numbers are digit strings of `width` after the `+`."""

    pool_id: str
    width: int
    lo: int
    hi: int
    values: tuple[int, ...] | None = None
    skip: tuple[int, ...] = field(default=())

    def __len__(self) -> int:
        if self.values is not None:
            return len(self.values)
        return self.hi - self.lo + 1 - len(self.skip)

    def nth(self, k: int) -> int:
        if self.values is not None:
            return self.values[k]
        value = self.lo + k
        for skipped in self.skip:  # each skipped number at or below pushes the answer on
            if skipped > value:
                break
            value += 1
        return value


class PoolNumberListing(Sequence[PoolNumber]):
    """Segments end to end, in number order or reversed; entries are made on indexing."""

    def __init__(self, segments: Sequence[Segment], *, descending: bool = False) -> None:
        self._segments = [segment for segment in segments if len(segment)]
        self._ends = list(accumulate(len(segment) for segment in self._segments))
        self._descending = descending

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, index: int) -> PoolNumber: ...

    @overload
    def __getitem__(self, index: slice) -> list[PoolNumber]: ...

    def __getitem__(self, index: int | slice) -> PoolNumber | list[PoolNumber]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        total = len(self)
        if index < 0:
            index += total
        if not 0 <= index < total:
            raise IndexError(index)
        if self._descending:
            index = total - 1 - index
        position = bisect_right(self._ends, index)
        segment = self._segments[position]
        offset = index - (self._ends[position - 1] if position else 0)
        return PoolNumber(f"+{segment.nth(offset):0{segment.width}d}", segment.pool_id)


def matching(lo: int, hi: int, width: int, pattern: str, mode: MatchMode) -> tuple[int, ...]:
    """The numbers from `lo` to `hi` (digit strings of `width`) that `pattern` matches, in
    order. 'exact': the number written `pattern`. 'substring': every number whose E.164
    form contains `pattern` (a leading `+` anchors it to the start). The work is bounded by
    the size of the answer, or by the range when that is smaller."""
    found = _PATTERN.fullmatch(pattern)
    if found is None:
        return ()  # an E.164 number is `+` and digits: nothing else is part of one
    anchored, digits = bool(found.group(1)), found.group(2)
    size = len(digits)
    if mode == "exact":
        value = int(digits)
        return (value,) if anchored and size == width and lo <= value <= hi else ()
    if size > width:
        return ()
    positions = [0] if anchored else list(range(width - size + 1))
    # Numbers holding the match at position p: one block of 10**tail numbers per prefix.
    estimate = sum(
        (hi // 10 ** (width - p) - lo // 10 ** (width - p) + 1) * 10 ** (width - size - p)
        for p in positions
    )
    if estimate > hi - lo + 1:  # the range is the smaller walk
        return tuple(
            n
            for n in range(lo, hi + 1)
            if (f"{n:0{width}d}".startswith(digits) if anchored else digits in f"{n:0{width}d}")
        )
    value = int(digits)
    picked: set[int] = set()
    for p in positions:
        tail = 10 ** (width - size - p)
        span = 10 ** (width - p)
        for prefix in range(lo // span, hi // span + 1):
            first = prefix * span + value * tail
            picked.update(range(max(first, lo), min(first + tail - 1, hi) + 1))
    return tuple(sorted(picked))
