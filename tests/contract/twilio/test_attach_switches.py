"""`POST /v1/Trunks/{T}/PhoneNumbers` for a number already on a trunk, under each value of
the scenario switches `attach_elsewhere` and `attach_again`. Twilio documents neither case,
so both default to a refusal (400), the harder case for a client."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from tests.contract.twilio.conftest import SEED

pytestmark = pytest.mark.contract

REFUSALS = {"refuse_400": (400, 20001), "refuse_409": (409, 20409)}


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> TwilioScenario:
    switches: dict[str, Any] = getattr(request, "param", {})
    return TwilioScenario.model_validate({**SEED, **switches})


def _trunks(client: Client) -> dict[str, str]:
    return {t.friendly_name: t.sid for t in client.trunking.v1.trunks.list()}


def test_the_defaults_refuse_both_with_a_400() -> None:
    scenario = TwilioScenario()
    assert (scenario.attach_elsewhere, scenario.attach_again) == ("refuse_400", "refuse_400")


@pytest.mark.parametrize(
    "scenario",
    [{"attach_elsewhere": v} for v in ("move", "refuse_400", "refuse_409")],
    indirect=True,
    ids=lambda s: s["attach_elsewhere"],
)
def test_attaching_a_number_that_sits_on_another_trunk(
    client: Client, emu: TwilioEmulator, scenario: TwilioScenario
) -> None:
    trunks = _trunks(client)
    primary = client.trunking.v1.trunks(trunks["BYOC-Primary"]).phone_numbers
    failover = client.trunking.v1.trunks(trunks["BYOC-Failover"]).phone_numbers
    number = primary.list()[0]
    if scenario.attach_elsewhere == "move":
        moved = failover.create(phone_number_sid=number.sid)
        assert (moved.sid, moved.trunk_sid) == (number.sid, trunks["BYOC-Failover"])
        expected = trunks["BYOC-Failover"]
    else:
        with pytest.raises(TwilioRestException) as refused:
            failover.create(phone_number_sid=number.sid)
        assert (refused.value.status, refused.value.code) == REFUSALS[scenario.attach_elsewhere]
        expected = trunks["BYOC-Primary"]
    assert client.incoming_phone_numbers(number.sid).fetch().trunk_sid == expected
    on = {
        name: [p.sid for p in client.trunking.v1.trunks(sid).phone_numbers.list()]
        for name, sid in trunks.items()
    }
    assert sum(ids.count(number.sid) for ids in on.values()) == 1


@pytest.mark.parametrize(
    "scenario",
    [{"attach_again": v} for v in ("accept", "refuse_400", "refuse_409")],
    indirect=True,
    ids=lambda s: s["attach_again"],
)
def test_attaching_a_number_to_the_trunk_it_sits_on(
    client: Client, emu: TwilioEmulator, scenario: TwilioScenario
) -> None:
    primary_sid = _trunks(client)["BYOC-Primary"]
    primary = client.trunking.v1.trunks(primary_sid).phone_numbers
    number = primary.list()[0]
    before = client.incoming_phone_numbers(number.sid).fetch()
    if scenario.attach_again == "accept":
        again = primary.create(phone_number_sid=number.sid)
        assert (again.sid, again.trunk_sid) == (number.sid, primary_sid)
    else:
        with pytest.raises(TwilioRestException) as refused:
            primary.create(phone_number_sid=number.sid)
        assert (refused.value.status, refused.value.code) == REFUSALS[scenario.attach_again]
    after = client.incoming_phone_numbers(number.sid).fetch()
    assert (after.trunk_sid, after.date_updated) == (primary_sid, before.date_updated)
    assert [p.sid for p in primary.list()].count(number.sid) == 1
    # Either way nothing changed, so Twilio's change log has nothing to say.
    assert client.monitor.v1.events.list(resource_sid=number.sid) == []
