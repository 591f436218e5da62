"""Reading what the rules need, then running them: the audit's only I/O.

One full snapshot (the reconcile's own read), the termination auth of each trunk-group
trunk, the number plans of each trunk-group site, one TLS handshake per TLS endpoint of
the policy, and, when the state table is given, the carrier-side alerts Twilio reported on
the trunk-group trunks (`carrier_alerts`). Nothing is written anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from shared.audit import carrier_alerts
from shared.audit.carrier_alerts import CodeCount
from shared.audit.report import AuditReport, Finding, RuleRun
from shared.audit.rules import RULES, AuditInput, TerminationAuth, tls_endpoints
from shared.audit.tls_check import check_tls_endpoint
from shared.domain.policy import RoutingPolicy
from shared.ports import GenesysPort, StateStore, StateStoreError, TwilioPort
from shared.reconcile.snapshot import read_snapshot
from shared.settings import MissingSettingError

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
    alerts: Callable[[], StateStore] | None = None,
    now: datetime | None = None,
) -> AuditInput:
    """`alerts` opens the state table partition of the carrier-side alerts: when it is not
    given, or the table cannot be read (no storage settings, say, on an operator's
    machine), the audit runs without them and says so in the log."""
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
    recent: dict[str, list[CodeCount]] = {}
    if alerts is not None:
        progress("reading Twilio's carrier-side alerts")
        recent = _recent_alerts(alerts, list(termination), now or datetime.now(UTC))
    return AuditInput(policy, snapshot, termination, verdicts, dial_plans, recent)


def _recent_alerts(
    open_store: Callable[[], StateStore], trunk_sids: list[str], now: datetime
) -> dict[str, list[CodeCount]]:
    try:
        records = carrier_alerts.read(open_store(), trunk_sids)
    except (MissingSettingError, StateStoreError) as error:
        log.warning("carrier-side alerts not read, the audit runs without them: %s", error)
        return {}
    except ValueError:
        # A storage connection string the table client cannot parse: not repeated here,
        # it holds the account key.
        log.warning("carrier-side alerts not read: the storage connection does not parse")
        return {}
    return {key: found for key, record in records.items() if (found := record.within(now))}


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
