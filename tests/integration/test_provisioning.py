"""Buying and releasing one number through the official SDKs, against the default estate."""

from __future__ import annotations

import pytest

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.twilio import TwilioEmulator
from sandbox.scenario import load_scenario
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.twilio import TwilioAdapter
from shared.domain.commands import PurchaseRequest
from shared.domain.ownership import OWNERSHIP_MARKER
from shared.domain.policy import RoutingPolicy, load_policy
from shared.numbers.provisioning import (
    NotOwnedError,
    NumberClaimedError,
    ProvisioningError,
    check_purchase,
    purchase,
    release_number,
)
from shared.reconcile.saved_plans import plan_now
from tests.conftest import EXAMPLE_POLICY
from tests.integration.conftest import genesys_adapter, twilio_adapter

BUY = "POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"


@pytest.fixture
def policy() -> RoutingPolicy:
    return load_policy(EXAMPLE_POLICY)


def dnis(emu: GenesysEmulator, name: str) -> list[str]:
    return next(list(i.dnis) for i in emu.state.ivrs.values() if i.name == name)


def test_buying_by_area_code_makes_the_number_routable_in_one_go(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    twilio_emu: TwilioEmulator,
    genesys_emu: GenesysEmulator,
) -> None:
    pools_before = set(genesys_emu.state.pools)
    request = PurchaseRequest(route="main", area_code="202")
    result = purchase(policy, twilio, genesys, request)
    assert result.ok, result.report
    bought = result.phone_number
    assert bought == "+12025550102"  # first for sale: inside the hand-made +12025550100-09 pool
    number = twilio_emu.state.numbers[result.number_sid or ""]
    assert number.friendly_name == "byoc-sync route:main"
    assert number.trunk_sid == next(iter(twilio_emu.state.trunks))
    assert set(genesys_emu.state.pools) == pools_before  # that pool covers it: none created
    assert bought in dnis(genesys_emu, "Main IVR")
    after, _ = plan_now(policy, twilio, genesys)
    assert not [
        c
        for c in after.changes
        if bought in (getattr(c, "phone_number", ""), *getattr(c, "numbers", ()))
    ]


def test_a_number_a_hand_made_pool_covers_is_reported_as_covered_not_created(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    genesys_emu: GenesysEmulator,
) -> None:
    """The pool step is done (the number is routable) but says whose pool made it so."""
    [hand_made] = [p for p in genesys_emu.state.pools.values() if p.start == "+12025550100"]
    assert OWNERSHIP_MARKER not in (hand_made.comments or "")

    def pools() -> dict[str, tuple[object, ...]]:
        return {i: (p.version, p.start, p.end) for i, p in genesys_emu.state.pools.items()}

    pools_before = pools()
    result = purchase(policy, twilio, genesys, PurchaseRequest(route="main", area_code="202"))
    assert result.ok, result.report
    assert result.phone_number == "+12025550102"  # inside that pool
    assert (
        f"create_did_pool: done (covered by existing pool {hand_made.id} "
        "(+12025550100-+12025550109, not managed))"
    ) in result.report
    assert pools() == pools_before  # no pool created, none changed


def test_buying_an_exact_toll_free_number_for_the_support_route(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    genesys_emu: GenesysEmulator,
) -> None:
    request = PurchaseRequest(route="support", phone_number="+18005550100", kind="toll-free")
    result = purchase(policy, twilio, genesys, request)
    assert result.ok and "+18005550100" in dnis(genesys_emu, "Support IVR")
    [pool] = [p for p in genesys_emu.state.pools.values() if p.start == "+18005550100"]
    assert OWNERSHIP_MARKER in (pool.comments or "") and pool.end == "+18005550100"
    assert "create_did_pool: done" in result.report  # ours: nothing more to say


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        ({"route": "nowhere", "area_code": "202"}, "no route 'nowhere'"),
        ({"route": "support", "area_code": "202", "friendly_name": "plain"}, "does not select"),
        ({"route": "main", "area_code": "415"}, "no local numbers available in area code 415"),
    ],
)
def test_a_purchase_that_cannot_be_routed_buys_nothing(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    twilio_emu: TwilioEmulator,
    request_fields: dict[str, str],
    message: str,
) -> None:
    with pytest.raises(ProvisioningError, match=message):
        purchase(policy, twilio, genesys, PurchaseRequest.model_validate(request_fields))
    assert twilio_emu.log.count(endpoint=BUY) == 0


def test_the_check_takes_the_first_offer_no_other_request_holds(
    policy: RoutingPolicy, twilio: TwilioAdapter, genesys: GenesysAdapter
) -> None:
    held = {"+12025550102", "+12025550103"}
    request = PurchaseRequest(route="main", area_code="202")
    check = check_purchase(policy, twilio, genesys, request, claim=lambda n: n not in held)
    assert check.phone_number == "+12025550104"
    with pytest.raises(NumberClaimedError, match="all being bought by other requests"):
        check_purchase(policy, twilio, genesys, request, claim=lambda n: False)


