"""Official SDK clients, built from settings.

Both SDKs hard-code their production hosts; pointing them elsewhere (the sandbox
emulators, a proxy) must not mean bypassing them. For Twilio we swap in an HTTP client
that rewrites `https://*.twilio.com` to the configured base URL and keeps the path, so
every request is still built, signed and parsed by the SDK. Genesys' SDK takes a host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import PureCloudPlatformClientV2 as genesys
import urllib3
from PureCloudPlatformClientV2.default_http_client import DefaultHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client as TwilioClient

from shared.settings import Settings


class BaseUrlTwilioHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no types
    """Twilio's own HTTP client, with Twilio's hosts mapped onto one base URL."""

    def __init__(self, base_url: str, timeout: float | None = None) -> None:
        super().__init__(pool_connections=True, timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def rewrite(self, url: str) -> str:
        split = urlsplit(url)
        host = split.hostname or ""
        if host != "twilio.com" and not host.endswith(".twilio.com"):
            return url
        return self.base_url + split.path + (f"?{split.query}" if split.query else "")

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        return super().request(
            method,
            self.rewrite(url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


def twilio_client(settings: Settings, http_client: TwilioHttpClient | None = None) -> TwilioClient:
    """The Twilio SDK client; `http_client` lets tests observe the exchanges it makes."""
    settings.require("twilio_account_sid", "twilio_auth_token")
    assert settings.twilio_auth_token is not None
    if http_client is None:
        timeout = settings.byoc_http_timeout_s
        http_client = (
            BaseUrlTwilioHttpClient(settings.twilio_api_base_url, timeout=timeout)
            if settings.twilio_api_base_url
            else TwilioHttpClient(pool_connections=True, timeout=timeout)
        )
    return TwilioClient(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        http_client=http_client,
    )


def genesys_token_refresher(settings: Settings, api_client: Any) -> Callable[[], object]:
    """Fetches a new client-credentials token into `api_client` (for expired tokens)."""
    settings.require("genesyscloud_oauthclient_id", "genesyscloud_oauthclient_secret")
    client_id = settings.genesyscloud_oauthclient_id
    secret = settings.genesyscloud_oauthclient_secret
    assert client_id is not None and secret is not None
    return lambda: api_client.get_client_credentials_token(client_id, secret.get_secret_value())


def genesys_api_client(settings: Settings) -> Any:
    """A `PureCloudPlatformClientV2.ApiClient` holding a client-credentials token."""
    settings.require("genesyscloud_oauthclient_id", "genesyscloud_oauthclient_secret")
    assert settings.genesyscloud_oauthclient_secret is not None
    assert settings.genesyscloud_oauthclient_id is not None
    client = genesys.ApiClient(host=settings.genesys_base_url)
    http_client = DefaultHttpClient()
    # The SDK never hands its timeout to urllib3 and configures urllib3 to re-send every
    # method (POST included) up to 10 times on read errors, which would duplicate creates
    # behind our back. Timeouts are set here; retries belong to byoc-sync's retry policy.
    http_client.rest_client.pool_manager.connection_pool_kw.update(
        retries=False, timeout=urllib3.Timeout(total=settings.byoc_http_timeout_s)
    )
    client.set_http_client(http_client)
    return client.get_client_credentials_token(
        settings.genesyscloud_oauthclient_id,
        settings.genesyscloud_oauthclient_secret.get_secret_value(),
    )
