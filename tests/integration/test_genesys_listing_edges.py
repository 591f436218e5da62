"""A Genesys listing that shifts while the adapter pages through it: pages overlap, the
adapter counts each id once, and a listing whose distinct ids fall short of `total` fails
instead of passing for complete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.genesys.inputs import DidPoolBody
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.vendor_clients import genesys_api_client
from shared.ports import IncompleteListingError
from shared.settings import Settings

POOLS = [
    ("+13175550100", "+13175550109"),
    ("+13175550200", "+13175550209"),
    ("+13175550300", "+13175550309"),
]
LIST_POOLS = "get_telephony_providers_edges_didpools"


@pytest.fixture
def pools_emu() -> Iterator[GenesysEmulator]:
    scenario = GenesysScenario.model_validate(
        {"did_pools": [{"start_phone_number": s, "end_phone_number": e} for s, e in POOLS]}
    )
    with GenesysEmulator(scenario) as emulator:
        yield emulator


def paged_adapter(emu: GenesysEmulator, retry: RetryPolicy) -> GenesysAdapter:
    client = emu.scenario.oauth_clients[0]
    settings = Settings(
        genesyscloud_oauthclient_id=client.client_id,
        genesyscloud_oauthclient_secret=client.client_secret,
        genesyscloud_api_host=emu.base_url,
    )
    return GenesysAdapter(genesys_api_client(settings, retry), retry, page_size=2)


def add_pool_after_first_page(
    monkeypatch: pytest.MonkeyPatch, emu: GenesysEmulator, start: str, end: str
) -> list[list[str]]:
    """Makes the SDK's DID pool listing create a pool in the emulator right after it has
    answered page 1; returns the ids each page answered."""
    pages: list[list[str]] = []
    original = getattr(genesys.TelephonyProvidersEdgeApi, LIST_POOLS)

    def listing(self: Any, *args: Any, **kwargs: Any) -> Any:
        answer = original(self, *args, **kwargs)
        pages.append([p.id for p in answer.entities])
        if kwargs.get("page_number") == 1:
            with emu.lock:
                emu.state.create_pool(DidPoolBody(start_phone_number=start, end_phone_number=end))
        return answer

    monkeypatch.setattr(genesys.TelephonyProvidersEdgeApi, LIST_POOLS, listing)
    return pages


def test_a_pool_added_ahead_of_the_read_position_fails_the_listing(
    pools_emu: GenesysEmulator, retry: RetryPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pools list in number order: one added before the pools already read pushes the last
    of page 1 onto page 2. Counted twice, the 4 entities read would match `total` (4) and
    hide the missed pool; counted once by id, 3 of 4 fails the read."""
    adapter = paged_adapter(pools_emu, retry)
    pages = add_pool_after_first_page(monkeypatch, pools_emu, "+12125550100", "+12125550109")
    with pytest.raises(IncompleteListingError, match=r"read 3 of 4 \(the collection changed"):
        adapter.list_did_pools()
    assert len(pages) == 2 and pages[0][-1] == pages[1][0]  # the page boundary repeated


def test_a_pool_added_behind_the_read_position_is_read_once_and_complete(
    pools_emu: GenesysEmulator, retry: RetryPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = paged_adapter(pools_emu, retry)
    pages = add_pool_after_first_page(monkeypatch, pools_emu, "+14155550100", "+14155550109")
    listed = adapter.list_did_pools()
    assert [p.start for p in listed] == [s for s, _ in POOLS] + ["+14155550100"]
    assert len({p.id for p in listed}) == 4 and [len(p) for p in pages] == [2, 2]
