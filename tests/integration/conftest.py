"""Fixtures for integration tests: the adapters, over the official SDKs, against emulators.

The retry policy here never really sleeps: it records each wait instead, so tests can check
what the policy *would* have waited (Retry-After, backoff) and still run in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from sandbox.emulators.core import SlidingWindowBudget
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from sandbox.scenario import load_scenario
from shared.adapters.budget import RequestBudget
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.twilio import TwilioAdapter
from shared.adapters.vendor_clients import genesys_api_client, twilio_client
from shared.settings import Settings
from tests.support.fake_clock import FakeClock

MAX_ATTEMPTS = 4


class Sleeps(list[float]):
    """A `sleep` that records instead of sleeping; `then` runs after the n-th wait
    (e.g. to end a fault once the policy has seen it)."""

    def __init__(self) -> None:
        super().__init__()
        self._hooks: dict[int, Callable[[], object]] = {}

    def then(self, after: int, action: Callable[[], object]) -> None:
        self._hooks[after] = action

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        hook = self._hooks.pop(len(self), None)
        if hook is not None:
            hook()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def retry(sleeps: Sleeps) -> RetryPolicy:
    return RetryPolicy(max_attempts=MAX_ATTEMPTS, max_wait_s=30.0, sleep=sleeps)


def start_twilio(scenario: TwilioScenario) -> TwilioEmulator:
    return TwilioEmulator(scenario).start()


def start_genesys(scenario: GenesysScenario) -> GenesysEmulator:
    return GenesysEmulator(scenario).start()


def twilio_adapter(
    emu: TwilioEmulator, retry: RetryPolicy, timeout_s: float = 5.0
) -> TwilioAdapter:
    settings = Settings(
        twilio_account_sid=emu.account_sid,
        twilio_auth_token=emu.auth_token,
        twilio_api_base_url=emu.base_url,
        byoc_http_timeout_s=timeout_s,
    )
    return TwilioAdapter(twilio_client(settings), retry)


def genesys_adapter(
    emu: GenesysEmulator,
    retry: RetryPolicy,
    budget: RequestBudget | None = None,
    timeout_s: float = 5.0,
) -> GenesysAdapter:
    client = emu.scenario.oauth_clients[0]
    settings = Settings(
        genesyscloud_oauthclient_id=client.client_id,
        genesyscloud_oauthclient_secret=client.client_secret,
        genesyscloud_api_host=emu.base_url,
        byoc_http_timeout_s=timeout_s,
    )
    return GenesysAdapter(genesys_api_client(settings), retry, budget)


@pytest.fixture
def default_scenario() -> tuple[TwilioScenario, GenesysScenario]:
    scenario = load_scenario("default")
    return scenario.twilio, scenario.genesys


@pytest.fixture
def twilio_emu(
    default_scenario: tuple[TwilioScenario, GenesysScenario],
) -> Iterator[TwilioEmulator]:
    with TwilioEmulator(default_scenario[0]) as emulator:
        yield emulator


@pytest.fixture
def genesys_emu(
    default_scenario: tuple[TwilioScenario, GenesysScenario],
) -> Iterator[GenesysEmulator]:
    with GenesysEmulator(default_scenario[1]) as emulator:
        yield emulator


@pytest.fixture
def twilio(twilio_emu: TwilioEmulator, retry: RetryPolicy) -> TwilioAdapter:
    return twilio_adapter(twilio_emu, retry)


@pytest.fixture
def genesys(genesys_emu: GenesysEmulator, retry: RetryPolicy) -> GenesysAdapter:
    adapter = genesys_adapter(genesys_emu, retry)
    genesys_emu.log.clear()  # the token request is not what tests count
    return adapter


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@contextmanager
def metered_genesys(
    scenario: GenesysScenario, per_minute: int, window_s: float, clock: FakeClock
) -> Iterator[GenesysEmulator]:
    """The Genesys emulator allowing `per_minute` requests per token, on the test's clock
    instead of the wall clock, and sending the `inin-ratelimit-*` headers (off by default:
    Genesys removed them in 2021)."""
    metered = scenario.model_copy(update={"requests_per_minute": per_minute})
    with GenesysEmulator(metered) as emulator:
        emulator.budget = SlidingWindowBudget(per_minute, window_s, clock)
        emulator.ratelimit_headers = True
        yield emulator


def genesys_settings(emu: GenesysEmulator, *, per_minute: int) -> Settings:
    """Settings for the emulator's first OAuth client, with byoc-sync's own budget."""
    client = emu.scenario.oauth_clients[0]
    return Settings(
        genesyscloud_oauthclient_id=client.client_id,
        genesyscloud_oauthclient_secret=client.client_secret,
        genesyscloud_api_host=emu.base_url,
        byoc_genesys_requests_per_minute=per_minute,
    )


def api_statuses(emu: GenesysEmulator) -> list[int]:
    """The statuses the emulator answered, token requests left out."""
    return [e.status for e in emu.log.entries() if not e.endpoint.startswith("POST /oauth")]
