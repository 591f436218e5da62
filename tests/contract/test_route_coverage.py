"""Every route each emulator serves answered 2xx to the official SDK in this suite."""

from __future__ import annotations

import pytest

from sandbox.emulators.core import Emulator
from sandbox.emulators.genesys import GenesysEmulator
from sandbox.emulators.twilio import TwilioEmulator
from tests.contract.conftest import FULL_RUN, ROUTES_EXERCISED


@pytest.mark.contract
@pytest.mark.parametrize("emulator_class", [TwilioEmulator, GenesysEmulator])
def test_every_route_is_exercised_through_the_sdk(
    emulator_class: type[Emulator], request: pytest.FixtureRequest
) -> None:
    if not request.config.stash.get(FULL_RUN, False):
        pytest.skip("route coverage is judged only when the whole contract suite runs")
    served = {route.endpoint for route in emulator_class().router.routes}
    missing = sorted(served - ROUTES_EXERCISED[emulator_class.name])
    assert not missing, "routes never exercised successfully through the SDK:\n" + "\n".join(
        missing
    )
