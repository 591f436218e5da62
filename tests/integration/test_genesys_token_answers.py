"""The client-credentials token request answered 200 by something that is not Genesys'
login service (a proxy's page, another service): the SDK fails while reading the answer,
and byoc-sync reports that no token came back, naming the host to check."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shared.adapters.retry import RetryPolicy
from shared.adapters.vendor_clients import GenesysTokenError, genesys_api_client
from shared.settings import Settings
from tests.integration.conftest import Sleeps


class NotALoginService(ThreadingHTTPServer):
    """Answers every POST 200 with `body`, and counts the requests."""

    body = b""
    requests: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: NotALoginService

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args: Any) -> None:
        """Quiet: no access log on stderr."""


@pytest.fixture
def not_a_login_service() -> Iterator[NotALoginService]:
    server = NotALoginService(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize(
    ("body", "failure"),
    [
        (b"<html><body>Sign in to the proxy</body></html>", "JSONDecodeError"),
        (b'{"status": "ok"}', "KeyError"),
        (b'"a token, but not an object"', "TypeError"),
        (b"", "IndexError"),
    ],
)
def test_a_200_that_is_not_a_token_is_no_oauth_token_in_the_answer(
    not_a_login_service: NotALoginService,
    retry: RetryPolicy,
    sleeps: Sleeps,
    body: bytes,
    failure: str,
) -> None:
    not_a_login_service.body = body
    host = f"http://127.0.0.1:{not_a_login_service.server_address[1]}"
    settings = Settings(
        genesyscloud_oauthclient_id="client",
        genesyscloud_oauthclient_secret="secret",
        genesyscloud_api_host=host,
    )
    with pytest.raises(GenesysTokenError) as err:
        genesys_api_client(settings, retry)
    assert str(err.value) == (
        f"Genesys Cloud token request to {host}: no OAuth token in the answer ({failure}): "
        "is GENESYSCLOUD_API_HOST right? is the sandbox running?"
    )
    assert not_a_login_service.requests == ["/oauth/token"] and sleeps == []  # not retried
