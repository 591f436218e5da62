"""The trunk planner: what building a trunk group takes, from what the vendors hold."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from shared.domain.model import (
    CarrierSide,
    CredentialList,
    OriginationUrl,
    OutboundRoute,
    SipCredential,
    Site,
    Snapshot,
    TrunkAssociations,
    TrunkBase,
    TwilioTrunk,
)
from shared.domain.policy import RoutingPolicy, parse_policy
from shared.domain.trunk_derive import TWILIO_SIGNALLING_RANGES, byoc_domain_for
from shared.domain.yaml_source import SourceError
from shared.reconcile.saved_plans import TrunkContext, plan_from
from shared.trunks.changes import SECRET_CHANGED, SECRET_SET, SECRET_UNRECORDED, TrunkChange
from shared.trunks.desired import (
    desired_group,
    genesys_secret_target,
    owned_description,
    twilio_secret_target,
)
from shared.trunks.planner import SecretView, TrunkPlan, plan_trunks
from shared.trunks.records import OwnershipRecord, SecretRecord
from tests.support.memory_store import MemoryStore

POLICY = """
trunk_groups:
  - name: TG
    twilio_trunk: BYOC-Direct
    site: HQ
    outbound_route: TG
    build:
      {adopt}
      credentials: {{username: genesys, password_setting: BYOC_TRUNK_SECRET_TG}}
      twilio: {{domain_name: byoc-direct.pstn.twilio.com}}
    members:
      - genesys_trunk: Primary
        probe: sips:a.example.com
        priority: 1
        trunk: {{inbound_identifier: byoc-a.example}}
      - genesys_trunk: Failover
        probe: sips:b.example.com
        priority: 2
        trunk: {{inbound_identifier: byoc-b.example}}
routes:
  - {{name: r, select: {{tags: [x]}}, ivr: I, trunk_group: TG}}
