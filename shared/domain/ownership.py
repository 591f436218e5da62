"""What byoc-sync may change or delete, decided in one place.

byoc-sync shares both consoles with people and other tools, so it never deletes what it did
not make and never touches IVRs no route names. Three rules, used by the planner, the
purchase and release flows, the adapters (a last check before a delete) and the audit:
- a DID pool is ours when it carries the marker written into its comments at creation;
- an IVR configuration is managed when a route of the policy names it;
- a number is ours when a route of the policy selects it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.domain.model import DidPool
    from shared.domain.policy import Route, RoutingPolicy

# Written into the `comments` of every DID pool byoc-sync creates. Pools without it were
# made by someone else: byoc-sync reads them but never changes or deletes them.
OWNERSHIP_MARKER = "managed-by: byoc-sync"


def owns_pool(pool: DidPool) -> bool:
    return OWNERSHIP_MARKER in (pool.comments or "")


def managed_ivr_names(policy: RoutingPolicy) -> set[str]:
    return {route.ivr for route in policy.routes}


def owning_route(policy: RoutingPolicy, phone_number: str, friendly_name: str) -> Route | None:
    """The route that selects this number; None means the number is not ours."""
    return policy.route_for(phone_number, friendly_name)
