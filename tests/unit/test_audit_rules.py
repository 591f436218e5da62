"""Audit rules on hand-built snapshots: the cases the emulators refuse to hold."""

from __future__ import annotations

import pytest

from shared.audit.report import AuditReport, Finding, RuleRun, Severity
from shared.audit.rules import (
    GENESYS_HOST,
    TWILIO_HOST,
    AuditInput,
    TerminationAuth,
    carrier_side,
    dial_plan_bypass,
    number_format,
    registrar_loop,
)
from shared.audit.run import run_rules
from shared.domain.model import (
    DidPool,
    GenesysTrunk,
    Ivr,
    NumberPlan,
    OriginationUrl,
    SiteDialPlan,
    Snapshot,
    TrunkBase,
    TwilioNumber,
    TwilioTrunk,
)
from shared.domain.policy import load_policy
from tests.conftest import EXAMPLE_POLICY

POLICY = load_policy(EXAMPLE_POLICY)


def messages(snapshot: Snapshot) -> list[str]:
    return [f.message for f in number_format(AuditInput(POLICY, snapshot))]


def test_national_and_non_numeric_dnis_are_findings() -> None:
    ivr = Ivr(id="i1", name="Main IVR", dnis=("+12025550100", "2025550101", "sales"), version=1)
    assert messages(Snapshot(ivrs=(ivr,))) == [
        "IVR Main IVR DNIS '2025550101' should be +12025550101: calls to the E.164 number "
        "do not match it",
        "IVR Main IVR DNIS 'sales' is not a phone number: calls to the E.164 number do not "
        "match it",
    ]


def test_pool_edges_and_twilio_numbers_must_be_e164() -> None:
    pool = DidPool(id="p1", start="2025550100", end="+12025550109")
    number = TwilioNumber(sid="PN1", phone_number="+1 202 555 0100")
    assert messages(Snapshot(did_pools=(pool,), twilio_numbers=(number,))) == [
        "Twilio number '+1 202 555 0100' is not E.164",
        "DID pool 2025550100-+12025550109: '2025550100' not E.164",
    ]
    clean = DidPool(id="p2", start="+12025550100", end="+12025550109")
    assert messages(Snapshot(did_pools=(clean,))) == []


@pytest.mark.parametrize(
    "host",
    [
        "byoc.mypurecloud.com",
        "sip.mypurecloud.ie",
        "x.usw2.pure.cloud",
        "MYPURECLOUD.com.au",
        "byoc.use2.us-gov-pure.cloud",  # the US government region's own domain
    ],
)
def test_genesys_hosts_are_recognised(host: str) -> None:
    assert GENESYS_HOST.search(host)


@pytest.mark.parametrize(
    "host", ["sip.carrier.example.com", "mypurecloud.com.evil.example", "not-pure.cloud"]
)
def test_carrier_hosts_are_not_genesys(host: str) -> None:
    assert not GENESYS_HOST.search(host)


def test_twilio_sip_domains_are_recognised() -> None:
    assert TWILIO_HOST.search("byoc-example.pstn.twilio.com")
    assert TWILIO_HOST.search("example.pstn.ashburn.twilio.com")
    assert not TWILIO_HOST.search("byoc.mypurecloud.com")


def test_a_rule_that_crashes_is_reported_as_not_run_and_exit_code_1() -> None:
    broken = AuditInput(POLICY, Snapshot(), tls=[object()])  # type: ignore[list-item]
    report = run_rules(broken)
    (failed,) = report.could_not_run
    assert failed.rule == "tls-chain" and report.exit_code() == 1
    assert {r.rule for r in report.rules} >= {"coverage", "trunk-health"}  # the others ran


def test_exit_codes() -> None:
    finding = Finding(rule="x", severity=Severity.WARNING, objects=(), message="m", remediation="r")
    clean = AuditReport(rules=(RuleRun(rule="x", title="t"),), findings=())
    assert clean.exit_code() == 0
    assert clean.model_copy(update={"findings": (finding,)}).exit_code() == 2


def test_dial_plan_bypass_reports_a_group_route_that_does_not_exist() -> None:
    from shared.audit.rules import dial_plan_bypass

    (finding,) = dial_plan_bypass(AuditInput(POLICY, Snapshot()))
    assert finding.message == (
        "trunk group TG-BYOC-Primary-Failover: outbound route 'TG-BYOC-Primary-Failover' on "
        "site HQ does not exist, so no outbound call uses the group"
    )


