"""Buying an exact number the account already owns: Twilio answers 201 and applies the
request like an update (github.com/danielberkompas/ex_twilio/pull/116), and so does the
emulator now. A purchase must therefore not take that answer for a purchase: the number
is someone else's (no route of ours selects it as it is named), and renaming, attaching and
routing it would take it over."""

from __future__ import annotations

import pytest

from sandbox.emulators.genesys import GenesysEmulator
from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from sandbox.scenario import load_scenario
from shared.adapters.retry import RetryPolicy
from shared.domain.commands import PurchaseRequest
from shared.domain.policy import load_policy
from shared.numbers.provisioning import ProvisioningError, purchase
from tests.conftest import EXAMPLE_POLICY
from tests.integration.conftest import genesys_adapter, twilio_adapter

STRANGER = "+14155550199"


def test_buying_a_number_someone_else_owns_on_the_account_takes_nothing_over(
    retry: RetryPolicy,
) -> None:
    scenario = load_scenario("default")
    raw = scenario.twilio.model_dump(mode="json", exclude_defaults=True)
    raw["incoming_numbers"].append({"phone_number": STRANGER, "friendly_name": "Lab fax"})
    with (
        TwilioEmulator(TwilioScenario.model_validate(raw)) as t_emu,
        GenesysEmulator(scenario.genesys) as g_emu,
    ):
        twilio, genesys = twilio_adapter(t_emu, retry), genesys_adapter(g_emu, retry)
        request = PurchaseRequest(route="main", phone_number=STRANGER)
        with pytest.raises(ProvisioningError, match="not for sale"):
            purchase(load_policy(EXAMPLE_POLICY), twilio, genesys, request)
        number = t_emu.state.owned(STRANGER)
        assert number is not None
        assert (number.friendly_name, number.trunk_sid) == ("Lab fax", None)
