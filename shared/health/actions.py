"""Making a trunk group's preferred member first, on both sides.

Genesys sends outbound calls down the site outbound route's `externalTrunkBases` in order
(distribution SEQUENTIAL); Twilio sends inbound calls to the trunk's origination URLs by
priority (lowest first). Failover and recovery are the same act: put the preferred member
first in both. The plan is computed from what the vendors hold now, not from what changed in
the decision, so a run that died half-way is finished by the next one, and a run that finds
everything in place does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from shared.domain.journal import ROUTE_ORDER_SEPARATOR, ChangeRecord, route_switch_subject
from shared.domain.model import OriginationUrl, OutboundRoute, TrunkBase, TwilioTrunk
from shared.domain.policy import TrunkGroup
from shared.ports import OriginationUrlWriter, OutboundRouteWriter

log = logging.getLogger(__name__)

PRIORITY_STEP = 10  # origination priorities 10, 20, 30 …: room for hand-made entries between


@dataclass(frozen=True)
class ReorderOutboundRoute:
    route: OutboundRoute
    trunk_base_ids: tuple[str, ...]
    names: tuple[str, ...]
    reason: str
    before_names: tuple[str, ...] = ()  # the route's trunks in order, before the change

    def describe(self) -> str:
        return (
            f"Genesys outbound route {self.route.name!r} (site {self.route.site_name}): "
            f"trunks in order {' → '.join(self.names)}"
        )


@dataclass(frozen=True)
class SetOriginationUrl:
    trunk_sid: str
    url: OriginationUrl
    priority: int
    enabled: bool
    reason: str

    def describe(self) -> str:
        changes = []
        if self.priority != self.url.priority:
            changes.append(f"priority {self.url.priority} → {self.priority}")
        if self.enabled != self.url.enabled:
            changes.append("enabled" if self.enabled else "disabled")
        return f"Twilio origination URL {self.url.sip_url}: {', '.join(changes)}"


Action = ReorderOutboundRoute | SetOriginationUrl


def record_of(action: Action, group: str) -> ChangeRecord:
    """How the journal tells a made action: the route's trunk order (a switch) or one
    origination URL's priority and state, before → after, with the decision's reason."""
    if isinstance(action, ReorderOutboundRoute):
        return ChangeRecord(
            subject=route_switch_subject(action.route.name),
            before=ROUTE_ORDER_SEPARATOR.join(action.before_names) or None,
            after=ROUTE_ORDER_SEPARATOR.join(action.names),
            reason=action.reason,
            trunk_group=group,
        )
    url = action.url
    return ChangeRecord(
        subject=f"Twilio origination URL {url.sip_url}",
        before=f"priority {url.priority}, {'enabled' if url.enabled else 'disabled'}",
        after=f"priority {action.priority}, {'enabled' if action.enabled else 'disabled'}",
        reason=action.reason,
        trunk_group=group,
    )


class ActionProblemError(ValueError):
    """The estate does not match the policy enough to act (a missing route, trunk or URL)."""


def _same_uri(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def member_order(group: TrunkGroup, preferred: str) -> list[str]:
    """Preferred first, then the others by priority."""
    others = [m.genesys_trunk for m in sorted(group.members, key=lambda m: m.priority)]
    return [preferred] + [name for name in others if name != preferred]


@dataclass(frozen=True)
class RealisedOrder:
    """How the vendors order a group's members right now (what a rehearsal checks)."""

    genesys: tuple[str, ...]  # members in the outbound route's externalTrunkBases order
    twilio: tuple[tuple[str, int, bool], ...]  # (member, priority, enabled) by priority

    @property
    def genesys_first(self) -> str | None:
        return self.genesys[0] if self.genesys else None

    @property
    def twilio_first(self) -> str | None:
        enabled = [member for member, _, on in self.twilio if on]
        return enabled[0] if enabled else None

    def describe(self) -> str:
        urls = ", ".join(
            f"{member} {priority}{'' if on else ' (disabled)'}"
            for member, priority, on in self.twilio
        )
        return f"Genesys route: {' → '.join(self.genesys) or 'none'}; Twilio priorities: {urls}"


