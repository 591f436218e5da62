"""The Genesys rate limit as the vendor applies it: per client-credentials token, an integer
`Retry-After` on a 429, `inin-correlation-id` on every API answer, and error bodies in the
full shape of the SDK's ErrorBody. The `inin-ratelimit-*` headers Genesys removed in 2021
are sent only when switched on (`ratelimit_headers`), for clients that still read them."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.genesys.errors import required_field

from .conftest import assert_error_body, byoc_scenario, check_against_model

pytestmark = pytest.mark.contract

SITES = "/api/v2/telephony/providers/edges/sites"
RATE_HEADERS = ("inin-ratelimit-count", "inin-ratelimit-allowed", "inin-ratelimit-reset")


def new_token(emu: GenesysEmulator) -> str:
    client = emu.scenario.oauth_clients[0]
    answer = requests.post(
        f"{emu.base_url}/oauth/token",
        auth=(client.client_id, client.client_secret),
        data={"grant_type": "client_credentials"},
    )
    assert answer.status_code == 200
    token: str = answer.json()["access_token"]
    return token


def get(emu: GenesysEmulator, token: str, path: str = SITES) -> requests.Response:
    return requests.get(emu.base_url + path, headers={"Authorization": f"Bearer {token}"})


def rate(answer: requests.Response) -> tuple[int, int, int]:
    """(count, allowed, reset) from the headers; each must be a whole number."""
    values = [answer.headers[name] for name in RATE_HEADERS]
    assert all(v.isdigit() for v in values), values
    count, allowed, reset = (int(v) for v in values)
    return count, allowed, reset


def test_no_rate_limit_headers_unless_switched_on(emu: GenesysEmulator, raw: Any) -> None:
    for answer in (
        raw.get(emu.base_url + SITES),
        raw.get(emu.base_url + "/api/v2/telephony/providers/edges/didpools/missing"),
    ):
        assert answer.headers["inin-correlation-id"]
        assert not any(name in answer.headers for name in RATE_HEADERS)


def test_rate_limit_headers_on_successes_and_errors(emu: GenesysEmulator, raw: Any) -> None:
    emu.ratelimit_headers = True
    ok = raw.get(emu.base_url + SITES)
    assert ok.status_code == 200
    count, allowed, reset = rate(ok)
    assert allowed == emu.scenario.requests_per_minute == 300
    assert count >= 1 and 1 <= reset <= 60
    assert ok.headers["inin-correlation-id"]

    missing = raw.get(emu.base_url + "/api/v2/telephony/providers/edges/didpools/missing")
    assert missing.status_code == 404
    assert rate(missing)[0] == count + 1  # errors count against the token too
    body = missing.json()
    assert_error_body(body, 404, "not.found")
    assert body["contextId"] == missing.headers["inin-correlation-id"]
    assert body["messageWithParams"] == body["message"] and body["messageParams"] == {}

    unknown_path = raw.get(emu.base_url + "/api/v2/no/such/thing")
    assert unknown_path.status_code == 404 and rate(unknown_path)[1] == 300
    assert unknown_path.headers["inin-correlation-id"] != missing.headers["inin-correlation-id"]


def test_unauthenticated_answers_carry_no_rate_limit_headers(emu: GenesysEmulator) -> None:
    emu.ratelimit_headers = True
    answer = requests.get(emu.base_url + SITES)
    assert answer.status_code == 401
    assert answer.headers["inin-correlation-id"] == answer.json()["contextId"]
    assert not any(name in answer.headers for name in RATE_HEADERS)


@pytest.mark.parametrize("scenario", [byoc_scenario(requests_per_minute=3)])
def test_429_carries_an_integer_retry_after_and_the_full_window(
    scenario: GenesysScenario, emu: GenesysEmulator
) -> None:
    emu.ratelimit_headers = True
    token = new_token(emu)
    assert [rate(get(emu, token))[0] for _ in range(3)] == [1, 2, 3]
    refused = get(emu, token)
    assert refused.status_code == 429
    retry_after = refused.headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
    count, allowed, reset = rate(refused)
    assert (count, allowed) == (3, 3)
    assert reset == int(retry_after)  # the window frees up when Retry-After says
    assert_error_body(refused.json(), 429, "too.many.requests.retry.after")


@pytest.mark.parametrize("scenario", [byoc_scenario(requests_per_minute=2)])
def test_each_token_has_its_own_window(scenario: GenesysScenario, emu: GenesysEmulator) -> None:
    emu.ratelimit_headers = True
    first, second = new_token(emu), new_token(emu)  # one OAuth client, two tokens
    assert [get(emu, first).status_code for _ in range(3)] == [200, 200, 429]
    fresh = get(emu, second)
    assert fresh.status_code == 200 and rate(fresh)[:2] == (1, 2)
    assert get(emu, first).status_code == 429  # the first token's window is still full
    client_id = emu.scenario.oauth_clients[0].client_id
    assert {e.principal for e in emu.log.entries() if e.endpoint.startswith("GET")} == {client_id}


def test_required_field_error_has_genesys_details(emu: GenesysEmulator) -> None:
    answer = emu.error_response(required_field("inboundSiteId"), None)
    body = answer.body
    assert answer.status == 400
    assert check_against_model(body, "ErrorBody", "$") == []
    assert body["message"] == "Field 'inboundSiteId' is required and cannot be empty."
    assert body["messageWithParams"] == body["message"] and body["messageParams"] == {}
    assert body["code"] == "bad.request"
    assert body["details"] == [
        {"errorCode": "REQUIRED_FIELD_MISSING", "fieldName": "inboundSiteId"}
    ]
    assert answer.headers["inin-correlation-id"] == body["contextId"]


def test_the_sdk_left_alone_retries_a_429_in_urllib3_byoc_sync_does_not(
    emu: GenesysEmulator, api_client: Any
) -> None:
    """The SDK has no 429 handling of its own, but its urllib3 pool keeps urllib3's default
    `Retry` (10 attempts, every method allowed), which honours `Retry-After` on a 429 and
    sends again behind the caller's back. byoc-sync's client turns that off (`retries=False`)
    so the one retry policy sees every 429."""
    oauth = emu.scenario.oauth_clients[0]
    plain = genesys.ApiClient(host=emu.base_url)
    plain.get_client_credentials_token(oauth.client_id, oauth.client_secret)
    emu.log.clear()
    emu.faults.configure(FaultConfig(burst_429=1, retry_after_s=0))
    assert genesys.TelephonyProvidersEdgeApi(plain).get_telephony_providers_edges_sites().total
    assert [e.status for e in emu.log.entries()] == [429, 200]  # two requests, one call

    emu.log.clear()
    emu.faults.configure(FaultConfig(burst_429=1, retry_after_s=0))
    with pytest.raises(ApiException) as err:
        genesys.TelephonyProvidersEdgeApi(api_client).get_telephony_providers_edges_sites()
    assert err.value.status == 429
    assert [e.status for e in emu.log.entries()] == [429]
