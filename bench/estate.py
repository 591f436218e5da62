"""The estate every benchmark runs on: N numbers over 20 IVRs and 2 trunk groups.

Each trunk group is what the seed guide builds: a Twilio Elastic SIP trunk with two
origination URLs, two Genesys BYOC trunks and a site outbound route trying them in order.
Ten routes (IVRs) hang off each group; number i belongs to route i mod 20 by the tag in
its Twilio friendly name. The same shape seeds both emulators (provisioned or not) and
the policy, so every benchmark measures the product against one well-defined estate.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from bench.harness import Sandbox, sandbox
from sandbox.emulators.genesys import GenesysScenario
from sandbox.emulators.twilio import TwilioScenario
from shared.domain.ownership import OWNERSHIP_MARKER
from shared.domain.policy import RoutingPolicy

IVRS = 20
TRUNK_GROUPS = 2
AREA_CODE_FOR_SALE = "303"  # the purchase benchmark buys from here; no estate number is in it


def fictional_numbers(count: int) -> list[str]:
    """Distinct valid US numbers in area code 202, 10,000 per exchange from 200 up."""
    return [f"+1202{200 + i // 10_000:03d}{i % 10_000:04d}" for i in range(count)]


def route_of(index: int) -> int:
    return index % IVRS


def group_of(route: int) -> int:
    return route * TRUNK_GROUPS // IVRS


def _ivr(route: int) -> str:
    return f"IVR {route + 1:02d}"


def _tag(route: int) -> str:
    return f"route:r{route + 1:02d}"


def _member(group: int, role: str) -> str:
    return f"TG{group + 1}-{role}"


def _origination(group: int, role: str) -> str:
    return f"sip:tg{group + 1}-{role.lower()}.example.byoc.mypurecloud.com;transport=tls"


ROLES = ("Primary", "Failover")


def policy() -> RoutingPolicy:
    return RoutingPolicy.model_validate(
        {
            "trunk_groups": [
                {
                    "name": f"TG{g + 1}",
                    "twilio_trunk": f"BYOC-TG{g + 1}",
                    "site": f"Site {g + 1}",
                    "outbound_route": f"TG{g + 1}",
                    "members": [
                        {
                            "genesys_trunk": _member(g, role),
                            "origination_url": _origination(g, role),
                            "probe": f"sips:sbc-tg{g + 1}-{role.lower()}.example.com:5061",
                            "priority": p + 1,
                        }
                        for p, role in enumerate(ROLES)
                    ],
                }
                for g in range(TRUNK_GROUPS)
            ],
            "routes": [
                {
                    "name": f"r{r + 1:02d}",
                    "select": {"tags": [_tag(r)]},
                    "ivr": _ivr(r),
                    "trunk_group": f"TG{group_of(r) + 1}",
                }
                for r in range(IVRS)
            ],
        }
    )


def twilio_scenario(numbers: list[str], *, attached: bool, for_sale: int = 0) -> TwilioScenario:
    """The account owning `numbers` (on their group's trunk when `attached`)."""
    seed: dict[str, Any] = {
        "trunks": [
            {
                "friendly_name": f"BYOC-TG{g + 1}",
                "domain_name": f"byoc-tg{g + 1}.pstn.twilio.com",
                "secure": True,
                "origination_urls": [
                    {
                        "sip_url": _origination(g, role),
                        "friendly_name": _member(g, role),
                        "priority": 10 * (p + 1),
                    }
                    for p, role in enumerate(ROLES)
                ],
            }
            for g in range(TRUNK_GROUPS)
        ],
        "incoming_numbers": [
            {
                "phone_number": number,
                "friendly_name": _tag(route_of(i)),
                "trunk": f"BYOC-TG{group_of(route_of(i)) + 1}" if attached else None,
            }
            for i, number in enumerate(numbers)
        ],
        "available_numbers": (
            [{"area_code": AREA_CODE_FOR_SALE, "count": for_sale}] if for_sale else []
        ),
    }
    return TwilioScenario.model_validate(seed)


def genesys_scenario(
    numbers: list[str], *, provisioned: bool, requests_per_minute: int
) -> GenesysScenario:
    """The org: trunks, sites, 20 IVRs; with `provisioned`, a DID pool and DNIS per number."""
    dnis: list[list[str]] = [[] for _ in range(IVRS)]
    for i, number in enumerate(numbers):
        dnis[route_of(i)].append(number)
    seed: dict[str, Any] = {
        "requests_per_minute": requests_per_minute,
        # New pools usable at once: how long a real org takes is not known, and waiting on
        # it would make the pinned call counts depend on timing (the retries it causes).
        "did_pool_propagation_delay_s": 0,
        "trunk_base_settings": [
            {"name": _member(g, role)} for g in range(TRUNK_GROUPS) for role in ROLES
        ],
        "trunks": [{"trunk_base": _member(g, role)} for g in range(TRUNK_GROUPS) for role in ROLES],
        "sites": [
            {
                "name": f"Site {g + 1}",
                "outbound_routes": [
                    {
                        "name": f"TG{g + 1}",
                        "external_trunk_bases": [_member(g, role) for role in ROLES],
                    }
                ],
            }
            for g in range(TRUNK_GROUPS)
        ],
        "ivrs": [{"name": _ivr(r), "dnis": dnis[r] if provisioned else []} for r in range(IVRS)],
        "did_pools": (
            [
                {"start_phone_number": n, "end_phone_number": n, "comments": OWNERSHIP_MARKER}
                for n in numbers
            ]
            if provisioned
            else []
        ),
    }
    return GenesysScenario.model_validate(seed)


def estate_sandbox(
    n: int,
    *,
    provisioned: bool,
    latency_ms: float,
    budget: int,
    for_sale: int = 0,
    audit_delay_s: float | None = None,
) -> AbstractContextManager[Sandbox]:
    """Both emulators seeded with the estate of `n` numbers, provisioned or only bought.
    `audit_delay_s` overrides how long Genesys takes to answer an audit entry (0: at once,
    so a feed benchmark measures the product, not the emulated indexing delay)."""
    numbers = fictional_numbers(n)
    org = genesys_scenario(numbers, provisioned=provisioned, requests_per_minute=budget)
    if audit_delay_s is not None:
        org = org.model_copy(update={"audit_delay_s": audit_delay_s})
    return sandbox(
        twilio_scenario(numbers, attached=provisioned, for_sale=for_sale),
        org,
        latency_ms=latency_ms,
        requests_per_minute=budget,
    )
