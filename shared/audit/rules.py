"""The audit rules: pure functions of what was read, each returning its findings.

The rules encode the BYOC provisioning checklists and their known traps. They
never change anything; what they need that a reconcile snapshot lacks (termination auth,
TLS handshakes) is read beforehand and passed in.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC

from shared.audit.carrier_alerts import ACCOUNT, CodeCount
from shared.audit.dial_plan import MAX_PLANS_PER_SITE, calling_code, classify, witnesses
from shared.audit.report import Finding, Severity
from shared.audit.tls_check import TlsEndpoint, TlsVerdict
from shared.domain.e164 import InvalidNumberError, to_e164
from shared.domain.model import (
    NumberPlan,
    OriginationUrl,
    OutboundRoute,
    SiteDialPlan,
    Snapshot,
    TrunkBase,
    TwilioTrunk,
    normalise_dnis,
)
from shared.domain.policy import RoutingPolicy, TrunkGroup
from shared.domain.sip_uri import parse_sip_target
from shared.domain.trunks import instances_of
from shared.health.evaluate import genesys_verdict

# Genesys Cloud's own domains (every region): a registrar or proxy here is Genesys itself.
GENESYS_HOST = re.compile(
    r"(^|\.)(mypurecloud\.(com|ie|de|jp|com\.au)|(us-gov-)?pure\.cloud)\.?$", re.I
)
# An Elastic SIP Trunking termination domain (<name>.pstn.twilio.com, with an edge or not).
TWILIO_TERMINATION = re.compile(r"(^|\.)pstn\.([a-z0-9-]+\.)*twilio\.com\.?$", re.I)
# Twilio's SIP domains: an origination URL here sends Twilio's calls back to Twilio.
TWILIO_HOST = re.compile(r"(^|\.)(pstn|sip)\.([a-z0-9-]+\.)*twilio\.com\.?$", re.I)


@dataclass(frozen=True)
class TerminationAuth:
    """How a Twilio trunk authenticates calls sent to it (termination)."""

    credential_lists: tuple[str, ...] = ()
    ip_access_control_lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditInput:
    policy: RoutingPolicy
    snapshot: Snapshot
    termination: dict[str, TerminationAuth] = field(default_factory=dict)  # by trunk SID
    tls: Sequence[TlsVerdict] = ()
    dial_plans: dict[str, SiteDialPlan] = field(default_factory=dict)  # by site name
    # Termination-side alerts Twilio reported recently, by trunk SID (`account`: no trunk).
    carrier_alerts: dict[str, list[CodeCount]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    check: Callable[[AuditInput], list[Finding]]


def _finding(
    rule: str, severity: Severity, objects: Sequence[str], message: str, remediation: str
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        objects=tuple(objects),
        message=message,
        remediation=remediation,
    )


def tls_endpoints(policy: RoutingPolicy) -> list[TlsEndpoint]:
    """Every SIP endpoint the policy reaches over TLS: member probes and origination URLs."""
    found: dict[tuple[str, int], TlsEndpoint] = {}
    for group in policy.trunk_groups:
        for member in group.members:
            for what, uri in (("probe", member.probe), ("origination URL", member.origination_url)):
                try:
                    target = parse_sip_target(uri)
                except ValueError:
                    continue
                if target.transport == "tls":
                    source = f"{group.name} member {member.genesys_trunk} {what}"
                    found.setdefault(
                        (target.host.lower(), target.port),
                        TlsEndpoint(target.host, target.port, source),
                    )
    return list(found.values())


# ---------------------------------------------------------------------------- the rules
def tls_chain(data: AuditInput) -> list[Finding]:
    return [
        _finding(
            "tls-chain",
            Severity.ERROR if verdict.reachable else Severity.WARNING,
            [str(verdict.endpoint), verdict.endpoint.source],
            f"{verdict.endpoint}: {verdict.problem}",
            "Have the carrier present its full chain (leaf + intermediates) from a CA in the "
            "Mozilla root store, for this host name, renewed well before expiry; verify with "
            "`openssl s_client -connect host:port -servername host` from a neutral server."
            if verdict.reachable
            else "Check the host name and port, and that this network may reach the endpoint; "
            "the chain could not be checked.",
        )
        for verdict in data.tls
        if not verdict.ok
    ]


def registrar_loop(data: AuditInput) -> list[Finding]:
    findings = []
    snapshot = data.snapshot
    members = dict.fromkeys(m.genesys_trunk for g in data.policy.trunk_groups for m in g.members)
    for member in members:
        # What the base is configured to send to (trunk_transport_serverProxyList), and what
        # its instances report pinging or registering with.
        configured = [b.sip_servers for b in snapshot.trunk_bases if b.name == member]
        instances = instances_of(member, snapshot.trunk_bases, snapshot.trunks)
        reported = [t.proxies for t in instances]
        addresses = dict.fromkeys(p for found in [*configured, *reported] for p in found)
        registering = any(t.registered is not None for t in instances)
        twilio = [p for p in addresses if TWILIO_TERMINATION.search(_host_only(p))]
        if registering and twilio:
            findings.append(
                _finding(
                    "registrar-loop",
                    Severity.ERROR,
                    [member, twilio[0]],
                    f"Genesys trunk {member} registers with {twilio[0]}, a Twilio Elastic SIP "
                    "Trunking termination: Twilio takes no REGISTER there (registration is a "
                    "Programmable Voice SIP Domain feature), so it never completes",
                    "Turn SIP registration off on the trunk and authenticate calls with the "
                    "termination's digest credentials or IP access control list; register "
                    "only toward an SBC that asks for it.",
                )
            )
        for proxy in addresses:
            if GENESYS_HOST.search(_host_only(proxy)):
                findings.append(
                    _finding(
                        "registrar-loop",
                        Severity.ERROR,
                        [member, proxy],
                        f"Genesys trunk {member} registers / sends to {proxy}, which is "
                        "Genesys Cloud itself: registration stays pending and calls loop",
                        "Set the trunk's registrar and SIP servers to the carrier's ingress "
                        "(e.g. your-trunk.pstn.twilio.com), not a Genesys address.",
                    )
                )
    for group in data.policy.trunk_groups:
        twilio_trunk = _twilio_trunk(data, group)
        for url in twilio_trunk.origination_urls if twilio_trunk else ():
            try:
                host = parse_sip_target(url.sip_url).host
            except ValueError:
                continue
            if TWILIO_HOST.search(host):
                findings.append(
                    _finding(
                        "registrar-loop",
                        Severity.ERROR,
                        [group.twilio_trunk, url.sip_url],
                        f"Twilio trunk {group.twilio_trunk} originates calls to {url.sip_url}, "
                        "a Twilio address: inbound calls never reach Genesys",
                        "Point the origination URL at the Genesys BYOC trunk's address "
                        "(…byoc.mypurecloud.com or your SBC).",
                    )
                )
    return findings


def number_format(data: AuditInput) -> list[Finding]:
    findings = []
    remedy = "Store every DID as E.164 (+ country code, digits only) on every side."
    for number in data.snapshot.twilio_numbers:
        if not _is_e164(number.phone_number):
            findings.append(
                _finding(
                    "number-format",
                    Severity.ERROR,
                    [number.phone_number],
                    f"Twilio number {number.phone_number!r} is not E.164",
                    remedy,
                )
            )
    for pool in data.snapshot.did_pools:
        bad = [edge for edge in (pool.start, pool.end) if not _is_e164(edge)]
        if bad:
            findings.append(
                _finding(
                    "number-format",
                    Severity.ERROR,
                    [f"DID pool {pool.start}-{pool.end}"],
                    f"DID pool {pool.start}-{pool.end}: {', '.join(map(repr, bad))} not E.164",
                    remedy,
                )
            )
    for ivr in data.snapshot.ivrs:
        for entry in ivr.dnis:
            e164 = normalise_dnis(entry)
            if e164 == entry:
                continue
            detail = f"should be {e164}" if e164 else "is not a phone number"
            findings.append(
                _finding(
                    "number-format",
                    Severity.ERROR,
                    [ivr.name, entry],
                    f"IVR {ivr.name} DNIS {entry!r} {detail}: calls to the E.164 number "
                    "do not match it",
                    remedy,
                )
            )
    return findings


def duplicate_dnis(data: AuditInput) -> list[Finding]:
    holders: dict[str, list[str]] = defaultdict(list)
    for ivr in data.snapshot.ivrs:
        for entry in ivr.dnis:
            number = normalise_dnis(entry)
            if number and ivr.name not in holders[number]:
                holders[number].append(ivr.name)
    return [
        _finding(
            "duplicate-dnis",
            Severity.ERROR,
            [number, *ivrs],
            f"{number} is a DNIS of {len(ivrs)} IVR configurations ({', '.join(ivrs)}): "
            "which one answers is decided by rule priority, not intent",
            "Keep each DID on exactly one active IVR configuration; branch on Trunk.Name in "
            "the flow if inbound must differ per trunk.",
        )
        for number, ivrs in sorted(holders.items())
        if len(ivrs) > 1
    ]


def coverage(data: AuditInput) -> list[Finding]:
    snapshot, policy = data.snapshot, data.policy
    findings = []
    trunk_names = {t.sid: t.friendly_name for t in snapshot.twilio_trunks}
    on_ivrs = {n for ivr in snapshot.ivrs for e in ivr.dnis if (n := normalise_dnis(e))}
    in_pools = [(p.start, p.end) for p in snapshot.did_pools]
    twilio_numbers = {n.phone_number for n in snapshot.twilio_numbers}
    for number in snapshot.twilio_numbers:
        e164 = number.phone_number
        route = policy.route_for(e164, number.friendly_name)
        trunk = trunk_names.get(number.trunk_sid or "")
        problems = []
        if number.trunk_sid is None:
            problems.append("on no Twilio trunk")
        elif route is not None:
            wanted = policy.trunk_group(route.trunk_group).twilio_trunk
            if trunk != wanted:
                problems.append(f"on trunk {trunk or number.trunk_sid}, outside group {wanted}")
        if e164 not in on_ivrs:
            problems.append("on no Genesys IVR")
        if not any(_in_range(e164, start, end) for start, end in in_pools):
            problems.append("in no Genesys DID pool")
        if problems:
            findings.append(
                _finding(
                    "coverage",
                    Severity.ERROR if route is not None else Severity.WARNING,
                    [e164],
                    f"Twilio number {e164} ({f'route {route.name}' if route else 'no route'}) "
                    f"is {', '.join(problems)}",
                    "Run `byoc-sync apply` to provision it"
                    if route is not None
                    # `numbers release` refuses a number no route selects (not ours).
                    else "Add a route that selects it, or, if it is not needed, release it "
                    "in the Twilio console.",
                )
            )
    for dnis in sorted(on_ivrs - twilio_numbers):
        ivrs = [i.name for i in snapshot.ivrs if any(normalise_dnis(e) == dnis for e in i.dnis)]
        findings.append(
            _finding(
                "coverage",
                Severity.ERROR,
                [dnis, *ivrs],
                f"{dnis} is a DNIS of {', '.join(ivrs)} but no Twilio number on this account",
                "Remove the DNIS, or buy / port the number into Twilio.",
            )
        )
    return findings


def carrier_side(data: AuditInput) -> list[Finding]:
    findings = []
    for group in data.policy.trunk_groups:
        trunk = _twilio_trunk(data, group)
        if trunk is None:
            findings.append(
                _finding(
                    "carrier-side",
                    Severity.ERROR,
                    [group.twilio_trunk],
                    f"trunk group {group.name}: no Twilio trunk {group.twilio_trunk!r}",
                    "Create the Elastic SIP trunk, or correct `twilio_trunk` in the policy.",
                )
            )
            continue
        for member in group.members:
            if member.origination_url.lower().startswith("sips:"):
                findings.append(
                    _finding(
                        "carrier-side",
                        Severity.ERROR,
                        [group.name, member.genesys_trunk, member.origination_url],
                        f"member {member.genesys_trunk}'s origination URL "
                        f"{member.origination_url} uses the sips: scheme, which Twilio does "
                        "not support: no Twilio trunk can hold it",
                        "Write it as `sip:host:5061;transport=tls` (TLS all the same), in the "
                        "policy and on the Twilio trunk.",
                    )
                )
                continue
            url = _matching_url(trunk, member.origination_url)
            if url is None:
                findings.append(
                    _finding(
                        "carrier-side",
                        Severity.ERROR,
                        [trunk.friendly_name, member.genesys_trunk],
                        f"Twilio trunk {trunk.friendly_name} has no origination URL "
                        f"{member.origination_url} for member {member.genesys_trunk}",
                        "Add the origination URL to the trunk (byoc-sync then manages its "
                        "priority).",
                    )
                )
                continue
            transport: str
            try:
                target = parse_sip_target(url.sip_url)
                transport, host = target.transport, target.host
            except ValueError:
                transport, host = "unknown", ""
            base = next(
                (b for b in data.snapshot.trunk_bases if b.name == member.genesys_trunk), None
            )
            if base is not None:
                findings += _base_against_url(base, url.sip_url, host, transport)
            if transport != "tls":
                findings.append(
                    _finding(
                        "carrier-side",
                        Severity.ERROR,
                        [trunk.friendly_name, url.sip_url],
                        f"origination URL {url.sip_url} uses {transport.upper()}: Genesys BYOC "
                        "trunks accept TLS only",
                        "Use `;transport=tls` (port 5061) on the origination URL.",
                    )
                )
        auth = data.termination.get(trunk.sid, TerminationAuth())
        if not auth.credential_lists and not auth.ip_access_control_lists:
            findings.append(
                _finding(
                    "carrier-side",
                    Severity.ERROR,
                    [trunk.friendly_name],
                    f"Twilio trunk {trunk.friendly_name} has no termination authentication "
                    "(no credential list, no IP access control list): Genesys cannot place "
                    "outbound calls through it",
                    "Associate a credential list (the Genesys trunk's digest credentials) or "
                    "an IP ACL with Genesys Cloud's media and signalling ranges.",
                )
            )
        findings += _alerts_found(data.carrier_alerts.get(trunk.sid, []), trunk.friendly_name)
    findings += _alerts_found(data.carrier_alerts.get(ACCOUNT, []), None)
    return findings


def _alerts_found(alerts: list[CodeCount], trunk: str | None) -> list[Finding]:
    """Outbound calls Twilio refused (termination-side alerts the events endpoint
    recorded): fixed on the carrier side, never by a failover."""
    where = f"on trunk {trunk}" if trunk else "on a trunk the alerts did not name"
    return [
        _finding(
            "carrier-side",
            Severity.WARNING,
            [trunk or "Twilio account", f"Twilio {alert.code}"],
            f"Twilio refused outbound calls {where}: {alert.code} {alert.meaning} "
            f"({alert.count} time(s), {alert.first_at.astimezone(UTC):%Y-%m-%d %H:%M} to "
            f"{alert.last_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)",
            f"Fix it in Twilio (https://www.twilio.com/docs/api/errors/{alert.code}) or in "
            "the Genesys trunk's outbound settings; a failover would not help, the other "
            "member's calls take the same Twilio trunk.",
        )
        for alert in alerts
    ]


def trunk_health(data: AuditInput) -> list[Finding]:
    findings = []
    snapshot = data.snapshot
    for group in data.policy.trunk_groups:
        for member in group.members:
            instances = instances_of(member.genesys_trunk, snapshot.trunk_bases, snapshot.trunks)
            ok, reason = genesys_verdict(instances)
            if not ok:
                findings.append(
                    _finding(
                        "trunk-health",
                        Severity.ERROR,
                        [member.genesys_trunk, group.name],
                        f"{group.name} member {member.genesys_trunk}: {reason}",
                        "Check the carrier side and the trunk's registration in Admin > "
                        "Telephony > Trunks; `byoc-sync health --probe` shows the SIP probe.",
                    )
                )
    return findings


def dial_plan_bypass(data: AuditInput) -> list[Finding]:
    """The dial-plan specificity trap: numbers a site classifies onto a route other than the
    trunk group's, although a broader plan would have sent them through the group."""
    findings = []
    for group in data.policy.trunk_groups:
        site_routes = [r for r in data.snapshot.outbound_routes if r.site_name == group.site]
        route = next((r for r in site_routes if r.name == group.outbound_route), None)
        if route is None or not route.enabled:
            findings.append(_group_route_missing(group, route))
            continue
        dial_plan = data.dial_plans.get(group.site)
        if dial_plan is not None:
            findings += _GroupDialPlan(data.snapshot, group, route, site_routes).check(dial_plan)
    for dial_plan in data.dial_plans.values():
        if len(dial_plan.number_plans) >= MAX_PLANS_PER_SITE:
            findings.append(_plans_full(dial_plan))
    return findings


