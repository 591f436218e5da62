"""One health evaluation of one trunk group: observe → decide → claim → act.

Observations combine what Genesys says of each member's trunk (connected, in service,
enabled, its own OPTIONS ping) with byoc-sync's SIP OPTIONS probe of the member's carrier
or SBC endpoint. The decision is pure (`decision.py`). The new state is saved with the ETag
the old one was read with *before* acting: of two evaluations racing on one group exactly
one saves, and only that one acts; the other reports that it stood down. Acting is derived
from what the vendors hold, so it is idempotent and a failed action is redone next run.

Each evaluation is a span; a run whose actions moved another member first on the vendors
counts one `byoc.failovers` (`switches.route_switch` says which way and why).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared import telemetry
from shared.domain.journal import ChangeRecord
from shared.domain.model import GenesysTrunk, OutboundRoute, TrunkBase, TwilioTrunk
from shared.domain.policy import TrunkGroup
from shared.domain.trunks import instances_of
from shared.health.actions import (
    Action,
    ActionProblemError,
    apply_actions,
    realised_order,
    record_of,
)
from shared.health.actions import plan_actions as plan_group_actions
from shared.health.decision import Decision, GroupHealth, Observation, decide
from shared.health.switches import route_switch
from shared.ports import (
    GenesysPort,
    OriginationUrlWriter,
    OutboundRouteWriter,
    ProbeOutcome,
    SipProbe,
    StateConflictError,
    StateStore,
    TwilioPort,
)
from shared.telemetry.contract import (
    DRY_RUN_ATTRIBUTE,
    HEALTH_CHANGED_ATTRIBUTE,
    HEALTH_PREFERRED_ATTRIBUTE,
    HEALTH_SWITCHED_ATTRIBUTE,
    TRUNK_GROUP_ATTRIBUTE,
)

log = logging.getLogger(__name__)

# Where each trunk group's health state lives in the state table.
HEALTH_PARTITION = "trunk-group"


@dataclass(frozen=True)
class Estate:
    """What the vendors hold now, read once per evaluation run."""

    genesys_trunks: Sequence[GenesysTrunk]
    trunk_bases: Sequence[TrunkBase]
    routes: Sequence[OutboundRoute]
    twilio_trunks: Sequence[TwilioTrunk]


@dataclass
class GroupOutcome:
    group: str
    decision: Decision | None
    probes: dict[str, str] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    changes: list[ChangeRecord] = field(default_factory=list)  # made, for the journal
    stood_down: bool = False
    problem: str | None = None
    switched: bool = False  # this run moved another member first on the vendors

    def summary(self) -> str:
        if self.problem:
            return f"cannot act: {self.problem}"
        if self.stood_down:
            return "another evaluation saved this group's state first; it acts, this one not"
        assert self.decision is not None
        done = f" — {'; '.join(self.actions)}" if self.actions else ""
        return f"prefer {self.decision.preferred}: {self.decision.reason}{done}"


def read_estate(
    twilio: TwilioPort,
    genesys: GenesysPort,
    *,
    genesys_trunks: Sequence[GenesysTrunk] | None = None,
    twilio_trunks: Sequence[TwilioTrunk] | None = None,
    trunk_bases: Sequence[TrunkBase] | None = None,
) -> Estate:
    """One read of everything an evaluation looks at (collections already read are reused)."""
    return Estate(
        genesys_trunks=genesys.list_trunks() if genesys_trunks is None else genesys_trunks,
        trunk_bases=genesys.list_trunk_bases() if trunk_bases is None else trunk_bases,
        routes=genesys.list_outbound_routes(),
        twilio_trunks=twilio.list_trunks() if twilio_trunks is None else twilio_trunks,
    )


def instance_problems(trunk: GenesysTrunk) -> list[str]:
    """What Genesys reports wrong with one trunk instance; unknown signals do not count."""
    return [
        text
        for bad, text in (
            (trunk.enabled is False, "disabled"),
            (trunk.connected is False, "not connected"),
            (trunk.in_service is False, "out of service"),
            (trunk.options_up is False, "Genesys OPTIONS ping failing"),
            (trunk.registered is False, "SIP registration lost"),
        )
        if bad
    ]


def genesys_verdict(instances: Sequence[GenesysTrunk]) -> tuple[bool, str]:
    """A member is up in Genesys while any instance of its trunk base is.

    Genesys runs a BYOC trunk base as several instances, one per managed edge, and places
    calls over any instance that is up: one instance down is redundancy used, not an
    outage. Only when every instance is down does the member fail, with the problems of
    each (deduplicated) as its reason.
    """
    if not instances:
        return False, "no such trunk in Genesys"
    problems = [instance_problems(trunk) for trunk in instances]
    healthy = sum(1 for found in problems if not found)
    if healthy == len(instances):
        return True, "connected and in service"
    if healthy:
        return True, f"connected and in service on {healthy} of {len(instances)} instances"
    seen = list(dict.fromkeys(text for found in problems for text in found))
    suffix = f" (all {len(instances)} instances)" if len(instances) > 1 else ""
    return False, ", ".join(seen) + suffix


def observe(instances: Sequence[GenesysTrunk], probe: ProbeOutcome | None) -> Observation:
    """A member is healthy only if Genesys sees its trunk up and its endpoint answers."""
    ok, reason = genesys_verdict(instances)
    if probe is not None:
        ok = ok and probe.alive
        reason = f"{reason}; SIP {probe.detail}"
    return Observation(ok=ok, reason=reason)


def evaluate_group(
    group: TrunkGroup,
    estate: Estate,
    *,
    store: StateStore,
    probe: SipProbe,
    now: datetime,
    genesys: OutboundRouteWriter,
    twilio: OriginationUrlWriter,
    dry_run: bool = False,
    on_change: Callable[[ChangeRecord], None] | None = None,
) -> GroupOutcome:
    with telemetry.span(
        "evaluate trunk group", {TRUNK_GROUP_ATTRIBUTE: group.name, DRY_RUN_ATTRIBUTE: dry_run}
    ) as span:
        outcome = _evaluate_group(
            group,
            estate,
            store=store,
            probe=probe,
            now=now,
            genesys=genesys,
            twilio=twilio,
            dry_run=dry_run,
            on_change=on_change,
        )
        if outcome.decision is not None:
            span.set_attribute(HEALTH_PREFERRED_ATTRIBUTE, outcome.decision.preferred)
            span.set_attribute(HEALTH_CHANGED_ATTRIBUTE, outcome.decision.changed)
        span.set_attribute(HEALTH_SWITCHED_ATTRIBUTE, outcome.switched)
        return outcome


def _evaluate_group(
    group: TrunkGroup,
    estate: Estate,
    *,
    store: StateStore,
    probe: SipProbe,
    now: datetime,
    genesys: OutboundRouteWriter,
    twilio: OriginationUrlWriter,
    dry_run: bool,
    on_change: Callable[[ChangeRecord], None] | None,
) -> GroupOutcome:
    route = next(
        (r for r in estate.routes if r.name == group.outbound_route and r.site_name == group.site),
        None,
    )
    twilio_trunk = next(
        (t for t in estate.twilio_trunks if t.friendly_name == group.twilio_trunk), None
    )
    outcome = GroupOutcome(group.name, None)
    observations = {}
    for member in group.members:
        result = probe(member, group)
        if result is not None:
            outcome.probes[member.genesys_trunk] = result.detail
        instances = instances_of(member.genesys_trunk, estate.trunk_bases, estate.genesys_trunks)
        observations[member.genesys_trunk] = observe(instances, result)
    stored = store.load(group.name)
    previous = GroupHealth.model_validate(stored.data) if stored is not None else None
    decision = decide(
        group,
        previous,
        observations,
        now,
        observed_active=realised_order(group, route, estate.trunk_bases, None).genesys_first,
    )
    outcome.decision = decision
    if not dry_run:
        try:
            etag = stored.etag if stored is not None else None
            store.save(group.name, decision.state.model_dump(mode="json"), etag)
        except StateConflictError:
            outcome.stood_down = True
            return outcome
    members = {name: m.state for name, m in decision.state.members.items()}

    def made(action: Action) -> None:
        record = record_of(action, group.name)
        outcome.changes.append(record)
        if on_change is not None:
            on_change(record)

    try:
        actions = plan_group_actions(
            group,
            decision.preferred,
            route=route,
            trunk_bases=estate.trunk_bases,
            twilio_trunk=twilio_trunk,
            member_states=members,
            disable_failed=group.disable_failed_origination,
            reason=decision.reason,
        )
    except ActionProblemError as problem:
        outcome.problem = str(problem)
        return outcome
    before = realised_order(group, route, estate.trunk_bases, twilio_trunk)
    outcome.actions = apply_actions(actions, genesys, twilio, dry_run=dry_run, done=made)
    switch = None if dry_run or not actions else route_switch(group, before, decision)
    if switch is not None:
        outcome.switched = True
        telemetry.route_switched(group.name, switch.direction, switch.reason)
    return outcome


def evaluate_groups(
    groups: Sequence[TrunkGroup],
    estate: Estate,
    *,
    store: StateStore,
    now: datetime,
    genesys: OutboundRouteWriter,
    twilio: OriginationUrlWriter,
    dry_run: bool = False,
    probe: SipProbe,
    on_change: Callable[[ChangeRecord], None] | None = None,
) -> list[GroupOutcome]:
    """Every group against one read of the estate and one clock reading; `on_change` hears
    of each change made, as it is made (the journal)."""
    outcomes = [
        evaluate_group(
            group,
            estate,
            store=store,
            probe=probe,
            now=now,
            genesys=genesys,
            twilio=twilio,
            dry_run=dry_run,
            on_change=on_change,
        )
        for group in groups
    ]
    for outcome in outcomes:
        if outcome.problem:
            # The estate does not match the policy: retrying will not fix it, and the next
            # health check reports it again; the audit names the missing piece.
            log.error("%s: cannot act: %s", outcome.group, outcome.problem)
    return outcomes
