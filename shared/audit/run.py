"""Reading what the rules need, then running them: the audit's only I/O.

One full snapshot (the reconcile's own read), the termination auth of each trunk-group
trunk, the number plans of each trunk-group site, and one TLS handshake per TLS endpoint of
the policy. Nothing is written anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from shared.audit.report import AuditReport, Finding, RuleRun
from shared.audit.rules import RULES, AuditInput, TerminationAuth, tls_endpoints
from shared.audit.tls_check import check_tls_endpoint
from shared.domain.policy import RoutingPolicy
from shared.ports import GenesysPort, TwilioPort
from shared.reconcile.snapshot import read_snapshot

log = logging.getLogger(__name__)


def gather(
    policy: RoutingPolicy,
    twilio: TwilioPort,
    genesys: GenesysPort,
    *,
    ca_bundle: str | None = None,
    expiry_days: int = 30,
    tls_timeout_s: float = 5.0,
    progress: Callable[[str], None] = lambda _: None,
) -> AuditInput:
    progress("reading Twilio and Genesys")
    snapshot = read_snapshot(twilio, genesys)
    group_trunks = {g.twilio_trunk for g in policy.trunk_groups}
    termination = {}
    for trunk in snapshot.twilio_trunks:
        if trunk.friendly_name in group_trunks:
            credentials, acls = twilio.termination_auth(trunk.sid)
            termination[trunk.sid] = TerminationAuth(tuple(credentials), tuple(acls))
    verdicts = []
    for endpoint in tls_endpoints(policy):
        progress(f"TLS handshake with {endpoint}")
        verdicts.append(
            check_tls_endpoint(
                endpoint, ca_bundle=ca_bundle, expiry_days=expiry_days, timeout_s=tls_timeout_s
            )
        )
    dial_plans = {}
    group_sites = {g.site for g in policy.trunk_groups}
    for site_id, site_name in sorted({(r.site_id, r.site_name) for r in snapshot.outbound_routes}):
        if site_name in group_sites:
            progress(f"reading the number plans of site {site_name}")
            dial_plans[site_name] = genesys.read_dial_plan(site_id)
    return AuditInput(policy, snapshot, termination, verdicts, dial_plans)


def run_rules(data: AuditInput, only: set[str] | None = None) -> AuditReport:
    """Every rule (or those in `only`); a rule that crashes is reported as not run."""
    runs, findings = [], []
    for rule in RULES:
        if only and rule.id not in only:
            continue
        try:
            found: list[Finding] = rule.check(data)
        except Exception as error:
            log.exception("audit rule %s could not run", rule.id)
            runs.append(RuleRun(rule=rule.id, title=rule.title, error=str(error)))
            continue
        runs.append(RuleRun(rule=rule.id, title=rule.title, findings=len(found)))
        findings += found
    return AuditReport(rules=tuple(runs), findings=tuple(findings))
