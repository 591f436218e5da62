"""Number ranges indexed for bisection: the lookups that keep DID pool work linear."""

from __future__ import annotations

import pytest

from shared.domain.number_ranges import RangeIndex, number_key


@pytest.fixture
def index() -> RangeIndex:
    ranges = RangeIndex()
    ranges.add("a", "+12025550100", "+12025550109")
    ranges.add("c", "+12025550300", "+12025550300")
    ranges.add("b", "+12025550200", "+12025550299")
    ranges.add("uk", "+442079460000", "+442079460999")
    return ranges


@pytest.mark.parametrize(
    ("number", "owner"),
    [
        ("+12025550100", "a"),
        ("+12025550109", "a"),
        ("+12025550110", None),
        ("+12025550250", "b"),
        ("+12025550300", "c"),
        ("+12025550301", None),
        ("+12025550099", None),
        ("+442079460500", "uk"),
        ("+4420794605", None),  # same digits, other length: never in a range of longer numbers
    ],
)
def test_owner_of_finds_the_range_holding_a_number(
    index: RangeIndex, number: str, owner: str | None
) -> None:
    assert index.owner_of(number) == owner


@pytest.mark.parametrize(
    ("start", "end", "overlap"),
    [
        ("+12025550110", "+12025550199", None),  # in the gap
        ("+12025550105", "+12025550150", "a"),  # reaches back into a
        ("+12025550150", "+12025550200", "b"),  # reaches into b
        ("+12025550000", "+12025559999", "c"),  # covers several: one is named
        ("+12025550301", "+12025550400", None),
    ],
)
def test_overlapping_names_a_range_that_meets_the_new_one(
    index: RangeIndex, start: str, end: str, overlap: str | None
) -> None:
    found = index.overlapping(start, end)
    assert found == overlap if overlap != "c" else found is not None


def test_overlapping_ignores_the_range_being_updated_but_not_its_neighbour(
    index: RangeIndex,
) -> None:
    assert index.overlapping("+12025550200", "+12025550299", exclude="b") is None
    assert index.overlapping("+12025550105", "+12025550250", exclude="b") == "a"


def test_removed_ranges_free_their_numbers(index: RangeIndex) -> None:
    index.remove("b")
    assert index.owner_of("+12025550250") is None
    assert index.overlapping("+12025550200", "+12025550299") is None
    assert index.owner_of("+12025550300") == "c"
    index.remove("b")  # removing twice is harmless


@pytest.mark.parametrize(
    ("low", "high", "owners"),
    [
        ("+12025550105", "+12025550250", ["a", "b"]),  # a reaches up into it; b starts in it
        ("+12025550110", "+12025550199", []),  # the gap
        ("+12025550000", "+12025559999", ["a", "b", "c"]),
        ("+12025550300", "+12025550300", ["c"]),
        ("+442079460000", "+442079469999", ["uk"]),
        ("+1202555010", "+1202555030", []),  # same digits, shorter numbers: no range of them
    ],
)
def test_owners_within_lists_every_range_meeting_the_span_in_order(
    index: RangeIndex, low: str, high: str, owners: list[str]
) -> None:
    assert index.owners_within(number_key(low), number_key(high)) == owners


def test_lengths_are_those_of_the_ranges_left(index: RangeIndex) -> None:
    assert index.lengths() == {12, 13}
    index.remove("uk")
    assert index.lengths() == {12}
