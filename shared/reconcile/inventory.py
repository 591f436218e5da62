"""The joined view of every number: Twilio, trunk, DID pool, IVR, and whether it drifted.

Drift is not judged here a second time: a number is in sync exactly when the planner has
nothing to do for it, so `numbers list` and `plan` can never disagree.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, ConfigDict

from shared.domain.model import Snapshot, normalise_dnis
from shared.domain.number_ranges import RangeIndex
from shared.domain.policy import RoutingPolicy
from shared.reconcile import plan
from shared.reconcile.changes import numbers_in
from shared.trunks.changes import TrunkChange

_DRIFT = {
    "attach_number_to_trunk": "not on its trunk",
    "create_did_pool": "in no DID pool",
    "add_dnis": "not on its IVR",
    "remove_dnis": "on an IVR it should leave",
    "delete_did_pool": "stale DID pool",
}


class NumberRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    phone_number: str
    on_twilio: bool
    friendly_name: str = ""
    twilio_trunk: str | None = None
    did_pool: str | None = None
    did_pool_owned: bool = False
    ivrs: tuple[str, ...] = ()
    route: str | None = None
    status: str  # "in sync", "unrouted", or what drifted / conflicts


def number_rows(policy: RoutingPolicy, snapshot: Snapshot) -> list[NumberRow]:
    planned = plan(policy, snapshot)
    drift: dict[str, list[str]] = defaultdict(list)
    for change in (*planned.changes, *planned.suppressed):
        if isinstance(change, TrunkChange):
            continue
        for entry in numbers_in(change):
            drift[normalise_dnis(entry) or entry].append(_DRIFT[change.kind])
    conflicts = {c.subject for c in planned.conflicts}
    trunks = {t.sid: t.friendly_name for t in snapshot.twilio_trunks}
    pools = {p.id: p for p in snapshot.did_pools}
    ranges = RangeIndex()
    for pool in snapshot.did_pools:
        ranges.add(pool.id, pool.start, pool.end)
    on_ivrs: dict[str, list[str]] = defaultdict(list)
    for ivr in snapshot.ivrs:
        for entry in ivr.dnis:
            e164 = normalise_dnis(entry)
            if e164 is not None:
                on_ivrs[e164].append(ivr.name)
    twilio = {n.phone_number: n for n in snapshot.twilio_numbers}

    rows: list[NumberRow] = []
    for number in sorted(set(twilio) | set(on_ivrs)):
        found = twilio.get(number)
        route = policy.route_for(number, found.friendly_name if found else "")
        pool_id = ranges.owner_of(number)
        if number in conflicts:
            status = "conflict (see plan)"
        elif drift.get(number):
            status = "drift: " + ", ".join(dict.fromkeys(drift[number]))
        elif route is None or found is None:
            status = "unrouted" if found else "not on Twilio"
        else:
            status = "in sync"
        rows.append(
            NumberRow(
                phone_number=number,
                on_twilio=found is not None,
                friendly_name=found.friendly_name if found else "",
                twilio_trunk=trunks.get(found.trunk_sid or "") if found else None,
                did_pool=pool_id,
                did_pool_owned=bool(pool_id and pools[pool_id].owned),
                ivrs=tuple(sorted(on_ivrs.get(number, []))),
                route=route.name if route else None,
                status=status,
            )
        )
    return rows
