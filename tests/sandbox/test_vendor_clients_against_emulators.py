"""The SDK clients byoc-sync builds: a hung vendor times out, and a failed write is sent
exactly once — retrying is byoc-sync's retry policy's job, never a hidden SDK default."""

from __future__ import annotations

from collections.abc import Iterator

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
import urllib3
from pydantic import SecretStr
from twilio.base.exceptions import TwilioRestException

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from shared.adapters.vendor_clients import GenesysTokenError, genesys_api_client, twilio_client
from shared.settings import Settings


@pytest.fixture
def genesys_emu() -> Iterator[GenesysEmulator]:
    with GenesysEmulator(GenesysScenario()) as emulator:
        yield emulator


@pytest.fixture
def twilio_emu() -> Iterator[TwilioEmulator]:
    with TwilioEmulator(TwilioScenario()) as emulator:
        yield emulator


def genesys_settings(emu: GenesysEmulator, timeout_s: float = 30.0) -> Settings:
    client = emu.scenario.oauth_clients[0]
    return Settings(
        genesyscloud_oauthclient_id=client.client_id,
        genesyscloud_oauthclient_secret=client.client_secret,
        genesyscloud_api_host=emu.base_url,
        byoc_http_timeout_s=timeout_s,
    )


def test_genesys_client_authenticates_with_client_credentials(genesys_emu: GenesysEmulator) -> None:
    api = genesys.ArchitectApi(genesys_api_client(genesys_settings(genesys_emu)))
    assert api.get_architect_ivrs().entities == []
    assert genesys_emu.log.count(endpoint="POST /oauth/token") == 1


def test_genesys_client_with_wrong_secret_is_refused(genesys_emu: GenesysEmulator) -> None:
    settings = genesys_settings(genesys_emu).model_copy(
        update={"genesyscloud_oauthclient_secret": SecretStr("wrong")}
    )
    with pytest.raises(GenesysTokenError, match=r"refused the OAuth client \(invalid_client\)"):
        genesys_api_client(settings)
    assert genesys_emu.log.count(endpoint="POST /oauth/token") == 1  # a 401 is not retried


def test_genesys_call_to_a_hung_server_times_out(genesys_emu: GenesysEmulator) -> None:
    api = genesys.ArchitectApi(genesys_api_client(genesys_settings(genesys_emu, timeout_s=0.3)))
    genesys_emu.faults.configure(FaultConfig(timeout_rate=1.0, timeout_hold_s=3.0))
    with pytest.raises(urllib3.exceptions.HTTPError):
        api.get_architect_ivrs()
    assert genesys_emu.log.count(endpoint="GET /api/v2/architect/ivrs") <= 1


def test_genesys_write_on_a_reset_connection_is_sent_once(genesys_emu: GenesysEmulator) -> None:
    edge = genesys.TelephonyProvidersEdgeApi(genesys_api_client(genesys_settings(genesys_emu)))
    genesys_emu.faults.configure(FaultConfig(reset_rate=1.0, methods=["POST"]))
    pool = genesys.DIDPool()
    pool.start_phone_number = pool.end_phone_number = "+12025550150"
    with pytest.raises(urllib3.exceptions.HTTPError):
        edge.post_telephony_providers_edges_didpools(pool)
    posts = genesys_emu.log.count(endpoint="POST /api/v2/telephony/providers/edges/didpools")
    assert posts == 1, "urllib3 re-sent a POST behind our back"


def test_twilio_write_on_a_reset_connection_is_sent_once(twilio_emu: TwilioEmulator) -> None:
    client = twilio_client(
        Settings(
            twilio_account_sid=twilio_emu.account_sid,
            twilio_auth_token=twilio_emu.auth_token,
            twilio_api_base_url=twilio_emu.base_url,
        )
    )
    twilio_emu.faults.configure(FaultConfig(reset_rate=1.0, methods=["POST"]))
    with pytest.raises(requests.ConnectionError):
        client.trunking.v1.trunks.create(friendly_name="t")
    assert twilio_emu.log.count(endpoint="POST /v1/Trunks") == 1
    twilio_emu.faults.configure(FaultConfig())
    with pytest.raises(TwilioRestException) as missing:
        client.trunking.v1.trunks("TK" + "0" * 32).fetch()
    assert missing.value.status == 404