def _plans_full(dial_plan: SiteDialPlan) -> Finding:
    return _finding(
        "dial-plan-bypass",
        Severity.WARNING,
        [dial_plan.site_name],
        f"site {dial_plan.site_name} holds {len(dial_plan.number_plans)} number plans, "
        f"Genesys' maximum ({MAX_PLANS_PER_SITE}): no plan can be added, and plans past the "
        "first 200 (if any) are invisible to this audit",
        "Merge plans that share a classification (one numberList or regex can cover many "
        "numbers) to get below the limit.",
    )


def _group_route_missing(group: TrunkGroup, route: OutboundRoute | None) -> Finding:
    what = "is disabled" if route is not None else "does not exist"
    return _finding(
        "dial-plan-bypass",
        Severity.ERROR,
        [group.site, group.outbound_route, group.name],
        f"trunk group {group.name}: outbound route {group.outbound_route!r} on site "
        f"{group.site} {what}, so no outbound call uses the group",
        "Create (or enable) the route with the group's trunks, or correct `site` / "
        "`outbound_route` in the policy.",
    )


class _GroupDialPlan:
    """Classifies witness numbers through one site's plans on behalf of one trunk group."""

    def __init__(
        self,
        snapshot: Snapshot,
        group: TrunkGroup,
        route: OutboundRoute,
        site_routes: list[OutboundRoute],
    ) -> None:
        self.group, self.route, self.site_routes = group, route, site_routes
        base_ids = {base.name: base.id for base in snapshot.trunk_bases}
        self.base_names = {base.id: base.name for base in snapshot.trunk_bases}
        self.members = {base_ids.get(m.genesys_trunk, m.genesys_trunk) for m in group.members}
        self.estate = {n.phone_number for n in snapshot.twilio_numbers} | {
            n for ivr in snapshot.ivrs for e in ivr.dnis if (n := normalise_dnis(e))
        }

    def keeps_group(self, route: OutboundRoute) -> bool:
        """The group's own route, or another one over exactly the group's trunks."""
        return route.id == self.route.id or set(route.external_trunk_base_ids) == self.members

    def check(self, dial_plan: SiteDialPlan) -> list[Finding]:
        code = calling_code(dial_plan.country)
        carried = set(self.route.classification_types)
        bypass: dict[tuple[NumberPlan, NumberPlan, tuple[str, ...]], list[str]] = {}
        shared: dict[tuple[str, str], list[str]] = {}
        for dialed in witnesses(dial_plan.number_plans, dial_plan.country, self.estate):
            hit = classify(dialed, dial_plan.number_plans, code)
            if hit is None:
                continue
            plan, shadowed = hit
            serving = [
                r
                for r in self.site_routes
                if r.enabled and plan.classification in r.classification_types
            ]
            around = tuple(r.name for r in serving if not self.keeps_group(r))
            if plan.classification in carried:
                for name in around:
                    shared.setdefault((plan.classification, name), []).append(dialed)
                continue
            broader = next((q for q in shadowed if q.classification in carried), None)
            if broader is not None and (around or not serving):
                bypass.setdefault((plan, broader, around), []).append(dialed)
        findings = [self._bypass(*key, numbers) for key, numbers in bypass.items()]
        findings += [self._shared(*key, numbers) for key, numbers in shared.items()]
        return findings

    def _trunks_of(self, route_name: str) -> str:
        route = next(r for r in self.site_routes if r.name == route_name)
        names = [self.base_names.get(i, i) for i in route.external_trunk_base_ids]
        return f"route {route_name} ({', '.join(names) or 'no trunks'})"

    def _bypass(
        self, plan: NumberPlan, broader: NumberPlan, around: tuple[str, ...], numbers: list[str]
    ) -> Finding:
        group, site = self.group, self.group.site
        where = (
            f"leave through {' and '.join(self._trunks_of(name) for name in around)}"
            if around
            else f"fail: no enabled outbound route carries {plan.classification!r}"
        )
        return _finding(
            "dial-plan-bypass",
            Severity.ERROR,
            [site, plan.name, *around, group.name],
            f"site {site}: number plan {plan.name!r} (priority {plan.priority}) classifies "
            f"{_examples(numbers)} as {plan.classification!r} ahead of plan {broader.name!r} "
            f"({broader.classification}), so those calls {where} instead of trunk group "
            f"{group.name} ({self.route.name})",
            f"Carry {plan.classification!r} on route {self.route.name}"
            + (f" instead of {', '.join(around)}" if around else "")
            + f", or move plan {plan.name!r} below {broader.name!r}, so these numbers keep "
            "the group's failover.",
        )

    def _shared(self, classification: str, other: str, numbers: list[str]) -> Finding:
        group, site = self.group, self.group.site
        return _finding(
            "dial-plan-bypass",
            Severity.ERROR,
            [site, self.route.name, other, group.name],
            f"site {site}: classification {classification!r} ({_examples(numbers)}) is carried "
            f"by both {self.route.name} (trunk group {group.name}) and {self._trunks_of(other)}: "
            "those calls may leave around the group's failover",
            f"Carry {classification!r} on one route only: remove it from {other}, or point "
            f"{other} at the group's trunks in the group's order.",
        )


