"""What a member's observation is made of: Genesys's view of its trunk and our SIP probe."""

from __future__ import annotations

from dataclasses import dataclass

import PureCloudPlatformClientV2 as genesys
import pytest

from shared.adapters.genesys_models import trunk as trunk_from_sdk
from shared.domain.model import GenesysTrunk
from shared.health.evaluate import genesys_verdict, observe


def healthy(**changes: object) -> GenesysTrunk:
    base = GenesysTrunk(
        id="t1", name="BYOC-Primary-Twilio", connected=True, in_service=True, enabled=True
    )
    return base.model_copy(update=changes)


@dataclass(frozen=True)
class Probe:
    alive: bool
    detail: str


def test_a_connected_in_service_trunk_is_healthy() -> None:
    assert genesys_verdict([healthy()]) == (True, "connected and in service")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"enabled": False}, "disabled"),
        ({"connected": False}, "not connected"),
        ({"in_service": False}, "out of service"),
        ({"options_up": False}, "Genesys OPTIONS ping failing"),
        ({"registered": False}, "SIP registration lost"),
        ({"connected": False, "registered": False}, "not connected, SIP registration lost"),
    ],
)
def test_each_genesys_signal_fails_the_trunk_with_its_reason(
    changes: dict[str, object], reason: str
) -> None:
    assert genesys_verdict([healthy(**changes)]) == (False, reason)


def test_unknown_signals_do_not_count_against_a_trunk() -> None:
    # A trunk not in registration mode has no registration state; one Genesys does not ping
    # has no OPTIONS state. Neither is a failure.
    assert genesys_verdict([healthy(options_up=None, registered=None)])[0] is True


def test_a_trunk_missing_from_genesys_fails() -> None:
    assert genesys_verdict([]) == (False, "no such trunk in Genesys")


def test_a_member_is_up_while_any_instance_of_its_trunk_base_is() -> None:
    down = healthy(id="t2", connected=False)
    assert genesys_verdict([healthy(), down]) == (
        True,
        "connected and in service on 1 of 2 instances",
    )
    assert genesys_verdict([down, healthy(id="t3", connected=False, registered=False)]) == (
        False,
        "not connected, SIP registration lost (all 2 instances)",
    )


def test_both_genesys_and_the_sip_probe_must_be_good() -> None:
    assert observe([healthy()], Probe(True, "200 OK in 12 ms")).ok
    silent = observe([healthy()], Probe(False, "no answer within 2 s"))
    assert not silent.ok and silent.reason.endswith("SIP no answer within 2 s")
    assert not observe([healthy(connected=False)], Probe(True, "200 OK in 3 ms")).ok
    assert observe([healthy()], None).reason == "connected and in service"


def test_registration_and_options_state_are_read_from_every_proxy() -> None:
    item = genesys.Trunk()
    item.id, item.name, item.in_service, item.enabled = "t1", "BYOC-Primary-Twilio", True, True
    item.registers_status = [genesys.TrunkMetricsRegisters(), genesys.TrunkMetricsRegisters()]
    item.registers_status[0].register_state = True
    item.registers_status[1].register_state = False
    item.options_status = [genesys.TrunkMetricsOptions()]
    item.options_status[0].option_state = True
    read = trunk_from_sdk(item)
    assert (read.registered, read.options_up, read.connected) == (False, True, None)
    item.registers_status = None
    assert trunk_from_sdk(item).registered is None
