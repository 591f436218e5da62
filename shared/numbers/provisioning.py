"""Buying and releasing one number, end to end.

Purchase: buy (exact number, or the first available by area code / pattern) → attach to
the route's Twilio trunk → DID pool → IVR DNIS. Release, in reverse: IVR → DID pool →
trunk → Twilio release. The steps after the purchase are the same typed changes reconcile
plans, run by the same `apply_plan`, so ordering, idempotency and the DID-pool propagation
wait are shared rather than written twice. Every step can be run again safely.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType
from pydantic import BaseModel

from shared.domain.commands import PurchaseRequest
from shared.domain.model import Ivr, TwilioNumber, TwilioTrunk, normalise_dnis
from shared.domain.ownership import managed_ivr_names, owning_route
from shared.domain.policy import Route, RoutingPolicy, SyncMode
from shared.ports import GenesysPort, TwilioPort
from shared.reconcile.apply import ApplyReport, Outcome, apply_plan
from shared.reconcile.changes import (
    AddDnis,
    AttachNumberToTrunk,
    Change,
    CreateDidPool,
    DeleteDidPool,
    Plan,
    RemoveDnis,
)

log = logging.getLogger(__name__)


class ProvisioningError(RuntimeError):
    """The request cannot be carried out as asked; nothing was bought or changed."""


class NumberClaimedError(ProvisioningError):
    """Another accepted purchase request holds the number."""


class NotOwnedError(ProvisioningError):
    """The number is not byoc-sync's to release (the API answers 409)."""


class NotOnAccountError(ProvisioningError):
    """The number to release is not on the Twilio account (the API answers 404, unless the
    request is the retry of a keyed release that went through)."""


class ProvisioningResult(BaseModel):
    """What buying, releasing or checking one number did (or would do), step by step."""

    phone_number: str
    number_sid: str | None
    report: list[str]  # one line per step, for humans and API responses
    ok: bool


def _route(policy: RoutingPolicy, name: str) -> Route:
    route = next((r for r in policy.routes if r.name == name), None)
    if route is None:
        known = ", ".join(r.name for r in policy.routes)
        raise ProvisioningError(f"no route {name!r} in the policy (routes: {known})")
    return route


@dataclass(frozen=True)
class _Target:
    """Where a purchase goes: the route, its Twilio trunk, its IVR and the friendly name."""

    route: Route
    trunk: TwilioTrunk
    ivr: Ivr
    friendly_name: str


def _target(
    policy: RoutingPolicy, twilio: TwilioPort, genesys: GenesysPort, request: PurchaseRequest
) -> _Target:
    route = _route(policy, request.route)
    group = policy.trunk_group(route.trunk_group)
    trunk = next((t for t in twilio.list_trunks() if t.friendly_name == group.twilio_trunk), None)
    if trunk is None:
        raise ProvisioningError(
            f"Twilio trunk {group.twilio_trunk!r} of trunk group {group.name!r} does not exist"
        )
    ivr = _ivr_named(genesys, route.ivr)
    return _Target(route, trunk, ivr, request.friendly_name or f"byoc-sync route:{route.name}")


def _check_route_selects(policy: RoutingPolicy, target: _Target, number: str) -> None:
    chosen = owning_route(policy, number, target.friendly_name)
    if chosen is None or chosen.name != target.route.name:
        # Buying it anyway would leave a number the next reconcile takes off the IVR.
        raise ProvisioningError(
            f"route {target.route.name!r} does not select {number} with friendly name "
            f"{target.friendly_name!r}"
            + (f" (route {chosen.name!r} does)" if chosen else "")
            + "; give a friendly name carrying one of the route's tags"
        )


def check_purchase(
    policy: RoutingPolicy,
    twilio: TwilioPort,
    genesys: GenesysPort,
    request: PurchaseRequest,
    *,
    claim: Callable[[str], bool] | None = None,
) -> ProvisioningResult:
    """Check everything a purchase needs and choose the number; buy nothing.

    `claim` (the API's reservation) must accept a number before it is chosen: an offered
    number another request holds is passed over, an exact one is refused."""
    target = _target(policy, twilio, genesys, request)
    number = request.phone_number or _first_available(twilio, request, claim)
    _check_route_selects(policy, target, number)
    if request.phone_number is not None:
        if claim is not None and not claim(number):
            raise NumberClaimedError(f"{number} is being bought by another request")
        _check_for_sale(twilio, number)
    return ProvisioningResult(
        phone_number=number,
        number_sid=None,
        report=[
            f"would buy {number} ({target.friendly_name!r}) for route {target.route.name!r}",
            f"would attach it to Twilio trunk {target.trunk.friendly_name!r}, make sure a DID "
            f"pool covers it and add it to IVR {target.ivr.name!r}",
        ],
        ok=True,
    )


