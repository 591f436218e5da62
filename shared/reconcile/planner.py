"""`plan(policy, snapshot) -> Plan`: the desired state minus the observed state, as changes.

Pure: no I/O, no clock, no randomness; the same inputs always give the same plan, in the
same order. Ownership rules decide what may change: numbers the policy routes, IVR
configurations the policy names, DID pools carrying the ownership marker. Everything else
that stands in the way is reported as a conflict and left alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from shared.domain.model import DidPool, Ivr, Snapshot, TwilioNumber, TwilioTrunk, normalise_dnis
from shared.domain.number_ranges import RangeIndex
from shared.domain.ownership import managed_ivr_names
from shared.domain.policy import Route, RoutingPolicy, SyncMode
from shared.reconcile.changes import (
    APPLY_ORDER,
    AddDnis,
    AttachNumberToTrunk,
    Change,
    Conflict,
    CreateDidPool,
    DeleteDidPool,
    Plan,
    RemoveDnis,
)
from shared.reconcile.guards import evaluate_guards


@dataclass(frozen=True)
class Placement:
    """Where policy wants one Twilio number: its route, trunk and IVR as observed."""

    number: TwilioNumber
    route: Route
    trunk: TwilioTrunk
    ivr: Ivr


@dataclass
class _Draft:
    """Changes being collected; IVR changes are grouped per IVR (one read-modify-write each)."""

    attach: list[AttachNumberToTrunk] = field(default_factory=list)
    create_pools: list[CreateDidPool] = field(default_factory=list)
    removals: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    additions: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    delete_pools: list[DeleteDidPool] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    # Numbers a route selects but that cannot be placed (a conflict says why). They are
    # never retired: a conflict must not turn into a deletion.
    unplaced: set[str] = field(default_factory=set)
    on_twilio: set[str] = field(default_factory=set)

    def conflict(self, subject: str, detail: str) -> None:
        self.conflicts.append(Conflict(subject=subject, detail=detail))


def plan(policy: RoutingPolicy, snapshot: Snapshot) -> Plan:
    draft = _Draft()
    ivrs_by_id = {ivr.id: ivr for ivr in snapshot.ivrs}
    managed = _managed_ivrs(policy, snapshot, draft)
    placements = _placements(policy, snapshot, draft)
    locations = _dnis_locations(snapshot, managed, draft)
    pools = RangeIndex()
    for pool in snapshot.did_pools:
        pools.add(pool.id, pool.start, pool.end)

    for number, placement in sorted(placements.items()):
        _place(number, placement, locations.get(number, []), managed, pools, draft)
    _retire_stale_dnis(placements, managed, locations, draft)
    _retire_owned_pools(snapshot.did_pools, placements, locations, draft)

    changes = _ordered(draft, ivrs_by_id)
    suppressed: tuple[Change, ...] = ()
    if policy.mode is SyncMode.UPSERT_ONLY:
        suppressed = tuple(c for c in changes if isinstance(c, RemoveDnis | DeleteDidPool))
        changes = tuple(c for c in changes if not isinstance(c, RemoveDnis | DeleteDidPool))
    owned = sum(1 for p in snapshot.did_pools if p.owned) + sum(
        len(ivr.dnis) for ivr in managed.values()
    )
    return Plan(
        mode=policy.mode,
        snapshot_checksum=snapshot.checksum(),
        changes=changes,
        suppressed=suppressed,
        conflicts=tuple(draft.conflicts),
        guard=evaluate_guards(policy, changes, owned_objects=owned),
    )


def _managed_ivrs(policy: RoutingPolicy, snapshot: Snapshot, draft: _Draft) -> dict[str, Ivr]:
    """IVR configurations named by a route, by id; a named one that is missing is a conflict."""
    by_name = {ivr.name: ivr for ivr in snapshot.ivrs}
    managed: dict[str, Ivr] = {}
    for name in sorted(managed_ivr_names(policy)):
        ivr = by_name.get(name)
        if ivr is None:
            routes = ", ".join(sorted(r.name for r in policy.routes if r.ivr == name))
            draft.conflict(
                f"IVR {name!r}",
                f"named by route(s) {routes} but not found in Genesys; create it with its "
                "flows first (byoc-sync does not create call flows)",
            )
        else:
            managed[ivr.id] = ivr
    return managed


def _placements(policy: RoutingPolicy, snapshot: Snapshot, draft: _Draft) -> dict[str, Placement]:
    trunks = {trunk.friendly_name: trunk for trunk in snapshot.twilio_trunks}
    ivrs = {ivr.name: ivr for ivr in snapshot.ivrs}
    placements: dict[str, Placement] = {}
    for number in snapshot.twilio_numbers:
        draft.on_twilio.add(number.phone_number)
        route = policy.route_for(number.phone_number, number.friendly_name)
        if route is None:
            continue
        group = policy.trunk_group(route.trunk_group)
        trunk = trunks.get(group.twilio_trunk)
        ivr = ivrs.get(route.ivr)
        if trunk is None or ivr is None:
            draft.unplaced.add(number.phone_number)
        if trunk is None:
            draft.conflict(
                number.phone_number,
                f"route {route.name!r} needs Twilio trunk {group.twilio_trunk!r} "
                f"(trunk group {group.name!r}), which does not exist",
            )
        elif ivr is not None:  # a missing IVR is already reported once, by _managed_ivrs
            placements[number.phone_number] = Placement(number, route, trunk, ivr)
    return placements


def _dnis_locations(
    snapshot: Snapshot, managed: dict[str, Ivr], draft: _Draft
) -> dict[str, list[tuple[Ivr, str]]]:
    """E.164 number -> the IVRs holding it, with the entry as each IVR spells it."""
    locations: dict[str, list[tuple[Ivr, str]]] = defaultdict(list)
    for ivr in sorted(snapshot.ivrs, key=lambda i: i.name):
        for entry in ivr.dnis:
            number = normalise_dnis(entry)
            if number is None:
                if ivr.id in managed:
                    draft.conflict(
                        f"IVR {ivr.name!r}",
                        f"DNIS entry {entry!r} is not a phone number; left as it is",
                    )
                continue
            locations[number].append((ivr, entry))
    return locations


def _place(
    number: str,
    placement: Placement,
    held_by: list[tuple[Ivr, str]],
    managed: dict[str, Ivr],
    pools: RangeIndex,
    draft: _Draft,
) -> None:
    route, trunk, target = placement.route, placement.trunk, placement.ivr
    if placement.number.trunk_sid != trunk.sid:
        moved = " (moves it off its current trunk)" if placement.number.trunk_sid else ""
        draft.attach.append(
            AttachNumberToTrunk(
                phone_number=number,
                number_sid=placement.number.sid,
                trunk_sid=trunk.sid,
                trunk_name=trunk.friendly_name,
                reason=f"route {route.name!r} carries it on trunk {trunk.friendly_name!r}{moved}",
            )
        )
    if pools.owner_of(number) is None:
        draft.create_pools.append(
            CreateDidPool(
                phone_number=number,
                provider=route.did_pool_provider,
                reason=f"in no DID pool; Genesys needs one before IVR {target.name!r} takes it",
            )
        )
    blocked = False
    for ivr, entry in held_by:
        if ivr.id == target.id:
            continue
        if ivr.id in managed:
            draft.removals[ivr.id].append(
                (entry, f"{number} moves to IVR {target.name!r} (route {route.name!r})")
            )
        else:
            blocked = True
            draft.conflict(
                number,
                f"on IVR {ivr.name!r}, which no route manages; route {route.name!r} wants it on "
                f"{target.name!r}. Remove it there by hand; byoc-sync will not.",
            )
    if not blocked and not any(ivr.id == target.id for ivr, _ in held_by):
        draft.additions[target.id].append((number, f"route {route.name!r}"))


def _retire_stale_dnis(
    placements: dict[str, Placement],
    managed: dict[str, Ivr],
    locations: dict[str, list[tuple[Ivr, str]]],
    draft: _Draft,
) -> None:
    """Entries on managed IVRs that no route puts there (moves were handled by _place)."""
    for number, held_by in sorted(locations.items()):
        if number in placements or number in draft.unplaced:
            continue
        for ivr, entry in held_by:
            if ivr.id in managed:
                draft.removals[ivr.id].append((entry, _why_unwanted(number, draft)))


def _retire_owned_pools(
    pools: tuple[DidPool, ...],
    placements: dict[str, Placement],
    locations: dict[str, list[tuple[Ivr, str]]],
    draft: _Draft,
) -> None:
    """Owned pools of numbers no route wants, once nothing unmanaged still uses them."""
    removed = {(ivr_id, entry) for ivr_id, items in draft.removals.items() for entry, _ in items}
    for pool in sorted(pools, key=lambda p: p.start):
        if not pool.owned or pool.start != pool.end:
            continue
        if pool.start in placements or pool.start in draft.unplaced:
            continue
        still_used = [
            ivr.name
            for ivr, entry in locations.get(pool.start, [])
            if (ivr.id, entry) not in removed
        ]
        if still_used:
            draft.conflict(
                pool.start,
                f"owned DID pool {pool.id} is no longer wanted but the number is still on "
                f"unmanaged IVR {', '.join(repr(n) for n in still_used)}; pool kept",
            )
            continue
        draft.delete_pools.append(
            DeleteDidPool(
                pool_id=pool.id,
                phone_number=pool.start,
                reason=_why_unwanted(pool.start, draft),
            )
        )


def _why_unwanted(number: str, draft: _Draft) -> str:
    if number in draft.on_twilio:
        return f"{number} is selected by no route"
    return f"{number} is not a number on the Twilio account"


def _ordered(draft: _Draft, ivrs_by_id: dict[str, Ivr]) -> tuple[Change, ...]:
    def ivr_changes(
        kind: type[RemoveDnis] | type[AddDnis], grouped: dict[str, list[tuple[str, str]]]
    ) -> list[Change]:
        out: list[Change] = []
        for ivr_id in sorted(grouped, key=lambda i: ivrs_by_id[i].name):
            entries = grouped[ivr_id]
            reasons = sorted({reason for _, reason in entries})
            out.append(
                kind(
                    ivr_id=ivr_id,
                    ivr_name=ivrs_by_id[ivr_id].name,
                    numbers=tuple(entry for entry, _ in entries),
                    reason="; ".join(reasons)
                    if len(reasons) <= 3
                    else f"{len(entries)} numbers: " + "; ".join(reasons[:3]) + "; …",
                )
            )
        return out

    by_kind: dict[str, list[Change]] = {
        "attach_number_to_trunk": list(draft.attach),
        "create_did_pool": list(draft.create_pools),
        "remove_dnis": ivr_changes(RemoveDnis, draft.removals),
        "add_dnis": ivr_changes(AddDnis, draft.additions),
        "delete_did_pool": list(draft.delete_pools),
    }
    return tuple(change for kind in APPLY_ORDER for change in by_kind[kind])
