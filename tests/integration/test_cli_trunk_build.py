"""Trunk provisioning end to end (issue #20): from an org with a site and IVRs and an
account with numbers, `byoc-sync apply` builds both trunk groups on both sides and routes the
numbers; drift on an owned setting is planned back; a member added or removed moves on both
sides; a credential rotates without an outage; no secret reaches any output.

Through the real command line, the official SDKs and the emulators (with Azurite holding
what byoc-sync remembers: ownership of Twilio objects, where each password was written).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from cli.main import app
from sandbox.emulators.genesys.properties import value_of
from sandbox.runner import Sandbox
from sandbox.scenario import load_scenario
from shared.domain.trunk_derive import TWILIO_SIGNALLING_RANGES
from tests.conftest import REPO_ROOT
from tests.support.secret_watch import WATCH

BUILD_POLICY = REPO_ROOT / "examples" / "policy-build.yaml"
runner = CliRunner()


class Estate:
    def __init__(self, sandbox: Sandbox, policy: Path) -> None:
        self.sandbox = sandbox
        self.policy = policy
        self.outputs: list[str] = []

    def run(self, *args: str) -> Result:
        result = runner.invoke(app, list(args))
        self.outputs.append(result.output)
        return result

    def edit_policy(self, change: Any) -> None:
        raw = yaml.safe_load(self.policy.read_text())
        change(raw)
        self.policy.write_text(yaml.safe_dump(raw, sort_keys=False))

    # --- what the vendors hold ------------------------------------------------------
    def twilio_trunk(self, name: str) -> Any:
        trunks = self.sandbox.twilio.state.trunks.values()
        return next(t for t in trunks if t.friendly_name == name)

    def credential_list(self, name: str) -> Any:
        lists = self.sandbox.twilio.state.credential_lists.values()
        return next(c for c in lists if c.friendly_name == name)

    def trunk_base(self, name: str) -> tuple[Any, dict[str, Any]]:
        state = self.sandbox.genesys.state
        base = next(b for b in state.trunk_bases.values() if b.name == name)
        return base, {key: value_of(base.properties, key) for key in base.properties}

    def route_members(self, name: str) -> list[str]:
        state = self.sandbox.genesys.state
        names = {b.id: b.name for b in state.trunk_bases.values()}
        route = next(
            r
            for site in state.sites.values()
            for r in site.outbound_routes.values()
            if r.name == name
        )
        return [names[i] for i in route.external_trunk_base_ids]

    def urls(self, trunk: str) -> list[str]:
        urls = self.twilio_trunk(trunk).origination_urls.values()
        return [u.sip_url for u in sorted(urls, key=lambda u: u.priority)]


@pytest.fixture
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Estate]:
    with Sandbox(load_scenario("greenfield")) as running:
        running.start_health(BUILD_POLICY, tmp_path / "azurite")
        assert running.azurite is not None and running.policy_path is not None
        for name, value in running.client_settings().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("AzureWebJobsStorage", running.azurite.connection_string)
        monkeypatch.setenv("BYOC_POLICY_PATH", str(running.policy_path))
        monkeypatch.setenv("BYOC_HEALTH_TABLE", f"state{uuid.uuid4().hex[:12]}")
        monkeypatch.setenv("BYOC_RETRY_MAX_WAIT_S", "0.1")
        monkeypatch.setenv("COLUMNS", "200")
        secrets = set(running.trunk_secrets.values())
        WATCH.extra.update(secrets)
        estate = Estate(running, running.policy_path)
        yield estate
        WATCH.extra.difference_update(secrets)
        for output in estate.outputs:  # no secret in anything a command printed
            assert not any(secret in output for secret in secrets)


def built(estate: Estate) -> None:
    applied = estate.run("apply", "--yes")
    assert applied.exit_code == 0, applied.output
    assert estate.run("plan").exit_code == 0


def test_one_apply_builds_both_trunk_groups_from_an_empty_org(estate: Estate) -> None:
    planned = estate.run("plan")
    assert planned.exit_code == 2, planned.output
    for line in (
        "+ create Twilio trunk BYOC-Direct",
        "+ create trunk BYOC-SBC-East",
        "sip:byoc-direct-primary.example.byoc.mypurecloud.com;transport=tls",
        "password: (secret set)",
        "wait for Twilio trunk 'BYOC-Direct', which",
    ):
        assert line in planned.output, planned.output

    applied = estate.run("apply", "--yes")
    assert applied.exit_code == 0, applied.output
    assert " 0 failed" in applied.output

    # Twilio: each group's trunk, credential list, origination URLs; the SBC group's ACL.
    direct = estate.twilio_trunk("BYOC-Direct")
    assert (direct.domain_name, direct.secure) == ("byoc-direct.pstn.twilio.com", True)
    assert estate.urls("BYOC-Direct") == [
        "sip:byoc-direct-primary.example.byoc.mypurecloud.com;transport=tls",
        "sip:byoc-direct-failover.example.byoc.mypurecloud.com;transport=tls",
    ]
    assert estate.urls("BYOC-SBC") == [
        "sip:sbc-east.example.com;transport=tls",
        "sip:sbc-west.example.com;transport=tls",
    ]
    credentials = estate.credential_list("BYOC-Direct credentials")
    assert credentials.sid in direct.credential_lists
    [credential] = credentials.credentials.values()
    password = estate.sandbox.trunk_secrets["BYOC_TRUNK_SECRET_DIRECT"]
    assert (credential.username, credential.password) == ("genesys-direct", password)
    sbc = estate.twilio_trunk("BYOC-SBC")
    [acl_sid] = sbc.ip_access_control_lists
    acl = estate.sandbox.twilio.state.ip_access_control_lists[acl_sid]
    assert sorted(a.ip_address for a in acl.ip_addresses.values()) == [
        "198.51.100.10",
        "198.51.100.11",
    ]

    # Genesys: the trunks with everything derived, and each group's route in priority order.
    _, primary = estate.trunk_base("BYOC-Direct-Primary")
    assert primary["trunk_sip_termination_uri"] == "byoc-direct-primary.example"
    assert primary["trunk_transport_protocolVariant"] == "tls"
    assert primary["trunk_transport_serverProxyList"] == ["byoc-direct.pstn.twilio.com"]
    assert primary["trunk_access_acl_allowList"] == list(TWILIO_SIGNALLING_RANGES)
    assert primary["trunk_sip_authentication_credentials_username"] == "genesys-direct"
    assert primary["trunk_sip_authentication_credentials_password"] == password
    _, east = estate.trunk_base("BYOC-SBC-East")
    assert east["trunk_transport_serverProxyList"] == ["sbc-east.example.com"]
    assert estate.route_members("TG-Direct") == ["BYOC-Direct-Primary", "BYOC-Direct-Failover"]
    assert estate.route_members("TG-SBC") == ["BYOC-SBC-East", "BYOC-SBC-West"]

    # The numbers were planned again once their trunks existed, and routed.
    numbers = estate.sandbox.twilio.state.numbers.values()
    on = {n.phone_number: n.trunk_sid for n in numbers}
    assert on["+12025550100"] == direct.sid and on["+13125550100"] == sbc.sid
    ivrs = {i.name: i.dnis for i in estate.sandbox.genesys.state.ivrs.values()}
    assert sorted(ivrs["Main IVR"]) == ["+12025550100", "+12025550101"]

    again = estate.run("plan")
    assert again.exit_code == 0 and "No changes" in again.output, again.output


def test_drift_on_an_owned_setting_is_planned_back(estate: Estate) -> None:
    built(estate)
    base, _ = estate.trunk_base("BYOC-Direct-Primary")
    transport = base.properties["trunk_transport_protocolVariant"]["value"]
    transport["instance"] = "udp"  # someone switched the trunk to UDP in the console
    estate.twilio_trunk("BYOC-SBC").secure = False

    planned = estate.run("plan")
    assert planned.exit_code == 2
    assert "transport: udp → tls" in planned.output
    assert "secure: off → on" in planned.output
    assert estate.run("apply", "--yes").exit_code == 0
    _, primary = estate.trunk_base("BYOC-Direct-Primary")
    assert primary["trunk_transport_protocolVariant"] == "tls"
    assert estate.twilio_trunk("BYOC-SBC").secure is True
    assert estate.run("plan").exit_code == 0


def test_a_member_added_or_removed_moves_on_both_sides(estate: Estate) -> None:
    built(estate)
    third = {
        "genesys_trunk": "BYOC-Direct-Third",
        "probe": "sips:byoc-direct-third.example.byoc.mypurecloud.com:5061",
        "priority": 3,
        "trunk": {"inbound_identifier": "byoc-direct-third.example"},
    }
    estate.edit_policy(lambda raw: raw["trunk_groups"][0]["members"].append(third))
    added = estate.run("apply", "--yes")
    assert added.exit_code == 0, added.output
    assert estate.route_members("TG-Direct")[-1] == "BYOC-Direct-Third"
    url = "sip:byoc-direct-third.example.byoc.mypurecloud.com;transport=tls"
    assert estate.urls("BYOC-Direct")[-1] == url
    assert estate.run("plan").exit_code == 0

    estate.edit_policy(lambda raw: raw["trunk_groups"][0]["members"].pop())
    planned = estate.run("plan")
    assert "members removed: BYOC-Direct-Third" in planned.output
    assert "left in place" in planned.output  # the trunk itself is never deleted
    assert estate.run("apply", "--yes").exit_code == 0
    assert "BYOC-Direct-Third" not in estate.route_members("TG-Direct")
    assert url not in estate.urls("BYOC-Direct")
    estate.trunk_base("BYOC-Direct-Third")  # still there, for a person to retire


def test_a_credential_rotates_new_first_then_genesys_then_the_old_goes(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    built(estate)
    new_password = "Rotated2" + uuid.uuid4().hex[:12]
    WATCH.extra.add(new_password)
    monkeypatch.setenv("BYOC_TRUNK_SECRET_DIRECT", new_password)
    estate.edit_policy(
        lambda raw: raw["trunk_groups"][0]["build"]["credentials"].update(
            username="genesys-direct-2"
        )
    )
    twilio_log, genesys_log = estate.sandbox.twilio.log, estate.sandbox.genesys.log
    twilio_log.clear()
    genesys_log.clear()

    planned = estate.run("plan")
    assert "password: (secret changed)" in planned.output
    applied = estate.run("apply", "--yes")
    assert applied.exit_code == 0, applied.output

    [credential] = estate.credential_list("BYOC-Direct credentials").credentials.values()
    assert (credential.username, credential.password) == ("genesys-direct-2", new_password)
    for name in ("BYOC-Direct-Primary", "BYOC-Direct-Failover"):
        _, properties = estate.trunk_base(name)
        assert properties["trunk_sip_authentication_credentials_username"] == "genesys-direct-2"
        assert properties["trunk_sip_authentication_credentials_password"] == new_password
    # In that order: the new credential, every trunk base, then the old credential.
    writes = sorted(
        [
            (e.timestamp, e.endpoint)
            for e in twilio_log.writes() + genesys_log.writes()
            if "Credentials" in e.endpoint or "trunkbasesettings" in e.endpoint
        ]
    )
    kinds = [
        endpoint.split(" ")[0] + (" base" if "trunkbase" in endpoint else " cred")
        for _, endpoint in writes
    ]
    assert kinds == ["POST cred", "PUT base", "PUT base", "DELETE cred"]
    assert estate.run("plan").exit_code == 0
    WATCH.extra.discard(new_password)


AUDIT_RULES = (
    "registrar-loop",
    "number-format",
    "duplicate-dnis",
    "coverage",
    "dial-plan-bypass",
    "carrier-side",
    "trunk-health",
)


def test_what_apply_built_passes_the_audit(estate: Estate) -> None:
    """Every rule but tls-chain, whose example hosts have no address here (it is pinned
    against a local TLS SIP server in tests/integration/test_audit.py)."""
    built(estate)
    audited = estate.run("audit", *(f"--rule={rule}" for rule in AUDIT_RULES))
    assert audited.exit_code == 0, audited.output
    assert "0 error(s), 0 warning(s) — clean" in audited.output


def test_a_policy_that_builds_its_groups_rehearses_on_an_empty_estate() -> None:
    """`rehearse` starts from the greenfield scenario, builds as `apply` would, then plays
    each group's three failover states on what it built."""
    result = runner.invoke(app, ["rehearse", "--policy", str(BUILD_POLICY), "--json"])
    assert result.exit_code == 0, result.output
    assert "built the trunk groups as `apply` would" in result.stderr