"""
HQ = Site(id="site-hq", name="HQ")
URL = "sip:{}.byoc.mypurecloud.com;transport=tls"


def policy(adopt: bool = False, domain: str | None = None) -> RoutingPolicy:
    return parse_policy(POLICY.format(adopt="adopt: true" if adopt else ""), byoc_domain=domain)


def every_target() -> frozenset[str]:
    group = policy().trunk_groups[0]
    assert group.build is not None
    desired = desired_group(group, group.build)
    return frozenset(
        [twilio_secret_target(desired)] + [genesys_secret_target(b) for b in desired.trunk_bases]
    )


SECRET_WRITTEN = SecretView(present=True, current_at=every_target(), recorded_at=every_target())


def planned(
    snapshot: Snapshot,
    owned: frozenset[str] = frozenset(),
    secret: SecretView = SECRET_WRITTEN,
    adopt: bool = False,
) -> TrunkPlan:
    return plan_trunks(policy(adopt), snapshot, owned, {"TG": secret})


def labels(result: TrunkPlan) -> list[str]:
    return [change.label for change in result.changes]


def empty() -> Snapshot:
    return Snapshot(sites=(HQ,), carrier=CarrierSide())


def built() -> tuple[Snapshot, frozenset[str]]:
    """The estate one apply of the policy leaves behind."""
    marker = owned_description("TG")
    servers = ("byoc-direct.pstn.twilio.com",)
    bases = tuple(
        TrunkBase(
            id=f"base-{name}",
            name=name,
            description=marker,
            inbound_identifier=identifier,
            transport="tls",
            sip_servers=servers,
            allow_list=TWILIO_SIGNALLING_RANGES,
            inbound_site_id="site-hq",
            enabled=True,
            username="genesys",
            realm="",
        )
        for name, identifier in (("Primary", "byoc-a.example"), ("Failover", "byoc-b.example"))
    )
    urls = tuple(
        OriginationUrl(
            sid=f"OU{n}",
            sip_url=f"sip:{h}.byoc.mypurecloud.com;transport=tls",
            priority=n * 10,
            weight=10,
            enabled=True,
        )
        for n, h in ((1, "byoc-a.example"), (2, "byoc-b.example"))
    )
    trunk = TwilioTrunk(
        sid="TK1",
        friendly_name="BYOC-Direct",
        origination_urls=urls,
        domain_name="byoc-direct.pstn.twilio.com",
        secure=True,
    )
    carrier = CarrierSide(
        credential_lists=(
            CredentialList(
                sid="CL1",
                friendly_name="BYOC-Direct credentials",
                credentials=(SipCredential(sid="CR1", username="genesys"),),
            ),
        ),
        associations=(TrunkAssociations(trunk_sid="TK1", credential_list_sids=("CL1",)),),
    )
    route = OutboundRoute(
        id="route-1",
        site_id="site-hq",
        site_name="HQ",
        name="TG",
        external_trunk_base_ids=("base-Primary", "base-Failover"),
        distribution="SEQUENTIAL",
        classification_types=("National", "International"),
        version=1,
        description=marker,
    )
    snapshot = Snapshot(
        twilio_trunks=(trunk,),
        trunk_bases=bases,
        outbound_routes=(route,),
        sites=(HQ,),
        carrier=carrier,
    )
    return snapshot, frozenset({"TK1", "CL1"})


def test_an_empty_estate_is_built_on_both_sides() -> None:
    result = planned(empty(), secret=SecretView(present=True))
    assert labels(result) == [
        "create twilio trunk BYOC-Direct",
        "create credential list BYOC-Direct credentials",
        "create credential genesys on BYOC-Direct credentials",
        "create trunk association BYOC-Direct credentials on BYOC-Direct",
        "create trunk base Primary",
        "create trunk base Failover",
        f"create origination url {URL.format('byoc-a.example')} on BYOC-Direct",
        f"create origination url {URL.format('byoc-b.example')} on BYOC-Direct",
        "create outbound route TG on HQ",
    ]
    primary = next(c for c in result.changes if c.name == "Primary")
    shown = {f.name: f.after for f in primary.fields}
    assert shown["SIP servers"] == "byoc-direct.pstn.twilio.com"  # derived from Twilio's side
    assert shown["allow-list"] == "Twilio's signalling ranges (8, as of 2026-03-09)"
    assert shown["transport"] == "tls" and shown["password"] == SECRET_SET
    assert result.conflicts == []


def test_what_one_apply_built_plans_nothing() -> None:
    snapshot, owned = built()
    result = planned(snapshot, owned)
    assert result.changes == [] and result.conflicts == []


def test_a_trunk_switched_to_udp_is_planned_back_to_tls() -> None:
    snapshot, owned = built()
    bases = tuple(
        b.model_copy(update={"transport": "udp"}) if b.name == "Primary" else b
        for b in snapshot.trunk_bases
    )
    result = planned(snapshot.model_copy(update={"trunk_bases": bases}), owned)
    [change] = result.changes
    assert change.label == "update trunk base Primary"
    assert [str(f) for f in change.fields] == ["transport: udp → tls"]
    assert change.reason == "drifted from policy"


def test_objects_that_are_not_ours_are_conflicts_until_the_policy_adopts_them() -> None:
    snapshot, _ = built()
    foreign = snapshot.model_copy(
        update={
            "trunk_bases": tuple(
                b.model_copy(update={"description": None}) for b in snapshot.trunk_bases
            )
        }
    )
    refused = planned(foreign, owned=frozenset())
    assert not any(c.object in ("trunk_base", "twilio_trunk") for c in refused.changes)
    subjects = [subject for subject, _ in refused.conflicts]
    assert "Twilio trunk 'BYOC-Direct'" in subjects and "trunk 'Primary'" in subjects
    assert all("build.adopt: true" in detail for _, detail in refused.conflicts)

    adopted = planned(foreign, owned=frozenset(), adopt=True)
    assert {c.label for c in adopted.changes if c.action == "adopt"} == {
        "adopt twilio trunk BYOC-Direct",
        "adopt credential list BYOC-Direct credentials",
        "adopt trunk base Primary",
        "adopt trunk base Failover",
    }
    assert adopted.conflicts == []


def test_a_member_added_appears_on_the_route_and_as_an_origination_url() -> None:
    snapshot, owned = built()
    text = POLICY.format(adopt="").replace(
        "routes:",
        "      - genesys_trunk: Third\n        probe: sips:c.example.com\n        priority: 3\n"
        "        trunk: {inbound_identifier: byoc-c.example}\nroutes:",
    )
    result = plan_trunks(parse_policy(text), snapshot, owned, {"TG": SECRET_WRITTEN})
    assert labels(result) == [
        "create trunk base Third",
        f"create origination url {URL.format('byoc-c.example')} on BYOC-Direct",
        "update outbound route TG on HQ",
    ]
    route = result.changes[-1]
    assert [str(f) for f in route.fields] == ["members added: Third"]


def test_a_member_removed_leaves_both_sides_but_its_trunk_stays() -> None:
    snapshot, owned = built()
    text = POLICY.format(adopt="").replace(
        "      - genesys_trunk: Failover\n        probe: sips:b.example.com\n        priority: 2\n"
        "        trunk: {inbound_identifier: byoc-b.example}\n",
        "",
    )
    result = plan_trunks(parse_policy(text), snapshot, owned, {"TG": SECRET_WRITTEN})
    assert labels(result) == [
        "update outbound route TG on HQ",
        f"delete origination url {URL.format('byoc-b.example')} on BYOC-Direct",
    ]
    assert [str(f) for f in result.changes[0].fields] == ["members removed: Failover"]
    [(subject, detail)] = result.conflicts
    assert subject == "trunk 'Failover'" and "left in place" in detail


def test_rotation_adds_the_new_credential_switches_genesys_then_removes_the_old() -> None:
    snapshot, owned = built()
    text = POLICY.format(adopt="").replace("username: genesys", "username: genesys-2")
    result = plan_trunks(parse_policy(text), snapshot, owned, {"TG": SecretView(present=True)})
    by_label = {c.label: c for c in result.changes}
    new = by_label["create credential genesys-2 on BYOC-Direct credentials"]
    old = by_label["delete credential genesys on BYOC-Direct credentials"]
    switch = by_label["update trunk base Primary"]
    assert new.stage < switch.stage < old.stage
    assert "username: genesys → genesys-2" in [str(f) for f in switch.fields]


def test_a_password_is_only_ever_a_placeholder() -> None:
    snapshot, owned = built()
    changed = SecretView(present=True, current_at=frozenset(), recorded_at=every_target())
    result = planned(snapshot, owned, secret=changed)
    passwords = {f.after for c in result.changes for f in c.fields if f.name == "password"}
    assert passwords == {SECRET_CHANGED}
    unknown = planned(snapshot, owned, secret=SecretView(present=True))
    assert {f.after for c in unknown.changes for f in c.fields} == {SECRET_UNRECORDED}


def test_an_unset_password_setting_builds_nothing_of_the_group() -> None:
    result = planned(empty(), secret=SecretView(present=False))
    assert result.changes == []
    [(subject, detail)] = result.conflicts
    assert subject == "BYOC_TRUNK_SECRET_TG" and "not set" in detail


def test_a_missing_site_is_a_conflict_not_a_guess() -> None:
    result = planned(Snapshot(carrier=CarrierSide()), secret=SecretView(present=True))
    assert not any(c.object in ("trunk_base", "outbound_route") for c in result.changes)
    assert ("site 'HQ'", "site of trunk group 'TG' does not exist") in result.conflicts


def test_registration_toward_twilio_is_refused_with_the_reason() -> None:
    text = POLICY.format(adopt="").replace(
        "{inbound_identifier: byoc-a.example}",
        "{inbound_identifier: byoc-a.example, registration: true}",
    )
    with pytest.raises(SourceError, match="Twilio Elastic SIP Trunking accepts no REGISTER"):
        parse_policy(text)


@pytest.mark.parametrize(
    ("region", "api_host", "domain"),
    [
        ("us-east-1", None, "byoc.mypurecloud.com"),
        ("us-west-2", None, "byoc.usw2.pure.cloud"),
        ("eu-west-1", None, "byoc.mypurecloud.ie"),
        ("eu-west-2", "https://api.euw2.pure.cloud", "byoc.euw2.pure.cloud"),
    ],
)
def test_the_origination_url_is_derived_from_the_regions_byoc_domain(
    region: str, api_host: str | None, domain: str
) -> None:
    assert byoc_domain_for(region, api_host) == domain
    member = policy(domain=domain).trunk_groups[0].members[0]
    assert member.origination_url == f"sip:byoc-a.example.{domain};transport=tls"


def test_changes_carry_no_secret_and_survive_json() -> None:
    result = planned(empty(), secret=SecretView(present=True))
    for change in result.changes:
        assert TrunkChange.model_validate_json(change.model_dump_json()) == change


def test_behind_an_sbc_the_allow_list_is_left_to_the_sip_servers() -> None:
    text = (
        POLICY.format(adopt="topology: sbc")
        .replace(
            "{inbound_identifier: byoc-a.example}",
            "{inbound_identifier: byoc-a.example, sip_servers: [sbc-a.example.com]}\n"
            "        origination_url: sip:sbc-a.example.com;transport=tls",
        )
        .replace(
            "{inbound_identifier: byoc-b.example}",
            "{inbound_identifier: byoc-b.example, sip_servers: [sbc-b.example.com]}\n"
            "        origination_url: sip:sbc-b.example.com;transport=tls",
        )
    )
    result = plan_trunks(parse_policy(text), empty(), frozenset(), {"TG": SECRET_WRITTEN})
    primary = next(c for c in result.changes if c.name == "Primary")
    shown = {f.name: f.after for f in primary.fields}
    assert (shown["allow-list"], shown["SIP servers"]) == ("(none)", "sbc-a.example.com")


# --- what byoc-sync remembers, and the plan around the trunk changes -------------------


def test_a_password_is_remembered_as_a_fingerprint_that_tells_a_change() -> None:
    store = MemoryStore()
    record = SecretRecord(store)
    first, second = SecretStr("Secret-one-1234"), SecretStr("Secret-two-5678")
    assert record.view("TG", None, ["genesys:Primary"]) == SecretView(present=False)
    record.remember("TG", "genesys:Primary", first)
    assert "Secret-one-1234" not in str(store.rows)
    same = record.view("TG", first, ["genesys:Primary", "genesys:Failover"])
    assert same.current_at == {"genesys:Primary"} and same.recorded_at == {"genesys:Primary"}
    changed = record.view("TG", second, ["genesys:Primary"])
    assert changed.current_at == frozenset() and changed.recorded_at == {"genesys:Primary"}


def test_ownership_is_recorded_once_even_when_another_writer_interleaves() -> None:
    store = MemoryStore(interleave=1, other=lambda key: {"sids": ["TKother"]})
    record = OwnershipRecord(store)
    record.own("TK1")
    record.own("TK1")
    assert record.twilio_sids() == {"TK1", "TKother"}


def trunk_context(owned: frozenset[str], secret: str | None = "Secret-one-1234") -> TrunkContext:
    stores = {partition: MemoryStore() for partition in ("trunk-ownership", "trunk-secrets")}
    for sid in owned:
        OwnershipRecord(stores["trunk-ownership"]).own(sid)
    value = SecretStr(secret) if secret else None
    if value is not None:
        for target in every_target():
            SecretRecord(stores["trunk-secrets"]).remember("TG", target, value)
    return TrunkContext(secret_of=lambda name: value, state_store=stores.__getitem__)


def without_failover(mode: str = "sync", max_deletions: int = 10) -> RoutingPolicy:
    text = POLICY.format(adopt="").replace(
        "      - genesys_trunk: Failover\n        probe: sips:b.example.com\n        priority: 2\n"
        "        trunk: {inbound_identifier: byoc-b.example}\n",
        "",
    )
    return parse_policy(f"mode: {mode}\nmax_deletions: {max_deletions}\n{text}")


def test_upsert_only_keeps_trunk_removals_out_of_the_plan_and_shows_them() -> None:
    snapshot, owned = built()
    result = plan_from(without_failover("upsert-only"), snapshot, trunk_context(owned))
    assert not any(c.action == "delete" for c in result.trunk_changes)
    assert [c.label for c in result.suppressed if isinstance(c, TrunkChange)] == [
        f"delete origination url {URL.format('byoc-b.example')} on BYOC-Direct"
    ]


def test_the_deletion_guard_counts_trunk_removals() -> None:
    snapshot, owned = built()
    result = plan_from(without_failover(max_deletions=1), snapshot, trunk_context(owned))
    assert result.deletions == 2  # the member off the route, its origination URL
    assert not result.guard.allowed and "more than max_deletions (1)" in result.guard.reasons[0]


def test_a_group_whose_password_setting_is_unset_is_a_conflict_in_the_plan() -> None:
    snapshot, owned = built()
    result = plan_from(policy(), snapshot, trunk_context(owned, secret=None))
    assert result.trunk_changes == ()
    assert "BYOC_TRUNK_SECRET_TG" in [c.subject for c in result.conflicts]
