"""`byoc-sync audit` against the emulators: a clean estate passes every rule, and each rule
finds its own trap once the estate is bent to show it (a positive and a negative per rule).

The clean estate is the default scenario provisioned, with the origination URLs and probes
on a local TLS server presenting a chain from a test CA (passed as the trust bundle).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import PureCloudPlatformClientV2 as genesys_sdk
import pytest
import requests
import yaml
from typer.testing import CliRunner

from cli.main import app
from sandbox.runner import Sandbox
from sandbox.scenario import Scenario, load_scenario
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.twilio import TwilioAdapter
from shared.bootstrap import build_adapters
from shared.settings import Settings
from tests.conftest import EXAMPLE_POLICY
from tests.support.sip_tls import TlsSipServer
from tests.support.tls import issue, write_chain

runner = CliRunner()
PRIMARY = "BYOC-Primary-Twilio"


@dataclass
class Estate:
    sandbox: Sandbox
    bundle: Path
    policy: Path

    def adapters(self) -> tuple[TwilioAdapter, GenesysAdapter]:
        client = {k.lower(): v for k, v in self.sandbox.client_settings().items()}
        return build_adapters(Settings.model_validate(client))

    def audit(self, *rules: str) -> tuple[int, list[dict[str, Any]]]:
        args = ["audit", "--json", "--ca-bundle", str(self.bundle), "--policy", str(self.policy)]
        result = runner.invoke(app, [*args, *(f"--rule={r}" for r in rules)])
        report = json.loads(result.stdout)
        return result.exit_code, report["findings"]

    def messages(self, rule: str) -> list[str]:
        code, findings = self.audit(rule)
        assert code == (2 if findings else 0)
        return [f["message"] for f in findings]

    def twilio_trunk(self) -> Any:
        twilio, _ = self.adapters()
        trunk = next(t for t in twilio.list_trunks() if t.friendly_name == "BYOC-Primary-Failover")
        return twilio, trunk


def clean_scenario(port: int, **genesys: Any) -> Scenario:
    raw = load_scenario("default").model_dump(mode="json", exclude_defaults=True)
    # Provisioned: the hand-bought number is gone, so coverage starts clean.
    raw["twilio"]["incoming_numbers"] = raw["twilio"]["incoming_numbers"][:3]
    primary, failover = raw["twilio"]["trunks"][0]["origination_urls"]
    primary["sip_url"] = f"sip:localhost:{port};transport=tls"
    failover["sip_url"] = f"sip:127.0.0.1:{port};transport=tls"
    raw["genesys"].update(genesys)
    return Scenario.model_validate(raw)


def clean_policy(directory: Path, port: int) -> Path:
    policy = yaml.safe_load(EXAMPLE_POLICY.read_text())
    primary, failover = policy["trunk_groups"][0]["members"]
    primary["origination_url"] = f"sip:localhost:{port};transport=tls"
    failover["origination_url"] = f"sip:127.0.0.1:{port};transport=tls"
    primary["probe"] = failover["probe"] = f"sips:localhost:{port}"
    path = directory / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path


@pytest.fixture
def genesys_seed() -> dict[str, Any]:
    """Changes to the Genesys scenario (a test overrides this to seed its trap)."""
    return {}


@pytest.fixture
def estate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, genesys_seed: dict[str, Any]
) -> Iterator[Estate]:
    root = issue("audit test root", ca=True)
    intermediate = issue("audit test intermediate", issuer=root, ca=True)
    leaf = issue("localhost", issuer=intermediate, hosts=("localhost", "127.0.0.1"))
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(root.pem())
    cert, key = write_chain(tmp_path, leaf, intermediate)
    with (
        TlsSipServer(cert, key) as server,
        Sandbox(clean_scenario(server.port, **genesys_seed)) as sandbox,
    ):
        for name, value in sandbox.client_settings().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("BYOC_RETRY_MAX_WAIT_S", "0.1")
        yield Estate(sandbox, bundle, clean_policy(tmp_path, server.port))


def test_a_clean_estate_passes_every_rule(estate: Estate) -> None:
    code, findings = estate.audit()
    assert (code, findings) == (0, [])
    result = runner.invoke(
        app, ["audit", "--ca-bundle", str(estate.bundle), "--policy", str(estate.policy)]
    )
    assert result.exit_code == 0 and "8 rule(s): 0 error(s), 0 warning(s) — clean" in result.stdout


def test_audit_only_reads(estate: Estate) -> None:
    estate.audit()

    def calls(emulator: Any) -> list[str]:
        log = requests.get(f"{emulator.base_url}/__admin/requests", timeout=5).json()
        return sorted(log["by_endpoint"])

    twilio, genesys = calls(estate.sandbox.twilio), calls(estate.sandbox.genesys)
    assert twilio and all(e.startswith("GET ") for e in twilio)
    assert any("credential" in e.lower() for e in twilio)  # termination auth was read
    writes = [e for e in genesys if not e.startswith("GET ")]
    assert writes == ["POST /oauth/token"]  # the client-credentials login, nothing else


def test_tls_chain_trusts_only_the_given_bundle(estate: Estate) -> None:
    result = runner.invoke(
        app, ["audit", "--json", "--rule=tls-chain", "--policy", str(estate.policy)]
    )
    assert result.exit_code == 2
    findings = json.loads(result.stdout)["findings"]
    assert len(findings) == 2  # both members' endpoints
    for finding in findings:
        assert "which is not in the trust store" in finding["message"]
        assert finding["severity"] == "error" and "full chain" in finding["remediation"]


def test_registrar_loop_genesys_registering_to_itself(estate: Estate) -> None:
    assert estate.messages("registrar-loop") == []
    requests.post(
        f"{estate.sandbox.genesys.base_url}/__admin/trunks/{PRIMARY}",
        json={"proxyAddress": "byoc.mypurecloud.com"},
        timeout=5,
    ).raise_for_status()
    assert estate.messages("registrar-loop") == [
        f"Genesys trunk {PRIMARY} registers / sends to byoc.mypurecloud.com, which is Genesys "
        "Cloud itself: registration stays pending and calls loop"
    ]


def test_registrar_loop_twilio_originating_to_twilio(estate: Estate) -> None:
    twilio, trunk = estate.twilio_trunk()
    url = trunk.origination_urls[0]
    twilio._trunks(trunk.sid).origination_urls(url.sid).update(
        sip_url="sip:byoc-example.pstn.twilio.com;transport=tls"
    )
    (message,) = estate.messages("registrar-loop")
    assert "originates calls to sip:byoc-example.pstn.twilio.com;transport=tls" in message


def test_number_format_is_clean_on_an_estate_the_vendors_validated(estate: Estate) -> None:
    # Both emulators (like the vendors) refuse non-E.164 numbers on every write, so the
    # negative cases of this rule are pinned on the rule itself (tests/unit/test_audit_rules.py).
    assert estate.messages("number-format") == []


def test_duplicate_dnis_clean(estate: Estate) -> None:
    assert estate.messages("duplicate-dnis") == []


@pytest.mark.parametrize(
    "genesys_seed",
    [
        {
            "reject_duplicate_dnis": False,  # an org where the same DNIS went onto two IVRs
            "ivrs": [
                {"name": "Main IVR", "dnis": ["+12025550100", "+12025550101"]},
                {"name": "Support IVR", "dnis": ["+13125550100", "+12025550100"]},
            ],
        }
    ],
)
def test_duplicate_dnis_finds_one_number_on_two_ivrs(estate: Estate) -> None:
    (message,) = estate.messages("duplicate-dnis")
    assert message.startswith("+12025550100 is a DNIS of 2 IVR configurations (Main IVR, Support")


def test_coverage_finds_numbers_missing_on_either_side(estate: Estate) -> None:
    assert estate.messages("coverage") == []
    twilio, _ = estate.adapters()
    offer = twilio.search_available(country="US", kind="local", area_code="312", limit=1)[0]
    bought = twilio.purchase(offer.phone_number, "Overflow route:support")
    _, genesys = estate.adapters()
    ivr = next(i for i in genesys.list_ivrs() if i.name == "Main IVR")
    genesys.update_ivr_dnis(ivr.id, add=["+12025550105"])  # in a pool; Twilio lacks it
    messages = estate.messages("coverage")
    assert (
        f"Twilio number {bought.phone_number} (route support) is on no Twilio trunk, on no "
        "Genesys IVR, in no Genesys DID pool"
    ) in messages
    assert "+12025550105 is a DNIS of Main IVR but no Twilio number on this account" in messages


def test_coverage_advises_what_byoc_sync_lets_you_do_with_an_unrouted_number(
    estate: Estate,
) -> None:
    """`numbers release` refuses a number no route selects, so the advice for one is the
    Twilio console (or a route), not "release it"."""
    twilio, _ = estate.adapters()
    spare = twilio.purchase("+18885550123", "Spare line").phone_number
    code, findings = estate.audit("coverage")
    assert code == 2
    (finding,) = findings
    assert finding["severity"] == "warning" and finding["objects"] == [spare]
    assert finding["remediation"] == (
        "Add a route that selects it, or, if it is not needed, release it in the Twilio console."
    )
    released = runner.invoke(
        app, ["numbers", "release", spare, "--yes", "--policy", str(estate.policy)]
    )
    assert released.exit_code == 1
    assert "selected by no route in the policy: not ours to release" in released.output


def test_carrier_side_finds_missing_url_plain_transport_and_no_termination_auth(
    estate: Estate,
) -> None:
    assert estate.messages("carrier-side") == []
    twilio, trunk = estate.twilio_trunk()
    trunks = twilio._trunks(trunk.sid)
    primary, failover = trunk.origination_urls
    trunks.origination_urls(failover.sid).delete()
    for association in trunks.credentials_lists.list():
        trunks.credentials_lists(association.sid).delete()
    for association in trunks.ip_access_control_lists.list():
        trunks.ip_access_control_lists(association.sid).delete()
    messages = estate.messages("carrier-side")
    assert any("has no origination URL sip:127.0.0.1:" in m for m in messages)
    assert any("has no termination authentication" in m for m in messages)
    trunks.origination_urls(primary.sid).update(sip_url=primary.sip_url.replace("tls", "udp"))
    assert any(
        "uses UDP: Genesys BYOC trunks accept TLS only" in m
        for m in estate.messages("carrier-side")
    )


def test_trunk_health_finds_a_member_down(estate: Estate) -> None:
    assert estate.messages("trunk-health") == []
    requests.post(
        f"{estate.sandbox.genesys.base_url}/__admin/trunks/{PRIMARY}",
        json={"connected": False, "registersStatus": "DOWN"},
        timeout=5,
    ).raise_for_status()
    assert estate.messages("trunk-health") == [
        f"TG-BYOC-Primary-Failover member {PRIMARY}: not connected, SIP registration lost "
        "(all 2 instances)"
    ]


def test_one_instance_down_leaves_its_member_healthy(estate: Estate) -> None:
    """Genesys places calls over any live instance of a trunk base; one instance down is
    redundancy at work, not a member down."""
    _, genesys = estate.adapters()
    instance = next(
        t for t in genesys.list_trunks() if t.trunk_base_id == _base_id(genesys, PRIMARY)
    )
    requests.post(
        f"{estate.sandbox.genesys.base_url}/__admin/trunks/{instance.id}",
        json={"connected": False},
        timeout=5,
    ).raise_for_status()
    assert estate.messages("trunk-health") == []


def _base_id(genesys: GenesysAdapter, name: str) -> str:
    return next(b.id for b in genesys.list_trunk_bases() if b.name == name)


class DialPlan:
    """Bends the site's dial plan through the Genesys SDK, as an administrator would."""

    def __init__(self, estate: Estate) -> None:
        _, genesys = estate.adapters()
        self.edge = genesys._edge
        self.site_id = self.edge.get_telephony_providers_edges_sites(name="HQ").entities[0].id

    def add_trunk(self, name: str) -> str:
        body = genesys_sdk.TrunkBase()
        body.name, body.trunk_type = name, "EXTERNAL"
        body.trunk_metabase = _ref("external_sip_pcv_byoc_carrier.json")
        body.inbound_site = _ref(self.site_id)  # BYOC bases need one
        # ...and a SIP server (the BYOC carrier metabase marks it required).
        servers = {"value": {"instance": [f"{name.lower()}.example.invalid"]}}
        body.properties = {"trunk_transport_serverProxyList": servers}
        return str(self.edge.post_telephony_providers_edges_trunkbasesettings(body).id)

    def add_route(self, name: str, classifications: list[str], trunk_ids: list[str]) -> None:
        body = genesys_sdk.OutboundRouteBase()
        body.name, body.classification_types, body.distribution = (
            name,
            classifications,
            "SEQUENTIAL",
        )
        body.external_trunk_bases = [_ref(trunk_id) for trunk_id in trunk_ids]
        self.edge.post_telephony_providers_edges_site_outboundroutes(self.site_id, body)

    def route(self, name: str) -> Any:
        found = self.edge.get_telephony_providers_edges_site_outboundroutes(self.site_id, name=name)
        return found.entities[0]

    def put_route(self, route: Any) -> None:
        self.edge.put_telephony_providers_edges_site_outboundroute(self.site_id, route.id, route)

    def put_plan_first(self, name: str, classification: str, start: str, end: str) -> None:
        plans = self.edge.get_telephony_providers_edges_site_numberplans(self.site_id)
        plan = genesys_sdk.NumberPlan()
        plan.name, plan.classification, plan.match_type = name, classification, "e164NumberList"
        plan.numbers = [genesys_sdk.Number()]
        plan.numbers[0].start, plan.numbers[0].end = start, end
        plan.priority = 0
        self.edge.put_telephony_providers_edges_site_numberplans(self.site_id, [plan, *plans])