def test_a_saved_plan_builds_exactly_what_was_approved(estate: Estate, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert estate.run("plan", "--out", str(saved)).exit_code == 2
    assert not any(s in saved.read_text() for s in estate.sandbox.trunk_secrets.values())
    applied = estate.run("apply", str(saved))
    assert applied.exit_code == 0, applied.output
    assert estate.route_members("TG-SBC") == ["BYOC-SBC-East", "BYOC-SBC-West"]
    assert estate.run("plan").exit_code == 0


def test_a_password_twilio_would_refuse_builds_nothing_of_its_group(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    weak = "weakpassword"
    WATCH.extra.add(weak)
    monkeypatch.setenv("BYOC_TRUNK_SECRET_DIRECT", weak)
    planned = estate.run("plan")
    assert "BYOC_TRUNK_SECRET_DIRECT" in planned.output
    assert "needs a digit, upper and lower case" in planned.output
    applied = estate.run("apply", "--yes")
    WATCH.extra.discard(weak)
    assert applied.exit_code == 0 and weak not in planned.output + applied.output
    # The other group was built all the same; nothing of this one, on either side.
    assert estate.route_members("TG-SBC") == ["BYOC-SBC-East", "BYOC-SBC-West"]
    twilio = estate.sandbox.twilio.state.trunks.values()
    assert [t.friendly_name for t in twilio] == ["BYOC-SBC"]
    genesys = estate.sandbox.genesys.state
    assert not any(b.name.startswith("BYOC-Direct") for b in genesys.trunk_bases.values())


def test_policy_check_refuses_registration_toward_twilio_and_shows_what_it_derived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = yaml.safe_load(BUILD_POLICY.read_text())
    raw["trunk_groups"][0]["members"][0]["trunk"]["registration"] = True
    refused = tmp_path / "registers.yaml"
    refused.write_text(yaml.safe_dump(raw, sort_keys=False))
    result = runner.invoke(app, ["policy", "check", str(refused)])
    assert result.exit_code == 1
    assert "Twilio Elastic SIP Trunking accepts no REGISTER" in result.output

    monkeypatch.setenv("BYOC_TRUNK_SECRET_DIRECT", "Good-password-2026")
    monkeypatch.setenv("BYOC_TRUNK_SECRET_SBC", "short")
    monkeypatch.setenv("GENESYSCLOUD_REGION", "us-west-2")
    checked = runner.invoke(app, ["policy", "check", str(BUILD_POLICY)])
    assert checked.exit_code == 0, checked.output
    out = checked.output
    assert "sip:byoc-direct-primary.example.byoc.usw2.pure.cloud;transport=tls" in out
    assert "BYOC_TRUNK_SECRET_DIRECT (secret set)" in out
    assert "BYOC_TRUNK_SECRET_SBC (secret set; Twilio refuses it: needs 12" in out
    assert "Good-password-2026" not in out and "short\n" not in out