def _base_against_url(base: TrunkBase, sip_url: str, host: str, transport: str) -> list[Finding]:
    """The Genesys side of a member, from its trunk base's properties, against the Twilio
    origination URL meant to reach it: the URL's host must carry the base's inbound SIP
    termination identifier, and both ends must use one transport. Only when the URL points
    at Genesys itself: through an SBC, each leg has its own address and transport."""
    if not (GENESYS_HOST.search(host) and ".byoc." in f".{host.lower()}"):
        return []
    found = []
    identifier = (base.inbound_identifier or "").lower()
    if identifier and host and not host.lower().startswith(f"{identifier}."):
        found.append(
            _finding(
                "carrier-side",
                Severity.ERROR,
                [base.name, sip_url],
                f"origination URL {sip_url} does not reach Genesys trunk {base.name}: its "
                f"inbound SIP termination identifier is {base.inbound_identifier!r}",
                f"Point the origination URL at {base.inbound_identifier}.byoc.<your region's "
                "BYOC domain>, or correct the trunk's inbound identifier.",
            )
        )
    if base.transport and transport in ("udp", "tcp", "tls") and base.transport != transport:
        found.append(
            _finding(
                "carrier-side",
                Severity.WARNING,
                [base.name, sip_url],
                f"Genesys trunk {base.name} is set to {base.transport.upper()} but its "
                f"origination URL {sip_url} uses {transport.upper()}",
                "Use one transport on both ends (TLS: trunk_transport_protocolVariant tls "
                "and ;transport=tls on the origination URL).",
            )
        )
    return found


