"""A plan made from a number-scoped read equals the full plan restricted to those numbers.

Over random estates (numbers on and off their trunk, in owned, foreign or range pools or in
none, on managed and unmanaged IVRs, in E.164 and national spellings, some gone from Twilio)
and random scopes: `scoped_view` is the shape `ScopedReader.read` returns (its integration
test pins that against the emulators), so what holds here holds for every targeted
reconcile and status request.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.commands import ReconcileNumbers
from shared.domain.model import DidPool, Ivr, Snapshot, TwilioNumber, normalise_dnis
from shared.reconcile import AddDnis, Plan, RemoveDnis, plan
from shared.reconcile.inventory import number_rows
from shared.reconcile.scope import reconcile_scope
from shared.reconcile.scoped import scope_view, scoped_view
from tests.support.estate import MAIN, SUPPORT, TRUNK, policy, pool

# Numbers the example policy routes (+1202555… main, +1312555… support), one it does not,
# and a toll-free one it lists explicitly.
NUMBERS = (
    [f"+1202555{n:04d}" for n in range(100, 106)]
    + [f"+1312555{n:04d}" for n in range(100, 104)]
    + ["+14155550100", "+18005550100"]
)
IVRS = (MAIN, SUPPORT, "Overflow IVR")  # the third is named by no route: unmanaged


def spelled(e164: str, national: bool) -> str:
    return e164[2:] if national and e164.startswith("+1") else e164


@st.composite
def estates(draw: st.DrawFn) -> Snapshot:
    numbers = []
    for e164 in NUMBERS:
        if draw(st.booleans()):
            trunk = draw(st.sampled_from([TRUNK.sid, None, "TKother"]))
            tag = draw(st.sampled_from(["", "route:main", "route:support"]))
            numbers.append(
                TwilioNumber(
                    sid=f"PN{e164[1:]}", phone_number=e164, friendly_name=tag, trunk_sid=trunk
                )
            )
    pools: list[DidPool] = []
    for e164 in NUMBERS:
        kind = draw(st.sampled_from(["none", "owned", "foreign"]))
        if kind != "none":
            pools.append(pool(e164, owned=kind == "owned"))
    if draw(st.booleans()):  # a hand-made range pool over part of the Chicago block
        pools = [p for p in pools if not p.start.startswith("+1312555010")]
        pools.append(DidPool(id="pool-range", start="+13125550100", end="+13125550109"))
    holders: dict[str, list[str]] = {name: [] for name in IVRS}
    for e164 in NUMBERS:
        for name in draw(st.lists(st.sampled_from(IVRS), max_size=2, unique=True)):
            holders[name].append(spelled(e164, draw(st.booleans())))
    ivrs = [
        Ivr(id=f"ivr-{name}", name=name, dnis=tuple(dnis), version=1)
        for name, dnis in holders.items()
    ]
    return Snapshot(
        twilio_numbers=tuple(numbers),
        twilio_trunks=(TRUNK,),
        did_pools=tuple(pools),
        ivrs=tuple(ivrs),
    )


def per_number(result: Plan, numbers: set[str]) -> set[tuple[str, ...]]:
    """Each change as one fact per number (an IVR batch is split): what it does to whom."""
    facts: set[tuple[str, ...]] = set()
    for change in result.changes:
        if isinstance(change, AddDnis | RemoveDnis):
            for entry in change.numbers:
                if (normalise_dnis(entry) or entry) in numbers:
                    facts.add((change.kind, change.ivr_id, entry))
        elif change.phone_number in numbers:
            facts.add((change.kind, change.model_dump_json()))
    return facts


@settings(max_examples=300, deadline=None)
@given(estate=estates(), scope=st.sets(st.sampled_from(NUMBERS), min_size=1, max_size=4))
def test_a_scoped_plan_is_the_full_plan_restricted_to_the_scope(
    estate: Snapshot, scope: set[str]
) -> None:
    routing = policy()
    full = per_number(plan(routing, estate), scope)
    scoped = per_number(plan(routing, scoped_view(estate, scope)), scope)
    assert scoped == full


@settings(max_examples=200, deadline=None)
@given(estate=estates(), number=st.sampled_from(NUMBERS))
def test_a_numbers_status_from_a_scoped_read_is_the_one_the_full_read_gives(
    estate: Snapshot, number: str
) -> None:
    routing = policy()
    full = {row.phone_number: row for row in number_rows(routing, estate)}
    scoped = {row.phone_number: row for row in number_rows(routing, scoped_view(estate, {number}))}
    assert scoped.get(number) == full.get(number)


@st.composite
def scoped_commands(draw: st.DrawFn) -> ReconcileNumbers:
    """An IVR (one of the estate's, or gone, with or without its name) or a DID pool (one
    of the drawn ids, or gone), sometimes with numbers too, as audit events name them."""
    ivr = draw(st.sampled_from([None, *(f"ivr-{n}" for n in IVRS), "ivr-gone"]))
    name = draw(st.sampled_from([None, MAIN, "Retired IVR"])) if ivr == "ivr-gone" else None
    pool_ids = ["pool-range", *(f"pool-{n}" for n in NUMBERS), "pool-gone"]
    did_pool = draw(st.sampled_from([None, *pool_ids])) if ivr is None else None
    numbers = draw(st.sets(st.sampled_from(NUMBERS), max_size=2))
    if ivr is None and did_pool is None:
        did_pool = "pool-range"
    return ReconcileNumbers(
        phone_numbers=tuple(sorted(numbers)),
        genesys_ivr_id=ivr,
        genesys_ivr_name=name,
        genesys_did_pool_id=did_pool,
    )


@settings(max_examples=300, deadline=None)
@given(estate=estates(), command=scoped_commands())
def test_an_ivr_or_pool_scope_read_without_the_genesys_estate_names_the_same_numbers(
    estate: Snapshot, command: ReconcileNumbers
) -> None:
    routing = policy()
    full = reconcile_scope(command, routing, estate)
    narrow = reconcile_scope(command, routing, scope_view(estate, command))
    assert (narrow.numbers, narrow.label, narrow.widened) == (
        full.numbers,
        full.label,
        full.widened,
    )