def test_a_site_at_genesys_200_plan_limit_is_a_warning() -> None:
    plans = tuple(
        NumberPlan(name=f"P{n}", classification="National", match_type="regex", match=f"^{n}$")
        for n in range(200)
    )
    full = SiteDialPlan(site_id="s1", site_name="Branch", number_plans=plans)
    data = AuditInput(POLICY, Snapshot(), dial_plans={"Branch": full})
    found = [f for f in dial_plan_bypass(data) if "Branch" in f.objects]
    assert [f.severity for f in found] == [Severity.WARNING]
    assert "200 number plans, Genesys' maximum (200)" in found[0].message
    below = full.model_copy(update={"number_plans": plans[:199]})
    data = AuditInput(POLICY, Snapshot(), dial_plans={"Branch": below})
    assert not [f for f in dial_plan_bypass(data) if "Branch" in f.objects]


PRIMARY_URL = "sip:byoc-primary.example.byoc.mypurecloud.com;transport=tls"
FAILOVER_URL = "sip:byoc-failover.example.byoc.mypurecloud.com;transport=tls"


def carrier_messages(*bases: TrunkBase) -> list[str]:
    trunk = TwilioTrunk(
        sid="TK1",
        friendly_name="BYOC-Primary-Failover",
        origination_urls=tuple(
            OriginationUrl(sid=f"OU{n}", sip_url=url, priority=10 * n, weight=10, enabled=True)
            for n, url in enumerate((PRIMARY_URL, FAILOVER_URL), start=1)
        ),
    )
    termination = {"TK1": TerminationAuth(credential_lists=("creds",))}
    data = AuditInput(POLICY, Snapshot(twilio_trunks=(trunk,), trunk_bases=bases), termination)
    return [f.message for f in carrier_side(data)]


def test_an_origination_url_must_reach_its_members_inbound_identifier() -> None:
    right = TrunkBase(
        id="b1", name="BYOC-Primary-Twilio", inbound_identifier="byoc-primary.example"
    )
    wrong = TrunkBase(id="b2", name="BYOC-Failover-Twilio", inbound_identifier="byoc-other")
    assert carrier_messages(right, wrong) == [
        f"origination URL {FAILOVER_URL} does not reach Genesys trunk BYOC-Failover-Twilio: its "
        "inbound SIP termination identifier is 'byoc-other'"
    ]


def test_both_ends_of_a_member_use_one_transport() -> None:
    udp = TrunkBase(id="b1", name="BYOC-Primary-Twilio", transport="udp")
    assert carrier_messages(udp) == [
        f"Genesys trunk BYOC-Primary-Twilio is set to UDP but its origination URL "
        f"{PRIMARY_URL} uses TLS"
    ]


def test_a_sips_origination_url_in_the_policy_is_one_twilio_would_refuse() -> None:
    group = POLICY.trunk_groups[0]
    member = group.members[1].model_copy(update={"origination_url": "sips:byoc.example.com"})
    policy = POLICY.model_copy(
        update={
            "trunk_groups": (
                group.model_copy(update={"members": (group.members[0], member)}),
                *POLICY.trunk_groups[1:],
            )
        }
    )
    trunk = TwilioTrunk(sid="TK1", friendly_name=group.twilio_trunk)
    termination = {"TK1": TerminationAuth(credential_lists=("creds",))}
    data = AuditInput(policy, Snapshot(twilio_trunks=(trunk,)), termination)
    assert any(
        "sips:byoc.example.com uses the sips: scheme, which Twilio does not support" in f.message
        for f in carrier_side(data)
    )


def test_registration_toward_a_twilio_termination_is_flagged() -> None:
    base = TrunkBase(
        id="b1", name="BYOC-Primary-Twilio", sip_servers=("byoc-example.pstn.twilio.com",)
    )
    registering = GenesysTrunk(
        id="t1", name="BYOC-Primary-Twilio_1", trunk_base_id="b1", registered=False
    )
    data = AuditInput(POLICY, Snapshot(trunk_bases=(base,), trunks=(registering,)))
    assert [f.message for f in registrar_loop(data)] == [
        "Genesys trunk BYOC-Primary-Twilio registers with byoc-example.pstn.twilio.com, a "
        "Twilio Elastic SIP Trunking termination: Twilio takes no REGISTER there (registration "
        "is a Programmable Voice SIP Domain feature), so it never completes"
    ]
    silent = registering.model_copy(update={"registered": None})
    assert registrar_loop(AuditInput(POLICY, Snapshot(trunk_bases=(base,), trunks=(silent,)))) == []
