"""The emulators find a number by bisection, not by walking every number or pool (a 50,000
number estate is looked up per request): what they answer must be what the walk answers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.emulators.genesys.inputs import DidPoolBody
from sandbox.emulators.genesys.scenario import GenesysScenario
from sandbox.emulators.genesys.state import GenesysState
from sandbox.emulators.twilio.scenario import InventoryBlock, TwilioScenario
from sandbox.emulators.twilio.state import TwilioState

BASE = 1_202_555_0000  # +1 202 555 0000, ten digits after the country code


@st.composite
def pools(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Non-overlapping ranges of 11- and 12-digit numbers sharing the same leading digits,
    so that a whole 11-digit number is also the start of twelve-digit ones."""
    ranges: list[tuple[str, str]] = []
    for width, base in ((11, BASE), (12, BASE * 10)):
        cursor = base
        for _ in range(draw(st.integers(0, 6))):
            cursor += draw(st.integers(0, 40))
            size = draw(st.integers(1, 15))
            ranges.append((f"+{cursor:0{width}d}", f"+{cursor + size - 1:0{width}d}"))
            cursor += size
    return ranges


def walked(state: GenesysState, pattern: str) -> list[tuple[str, str]]:
    """Every live pool's numbers starting with `pattern`, pool by pool in number order."""
    entries = []
    for pool in sorted(state.pools.values(), key=lambda p: (len(p.start), p.start)):
        width = len(pool.start) - 1
        for n in range(int(pool.start[1:]), int(pool.end[1:]) + 1):
            if (number := f"+{n:0{width}d}").startswith(pattern):
                entries.append((number, pool.id))
    return entries


@settings(max_examples=200, deadline=None)
@given(ranges=pools(), data=st.data())
def test_an_anchored_match_lists_what_walking_every_pool_lists(
    ranges: list[tuple[str, str]], data: st.DataObject
) -> None:
    state = GenesysState(GenesysScenario(did_pool_propagation_delay_s=0))
    for start, end in ranges:
        state.create_pool(DidPoolBody(start_phone_number=start, end_phone_number=end))
    near = data.draw(st.integers(BASE, BASE + 300))
    pattern = f"+{near}"[: data.draw(st.integers(2, 12))]  # a whole number or a prefix of one
    listing = state.pool_numbers(set(), pattern, unassigned_only=False, descending=False)
    assert [(e.number, e.pool_id) for e in listing] == walked(state, pattern)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_twilio_prefix_finds_what_walking_every_number_finds(data: st.DataObject) -> None:
    offered = [f"+1202555{n:04d}" for n in range(0, 60, 3)] + ["+44207946000", "+120255501"]
    state = TwilioState(TwilioScenario(available_numbers=[InventoryBlock(numbers=offered)]))
    for phone_number in data.draw(st.permutations(offered)):  # bought in any order
        state.purchase(phone_number, None)
    for phone_number in data.draw(st.lists(st.sampled_from(offered), unique=True)):
        bought = state.owned(phone_number)
        assert bought is not None
        state.release(bought)
    prefix = data.draw(st.sampled_from(offered))[: data.draw(st.integers(1, 13))]
    walk = [n for n in state.ordered(state.numbers) if n.phone_number.startswith(prefix)]
    assert state.numbers_starting(prefix) == walk
    for phone_number in offered:
        assert state.owned(phone_number) == next(
            (n for n in state.numbers.values() if n.phone_number == phone_number), None
        )
