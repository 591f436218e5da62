"""Small estates for planner-level tests: the BYOC example's trunk, IVRs and numbers."""

from __future__ import annotations

from typing import Any

from shared.domain.model import DidPool, Ivr, Snapshot, TwilioNumber, TwilioTrunk
from shared.domain.ownership import OWNERSHIP_MARKER
from shared.domain.policy import RoutingPolicy, load_policy
from tests.conftest import EXAMPLE_POLICY

TRUNK = TwilioTrunk(sid="TK1", friendly_name="BYOC-Primary-Failover")
MAIN = "Main IVR"
SUPPORT = "Support IVR"


def policy(**overrides: Any) -> RoutingPolicy:
    return load_policy(EXAMPLE_POLICY).model_copy(update=overrides)


def number(e164: str, name: str = "", trunk: str | None = "TK1") -> TwilioNumber:
    return TwilioNumber(sid=f"PN{e164[1:]}", phone_number=e164, friendly_name=name, trunk_sid=trunk)


def pool(e164: str, owned: bool = True) -> DidPool:
    return DidPool(
        id=f"pool-{e164}", start=e164, end=e164, comments=OWNERSHIP_MARKER if owned else "by hand"
    )


def ivr(name: str, *dnis: str, version: int = 1) -> Ivr:
    return Ivr(id=f"ivr-{name}", name=name, dnis=dnis, version=version)


def snapshot(
    numbers: list[TwilioNumber],
    pools: list[DidPool],
    ivrs: list[Ivr],
    trunks: tuple[TwilioTrunk, ...] = (TRUNK,),
) -> Snapshot:
    return Snapshot(
        twilio_numbers=tuple(numbers),
        twilio_trunks=trunks,
        did_pools=tuple(pools),
        ivrs=tuple(ivrs),
    )


def converged() -> Snapshot:
    return snapshot(
        [number("+12025550100"), number("+13125550100")],
        [pool("+12025550100"), pool("+13125550100")],
        [ivr(MAIN, "+12025550100"), ivr(SUPPORT, "+13125550100")],
    )
