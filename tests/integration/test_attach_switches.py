"""The Twilio adapter's attach and reconcile under every value of the emulator's
`attach_elsewhere` / `attach_again` switches (what Twilio does with a number already on a
trunk is undocumented): the number ends up where the plan wants it, whatever Twilio does,
and a number no route selects is never touched, on whatever trunk it sits."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import GenesysEmulator
from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from sandbox.scenario import load_scenario
from shared.adapters.retry import RetryPolicy
from shared.domain.policy import load_policy
from shared.ports import TerminalVendorError
from shared.reconcile import AttachNumberToTrunk
from shared.reconcile.apply import Status, apply_plan
from shared.reconcile.saved_plans import plan_now
from tests.conftest import EXAMPLE_POLICY
from tests.integration.conftest import genesys_adapter, twilio_adapter

HAND_BOUGHT = "+13125550101"  # selected by route "support", on no trunk in the default scenario
STRANGER = "+14155550199"  # selected by no route: not byoc-sync's to move
ATTACH = "POST /v1/Trunks/{TrunkSid}/PhoneNumbers"
DETACH = "DELETE /v1/Trunks/{TrunkSid}/PhoneNumbers/{Sid}"
FETCH = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"
ELSEWHERE = ("move", "refuse_400", "refuse_409")
AGAIN = ("accept", "refuse_400", "refuse_409")


def twilio_scenario(**switches: Any) -> TwilioScenario:
    """The default estate plus a trunk no policy names, holding the hand-bought number (ours:
    a route selects it) and a number nobody's route selects."""
    raw = load_scenario("default").twilio.model_dump(mode="json", exclude_defaults=True)
    raw["trunks"].append(
        {"friendly_name": "Legacy-Carrier", "domain_name": "legacy.pstn.twilio.com"}
    )
    for number in raw["incoming_numbers"]:
        if number["phone_number"] == HAND_BOUGHT:
            number["trunk"] = "Legacy-Carrier"
    raw["incoming_numbers"].append(
        {"phone_number": STRANGER, "friendly_name": "Lab fax", "trunk": "Legacy-Carrier"}
    )
    return TwilioScenario.model_validate({**raw, **switches})


def trunk_sid(emu: TwilioEmulator, name: str) -> str:
    return next(t.sid for t in emu.state.trunks.values() if t.friendly_name == name)


def number(emu: TwilioEmulator, phone_number: str) -> Any:
    found = emu.state.owned(phone_number)
    assert found is not None
    return found


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_attach_moves_a_number_off_another_trunk_whatever_twilio_does(
    elsewhere: str, retry: RetryPolicy
) -> None:
    with TwilioEmulator(twilio_scenario(attach_elsewhere=elsewhere)) as emu:
        twilio = twilio_adapter(emu, retry)
        ours, target = number(emu, HAND_BOUGHT), trunk_sid(emu, "BYOC-Primary-Failover")
        legacy = trunk_sid(emu, "Legacy-Carrier")

        attached = twilio.attach_number(ours.sid, target)

        assert (attached.sid, attached.trunk_sid) == (ours.sid, target)
        assert emu.state.numbers[ours.sid].trunk_sid == target
        assert ours.sid not in {n.sid for n in emu.state.numbers_on(legacy)}
        expected = (
            [ATTACH] if elsewhere == "move" else [ATTACH, FETCH, DETACH, ATTACH]
        )  # refused: look, take it off the other trunk, attach
        assert [e.endpoint for e in emu.log.entries()] == expected
        assert [e.status for e in emu.log.entries()][-1] == 201


@pytest.mark.parametrize("again", AGAIN)
def test_attach_to_the_trunk_a_number_is_on_counts_as_done(again: str, retry: RetryPolicy) -> None:
    with TwilioEmulator(twilio_scenario(attach_again=again)) as emu:
        twilio = twilio_adapter(emu, retry)
        target = trunk_sid(emu, "BYOC-Primary-Failover")
        on_it = emu.state.numbers_on(target)[0]

        assert twilio.attach_number(on_it.sid, target).trunk_sid == target

        expected = [ATTACH] if again == "accept" else [ATTACH, FETCH]
        assert [e.endpoint for e in emu.log.entries()] == expected
        assert emu.log.writes()[0].status == (201 if again == "accept" else int(again[-3:]))
        assert emu.state.monitor.events == []  # nothing changed


@pytest.mark.parametrize("status", [400, 409])
def test_a_refusal_with_the_number_on_no_trunk_is_an_error(status: int, retry: RetryPolicy) -> None:
    """Refused for some other reason (here: a fault, the number on no trunk): there is
    nothing to take it off, so the adapter reports the refusal rather than guessing."""
    with TwilioEmulator(twilio_scenario()) as emu:
        twilio = twilio_adapter(emu, retry)
        loose = number(emu, STRANGER)
        emu.state.numbers[loose.sid].trunk_sid = None
        emu.faults.configure(
            FaultConfig(
                server_error_rate=1.0,
                server_error_statuses=[status],
                path_pattern=r"/PhoneNumbers$",
                methods=["POST"],
            )
        )
        with pytest.raises(TerminalVendorError) as refused:
            twilio.attach_number(loose.sid, trunk_sid(emu, "BYOC-Primary-Failover"))
        assert refused.value.status == status
        assert [e.endpoint for e in emu.log.entries()] == [ATTACH, FETCH]
        assert emu.state.numbers[loose.sid].trunk_sid is None


@pytest.mark.parametrize(("elsewhere", "again"), list(zip(ELSEWHERE, AGAIN, strict=True)))
def test_reconcile_moves_only_the_numbers_its_routes_select(
    elsewhere: str, again: str, retry: RetryPolicy
) -> None:
    policy = load_policy(EXAMPLE_POLICY)
    scenario = twilio_scenario(attach_elsewhere=elsewhere, attach_again=again)
    with (
        TwilioEmulator(scenario) as t_emu,
        GenesysEmulator(load_scenario("default").genesys) as g_emu,
    ):
        twilio, genesys = twilio_adapter(t_emu, retry), genesys_adapter(g_emu, retry)
        stranger, ours = number(t_emu, STRANGER), number(t_emu, HAND_BOUGHT)
        legacy, target = (
            trunk_sid(t_emu, "Legacy-Carrier"),
            trunk_sid(t_emu, "BYOC-Primary-Failover"),
        )

        plan, _ = plan_now(policy, twilio, genesys)
        [attach] = [c for c in plan.changes if isinstance(c, AttachNumberToTrunk)]
        assert (attach.phone_number, attach.trunk_sid) == (HAND_BOUGHT, target)
        assert "moves it off its current trunk" in attach.reason
        assert STRANGER not in {getattr(c, "phone_number", None) for c in plan.changes}

        report = apply_plan(plan, twilio, genesys)

        assert {o.status for o in report.outcomes} == {Status.DONE}
        assert t_emu.state.numbers[ours.sid].trunk_sid == target
        assert t_emu.state.numbers[stranger.sid].trunk_sid == legacy
        # Twilio's own change log: the stranger was never written to.
        assert [e for e in t_emu.state.monitor.events if e.resource_sid == stranger.sid] == []
        again_plan, _ = plan_now(policy, twilio, genesys)
        assert again_plan.is_empty
