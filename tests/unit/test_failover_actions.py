"""Failover and recovery as vendor changes: the preferred member first in the Genesys
outbound route and lowest in Twilio origination priority; nothing when already so."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from shared.domain.model import OriginationUrl, OutboundRoute, TrunkBase, TwilioTrunk
from shared.domain.policy import TrunkGroup
from shared.health.actions import (
    Action,
    ActionProblemError,
    ReorderOutboundRoute,
    SetOriginationUrl,
    plan_actions,
    realised_order,
)

PRIMARY, BACKUP = "BYOC-Primary-Twilio", "BYOC-Failover-Twilio"
P_URL, B_URL = "sip:byoc-primary.example.com;transport=tls", "sip:byoc-failover.example.com"
BASES = [
    TrunkBase(id="tb-p", name=PRIMARY),
    TrunkBase(id="tb-b", name=BACKUP),
    TrunkBase(id="tb-x", name="Someone-Else"),
]
GROUP = TrunkGroup.model_validate(
    {
        "name": "TG",
        "twilio_trunk": "BYOC",
        "site": "HQ",
        "outbound_route": "Route",
        "members": [
            {
                "genesys_trunk": PRIMARY,
                "origination_url": P_URL,
                "probe": "sip:p.example.com",
                "priority": 1,
            },
            {
                "genesys_trunk": BACKUP,
                "origination_url": B_URL,
                "probe": "sip:b.example.com",
                "priority": 2,
            },
        ],
    }
)


def route(*ids: str) -> OutboundRoute:
    return OutboundRoute(
        id="r1", site_id="s1", site_name="HQ", name="Route", external_trunk_base_ids=ids, version=1
    )


def trunk(primary: int, backup: int, *, backup_enabled: bool = True) -> TwilioTrunk:
    return TwilioTrunk(
        sid="TK1",
        friendly_name="BYOC",
        origination_urls=(
            OriginationUrl(sid="OU-p", sip_url=P_URL, priority=primary, weight=10, enabled=True),
            OriginationUrl(
                sid="OU-b",
                sip_url=B_URL.upper(),
                priority=backup,
                weight=10,
                enabled=backup_enabled,
            ),
        ),
    )


def plan(
    preferred: str,
    r: OutboundRoute,
    t: TwilioTrunk,
    states: Mapping[str, str] | None = None,
    disable_failed: bool = False,
) -> list[Action]:
    return plan_actions(
        GROUP,
        preferred,
        route=r,
        trunk_bases=BASES,
        twilio_trunk=t,
        member_states=states or {},
        disable_failed=disable_failed,
    )


def test_nothing_to_do_when_the_preferred_member_is_already_first() -> None:
    assert plan(PRIMARY, route("tb-p", "tb-b"), trunk(10, 20)) == []


def test_failover_puts_the_backup_first_on_both_sides() -> None:
    actions = plan(BACKUP, route("tb-p", "tb-b", "tb-x"), trunk(10, 20))
    reorder, backup, primary = actions
    assert isinstance(reorder, ReorderOutboundRoute)
    assert reorder.trunk_base_ids == ("tb-b", "tb-p", "tb-x")  # foreign base keeps its place
    assert reorder.describe().endswith(f"{BACKUP} → {PRIMARY} → Someone-Else")
    assert isinstance(backup, SetOriginationUrl) and isinstance(primary, SetOriginationUrl)
    assert (backup.url.sid, backup.priority) == ("OU-b", 10)
    assert (primary.url.sid, primary.priority) == ("OU-p", 20)
    assert backup.describe().endswith("priority 20 → 10")


def test_a_half_done_failover_is_finished_not_redone() -> None:
    actions = plan(BACKUP, route("tb-b", "tb-p"), trunk(20, 20))
    assert [type(a).__name__ for a in actions] == ["SetOriginationUrl"]


def test_a_down_member_is_disabled_only_when_the_policy_says_so() -> None:
    states = {PRIMARY: "down", BACKUP: "up"}
    assert plan(BACKUP, route("tb-b", "tb-p"), trunk(20, 10), states=states) == []
    (disable,) = plan(
        BACKUP, route("tb-b", "tb-p"), trunk(20, 10), states=states, disable_failed=True
    )
    assert isinstance(disable, SetOriginationUrl) and not disable.enabled
    assert disable.describe().endswith("disabled")
    # and re-enabled once it is up again
    (enable,) = plan(
        PRIMARY, route("tb-p", "tb-b"), trunk(10, 20, backup_enabled=False), disable_failed=True
    )
    assert isinstance(enable, SetOriginationUrl) and enable.url.sid == "OU-b" and enable.enabled


def test_a_missing_route_base_or_url_is_a_problem_not_a_guess() -> None:
    with pytest.raises(ActionProblemError, match="no outbound route"):
        plan_actions(
            GROUP,
            PRIMARY,
            route=None,
            trunk_bases=BASES,
            twilio_trunk=trunk(10, 20),
            member_states={},
        )
    with pytest.raises(ActionProblemError, match="no Genesys trunk base"):
        plan_actions(
            GROUP,
            PRIMARY,
            route=route("tb-p"),
            trunk_bases=BASES[:1],
            twilio_trunk=trunk(10, 20),
            member_states={},
        )
    bare = TwilioTrunk(sid="TK1", friendly_name="BYOC")
    with pytest.raises(ActionProblemError, match="no origination URL"):
        plan_actions(
            GROUP,
            PRIMARY,
            route=route("tb-p", "tb-b"),
            trunk_bases=BASES,
            twilio_trunk=bare,
            member_states={},
        )


def test_realised_order_reads_members_only_and_skips_disabled_urls_for_first() -> None:
    order = realised_order(GROUP, route("tb-x", "tb-b", "tb-p"), BASES, trunk(20, 10))
    assert order.genesys == (BACKUP, PRIMARY)  # Someone-Else is not a member
    assert order.twilio_first == BACKUP
    disabled = realised_order(GROUP, route("tb-p"), BASES, trunk(20, 10, backup_enabled=False))
    assert disabled.twilio_first == PRIMARY  # a disabled URL takes no calls, whatever its priority
    assert disabled.describe() == (
        f"Genesys route: {PRIMARY}; Twilio priorities: {BACKUP} 10 (disabled), {PRIMARY} 20"
    )
    assert realised_order(GROUP, None, BASES, None).genesys_first is None


def test_a_route_on_a_genesys_managed_site_is_never_written() -> None:
    managed = route("tb-p", "tb-b").model_copy(update={"site_managed": True})
    with pytest.raises(ActionProblemError, match="managed by Genesys Cloud"):
        plan(BACKUP, managed, trunk(10, 20))
