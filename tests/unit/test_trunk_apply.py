"""Applying trunk changes: stage by stage, and a group whose change failed is held."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from shared.domain.model import (
    CredentialList,
    IpAccessControlList,
    OriginationUrl,
    OutboundRoute,
    SipCredential,
    TrunkBase,
    TwilioTrunk,
)
from shared.ports import TerminalVendorError
from shared.trunks.apply import TrunkEffects, TrunkStatus, apply_trunk_changes
from shared.trunks.planner import SecretView, plan_trunks
from tests.unit.test_trunk_planner import empty, policy


class Recorder:
    """Answers every vendor write with a made-up object and notes the call; `refuse` names
    a method that fails instead, as the vendor refusing it would."""

    def __init__(self, refuse: str | None = None) -> None:
        self.calls: list[str] = []
        self.refuse = refuse

    def __getattr__(self, method: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(method)
            if method == self.refuse:
                raise TerminalVendorError("twilio", method, 400, "20001", "refused")
            return ANSWERS[method](len(self.calls))

        return call


ANSWERS: dict[str, Any] = {
    "create_trunk": lambda n: TwilioTrunk(sid=f"TK{n}", friendly_name="BYOC-Direct"),
    "create_credential_list": lambda n: CredentialList(sid=f"CL{n}", friendly_name="x"),
    "create_ip_acl": lambda n: IpAccessControlList(sid=f"AL{n}", friendly_name="x"),
    "create_credential": lambda n: SipCredential(sid=f"CR{n}", username="genesys"),
    "associate_credential_list": lambda n: None,
    "create_origination_url": lambda n: OriginationUrl(
        sid=f"OU{n}", sip_url="sip:x", priority=10, weight=10, enabled=True
    ),
    "create_trunk_base": lambda n: TrunkBase(id=f"base-{n}", name=f"base-{n}"),
    "create_outbound_route": lambda n: OutboundRoute(
        id=f"route-{n}", site_id="site-hq", site_name="HQ", name="TG", version=1
    ),
}


def run(twilio: Recorder, genesys: Recorder) -> list[tuple[str, TrunkStatus, str]]:
    changes = plan_trunks(policy(), empty(), frozenset(), {"TG": SecretView(present=True)})
    written: list[str] = []
    effects = TrunkEffects(
        secret_of=lambda name: SecretStr("Secret-one-1234"),
        own=lambda sid: None,
        written=lambda group, target, password: written.append(target),
    )
    outcomes = apply_trunk_changes(
        tuple(changes.changes),
        policy(),
        empty(),
        twilio,
        genesys,
        effects,
    )
    return [(o.change.label, o.status, o.detail) for o in outcomes]


def test_everything_runs_in_stage_order_when_nothing_fails() -> None:
    twilio, genesys = Recorder(), Recorder()
    outcomes = run(twilio, genesys)
    assert {status for _, status, _ in outcomes} == {TrunkStatus.DONE}
    assert twilio.calls == [
        "create_trunk",
        "create_credential_list",
        "create_credential",
        "associate_credential_list",
        "create_origination_url",
        "create_origination_url",
    ]
    assert genesys.calls == ["create_trunk_base", "create_trunk_base", "create_outbound_route"]


def test_a_failed_change_holds_the_rest_of_its_group() -> None:
    twilio, genesys = Recorder(refuse="create_credential"), Recorder()
    outcomes = run(twilio, genesys)
    statuses = {label: (status, detail) for label, status, detail in outcomes}
    assert statuses["create credential genesys on BYOC-Direct credentials"][0] is (
        TrunkStatus.FAILED
    )
    held = [label for label, (status, _) in statuses.items() if status is TrunkStatus.SKIPPED]
    assert held == [
        "create trunk association BYOC-Direct credentials on BYOC-Direct",
        "create trunk base Primary",
        "create trunk base Failover",
        *(label for label in statuses if label.startswith("create origination url")),
        "create outbound route TG on HQ",
    ]
    assert all("held: create credential genesys" in statuses[label][1] for label in held)
    assert genesys.calls == []  # Genesys never sent a credential Twilio does not hold