def _ref(entity_id: str) -> Any:
    ref = genesys_sdk.DomainEntityRef()
    ref.id = entity_id
    return ref


TOLL_FREE = ("+18000000000", "+18009999999")


def test_dial_plan_bypass_the_guides_toll_free_trap(estate: Estate) -> None:
    assert estate.messages("dial-plan-bypass") == []
    dial_plan = DialPlan(estate)
    other = dial_plan.add_trunk("Other-Carrier")
    dial_plan.add_route("Toll Free Route", ["Toll Free"], [other])
    dial_plan.put_plan_first("Toll Free", "Toll Free", *TOLL_FREE)
    code, findings = estate.audit("dial-plan-bypass")
    (finding,) = findings
    assert code == 2 and finding["severity"] == "error"
    assert finding["message"] == (
        "site HQ: number plan 'Toll Free' (priority 0) classifies +18000000000, +18002345678, "
        "+18009999999 as 'Toll Free' ahead of plan 'National' (National), so those calls leave "
        "through route Toll Free Route (Other-Carrier) instead of trunk group "
        "TG-BYOC-Primary-Failover (TG-BYOC-Primary-Failover)"
    )
    assert finding["objects"] == ["HQ", "Toll Free", "Toll Free Route", "TG-BYOC-Primary-Failover"]
    assert "or move plan 'Toll Free' below 'National'" in finding["remediation"]


