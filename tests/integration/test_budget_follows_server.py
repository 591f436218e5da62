"""The client-side Genesys budget adopts the server's figures (`inin-ratelimit-*`) through the
official SDK, so a burst never meets a 429 even when the org allows fewer requests than
byoc-sync was configured with, or when another process spends the same token; and without
those headers (today's Genesys Cloud) it is the configured budget, unchanged.

The emulator's rate limit and the budget share one fake clock: the budget's waits advance
it, so a minute's window is waited out without anything really sleeping.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
from PureCloudPlatformClientV2.default_http_client import DefaultHttpClient
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from shared.adapters.budget import RequestBudget
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.vendor_clients import RateLimitObservingHttpClient, genesys_api_client
from tests.integration.conftest import Sleeps, api_statuses, genesys_settings, metered_genesys
from tests.support.fake_clock import FakeClock

SERVER_LIMIT = 5  # the org's figure, well under byoc-sync's configured 300
CONFIGURED = 300
WINDOW_S = 60.0
MARGIN_S = 0.5


@pytest.fixture
def strict_emu(
    default_scenario: tuple[Any, GenesysScenario], clock: FakeClock
) -> Iterator[GenesysEmulator]:
    with metered_genesys(default_scenario[1], SERVER_LIMIT, WINDOW_S, clock) as emulator:
        yield emulator


def wired(emu: GenesysEmulator, clock: FakeClock) -> tuple[GenesysAdapter, RequestBudget, Sleeps]:
    """The adapter as bootstrap wires it: one budget, given to the SDK client and the adapter."""
    budget = RequestBudget(
        CONFIGURED, window_s=WINDOW_S, margin_s=MARGIN_S, clock=clock, sleep=clock.sleep
    )
    api_client = genesys_api_client(genesys_settings(emu, per_minute=CONFIGURED), budget=budget)
    retry_sleeps = Sleeps()
    adapter = GenesysAdapter(api_client, RetryPolicy(sleep=retry_sleeps), budget)
    return adapter, budget, retry_sleeps


def test_a_burst_never_meets_429_when_the_org_allows_fewer_than_configured(
    strict_emu: GenesysEmulator, clock: FakeClock
) -> None:
    adapter, budget, retry_sleeps = wired(strict_emu, clock)
    for _ in range(12):
        adapter.list_ivrs()
    assert api_statuses(strict_emu) == [200] * 12
    assert api_statuses(strict_emu).count(429) == 0
    assert budget.limit == SERVER_LIMIT and budget.configured_limit == CONFIGURED
    # 12 calls at 5 per window: two windows waited out by the budget, no retry at all.
    assert clock.sleeps == [pytest.approx(WINDOW_S + MARGIN_S)] * 2
    assert retry_sleeps == []


def test_requests_another_process_made_on_the_token_are_waited_out(
    strict_emu: GenesysEmulator, clock: FakeClock
) -> None:
    adapter, budget, retry_sleeps = wired(strict_emu, clock)
    token = adapter._edge.api_client.access_token
    for _ in range(3):  # someone else, same token: the server counts these, we did not
        answer = requests.get(
            f"{strict_emu.base_url}/api/v2/architect/ivrs",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200
    for _ in range(8):
        adapter.list_ivrs()
    assert api_statuses(strict_emu).count(429) == 0
    assert len(api_statuses(strict_emu)) == 3 + 8
    assert budget.limit == SERVER_LIMIT
    assert retry_sleeps == []


def test_error_answers_are_read_too(strict_emu: GenesysEmulator, clock: FakeClock) -> None:
    budget = RequestBudget(CONFIGURED, clock=clock, sleep=clock.sleep)
    edge = genesys.TelephonyProvidersEdgeApi(
        genesys_api_client(genesys_settings(strict_emu, per_minute=CONFIGURED), budget=budget)
    )
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_didpool("missing")
    assert err.value.status == 404 and json.loads(err.value.body)["code"] == "not.found"
    assert budget.limit == SERVER_LIMIT


def test_without_a_budget_no_answer_is_observed(strict_emu: GenesysEmulator) -> None:
    """The SDK's own client (each request traced), handing headers to no budget."""
    client = genesys_api_client(genesys_settings(strict_emu, per_minute=CONFIGURED))
    http_client = client.get_http_client()
    assert isinstance(http_client, DefaultHttpClient)
    assert not isinstance(http_client, RateLimitObservingHttpClient)


def test_without_the_headers_the_configured_budget_stands(
    strict_emu: GenesysEmulator, clock: FakeClock
) -> None:
    strict_emu.ratelimit_headers = False
    adapter, budget, _ = wired(strict_emu, clock)
    adapter.list_ivrs()
    assert budget.limit == CONFIGURED
    assert strict_emu.log.entries()[-1].status == 200