def test_the_check_of_an_exact_number_asks_whether_it_is_for_sale(
    policy: RoutingPolicy, twilio: TwilioAdapter, genesys: GenesysAdapter
) -> None:
    toll_free = PurchaseRequest(route="support", phone_number="+18005550100")  # kind not given
    assert check_purchase(policy, twilio, genesys, toll_free).ok
    taken = PurchaseRequest(route="main", phone_number="+12025550100")  # already on the account
    with pytest.raises(ProvisioningError, match="is not for sale on Twilio"):
        check_purchase(policy, twilio, genesys, taken)
    with pytest.raises(NumberClaimedError, match="being bought by another request"):
        check_purchase(
            policy,
            twilio,
            genesys,
            PurchaseRequest(route="main", phone_number="+12025550110"),
            claim=lambda n: False,
        )


def test_a_purchase_request_names_one_way_to_choose_the_number() -> None:
    with pytest.raises(ValueError, match="give an exact number, or an area code"):
        PurchaseRequest(route="main")
    with pytest.raises(ValueError, match="cannot be combined"):
        PurchaseRequest(route="main", phone_number="+12025550150", area_code="202")


def test_release_undoes_a_purchase_in_reverse_order(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    twilio_emu: TwilioEmulator,
    genesys_emu: GenesysEmulator,
) -> None:
    request = PurchaseRequest(route="main", phone_number="+12025550115")  # outside any pool
    bought = purchase(policy, twilio, genesys, request)
    twilio_emu.log.clear()
    genesys_emu.log.clear()
    result = release_number(policy, twilio, genesys, bought.phone_number)
    assert result.ok, result.report
    assert bought.phone_number not in dnis(genesys_emu, "Main IVR")
    assert not any(p.start == bought.phone_number for p in genesys_emu.state.pools.values())
    assert bought.number_sid not in twilio_emu.state.numbers
    writes = [e.endpoint for e in genesys_emu.log.writes()] + [
        e.endpoint for e in twilio_emu.log.writes()
    ]
    assert writes == [
        "PUT /api/v2/architect/ivrs/{ivrId}",
        "DELETE /api/v2/telephony/providers/edges/didpools/{didPoolId}",
        "DELETE /v1/Trunks/{TrunkSid}/PhoneNumbers/{Sid}",
        "DELETE /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json",
    ]
    with pytest.raises(ProvisioningError, match="not a number on the Twilio account"):
        release_number(policy, twilio, genesys, bought.phone_number)


def test_release_refuses_numbers_byoc_sync_does_not_own(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    twilio_emu: TwilioEmulator,
) -> None:
    twilio.purchase("+18885550123", "bought by hand for another team")  # selected by no route
    twilio_emu.log.clear()
    with pytest.raises(NotOwnedError, match="selected by no route"):
        release_number(policy, twilio, genesys, "+18885550123")
    assert twilio_emu.log.writes() == []


def test_release_refuses_a_number_an_unmanaged_ivr_uses(
    policy: RoutingPolicy, retry: RetryPolicy
) -> None:
    scenario = load_scenario("default")
    seed = scenario.genesys.model_dump()
    seed["ivrs"].append({"name": "Legacy IVR", "dnis": ["+13125550100"]})
    with (
        TwilioEmulator(scenario.twilio) as t_emu,
        GenesysEmulator(GenesysScenario.model_validate(seed)) as g_emu,
    ):
        twilio, genesys = twilio_adapter(t_emu, retry), genesys_adapter(g_emu, retry)
        g_emu.log.clear()
        with pytest.raises(NotOwnedError, match="'Legacy IVR', which no route manages"):
            release_number(policy, twilio, genesys, "+13125550100")
        assert g_emu.log.writes() == [] and t_emu.log.writes() == []


def test_a_purchase_reports_its_steps_in_plan_order_though_they_overlap(
    policy: RoutingPolicy,
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    twilio_emu: TwilioEmulator,
    genesys_emu: GenesysEmulator,
) -> None:
    # The attach (Twilio) and the DID pool (Genesys) run side by side; a slow attach
    # finishes last, yet the report lists the steps in the order the plan has them.
    slow_attach = FaultConfig(latency_ms=400, path_pattern=r"/PhoneNumbers$", methods=["POST"])
    twilio_emu.faults.configure(slow_attach)
    result = purchase(policy, twilio, genesys, PurchaseRequest(route="support", area_code="312"))

    assert result.ok, result.report
    assert [line.split(":")[0] for line in result.report] == [
        "purchase",
        "attach_number_to_trunk",
        "create_did_pool",
        "add_dnis",
    ]
    [attach] = [e for e in twilio_emu.log.entries() if e.endpoint.endswith("/PhoneNumbers")]
    [pool] = [e for e in genesys_emu.log.entries() if e.endpoint.endswith("/didpools")]
    assert pool.timestamp < attach.timestamp  # the pool was created while the attach ran
