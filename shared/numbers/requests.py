"""Accepting a request to buy or release a number: check now, queue the work.

A request that cannot succeed fails here with a reason, instead of in the dead-letter
queue later; one that can is queued as a command the worker carries out. The HTTP
triggers only translate: a body into a request, these errors into status codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.commands import (
    CommandEnvelope,
    PurchaseNumber,
    PurchaseRequest,
    ReleaseNumber,
    envelope,
)
from shared.domain.journal import Trigger
from shared.numbers.provisioning import NotOnAccountError, check_purchase, release_preflight
from shared.numbers.releases import PARTITION as RELEASES
from shared.numbers.releases import ReleaseKeys
from shared.numbers.reservations import PARTITION as RESERVATIONS
from shared.numbers.reservations import NumberReservations
from shared.ports import ServiceContext
from shared.reconcile.inventory import NumberRow, number_rows


@dataclass(frozen=True)
class Accepted:
    queued: CommandEnvelope
    phone_number: str
    plan: list[str]


def accept_purchase(
    ctx: ServiceContext,
    request: PurchaseRequest,
    *,
    owner: str,
    correlation_id: str,
    now: datetime,
) -> Accepted:
    """Check the purchase, hold its number for `owner` and queue it.

    `owner` is the request's own key: a retry with the same key holds the number again,
    and becomes the same command (Service Bus drops the duplicate)."""
    reservations = NumberReservations(ctx.state_store(RESERVATIONS))
    check = check_purchase(
        ctx.policy(),
        ctx.twilio,
        ctx.genesys,
        request,
        claim=lambda number: reservations.claim(number, owner, now),
    )
    # The worker buys exactly the number checked here, so a redelivery cannot buy a second.
    exact = request.model_copy(
        update={"phone_number": check.phone_number, "area_code": None, "contains": None}
    )
    queued = envelope(
        PurchaseNumber(request=exact),
        correlation_id=correlation_id,
        trigger=Trigger.API,
        idempotency_key=owner,
    )
    ctx.publish([queued])
    return Accepted(queued, check.phone_number, check.report)


def accept_release(
    ctx: ServiceContext,
    phone_number: str,
    *,
    correlation_id: str,
    idempotency_key: str | None,
    now: datetime,
) -> Accepted:
    """Check the number is ours to release and queue its release.

    With `idempotency_key`, the key is recorded before the release is queued, so a retry
    with the same key is answered the same way even once the worker has released the
    number (NotOnAccountError otherwise). The retry queues the same command again: Service
    Bus drops it as a duplicate, and should it run after the duplicate-detection window,
    the worker finds the number gone and counts it as released."""
    try:
        release_preflight(ctx.policy(), ctx.twilio, ctx.genesys, phone_number)
    except NotOnAccountError:
        if not idempotency_key:
            raise  # nothing tells a retry from a mistake: no state table needed to say so
        if not ReleaseKeys(ctx.state_store(RELEASES)).released_with(phone_number, idempotency_key):
            raise
    else:
        if idempotency_key:
            ReleaseKeys(ctx.state_store(RELEASES)).record(phone_number, idempotency_key, now)
    queued = envelope(
        ReleaseNumber(phone_number=phone_number),
        correlation_id=correlation_id,
        trigger=Trigger.API,
        idempotency_key=idempotency_key,
    )
    ctx.publish([queued])
    return Accepted(queued, phone_number, [])


def number_status(ctx: ServiceContext, phone_number: str) -> NumberRow | None:
    """The joined view of one number; None when neither vendor has it. Read for that number
    alone: a client polling its status URL costs the same at any estate size."""
    rows = number_rows(ctx.policy(), ctx.scoped_read([phone_number]))
    return next((row for row in rows if row.phone_number == phone_number), None)
