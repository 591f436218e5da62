"""The routing policy: byoc-sync's only desired state.

Twilio and Genesys are observed state; this file says what they should hold. It names
the trunk groups (ordered members with a failover policy), the routes (which numbers land
on which Genesys IVR configuration, DID pool and trunk group) and how boldly to sync.
Ownership follows from it too: byoc-sync only changes the IVRs and trunk groups named here
and the DID pools it created itself.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.domain.e164 import E164, E164Prefix
from shared.domain.sip_uri import SipTarget
from shared.domain.yaml_source import load_model, load_model_file

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Strict(BaseModel):
    """Unknown keys are errors: a typo in a policy must not silently mean 'default'."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SyncMode(StrEnum):
    SYNC = "sync"  # create, update and delete what byoc-sync owns
    UPSERT_ONLY = "upsert-only"  # create and update, never delete
    DRY_RUN = "dry-run"  # plan and report, change nothing


class Recovery(StrEnum):
    ON_SUCCESS = "on_success"  # return to the preferred member once it is healthy again
    NEVER = "never"  # stay on the backup until an operator moves traffic back


class Thresholds(_Strict):
    """Hysteresis for health-driven failover.

    Config changes cost more than a dropped probe (both vendors already retry per call),
    so a member changes state only after sustained evidence and a minimum dwell time.
    """

    failures_to_down: int = Field(3, ge=1, description="Consecutive failed probes to mark down.")
    successes_to_up: int = Field(5, ge=1, description="Consecutive good probes to mark up.")
    probe_interval_s: int = Field(60, ge=5, description="Seconds between health checks.")
    probe_timeout_s: float = Field(2.0, gt=0, le=30, description="SIP OPTIONS timeout.")
    rtt_soft_limit_ms: int = Field(
        800, ge=1, description="A probe slower than this counts as failed (soft failure)."
    )
    min_dwell_s: int = Field(
        300, ge=0, description="Minimum time in a state before the next failover/recovery."
    )
    flap_damping_cap_s: int = Field(
        3600, ge=0, description="Dwell time doubles per repeated flap, up to this cap."
    )

    @model_validator(mode="after")
    def _cap_covers_dwell(self) -> Thresholds:
        if self.flap_damping_cap_s < self.min_dwell_s:
            raise ValueError("flap_damping_cap_s must be at least min_dwell_s")
        return self


class TrunkGroupMember(_Strict):
    """One path for calls: a Genesys BYOC trunk and the Twilio origination URL feeding it."""

    genesys_trunk: Name = Field(
        description="Name of the Genesys external trunk (trunk base settings), "
        "e.g. BYOC-Primary-Twilio."
    )
    origination_url: str = Field(
        description="SIP URL of the Twilio trunk's origination URL that reaches this member; "
        "its priority is managed by byoc-sync.",
        pattern=r"^sips?:",
    )
    probe: SipTarget = Field(
        description="SIP OPTIONS health-probe target: sip:host[:port][;transport=udp|tcp|tls] "
        "or sips:host[:port]."
    )
    priority: int = Field(ge=1, le=65535, description="1 is preferred; lower wins.")


class TrunkGroup(_Strict):
    """Ordered trunks with a failover policy: primary first, then each failover.

    Realised as the order of `externalTrunkBases` on a Genesys site outbound route and
    the priorities of the Twilio trunk's origination URLs. All numbers of the group sit on
    one Twilio trunk, because Twilio allows a number on one trunk only.
    """

    name: Name
    twilio_trunk: Name = Field(description="Friendly name of the Twilio Elastic SIP trunk.")
    site: Name = Field(description="Genesys site whose outbound route realises the group.")
    outbound_route: Name = Field(description="Name of that site outbound route.")
    failover: Literal["on_failure"] = "on_failure"
    recovery: Recovery = Recovery.ON_SUCCESS
    disable_failed_origination: bool = Field(
        False,
        description="Also disable a down member's Twilio origination URL (re-enabled when it "
        "recovers), so Twilio does not try it first on every call while it is down.",
    )
    thresholds: Thresholds = Field(default_factory=lambda: Thresholds.model_validate({}))
    members: list[TrunkGroupMember] = Field(min_length=1)

    @model_validator(mode="after")
    def _members_distinct(self) -> TrunkGroup:
        for attribute in ("priority", "genesys_trunk", "origination_url"):
            values = [getattr(member, attribute) for member in self.members]
            duplicates = sorted({str(v) for v in values if values.count(v) > 1})
            if duplicates:
                raise ValueError(f"members repeat {attribute}: {', '.join(duplicates)}")
        return self

    @property
    def ordered_members(self) -> list[TrunkGroupMember]:
        return sorted(self.members, key=lambda member: member.priority)


