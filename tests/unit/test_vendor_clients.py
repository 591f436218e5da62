"""SDK clients built from settings: pointed at other hosts without bypassing the SDKs."""

from __future__ import annotations

import json
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import urllib3
from PureCloudPlatformClientV2.rest import ApiException

from shared.adapters.retry import RetryPolicy
from shared.adapters.vendor_clients import (
    BaseUrlTwilioHttpClient,
    GenesysTokenError,
    fetch_genesys_token,
    twilio_client,
)
from shared.settings import MissingSettingError, Settings


@pytest.mark.parametrize(
    ("url", "rewritten"),
    [
        (
            "https://api.twilio.com/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json",
            "http://127.0.0.1:9/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json",
        ),
        (
            "https://trunking.twilio.com/v1/Trunks?PageSize=50&Page=1",
            "http://127.0.0.1:9/v1/Trunks?PageSize=50&Page=1",
        ),
        ("https://example.com/v1/Trunks", "https://example.com/v1/Trunks"),
        ("https://twilio.com.evil.example/v1", "https://twilio.com.evil.example/v1"),
    ],
)
def test_twilio_hosts_are_mapped_onto_the_base_url_keeping_the_path(
    url: str, rewritten: str
) -> None:
    assert BaseUrlTwilioHttpClient("http://127.0.0.1:9/").rewrite(url) == rewritten


def test_twilio_client_uses_the_rewriting_client_only_when_a_base_url_is_set() -> None:
    sandboxed = twilio_client(
        Settings(twilio_account_sid="AC1", twilio_auth_token="t", twilio_api_base_url="http://x:1")
    )
    assert isinstance(sandboxed.http_client, BaseUrlTwilioHttpClient)
    production = twilio_client(Settings(twilio_account_sid="AC1", twilio_auth_token="t"))
    assert not isinstance(production.http_client, BaseUrlTwilioHttpClient)


def test_twilio_client_without_credentials_names_the_missing_settings() -> None:
    with pytest.raises(MissingSettingError, match="TWILIO_ACCOUNT_SID"):
        twilio_client(Settings())


class _RefusingApiClient(genesys.ApiClient):  # type: ignore[misc]  # the SDK ships no types
    """The SDK's own ApiClient (so the login host is derived as the SDK derives it), whose
    token request is answered with `answer` instead of crossing the network."""

    def __init__(self, host: str, answer: Exception) -> None:
        super().__init__(host=host)
        self.answer = answer
        self.attempts = 0

    def get_client_credentials_token(self, client_id: str, client_secret: str) -> Any:
        self.attempts += 1
        raise self.answer


def _oauth_refusal(status: int, error: str) -> ApiException:
    refusal = ApiException(status=status, reason="Bad Request")
    refusal.body = json.dumps({"error": error, "error_description": "client not found"})
    return refusal


def _connection_refused() -> urllib3.exceptions.NewConnectionError:
    """What urllib3 raises (retries off) when nothing listens: the socket error beneath."""
    connection = urllib3.connection.HTTPConnection("login.mypurecloud.de", 443)
    error = urllib3.exceptions.NewConnectionError(connection, "Failed to establish a connection")
    error.__cause__ = ConnectionRefusedError(111, "Connection refused")
    return error


REGION_SETTINGS = Settings(
    genesyscloud_oauthclient_id="client-id",
    genesyscloud_oauthclient_secret="s3cret-value",
    genesyscloud_region="eu-central-1",
)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            _oauth_refusal(400, "invalid_client"),
            "Genesys Cloud refused the OAuth client (invalid_client) at "
            "https://login.mypurecloud.de: check GENESYSCLOUD_OAUTHCLIENT_ID/SECRET, and "
            "GENESYSCLOUD_REGION (an OAuth client exists only in its own org's region)",
        ),
        (
            _oauth_refusal(400, "unauthorized_client"),
            "Genesys Cloud refused the OAuth client (unauthorized_client) at "
            "https://login.mypurecloud.de: GENESYSCLOUD_OAUTHCLIENT_ID must name a Client "
            "Credentials client",
        ),
        (
            _connection_refused(),
            "Genesys Cloud token request to https://login.mypurecloud.de: no answer after 2 "
            "attempt(s) (Connection refused): is GENESYSCLOUD_REGION (eu-central-1) right? "
            "can this machine reach Genesys Cloud?",
        ),
    ],
)
def test_a_failed_token_request_names_the_login_host_and_what_to_check(
    answer: Exception, message: str
) -> None:
    api_client = _RefusingApiClient(REGION_SETTINGS.genesys_base_url, answer)
    retry = RetryPolicy(max_attempts=2, sleep=lambda seconds: None)
    with pytest.raises(GenesysTokenError) as failed:
        fetch_genesys_token(REGION_SETTINGS, api_client, retry)
    assert str(failed.value) == message
    assert "s3cret-value" not in str(failed.value)
    retried = isinstance(answer, urllib3.exceptions.HTTPError)
    assert api_client.attempts == (2 if retried else 1)  # refusals are final, no answer is not
