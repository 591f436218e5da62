"""OAuth, bearer tokens, the per-client rate budget, unknown ids and injected faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
import urllib3
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario

from .conftest import assert_error_body, byoc_scenario

pytestmark = pytest.mark.contract


def _token(
    emu: GenesysEmulator, secret: str | None = None, grant: str = "client_credentials"
) -> requests.Response:
    client = emu.scenario.oauth_clients[0]
    return requests.post(
        f"{emu.base_url}/oauth/token",
        auth=(client.client_id, secret or client.client_secret),
        data={"grant_type": grant},
    )


def test_client_credentials_token(emu: GenesysEmulator) -> None:
    answer = _token(emu)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 86400 and body["access_token"]


def test_oauth_errors(emu: GenesysEmulator) -> None:
    bad_client = _token(emu, secret="wrong")
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"
    bad_grant = _token(emu, grant="password")
    assert bad_grant.status_code == 400 and bad_grant.json()["error"] == "unsupported_grant_type"


def test_bad_or_missing_token_is_401(emu: GenesysEmulator, edge: Any) -> None:
    client = genesys.ApiClient(host=emu.base_url)
    client.access_token = "not-a-token"
    with pytest.raises(ApiException) as err:
        genesys.TelephonyProvidersEdgeApi(client).get_telephony_providers_edges_didpools()
    assert err.value.status == 401
    assert_error_body(json.loads(err.value.body), 401, "bad.credentials")
    answer = requests.get(f"{emu.base_url}/api/v2/architect/ivrs")
    assert answer.status_code == 401
    assert_error_body(answer.json(), 401, "authentication.required")


def test_expired_tokens_are_401(emu: GenesysEmulator, edge: Any) -> None:
    edge.get_telephony_providers_edges_sites()
    assert requests.post(f"{emu.base_url}/__admin/tokens/expire").status_code == 204
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_sites()
    assert err.value.status == 401


def test_unknown_ids_and_paths_are_404(
    emu: GenesysEmulator, edge: Any, architect: Any, raw: requests.Session
) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: edge.get_telephony_providers_edges_didpool("missing"),
        lambda: edge.get_telephony_providers_edges_did("missing"),
        lambda: edge.get_telephony_providers_edges_trunkbasesetting("missing"),
        lambda: edge.get_telephony_providers_edges_site_outboundroutes("missing"),
        lambda: architect.delete_architect_ivr("missing"),
    ]
    for call in calls:
        with pytest.raises(ApiException) as err:
            call()
        assert err.value.status == 404
        assert_error_body(json.loads(err.value.body), 404, "not.found")
    answer = raw.get(f"{emu.base_url}/api/v2/no/such/thing")
    assert answer.status_code == 404
    assert_error_body(answer.json(), 404, "not.found")


@pytest.mark.parametrize("scenario", [byoc_scenario(requests_per_minute=5)])
def test_rate_budget_answers_429_with_retry_after(scenario: GenesysScenario, edge: Any) -> None:
    for _ in range(5):
        edge.get_telephony_providers_edges_sites()
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_sites()
    assert err.value.status == 429
    assert 1 <= int(err.value.headers["Retry-After"]) <= 60
    assert_error_body(json.loads(err.value.body), 429, "too.many.requests.retry.after")


def test_injected_faults_reach_the_sdk(emu: GenesysEmulator, edge: Any, architect: Any) -> None:
    emu.faults.configure(FaultConfig(burst_429=1, retry_after_s=3))
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_sites()
    assert err.value.status == 429 and err.value.headers["Retry-After"] == "3"
    emu.faults.configure(FaultConfig(server_error_rate=1.0, server_error_statuses=[503]))
    with pytest.raises(ApiException) as err:
        edge.get_telephony_providers_edges_sites()
    assert err.value.status == 503
    assert_error_body(json.loads(err.value.body), 503)
    emu.faults.configure(FaultConfig())
    main = architect.get_architect_ivrs(name="Main IVR").entities[0]
    emu.faults.configure(FaultConfig(conflict_rate=1.0))
    with pytest.raises(ApiException) as err:
        architect.put_architect_ivr(main.id, main)
    assert err.value.status == 409
    assert architect.get_architect_ivr(main.id).version == 1  # reads never get the 409
    emu.faults.configure(FaultConfig(reset_rate=1.0, path_pattern="/sites"))
    with pytest.raises((urllib3.exceptions.HTTPError, ConnectionError)):
        edge.get_telephony_providers_edges_sites()
    emu.faults.configure(FaultConfig())
    assert edge.get_telephony_providers_edges_sites(managed=False).total == 1
    injected = [e for e in emu.log.entries() if e.fault]
    assert {e.status for e in injected} == {429, 503, 409, 0}


def test_state_snapshot_and_reset(emu: GenesysEmulator, architect: Any) -> None:
    main = architect.get_architect_ivrs(name="Main IVR").entities[0]
    main.dnis = []
    architect.put_architect_ivr(main.id, main)
    state = requests.get(f"{emu.base_url}/__admin/state").json()
    assert {i["name"]: i["dnis"] for i in state["ivrs"]}["Main IVR"] == []
    routes = {s["name"]: [r["name"] for r in s["outboundRoutes"]] for s in state["sites"]}
    assert routes["HQ"] == ["TG-BYOC-Primary-Failover"]
    assert requests.post(f"{emu.base_url}/__admin/reset").status_code == 204
    assert len(emu.snapshot()["ivrs"][0]["dnis"]) == 2  # reseeded; old tokens are gone too


def test_request_log_names_endpoints(emu: GenesysEmulator, edge: Any) -> None:
    edge.get_telephony_providers_edges_trunks()
    counts = emu.log.count_by_endpoint()
    assert counts["POST /oauth/token"] == 1
    assert counts["GET /api/v2/telephony/providers/edges/trunks"] == 1
    assert {e.principal for e in emu.log.entries() if e.endpoint.startswith("GET")} == {
        emu.scenario.oauth_clients[0].client_id
    }
