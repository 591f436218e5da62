"""Official SDK clients, built from settings.

Both SDKs hard-code their production hosts; pointing them elsewhere (the sandbox
emulators, a proxy) must not mean bypassing them. For Twilio we swap in an HTTP client
that rewrites `https://*.twilio.com` to the configured base URL and keeps the path, so
every request is still built, signed and parsed by the SDK. Genesys' SDK takes a host.

Building a Genesys client fetches its client-credentials token at once, before any adapter
call, so that request is the first to meet an unreachable host or a refused client. It runs
under the same retry policy and classification as every other vendor call, and what still
fails becomes a `GenesysTokenError` naming the login host and the setting to check, instead
of the SDK's raw urllib3 or `ApiException` traceback.

Given a `RequestBudget`, the Genesys client hands the rate-limit headers of every API answer
(`inin-ratelimit-*`, successes and errors alike) to `RequestBudget.observe`, through
`RateLimitObservingHttpClient` below.

Both SDKs send every request through the HTTP client built here, so each request is a
CLIENT span (`telemetry.vendor_request`: method, endpoint template, status) — the token
request included, and never with the URL's query, its credentials or a header.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import PureCloudPlatformClientV2 as genesys
import urllib3
from PureCloudPlatformClientV2.default_http_client import DefaultHttpClient
from PureCloudPlatformClientV2.rest import ApiException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client as TwilioClient

from shared import telemetry
from shared.adapters.budget import RequestBudget
from shared.adapters.classify import classify
from shared.adapters.retry import RetryPolicy
from shared.adapters.token_pool import attempt_token
from shared.ports import AdapterError, RetriesExhausted, TerminalVendorError
from shared.settings import Settings
from shared.telemetry.tracing import answered

VENDOR = "genesys"
TWILIO = "twilio"
# OAuth's error codes (RFC 6749 5.2), which Genesys's login service answers in: the client
# is unknown here or its secret does not match; the client may not use this grant.
INVALID_CLIENT = "invalid_client"
UNAUTHORIZED_CLIENT = "unauthorized_client"


class TracedTwilioHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no types
    """Twilio's own HTTP client, each request a client span (to `rewrite(url)`)."""

    def rewrite(self, url: str) -> str:
        """Where a request for `url` goes; here, where the SDK meant it to."""
        return url

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
        url = self.rewrite(url)
        with telemetry.vendor_request(TWILIO, method, url) as span:
            response: TwilioResponse = super().request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                auth=auth,
                timeout=timeout,
                allow_redirects=allow_redirects,
            )
            answered(span, response.status_code)
            return response


class BaseUrlTwilioHttpClient(TracedTwilioHttpClient):
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


def twilio_client(settings: Settings, http_client: TwilioHttpClient | None = None) -> TwilioClient:
    """The Twilio SDK client; `http_client` lets tests observe the exchanges it makes."""
    settings.require("twilio_account_sid", "twilio_auth_token")
    assert settings.twilio_auth_token is not None
    if http_client is None:
        timeout = settings.byoc_http_timeout_s
        http_client = (
            BaseUrlTwilioHttpClient(settings.twilio_api_base_url, timeout=timeout)
            if settings.twilio_api_base_url
            else TracedTwilioHttpClient(pool_connections=True, timeout=timeout)
        )
    return TwilioClient(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        http_client=http_client,
    )


class GenesysTokenError(AdapterError):
    """No client-credentials token: the reason names the login host and what to check.

    Raised where the token is fetched (building the client, and re-authenticating after a
    401), so the Functions host's logs and the operator's one error line say the same.
    """


