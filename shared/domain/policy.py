"""The routing policy: byoc-sync's only desired state.

Twilio and Genesys are observed state; this file says what they should hold. It names
the trunk groups (ordered members with a failover policy), the routes (which numbers land
on which Genesys IVR configuration, DID pool and trunk group) and how boldly to sync.
Ownership follows from it too: byoc-sync only changes the IVRs and trunk groups named here
and the DID pools it created itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from shared.domain.e164 import E164, E164Prefix
from shared.domain.sip_uri import SipTarget
from shared.domain.trunk_derive import SOURCED_BYOC_DOMAINS, origination_url
from shared.domain.trunk_spec import GroupBuild, TrunkSpec, is_twilio_termination
from shared.domain.yaml_source import load_model, load_model_file

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Strict(BaseModel):
    """Unknown keys are errors: a typo in a policy must not silently mean 'default'."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- cross-field checks -------------------------------------------------------------------
# pydantic runs an `after` model validator only when every field of the model is valid, and
# its error carries the model's own location (for the document: line 1). An engineer fixing
# a policy wants every problem in one run, each at the line to edit. So the checks that
# compare items (unique names, references, repeated numbers) read the input as given, run
# beside field validation in a `wrap` validator, and report each conflict at the item that
# breaks the rule (the second route's number entry, not the document).

CONFLICT = "policy_conflict"
"""pydantic error type of a cross-field check; its message is already meant for a human."""

Loc = tuple[str | int, ...]
_M = TypeVar("_M", bound=BaseModel)


class Conflict(NamedTuple):
    loc: Loc  # relative to the model whose validator found it
    message: str
    value: Any


def _details(conflict: Conflict) -> InitErrorDetails:
    # The message goes in as a template with nothing to fill in; braces in it stay as written.
    return InitErrorDetails(
        type=PydanticCustomError(CONFLICT, conflict.message),
        loc=conflict.loc,
        input=conflict.value,
    )


def _restored(error: ErrorDetails) -> InitErrorDetails:
    """An error pydantic reported, in the form `from_exception_data` accepts again."""
    if error["type"] == CONFLICT:  # a custom type cannot be rebuilt from its name
        return InitErrorDetails(
            type=PydanticCustomError(CONFLICT, error["msg"]), loc=error["loc"], input=error["input"]
        )
    details = InitErrorDetails(type=error["type"], loc=error["loc"], input=error["input"])
    if "ctx" in error:
        details["ctx"] = error["ctx"]
    return details


def _validate_and_check(
    title: str,
    data: Any,
    handler: ModelWrapValidatorHandler[_M],
    conflicts: list[Conflict],
) -> _M:
    """Field validation and the cross-field `conflicts`, reported together."""
    try:
        model = handler(data)
    except ValidationError as exc:
        merged = [_restored(error) for error in exc.errors()] + [_details(c) for c in conflicts]
        raise ValidationError.from_exception_data(title, merged) from None
    if conflicts:
        raise ValidationError.from_exception_data(title, [_details(c) for c in conflicts])
    return model


def _get(item: Any, key: str) -> Any:
    """`key` of a mapping as written (or of a model already built); None when absent."""
    if isinstance(item, dict):
        return item.get(key)
    if isinstance(item, BaseModel):
        return getattr(item, key, None)
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _text(value: Any) -> str | None:
    """A name as the model will hold it (whitespace stripped), or None if it is not one."""
    return value.strip() if isinstance(value, str) else None