def realised_order(
    group: TrunkGroup,
    route: OutboundRoute | None,
    trunk_bases: Sequence[TrunkBase],
    twilio_trunk: TwilioTrunk | None,
) -> RealisedOrder:
    names = {b.id: b.name for b in trunk_bases}
    members = {m.genesys_trunk for m in group.members}
    on_route = route.external_trunk_base_ids if route else ()
    genesys = tuple(names[b] for b in on_route if names.get(b) in members)
    urls = twilio_trunk.origination_urls if twilio_trunk else ()
    twilio = sorted(
        (member.genesys_trunk, url.priority, url.enabled)
        for member in group.members
        for url in urls
        if _same_uri(url.sip_url, member.origination_url)
    )
    return RealisedOrder(genesys, tuple(sorted(twilio, key=lambda entry: entry[1])))


def plan_actions(
    group: TrunkGroup,
    preferred: str,
    *,
    route: OutboundRoute | None,
    trunk_bases: Sequence[TrunkBase],
    twilio_trunk: TwilioTrunk | None,
    member_states: Mapping[str, str],
    disable_failed: bool = False,
    reason: str = "",
) -> list[Action]:
    """What to change so `preferred` is first on both sides (empty when it already is)."""
    order = member_order(group, preferred)
    actions: list[Action] = []
    if route is None:
        raise ActionProblemError(
            f"{group.name}: no outbound route {group.outbound_route!r} on site {group.site!r}"
        )
    if route.site_managed:
        raise ActionProblemError(
            f"{group.name}: site {group.site!r} is managed by Genesys Cloud and its outbound "
            "routes are read-only; put the group's route on a site of your own"
        )
    base_ids = {b.name: b.id for b in trunk_bases if not b.managed}
    missing = [name for name in order if name not in base_ids]
    if missing:
        raise ActionProblemError(f"{group.name}: no Genesys trunk base named {', '.join(missing)}")
    member_ids = [base_ids[name] for name in order]
    # Bases on the route that are not members keep their place after the members.
    foreign = [b for b in route.external_trunk_base_ids if b not in member_ids]
    wanted = tuple(member_ids + foreign)
    if wanted != route.external_trunk_base_ids:
        names = {b.id: b.name for b in trunk_bases}
        actions.append(
            ReorderOutboundRoute(
                route,
                wanted,
                tuple(names.get(b, b) for b in wanted),
                reason,
                tuple(names.get(b, b) for b in route.external_trunk_base_ids),
            )
        )
    if twilio_trunk is None:
        raise ActionProblemError(f"{group.name}: no Twilio trunk {group.twilio_trunk!r}")
    by_member = {m.genesys_trunk: m for m in group.members}
    for rank, name in enumerate(order, start=1):
        member = by_member[name]
        url = next(
            (
                u
                for u in twilio_trunk.origination_urls
                if _same_uri(u.sip_url, member.origination_url)
            ),
            None,
        )
        if url is None:
            raise ActionProblemError(
                f"{group.name}: Twilio trunk {twilio_trunk.friendly_name} has no origination "
                f"URL {member.origination_url}"
            )
        enabled = not (disable_failed and member_states.get(name) == "down" and name != preferred)
        priority = rank * PRIORITY_STEP
        if url.priority != priority or url.enabled != enabled:
            actions.append(SetOriginationUrl(twilio_trunk.sid, url, priority, enabled, reason))
    return actions


def apply_actions(
    actions: Sequence[Action],
    genesys: OutboundRouteWriter,
    twilio: OriginationUrlWriter,
    *,
    dry_run: bool = False,
    done: Callable[[Action], None] | None = None,
) -> list[str]:
    """Carry the actions out (each idempotent: absolute values, re-read before writing) and
    say what was done; with `dry_run`, say what would be. `done` hears of each action once
    it is made (the journal), so one made before a later one fails is still recorded."""
    lines = []
    for action in actions:
        text = action.describe()
        if dry_run:
            lines.append(f"would set {text}")
            continue
        if isinstance(action, ReorderOutboundRoute):
            genesys.update_outbound_route_trunks(action.route, action.trunk_base_ids)
        else:
            twilio.update_origination_url(
                action.trunk_sid, action.url.sid, priority=action.priority, enabled=action.enabled
            )
        log.info("set %s (%s)", text, action.reason)
        lines.append(f"set {text}")
        if done is not None:
            done(action)
    return lines