def _innermost(exc: BaseException) -> BaseException:
    """The exception at the bottom of the chain: for a transport failure, the socket error
    (`Connection refused`, `timed out`) under urllib3's wrappers."""
    seen = {id(exc)}
    while (inner := exc.__cause__ or exc.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        exc = inner
    return exc


def _host_fix(settings: Settings) -> str:
    if settings.genesyscloud_api_host:
        return "is GENESYSCLOUD_API_HOST right? is the sandbox running?"
    return (
        f"is GENESYSCLOUD_REGION ({settings.genesyscloud_region}) right? "
        "can this machine reach Genesys Cloud?"
    )


def _credentials_fix(settings: Settings) -> str:
    if settings.genesyscloud_api_host:
        return "check GENESYSCLOUD_OAUTHCLIENT_ID/SECRET"
    return (
        "check GENESYSCLOUD_OAUTHCLIENT_ID/SECRET, and GENESYSCLOUD_REGION "
        "(an OAuth client exists only in its own org's region)"
    )


def _token_error(error: AdapterError, login: str, settings: Settings) -> GenesysTokenError:
    """The token request's failure in the words an operator acts on."""
    what = f"Genesys Cloud token request to {login}"
    if isinstance(error, TerminalVendorError):
        refused = f"Genesys Cloud refused the OAuth client ({error.code or error.status}) at"
        if error.code == UNAUTHORIZED_CLIENT:
            return GenesysTokenError(
                f"{refused} {login}: GENESYSCLOUD_OAUTHCLIENT_ID must name a Client "
                "Credentials client"
            )
        if error.code == INVALID_CLIENT or (error.status == 401 and error.code is None):
            return GenesysTokenError(f"{refused} {login}: {_credentials_fix(settings)}")
        code = f" ({error.code})" if error.code else ""
        answer = f"{what}: HTTP {error.status}{code}: {error.message}"
        if error.status in (401, 404, 405):  # something answers there, not a login service
            return GenesysTokenError(f"{answer}; not Genesys Cloud? {_host_fix(settings)}")
        return GenesysTokenError(answer)
    if isinstance(error, RetriesExhausted):
        failure = classify(error.last_error)
        if failure is not None and failure.status is None:  # no HTTP answer at all
            cause = _innermost(error.last_error)
            why = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
            return GenesysTokenError(
                f"{what}: no answer after {error.attempts} attempt(s) ({why}): "
                + _host_fix(settings)
            )
        return GenesysTokenError(
            f"{what}: still failing after {error.attempts} attempt(s) "
            f"({failure.reason if failure else error.last_error}); try again later"
        )
    return GenesysTokenError(f"{what}: {error.reason}")


def fetch_genesys_token(
    settings: Settings, api_client: Any, retry: RetryPolicy | None = None
) -> Any:
    """Fetch a client-credentials token into `api_client` under the retry policy, or raise
    `GenesysTokenError` (see the module docstring)."""
    settings.require("genesyscloud_oauthclient_id", "genesyscloud_oauthclient_secret")
    client_id = settings.genesyscloud_oauthclient_id
    secret = settings.genesyscloud_oauthclient_secret
    assert client_id is not None and secret is not None
    retry = retry or RetryPolicy.from_settings(settings)
    login = api_client.get_conf_url("login", api_client.host)
    if not urlsplit(login).scheme:
        # urllib3 would guess http:// (with a FutureWarning) for `api.mypurecloud.de`.
        raise GenesysTokenError(
            f"Genesys Cloud token request to {login}: not a URL; write GENESYSCLOUD_API_HOST "
            "with its scheme, e.g. https://api.mypurecloud.de (http://127.0.0.1:PORT for "
            "the sandbox)"
        )
    try:
        return retry.call(
            VENDOR,
            "token request",
            lambda: api_client.get_client_credentials_token(client_id, secret.get_secret_value()),
        )
    except AdapterError as error:
        raise _token_error(error, login, settings) from error
    except (ValueError, LookupError, TypeError) as error:
        # The SDK reads the answer as `json.loads("[" + body + "]")[0]["access_token"]`: a
        # 200 that is not a token (a proxy's page, another service) fails in one of these,
        # as does a host that is not a URL at all (urllib3's LocationParseError).
        raise GenesysTokenError(
            f"Genesys Cloud token request to {login}: no OAuth token in the answer "
            f"({type(error).__name__}): {_host_fix(settings)}"
        ) from error


def genesys_token_fetcher(
    settings: Settings, retry: RetryPolicy | None = None
) -> Callable[[], str]:
    """Fetches one more client-credentials token of the configured OAuth client (for the
    bulk token pool); each call is a token of its own, with a rate-limit window of its own."""

    def fetch() -> str:
        client = genesys.ApiClient(host=settings.genesys_base_url)
        token: str = fetch_genesys_token(settings, client, retry).access_token
        return token

    return fetch


def genesys_token_refresher(
    settings: Settings, api_client: Any, retry: RetryPolicy | None = None
) -> Callable[[], object]:
    """Fetches a new client-credentials token into `api_client` (for expired tokens)."""
    settings.require("genesyscloud_oauthclient_id", "genesyscloud_oauthclient_secret")
    return lambda: fetch_genesys_token(settings, api_client, retry)


class TracedGenesysHttpClient(DefaultHttpClient):  # type: ignore[misc]  # untyped SDK
    """The SDK's own HTTP client, each request a client span. `AbstractHttpClient.request`
    is the SDK's documented extension point (`ApiClient.set_http_client`): it sees the
    answer of a success and the `ApiException` of an error, both with their status."""

    def request(self, http_request_options: Any) -> Any:
        method = str(http_request_options.method)
        with telemetry.vendor_request(VENDOR, method, str(http_request_options.url)) as span:
            try:
                response = super().request(http_request_options)
            except ApiException as error:
                if not error.status:  # the SDK's wrapper of a transport failure
                    raise
                answered(span, int(error.status))  # an answer, not a failure of the request
                refused = error
            else:
                answered(span, int(response.status))
                return response
        raise refused


class RateLimitObservingHttpClient(TracedGenesysHttpClient):
    """The SDK's own HTTP client, handing each API answer's headers to `observe`.

    Why here: `ApiClient.last_response` is one attribute shared by every thread using the
    client and is set for successes only, and the SDK's documented post-request hook
    (`set_post_request_hook`) is skipped for errors, because the REST client raises
    `ApiException` for any status outside 2xx first. `AbstractHttpClient.request` is the
    SDK's documented extension point (`ApiClient.set_http_client`), and it sees both: the
    `RESTResponse` of a success, the `ApiException` (with `.headers`) of an error. Nothing is
    stored on the client, so concurrent calls are safe as long as `observe` is (the budget's
    is). The login service's answers (`/oauth/…`) are not API answers and are not observed.
    """

    def __init__(self, observe: Callable[[Mapping[str, str] | None], object]) -> None:
        super().__init__()
        self._observe = observe

    def request(self, http_request_options: Any) -> Any:
        observed = "/oauth/" not in urlsplit(str(http_request_options.url)).path
        observe = self._observe
        pooled = attempt_token() if observed else None
        if pooled is not None and pooled.token is not None:
            # Bulk work's attempt goes out with its pooled token (shared/adapters/token_pool).
            http_request_options.headers["Authorization"] = f"Bearer {pooled.token}"
            observe = pooled.budget.observe
        try:
            response = super().request(http_request_options)
        except ApiException as error:
            if observed:
                observe(error.headers)
            raise
        if observed:
            observe(response.getheaders())
        return response


def genesys_api_client(
    settings: Settings, retry: RetryPolicy | None = None, budget: RequestBudget | None = None
) -> Any:
    """A `PureCloudPlatformClientV2.ApiClient` holding a client-credentials token; with a
    `budget`, every API answer's rate-limit headers go to `budget.observe`."""
    settings.require("genesyscloud_oauthclient_id", "genesyscloud_oauthclient_secret")
    client = genesys.ApiClient(host=settings.genesys_base_url)
    http_client = (
        TracedGenesysHttpClient()
        if budget is None
        else RateLimitObservingHttpClient(budget.observe)
    )
    # The SDK never hands its timeout to urllib3 and configures urllib3 to re-send every
    # method (POST included) up to 10 times on read errors, which would duplicate creates
    # behind our back. Timeouts are set here; retries belong to byoc-sync's retry policy.
    http_client.rest_client.pool_manager.connection_pool_kw.update(
        retries=False, timeout=urllib3.Timeout(total=settings.byoc_http_timeout_s)
    )
    client.set_http_client(http_client)
    return fetch_genesys_token(settings, client, retry)
