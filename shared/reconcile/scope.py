"""Which numbers a reconcile command is about, worked out from the snapshot it plans with.

A command names numbers (Twilio events, a DID audit), a Genesys IVR configuration or DID
pool (audit events about them), or nothing (the timer: every number). Ids become numbers
here, against the very snapshot the plan comes from: no extra vendor call, and the scope
cannot disagree with the plan about what exists.

An id missing from the snapshot means the object was deleted, which is exactly when its
numbers need attention; so an unresolvable id widens the scope — to the numbers the
policy routes to a deleted IVR's name, else to every number — and never narrows it to
nothing. Each widening says why, for the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.domain.commands import ReconcileNumbers
from shared.domain.model import DidPool, Ivr, Snapshot, normalise_dnis
from shared.domain.policy import RoutingPolicy
from shared.reconcile.changes import Plan, restricted_to

_LISTED = 4  # numbers a label spells out before it just counts them


@dataclass(frozen=True)
class ReconcileScope:
    """The numbers to reconcile (None: every number), as the worker reports them."""

    numbers: frozenset[str] | None
    label: str
    widened: tuple[str, ...] = ()  # why an id named could not be narrowed to numbers

    def applied_to(self, plan: Plan) -> Plan:
        """The part of `plan` in scope. An empty scope is empty: it does not mean "all"
        the way `restricted_to` reads no numbers."""
        if self.numbers is None:
            return plan
        if not self.numbers:
            return plan.model_copy(update={"changes": ()})
        return restricted_to(plan, sorted(self.numbers))


@dataclass(frozen=True)
class _Part:
    numbers: frozenset[str] | None
    label: str
    widened: str | None = None


def reconcile_scope(
    command: ReconcileNumbers, policy: RoutingPolicy, snapshot: Snapshot
) -> ReconcileScope:
    if command.every_number:
        return ReconcileScope(None, "every number")
    parts: list[_Part] = []
    if command.phone_numbers:
        parts.append(_Part(frozenset(command.phone_numbers), _listed(command.phone_numbers)))
    if command.genesys_ivr_id:
        parts.append(_ivr_part(command.genesys_ivr_id, command.genesys_ivr_name, policy, snapshot))
    if command.genesys_did_pool_id:
        parts.append(_pool_part(command.genesys_did_pool_id, snapshot))
    widened = tuple(p.widened for p in parts if p.widened)
    if any(p.numbers is None for p in parts):
        return ReconcileScope(None, "every number", widened)
    numbers: set[str] = set()
    for part in parts:
        numbers |= part.numbers or set()
    return ReconcileScope(frozenset(numbers), "; ".join(p.label for p in parts), widened)


def numbers_routed_to(ivr_name: str, policy: RoutingPolicy, snapshot: Snapshot) -> set[str]:
    """The Twilio numbers a route of the policy places on the IVR of this name."""
    routed: set[str] = set()
    for number in snapshot.twilio_numbers:
        route = policy.route_for(number.phone_number, number.friendly_name)
        if route is not None and route.ivr == ivr_name:
            routed.add(number.phone_number)
    return routed


def _ivr_part(ivr_id: str, name: str | None, policy: RoutingPolicy, snapshot: Snapshot) -> _Part:
    """What the IVR holds now plus what the policy wants on it: a number leaving and a
    number missing are both that IVR's business."""
    ivr = next((i for i in snapshot.ivrs if i.id == ivr_id), None)
    if ivr is not None:
        numbers = _dnis_numbers(ivr) | numbers_routed_to(ivr.name, policy, snapshot)
        return _Part(frozenset(numbers), f"IVR {ivr.name!r}: {_listed(numbers)}")
    if name and any(route.ivr == name for route in policy.routes):
        numbers = numbers_routed_to(name, policy, snapshot)
        return _Part(
            frozenset(numbers),
            f"IVR {name!r} (gone): {_listed(numbers)}",
            f"IVR {ivr_id} ({name!r}) is not in Genesys: reconciling the numbers the "
            "policy routes to that name",
        )
    return _Part(
        None,
        "every number",
        f"IVR {ivr_id} ({name or 'name unknown'}) is not in Genesys and no route names it: "
        "reconciling every number",
    )


def _pool_part(pool_id: str, snapshot: Snapshot) -> _Part:
    pool = next((p for p in snapshot.did_pools if p.id == pool_id), None)
    if pool is None:
        return _Part(
            None,
            "every number",
            f"DID pool {pool_id} is not in Genesys, so its range is unknown: reconciling "
            "every number",
        )
    numbers = {n for n in _known_numbers(snapshot, pool) if pool.contains(n)}
    return _Part(frozenset(numbers), f"DID pool {pool.start}..{pool.end}: {_listed(numbers)}")


def _known_numbers(snapshot: Snapshot, pool: DidPool) -> set[str]:
    """Every number a change could name: Twilio's, the IVRs' DNIS, the pool's own start
    (a single-number pool being retired is named by it)."""
    known = {n.phone_number for n in snapshot.twilio_numbers} | {pool.start}
    for ivr in snapshot.ivrs:
        known |= _dnis_numbers(ivr)
    return known


def _dnis_numbers(ivr: Ivr) -> set[str]:
    return {n for n in (normalise_dnis(entry) for entry in ivr.dnis) if n is not None}


def _listed(numbers: Iterable[str]) -> str:
    ordered = sorted(set(numbers))
    if not ordered:
        return "no numbers"
    if len(ordered) <= _LISTED:
        return ", ".join(ordered)
    return f"{', '.join(ordered[:_LISTED])} and {len(ordered) - _LISTED} more"