def test_dial_plan_a_narrow_plan_the_group_route_carries_is_no_bypass(estate: Estate) -> None:
    dial_plan = DialPlan(estate)
    dial_plan.put_plan_first("Toll Free", "Toll Free", *TOLL_FREE)
    assert estate.messages("dial-plan-bypass") != []  # nothing carries 'Toll Free' yet
    group_route = dial_plan.route("TG-BYOC-Primary-Failover")
    group_route.classification_types = [*group_route.classification_types, "Toll Free"]
    dial_plan.put_route(group_route)
    assert estate.messages("dial-plan-bypass") == []


def test_dial_plan_a_narrow_plan_no_route_carries_is_reported_as_failing(estate: Estate) -> None:
    DialPlan(estate).put_plan_first("Toll Free", "Toll Free", *TOLL_FREE)
    (message,) = estate.messages("dial-plan-bypass")
    assert "so those calls fail: no enabled outbound route carries 'Toll Free'" in message


def test_dial_plan_a_classification_on_two_routes(estate: Estate) -> None:
    dial_plan = DialPlan(estate)
    other = dial_plan.add_trunk("Other-Carrier")
    dial_plan.add_route("Legacy", ["International"], [other])
    (message,) = estate.messages("dial-plan-bypass")
    # Three foreign example numbers, and a count of the rest.
    assert re.match(
        r"site HQ: classification 'International' \(\+\d+, \+\d+, \+\d+ and \d+ more\)", message
    )
    assert message.endswith(
        "is carried by both TG-BYOC-Primary-Failover (trunk group TG-BYOC-Primary-Failover) "
        "and route Legacy (Other-Carrier): those calls may leave around the group's failover"
    )


