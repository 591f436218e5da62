"""A built trunk group's desired state on both sides, derived from the policy alone.

The planner compares it with what the vendors hold; the apply step builds vendor writes
from it. Values the policy leaves out are derived here (see `shared.domain.trunk_derive`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.domain.ownership import OWNERSHIP_MARKER
from shared.domain.policy import RoutingPolicy, TrunkGroup
from shared.domain.trunk_derive import TWILIO_SIGNALLING_RANGES
from shared.domain.trunk_spec import GroupBuild

PRIORITY_STEP = 10  # the health engine's spacing of origination URL priorities
ORIGINATION_WEIGHT = 10


def owned_description(group: str) -> str:
    """The description byoc-sync writes on the Genesys objects it builds: the marker, and
    the group (so a base the policy no longer lists can be named)."""
    return f"{OWNERSHIP_MARKER}; trunk group: {group}"


def is_owned_description(description: str | None) -> bool:
    return OWNERSHIP_MARKER in (description or "")


def group_of_description(description: str | None) -> str | None:
    text = description or ""
    if OWNERSHIP_MARKER not in text or "trunk group: " not in text:
        return None
    return text.split("trunk group: ", 1)[1].strip() or None


@dataclass(frozen=True)
class DesiredTrunkBase:
    name: str
    inbound_identifier: str
    transport: Literal["udp", "tcp", "tls"]
    sip_servers: tuple[str, ...]
    allow_list: tuple[str, ...]
    inbound_site: str
    enabled: bool
    username: str
    realm: str
    password_setting: str


@dataclass(frozen=True)
class DesiredOriginationUrl:
    member: str
    sip_url: str
    priority: int
    weight: int = ORIGINATION_WEIGHT
    enabled: bool = True


@dataclass(frozen=True)
class DesiredGroup:
    name: str
    adopt: bool
    # Twilio
    trunk: str
    domain_name: str
    secure: bool
    disaster_recovery_url: str | None
    credential_list: str
    username: str
    password_setting: str
    ip_acl: str | None
    acl_cidrs: tuple[str, ...]
    origination_urls: tuple[DesiredOriginationUrl, ...]
    # Genesys
    trunk_bases: tuple[DesiredTrunkBase, ...]
    site: str
    route: str
    classifications: tuple[str, ...]
    route_enabled: bool
    members_in_order: tuple[str, ...]  # trunk base names by priority


def built_groups(policy: RoutingPolicy) -> list[tuple[TrunkGroup, GroupBuild]]:
    return [(group, group.build) for group in policy.trunk_groups if group.build is not None]


def desired_group(group: TrunkGroup, build: GroupBuild) -> DesiredGroup:
    ordered = group.ordered_members
    bases = []
    for member in ordered:
        spec = member.trunk
        assert spec is not None  # the policy refuses a built group's member without one
        servers = tuple(spec.sip_servers) or (build.twilio.domain_name,)
        if spec.allow_list is not None:
            allow = tuple(spec.allow_list)
        else:
            allow = TWILIO_SIGNALLING_RANGES if build.topology == "direct" else ()
        bases.append(
            DesiredTrunkBase(
                name=member.genesys_trunk,
                inbound_identifier=spec.inbound_identifier,
                transport=spec.transport,
                sip_servers=servers,
                allow_list=allow,
                inbound_site=spec.inbound_site or group.site,
                enabled=spec.enabled,
                username=build.credentials.username,
                realm=build.credentials.realm,
                password_setting=build.credentials.password_setting,
            )
        )
    acl = build.twilio.ip_acl
    return DesiredGroup(
        name=group.name,
        adopt=build.adopt,
        trunk=group.twilio_trunk,
        domain_name=build.twilio.domain_name,
        secure=build.twilio.secure,
        disaster_recovery_url=build.twilio.disaster_recovery_url,
        credential_list=build.twilio.credential_list or f"{group.twilio_trunk} credentials",
        username=build.credentials.username,
        password_setting=build.credentials.password_setting,
        ip_acl=acl.name if acl else None,
        acl_cidrs=tuple(acl.addresses) if acl else (),
        origination_urls=tuple(
            DesiredOriginationUrl(m.genesys_trunk, m.origination_url, (rank + 1) * PRIORITY_STEP)
            for rank, m in enumerate(ordered)
        ),
        trunk_bases=tuple(bases),
        site=group.site,
        route=group.outbound_route,
        classifications=tuple(build.route.classifications),
        route_enabled=build.route.enabled,
        members_in_order=tuple(m.genesys_trunk for m in ordered),
    )


def twilio_secret_target(group: DesiredGroup) -> str:
    """Where a password was written, for its recorded fingerprint."""
    return f"twilio:{group.credential_list}:{group.username}"


def genesys_secret_target(base: DesiredTrunkBase) -> str:
    """A trunk base holds one password whatever its username (a rotation changes both)."""
    return f"genesys:{base.name}"
