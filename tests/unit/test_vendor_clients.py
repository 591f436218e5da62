"""SDK clients built from settings: pointed at other hosts without bypassing the SDKs."""

from __future__ import annotations

import pytest

from shared.adapters.vendor_clients import BaseUrlTwilioHttpClient, twilio_client
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