def _host_only(address: str) -> str:
    """`host` of a `host:port` proxy address (an IPv6 literal is left whole)."""
    return address.split(":")[0] if address.count(":") == 1 else address


def _examples(numbers: list[str], shown: int = 3) -> str:
    more = len(numbers) - shown
    return ", ".join(numbers[:shown]) + (f" and {more} more" if more > 0 else "")


RULES: tuple[Rule, ...] = (
    Rule("tls-chain", "TLS chain of every SIP TLS endpoint in the policy", tls_chain),
    Rule(
        "registrar-loop",
        "registrar / origination addresses point at the other side",
        registrar_loop,
    ),
    Rule("number-format", "every DID in E.164 on Twilio, DID pools and IVR DNIS", number_format),
    Rule("duplicate-dnis", "one number on one IVR configuration only", duplicate_dnis),
    Rule("coverage", "Twilio numbers and Genesys DIDs match, on the right trunk", coverage),
    Rule(
        "dial-plan-bypass",
        "number plans and outbound routes keep outbound calls on the trunk group",
        dial_plan_bypass,
    ),
    Rule(
        "carrier-side", "origination URLs, transport and termination auth per group", carrier_side
    ),
    Rule("trunk-health", "trunk-group members connected and in service", trunk_health),
)


# ---------------------------------------------------------------------------- helpers
def _twilio_trunk(data: AuditInput, group: TrunkGroup) -> TwilioTrunk | None:
    return next(
        (t for t in data.snapshot.twilio_trunks if t.friendly_name == group.twilio_trunk), None
    )


def _host_port(uri: str) -> tuple[str, int] | None:
    try:
        target = parse_sip_target(uri)
    except ValueError:
        return None
    return target.host.lower(), target.port


def _matching_url(trunk: TwilioTrunk, wanted: str) -> OriginationUrl | None:
    """The trunk's origination URL for a member: the same URI, else the same host and port
    (so a URL that differs only in transport is reported as that, not as missing)."""
    exact = [u for u in trunk.origination_urls if u.sip_url.strip().lower() == wanted.lower()]
    if exact:
        return exact[0]
    where = _host_port(wanted)
    return next(
        (u for u in trunk.origination_urls if where and _host_port(u.sip_url) == where), None
    )


def _is_e164(value: str) -> bool:
    try:
        return to_e164(value) == value
    except InvalidNumberError:
        return False


def _in_range(number: str, start: str, end: str) -> bool:
    if len(number) != len(start) or len(start) != len(end):
        return number in (start, end)
    return start <= number <= end