class NumberSelector(_Strict):
    """Which Twilio numbers a route takes: any selector matching is enough."""

    tags: list[Name] = Field(
        default_factory=list,
        description="Tokens looked for in the Twilio number's friendly name (case-insensitive).",
    )
    prefixes: list[E164Prefix] = Field(
        default_factory=list, description="E.164 prefixes, e.g. +1202555."
    )
    numbers: list[E164] = Field(default_factory=list, description="Explicit E.164 numbers.")

    @model_validator(mode="after")
    def _not_empty(self) -> NumberSelector:
        if not (self.tags or self.prefixes or self.numbers):
            raise ValueError("a selector needs at least one of tags, prefixes or numbers")
        return self

    def matches(self, number: str, friendly_name: str = "") -> bool:
        name = friendly_name.casefold()
        return (
            number in self.numbers
            or any(number.startswith(prefix) for prefix in self.prefixes)
            or any(tag.casefold() in name for tag in self.tags)
        )


class Route(_Strict):
    """Numbers → one Genesys IVR configuration (call route), DID pool and trunk group."""

    name: Name
    description: str = ""
    select: NumberSelector
    ivr: Name = Field(description="Genesys IVR configuration (Admin: Call Routing) name.")
    did_pool_provider: Literal["PURE_CLOUD", "PURE_CLOUD_VOICE"] = Field(
        "PURE_CLOUD", description="Provider of the DID pools byoc-sync creates (BYOC: PURE_CLOUD)."
    )
    trunk_group: Name = Field(description="Name of a trunk group in this policy.")


class ChangeGuard(_Strict):
    """Refuse plans that touch too large a share of what byoc-sync owns (unless --force)."""

    max_share: float = Field(0.30, gt=0, le=1)
    min_owned: int = Field(10, ge=0, description="The guard applies once this many are owned.")


class Timers(_Strict):
    """Switches for the scheduled functions (an operator pauses one here, not in Azure)."""

    reconcile: bool = Field(True, description="Run the scheduled reconcile.")
    health_check: bool = Field(True, description="Run the scheduled trunk health check.")
    audit: bool = Field(True, description="Run the daily preflight audit (BYOC_AUDIT_SCHEDULE).")


class RoutingPolicy(_Strict):
    """The whole desired state (`BYOC_POLICY_PATH`)."""

    version: Literal[1] = 1
    mode: SyncMode = SyncMode.SYNC
    max_deletions: int = Field(10, ge=0, description="A plan deleting more is refused.")
    change_guard: ChangeGuard = Field(default_factory=lambda: ChangeGuard.model_validate({}))
    timers: Timers = Field(default_factory=lambda: Timers.model_validate({}))
    trunk_groups: list[TrunkGroup] = Field(min_length=1)
    routes: list[Route] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self) -> RoutingPolicy:
        group_names = [group.name for group in self.trunk_groups]
        route_names = [route.name for route in self.routes]
        for kind, names in (("trunk group", group_names), ("route", route_names)):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"{kind} names must be unique; repeated: {', '.join(repeated)}")
        for route in self.routes:
            if route.trunk_group not in group_names:
                raise ValueError(
                    f"route {route.name!r} names trunk group {route.trunk_group!r}, "
                    f"which is not defined (defined: {', '.join(group_names)})"
                )
        claimed: dict[str, str] = {}
        for route in self.routes:
            for number in route.select.numbers:
                if number in claimed:
                    raise ValueError(
                        f"number {number} is listed by routes {claimed[number]!r} and "
                        f"{route.name!r}; a number can land on one IVR only"
                    )
                claimed[number] = route.name
        return self

    def trunk_group(self, name: str) -> TrunkGroup:
        return next(group for group in self.trunk_groups if group.name == name)

    def route_for(self, number: str, friendly_name: str = "") -> Route | None:
        """First route (in file order) whose selector takes the number."""
        return next((r for r in self.routes if r.select.matches(number, friendly_name)), None)


def load_policy(path: Path) -> RoutingPolicy:
    return load_model_file(RoutingPolicy, path)


def parse_policy(text: str, source: str = "<string>") -> RoutingPolicy:
    return load_model(RoutingPolicy, text, source)


def policy_json_schema() -> dict[str, Any]:
    schema = RoutingPolicy.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "byoc-sync routing policy"
    return schema