def test_dial_plan_a_second_route_over_the_groups_own_trunks_is_fine(estate: Estate) -> None:
    dial_plan = DialPlan(estate)
    members = dial_plan.route("TG-BYOC-Primary-Failover").external_trunk_bases
    dial_plan.add_route("Toll Free Route", ["Toll Free"], [ref.id for ref in members])
    dial_plan.put_plan_first("Toll Free", "Toll Free", *TOLL_FREE)
    assert estate.messages("dial-plan-bypass") == []


def test_dial_plan_the_group_route_disabled(estate: Estate) -> None:
    dial_plan = DialPlan(estate)
    route = dial_plan.route("TG-BYOC-Primary-Failover")
    route.enabled = False
    dial_plan.put_route(route)
    assert estate.messages("dial-plan-bypass") == [
        "trunk group TG-BYOC-Primary-Failover: outbound route 'TG-BYOC-Primary-Failover' on "
        "site HQ is disabled, so no outbound call uses the group"
    ]


def test_exit_code_1_when_the_audit_cannot_run(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", "wrong")
    result = runner.invoke(app, ["audit", "--policy", str(estate.policy)])
    assert result.exit_code == 1
    unknown = runner.invoke(app, ["audit", "--rule", "nope"])
    assert unknown.exit_code == 1 and "unknown rule(s) nope" in unknown.output
