"""The bulk token pool through the official SDK: bulk work spreads over extra tokens of the
same OAuth client, each held to its own budget, while failovers and requests keep the main
token; a refused pooled token is replaced alone; the servers' rate-limit headers are read
per token.

The emulator's rate limit and the budgets share one fake clock: waits advance it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from shared.adapters.budget import RequestBudget
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.token_pool import TokenPool
from shared.adapters.vendor_clients import genesys_api_client, genesys_token_fetcher
from shared.domain.priority import Priority, working_as
from tests.integration.conftest import Sleeps, api_statuses, genesys_settings, metered_genesys
from tests.support.fake_clock import FakeClock

PER_TOKEN = 5
WINDOW_S = 60.0


@pytest.fixture
def emu(
    default_scenario: tuple[Any, GenesysScenario], clock: FakeClock
) -> Iterator[GenesysEmulator]:
    with metered_genesys(default_scenario[1], PER_TOKEN, WINDOW_S, clock) as emulator:
        yield emulator


def pooled_adapter(
    emu: GenesysEmulator, clock: FakeClock, size: int
) -> tuple[GenesysAdapter, RequestBudget, TokenPool]:
    settings = genesys_settings(emu, per_minute=PER_TOKEN)

    def budget() -> RequestBudget:
        return RequestBudget(PER_TOKEN, window_s=WINDOW_S, clock=clock, sleep=clock.sleep)

    main = budget()
    pool = TokenPool(size, genesys_token_fetcher(settings), budget)
    client = genesys_api_client(settings, budget=main)
    adapter = GenesysAdapter(client, RetryPolicy(sleep=Sleeps()), main, token_pool=pool)
    return adapter, main, pool


def test_bulk_work_spreads_over_the_pool_and_never_meets_a_429(
    emu: GenesysEmulator, clock: FakeClock
) -> None:
    adapter, main, pool = pooled_adapter(emu, clock, size=3)
    with working_as(Priority.BULK):
        for _ in range(3 * PER_TOKEN):
            adapter.list_ivrs()
    assert api_statuses(emu) == [200] * 3 * PER_TOKEN
    # Three tokens of five each: one window's worth, so nothing waited.
    assert clock.sleeps == []
    assert [slot.budget.in_window() for slot in pool.slots] == [PER_TOKEN] * 3
    assert main.in_window() == 0
    tokens = {slot.token for slot in pool.slots}
    assert len(tokens) == 3 and adapter._edge.api_client.access_token not in tokens
    for token in tokens:  # the server counted each token's own requests
        assert token is not None and emu.budget.usage(token)[0] == PER_TOKEN


def test_a_failover_keeps_the_main_token_while_bulk_work_fills_the_pool(
    emu: GenesysEmulator, clock: FakeClock
) -> None:
    adapter, main, pool = pooled_adapter(emu, clock, size=1)
    with working_as(Priority.BULK):
        for _ in range(PER_TOKEN):
            adapter.list_ivrs()
    with working_as(Priority.FAILOVER):
        adapter.list_outbound_routes()
    assert clock.sleeps == []  # the failover found its token's window empty
    assert main.in_window() >= 1 and pool.slots[0].budget.in_window() == PER_TOKEN


def test_without_a_pool_bulk_work_shares_the_main_token(
    emu: GenesysEmulator, clock: FakeClock
) -> None:
    settings = genesys_settings(emu, per_minute=PER_TOKEN)
    main = RequestBudget(PER_TOKEN, window_s=WINDOW_S, clock=clock, sleep=clock.sleep)
    client = genesys_api_client(settings, budget=main)
    adapter = GenesysAdapter(client, RetryPolicy(sleep=Sleeps()), main)
    with working_as(Priority.BULK):
        for _ in range(PER_TOKEN + 1):
            adapter.list_ivrs()
    assert len(clock.sleeps) == 1  # the sixth call waited for the main token's window
    assert 429 not in api_statuses(emu)


def test_a_refused_pooled_token_is_replaced_alone(emu: GenesysEmulator, clock: FakeClock) -> None:
    adapter, _, pool = pooled_adapter(emu, clock, size=1)
    with working_as(Priority.BULK):
        adapter.list_ivrs()
    first = pool.slots[0].token
    expired = requests.post(f"{emu.base_url}/__admin/tokens/expire", timeout=10)
    assert expired.status_code in (200, 204)
    adapter._reauthenticate = None  # the main token is not what gets refreshed here
    with working_as(Priority.BULK):
        adapter.list_ivrs()
    assert pool.slots[0].token not in (None, first)
    assert api_statuses(emu) == [200, 401, 200]