def purchase(
    policy: RoutingPolicy,
    twilio: TwilioPort,
    genesys: GenesysPort,
    request: PurchaseRequest,
    *,
    progress: Callable[[Outcome], None] | None = None,
    resume: bool = False,
    bought: Callable[[str], None] | None = None,
) -> ProvisioningResult:
    """Buy and provision.

    `resume` is for a redelivered command: an exact number already on the account for this
    route counts as bought (the earlier delivery bought it, then failed later), so the run
    carries on with the steps after the purchase instead of failing or buying twice.
    `bought` hears the number as soon as Twilio sold it (the journal), before the steps
    that make it routable."""
    target = _target(policy, twilio, genesys, request)
    number = request.phone_number or _first_available(twilio, request, None)
    _check_route_selects(policy, target, number)
    if request.phone_number is not None and not resume:
        # Twilio answers a purchase of a number the account already owns with 201, applying
        # it like an update: without this check that number would be taken over.
        _check_for_sale(twilio, number)
    owned = twilio.find_number(number) if resume else None
    if owned is not None:
        if owning_route(policy, owned.phone_number, owned.friendly_name) != target.route:
            raise ProvisioningError(
                f"{number} is already on the account but not for route {target.route.name!r}"
            )
        sold = owned
        log.info("resuming: %s (%s) is already bought", sold.phone_number, sold.sid)
    else:
        sold = twilio.purchase(number, target.friendly_name)
        log.info("bought %s (%s) for route %s", sold.phone_number, sold.sid, target.route.name)
        if bought is not None:
            bought(sold.phone_number)
    changes = steps_after_purchase(sold, target.trunk, target.route, target.ivr)
    report = _apply_steps(changes, twilio, genesys, progress)
    return ProvisioningResult(
        phone_number=sold.phone_number,
        number_sid=sold.sid,
        report=[f"purchase: done ({sold.sid})", *map(str, report.outcomes)],
        ok=not report.failed and not report.skipped,
    )


def steps_after_purchase(
    bought: TwilioNumber, trunk: TwilioTrunk, route: Route, ivr: Ivr
) -> tuple[Change, ...]:
    """What makes a bought number routable: on the trunk, in a DID pool, on the IVR.

    A resumed purchase may find the number on the trunk already: an attach is a bare POST
    (no read first), so it is left out rather than written twice."""
    attach = AttachNumberToTrunk(
        phone_number=bought.phone_number,
        number_sid=bought.sid,
        trunk_sid=trunk.sid,
        trunk_name=trunk.friendly_name,
        reason=f"purchase for route {route.name!r}",
    )
    return (
        *(() if bought.trunk_sid == trunk.sid else (attach,)),
        CreateDidPool(
            phone_number=bought.phone_number, provider=route.did_pool_provider, reason="purchase"
        ),
        AddDnis(
            ivr_id=ivr.id, ivr_name=ivr.name, numbers=(bought.phone_number,), reason="purchase"
        ),
    )


def release_number(
    policy: RoutingPolicy,
    twilio: TwilioPort,
    genesys: GenesysPort,
    phone_number: str,
    *,
    progress: Callable[[Outcome], None] | None = None,
) -> ProvisioningResult:
    """Release a number byoc-sync owns; refuse (NotOwnedError) before changing anything else."""
    number, holders = _release_targets(policy, twilio, genesys, phone_number)
    changes: list[Change] = [
        RemoveDnis(ivr_id=ivr.id, ivr_name=ivr.name, numbers=(entry,), reason="release")
        for ivr, entry in holders
    ]
    changes += [
        DeleteDidPool(pool_id=pool.id, phone_number=phone_number, reason="release")
        for pool in genesys.list_did_pools()
        if pool.owned and pool.start == pool.end == phone_number
    ]
    report = _apply_steps(tuple(changes), twilio, genesys, progress)
    lines = [str(o) for o in report.outcomes]
    ok = not report.failed and not report.skipped
    if ok:
        lines += _release_on_twilio(twilio, number)
    return ProvisioningResult(phone_number=phone_number, number_sid=number.sid, report=lines, ok=ok)