def _repeats(entries: Iterable[tuple[Loc, Any]]) -> Iterator[tuple[Loc, Any, Loc]]:
    """(where, value, where first) for every entry whose value an earlier entry had."""
    first: dict[Any, Loc] = {}
    for loc, value in entries:
        if value is None:
            continue
        if value in first:
            yield loc, value, first[value]
        else:
            first[value] = loc


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


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

    @model_validator(mode="wrap")
    @classmethod
    def _cap_covers_dwell(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """Flap damping doubles the dwell up to the cap, so a cap below it would shrink it."""
        written = {key: _get(data, key) for key in ("flap_damping_cap_s", "min_dwell_s")}
        # Blame the cap when it is written, else the dwell that outgrew the default cap.
        key = "flap_damping_cap_s" if written["flap_damping_cap_s"] is not None else "min_dwell_s"
        cap, dwell = (
            cls.model_fields[name].default if value is None else value
            for name, value in written.items()
        )
        conflicts = []
        if _is_int(cap) and _is_int(dwell) and cap < dwell:
            message = f"flap_damping_cap_s ({cap}) must be at least min_dwell_s ({dwell})"
            conflicts.append(Conflict((key,), message, written[key]))
        return _validate_and_check(cls.__name__, data, handler, conflicts)


class TrunkGroupMember(_Strict):
    """One path for calls: a Genesys BYOC trunk and the Twilio origination URL feeding it."""

    genesys_trunk: Name = Field(
        description="Name of the Genesys external trunk's trunk base settings (not of its "
        "trunk instances, which Genesys names differently), "
        "e.g. BYOC-Primary-Twilio."
    )
    origination_url: str = Field(
        description="SIP URL of the Twilio trunk's origination URL that reaches this member; "
        "its priority is managed by byoc-sync. Derived from `trunk` when the group is built "
        "by byoc-sync (direct topology): sip:<inbound_identifier>.<BYOC domain>.",
        pattern=r"^sips?:",
    )
    probe: SipTarget = Field(
        description="SIP OPTIONS health-probe target: sip:host[:port][;transport=udp|tcp|tls] "
        "or sips:host[:port]."
    )
    priority: int = Field(ge=1, le=65535, description="1 is preferred; lower wins.")
    trunk: TrunkSpec | None = Field(
        None, description="The member's BYOC Cloud trunk base, in a group byoc-sync builds."
    )


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
    build: GroupBuild | None = Field(
        None,
        description="byoc-sync builds and keeps both sides of this group's trunks (without it "
        "the trunks, Twilio trunk, origination URLs and route must exist already).",
    )
    members: list[TrunkGroupMember] = Field(min_length=1)

    @model_validator(mode="wrap")
    @classmethod
    def _members_distinct(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        """Two members sharing a priority, trunk or URL leave the failover order ambiguous;
        a built group derives what it can before that is checked."""
        data = _with_derived_urls(data, (info.context or {}).get("byoc_domain"))
        conflicts = [*_member_conflicts(data), *_build_conflicts(data)]
        return _validate_and_check(cls.__name__, data, handler, conflicts)

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
    twilio_feed: bool = Field(
        True,
        description="Read Twilio's change feed for numbers changed in the console "
        "(BYOC_TWILIO_FEED_SCHEDULE).",
    )
    twilio_alert_feed: bool = Field(
        True,
        description="Read Twilio's Monitor alerts for origination and termination errors "
        "(BYOC_TWILIO_ALERT_FEED_SCHEDULE); the Debugger webhook pushes the same alerts.",
    )
    genesys_audit_feed: bool = Field(
        True,
        description="Read Genesys' audit log for hand edits of IVRs, DIDs and DID pools "
        "(BYOC_GENESYS_AUDIT_FEED_SCHEDULE).",
    )


class RoutingPolicy(_Strict):
    """The whole desired state (`BYOC_POLICY_PATH`)."""

    version: Literal[1] = 1
    mode: SyncMode = SyncMode.SYNC
    max_deletions: int = Field(10, ge=0, description="A plan deleting more is refused.")
    change_guard: ChangeGuard = Field(default_factory=lambda: ChangeGuard.model_validate({}))
    timers: Timers = Field(default_factory=lambda: Timers.model_validate({}))
    trunk_groups: list[TrunkGroup] = Field(min_length=1)
    routes: list[Route] = Field(min_length=1)

    @model_validator(mode="wrap")
    @classmethod
    def _references_resolve(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """Names are what routes and operators refer to, so they must be unique and resolve;
        a number must land on one IVR."""
        return _validate_and_check(cls.__name__, data, handler, list(_policy_conflicts(data)))

    def trunk_group(self, name: str) -> TrunkGroup:
        return next(group for group in self.trunk_groups if group.name == name)

    def route_for(self, number: str, friendly_name: str = "") -> Route | None:
        """First route (in file order) whose selector takes the number."""
        return next((r for r in self.routes if r.select.matches(number, friendly_name)), None)


def _hashable(value: Any) -> Any:
    """A value comparable the way the model will hold it; None when it cannot be."""
    if isinstance(value, str):
        return value.strip()
    return value if isinstance(value, int | float) else None


def _member_conflicts(group: Any) -> Iterator[Conflict]:
    members = _items(_get(group, "members"))
    for attribute in ("priority", "genesys_trunk", "origination_url"):
        entries = [
            (("members", index, attribute), _hashable(_get(member, attribute)))
            for index, member in enumerate(members)
        ]
        for loc, value, first in _repeats(entries):
            message = f"members repeat {attribute}: {value} (first at {_dotted(first[:2])})"
            yield Conflict(loc, message, value)


def _with_derived_urls(group: Any, context_domain: str | None) -> Any:
    """The group as written, with each built member's origination URL derived from its
    inbound identifier, transport and the BYOC domain (direct topology only: behind an SBC
    the URL is the SBC's and must be written)."""
    build = _get(group, "build")
    if not isinstance(group, dict) or not isinstance(build, dict):
        return group
    if (build.get("topology") or "direct") != "direct":
        return group
    domain = _text(build.get("byoc_domain")) or context_domain or SOURCED_BYOC_DOMAINS["us-east-1"]
    members = []
    for member in _items(group.get("members")):
        trunk = _get(member, "trunk")
        identifier = _text(_get(trunk, "inbound_identifier"))
        if isinstance(member, dict) and identifier and _get(member, "origination_url") is None:
            transport = _text(_get(trunk, "transport")) or "tls"
            member = {**member, "origination_url": origination_url(identifier, domain, transport)}
        members.append(member)
    return {**group, "members": members}


def _build_conflicts(group: Any) -> Iterator[Conflict]:
    build = _get(group, "build")
    topology = _text(_get(build, "topology")) or "direct"
    twilio_domain = _text(_get(_get(build, "twilio"), "domain_name")) or ""
    for index, member in enumerate(_items(_get(group, "members"))):
        trunk = _get(member, "trunk")
        here: Loc = ("members", index)
        if build is None:
            if trunk is not None:
                yield Conflict(
                    (*here, "trunk"),
                    "a member's trunk is built only in a group with a `build` section",
                    trunk,
                )
            continue
        if trunk is None:
            yield Conflict(
                here,
                "in a group byoc-sync builds, every member declares its `trunk`",
                _get(member, "genesys_trunk"),
            )
            continue
        servers = [_text(s) or "" for s in _items(_get(trunk, "sip_servers"))] or [twilio_domain]
        if _get(trunk, "registration") is True:
            toward = next((s for s in servers if is_twilio_termination(s)), None)
            message = (
                f"SIP registration toward the Twilio termination {toward}: Twilio Elastic SIP "
                "Trunking accepts no REGISTER; remove `registration` (Genesys sends to the "
                "termination with the digest credentials)"
                if toward
                else "SIP registration is not provisioned by byoc-sync; remove `registration` and "
                "set registration on the trunk by hand (then adopt it)"
            )
            yield Conflict((*here, "trunk", "registration"), message, True)
        if topology == "sbc":
            if not _items(_get(trunk, "sip_servers")):
                yield Conflict(
                    (*here, "trunk", "sip_servers"),
                    "behind an SBC, name the SBC in the member's sip_servers",
                    None,
                )
            if _get(member, "origination_url") is None:
                yield Conflict(
                    (*here, "origination_url"),
                    "behind an SBC, write the origination URL (the SBC's SIP URI)",
                    None,
                )


def _policy_conflicts(policy: Any) -> Iterator[Conflict]:
    groups = _items(_get(policy, "trunk_groups"))
    routes = _items(_get(policy, "routes"))
    group_names = [_text(_get(group, "name")) for group in groups]
    route_names = [_text(_get(route, "name")) for route in routes]

    def route_label(index: int) -> str:
        name = route_names[index]
        return repr(name) if name else f"routes.{index}"

    for kind, key, names in (
        ("trunk group", "trunk_groups", group_names),
        ("route", "routes", route_names),
    ):
        entries = [((key, index, "name"), name or None) for index, name in enumerate(names)]
        for loc, name, first in _repeats(entries):
            message = (
                f"{kind} names must be unique; repeated: {name} (first at {_dotted(first[:2])})"
            )
            yield Conflict(loc, message, name)

    # A group whose name is itself missing or wrong is reported already; guessing which
    # route meant it would only add noise.
    if groups and all(group_names):
        defined = ", ".join(dict.fromkeys(name for name in group_names if name))
        for index, route in enumerate(routes):
            wanted = _text(_get(route, "trunk_group"))
            if wanted and wanted not in group_names:
                yield Conflict(
                    ("routes", index, "trunk_group"),
                    f"route {route_label(index)} names trunk group {wanted!r}, "
                    f"which is not defined (defined: {defined})",
                    wanted,
                )

    listed = [
        (("routes", index, "select", "numbers", position), _hashable(number))
        for index, route in enumerate(routes)
        for position, number in enumerate(_items(_get(_get(route, "select"), "numbers")))
        if isinstance(number, str)
    ]
    for loc, number, first in _repeats(listed):
        here, there = route_label(int(loc[1])), route_label(int(first[1]))
        where = f"twice by route {here}" if loc[1] == first[1] else f"by routes {there} and {here}"
        message = f"number {number} is listed {where}; a number can land on one IVR only"
        yield Conflict(loc, message, number)


def load_policy(path: Path, byoc_domain: str | None = None) -> RoutingPolicy:
    """The policy in `path`; `byoc_domain` (the org region's, from the settings) is what
    built groups derive their members' origination URLs from."""
    return load_model_file(RoutingPolicy, path, {"byoc_domain": byoc_domain})


def parse_policy(
    text: str, source: str = "<string>", byoc_domain: str | None = None
) -> RoutingPolicy:
    return load_model(RoutingPolicy, text, source, {"byoc_domain": byoc_domain})


def policy_json_schema() -> dict[str, Any]:
    schema = RoutingPolicy.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "byoc-sync routing policy"
    return schema