def release_preflight(
    policy: RoutingPolicy, twilio: TwilioPort, genesys: GenesysPort, phone_number: str
) -> TwilioNumber:
    """Check a release may go ahead (ProvisioningError / NotOwnedError say why not)."""
    return _release_targets(policy, twilio, genesys, phone_number)[0]


def _release_targets(
    policy: RoutingPolicy, twilio: TwilioPort, genesys: GenesysPort, phone_number: str
) -> tuple[TwilioNumber, list[tuple[Ivr, str]]]:
    number = twilio.find_number(phone_number)
    if number is None:
        raise NotOnAccountError(f"{phone_number} is not a number on the Twilio account")
    route = owning_route(policy, number.phone_number, number.friendly_name)
    if route is None:
        raise NotOwnedError(
            f"{phone_number} is selected by no route in the policy: not ours to release"
        )
    managed = managed_ivr_names(policy)
    holders = [
        (ivr, entry)
        for ivr in genesys.list_ivrs()
        for entry in ivr.dnis
        if normalise_dnis(entry) == phone_number
    ]
    foreign = sorted({ivr.name for ivr, _ in holders if ivr.name not in managed})
    if foreign:
        raise NotOwnedError(
            f"{phone_number} is on IVR {', '.join(map(repr, foreign))}, which no route manages; "
            "remove it there first"
        )
    return number, holders


def _release_on_twilio(twilio: TwilioPort, number: TwilioNumber) -> list[str]:
    lines = []
    if number.trunk_sid:
        twilio.detach_number(number.sid, number.trunk_sid)
        lines.append("detach_number_from_trunk: done")
    twilio.release(number.sid)
    lines.append(f"release: done ({number.sid})")
    return lines


def _ivr_named(genesys: GenesysPort, name: str) -> Ivr:
    ivr = next((i for i in genesys.list_ivrs() if i.name == name), None)
    if ivr is None:
        raise ProvisioningError(f"IVR configuration {name!r} does not exist in Genesys")
    return ivr


def _check_for_sale(twilio: TwilioPort, number: str) -> None:
    """An exact number is checked against Twilio's offer before a purchase is queued, so a
    number that is not for sale is refused now instead of failing in the worker."""
    parsed = phonenumbers.parse(number)
    toll_free = phonenumbers.number_type(parsed) == PhoneNumberType.TOLL_FREE
    offers = twilio.search_available(
        country=phonenumbers.region_code_for_number(parsed) or "US",
        kind="toll-free" if toll_free else "local",
        contains=str(parsed.national_number),
    )
    if number not in {offer.phone_number for offer in offers}:
        raise ProvisioningError(
            f"{number} is not for sale on Twilio (already bought, or not offered)"
        )


def _first_available(
    twilio: TwilioPort, request: PurchaseRequest, claim: Callable[[str], bool] | None
) -> str:
    offers = twilio.search_available(
        country=request.country,
        kind=request.kind,
        area_code=request.area_code,
        contains=request.contains,
        limit=1 if claim is None else 20,
    )
    claimed = next((o for o in offers if claim is None or claim(o.phone_number)), None)
    if claimed is not None:
        return claimed.phone_number
    if offers:
        raise NumberClaimedError(
            f"the {len(offers)} numbers Twilio offers are all being bought by other requests"
        )
    wanted = " ".join(
        part
        for part in (
            f"in area code {request.area_code}" if request.area_code else "",
            f"matching {request.contains!r}" if request.contains else "",
        )
        if part
    )
    raise ProvisioningError(f"Twilio has no {request.kind} numbers available {wanted}")


def _apply_steps(
    changes: tuple[Change, ...],
    twilio: TwilioPort,
    genesys: GenesysPort,
    progress: Callable[[Outcome], None] | None,
) -> ApplyReport:
    steps = Plan(mode=SyncMode.SYNC, snapshot_checksum="", changes=changes)
    return apply_plan(steps, twilio, genesys, progress=progress)
