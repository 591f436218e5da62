"""Methods the Twilio API does not serve on a path: Twilio's error body and a 4xx (405), never
http.server's HTML 501, and never a 5xx (the `emu` fixture fails any unfaulted 5xx)."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from sandbox.emulators.twilio import TwilioEmulator
from sandbox.emulators.twilio.errors import AUTHENTICATE, METHOD_NOT_ALLOWED, NOT_FOUND
from tests.contract.conftest import unserved_requests

pytestmark = pytest.mark.contract

TWILIO_ERROR_KEYS = {"code", "message", "more_info", "status"}


def test_every_unserved_method_on_a_served_path_is_405_in_twilio_shape(
    emu: TwilioEmulator,
) -> None:
    auth = (emu.account_sid, emu.auth_token)
    tried = unserved_requests(emu)
    assert {m for m, _ in tried} >= {"TRACE", "OPTIONS", "BREW"}
    session = requests.Session()
    for method, path in tried:
        answer = session.request(method, emu.base_url + path, auth=auth, timeout=5)
        assert answer.status_code == 405, (method, path, answer.text)
        assert answer.headers["Content-Type"] == "application/json"
        body = answer.json()
        assert set(body) == TWILIO_ERROR_KEYS, (method, path, body)
        assert (body["status"], body["code"]) == (405, METHOD_NOT_ALLOWED)
        assert body["more_info"] == f"https://www.twilio.com/docs/errors/{METHOD_NOT_ALLOWED}"
    logged = [e for e in emu.log.entries() if (e.method, e.path) in set(tried)]
    assert len(logged) == len(tried) and {e.status for e in logged} == {405}


def test_an_unknown_path_is_404_and_no_credentials_401_whatever_the_method(
    emu: TwilioEmulator,
) -> None:
    auth = (emu.account_sid, emu.auth_token)
    for method in ("TRACE", "BREW", "GET"):
        missing = requests.request(method, f"{emu.base_url}/v1/Nothing", auth=auth, timeout=5)
        assert missing.status_code == 404
        assert missing.json()["code"] == NOT_FOUND
        anonymous = requests.request(method, f"{emu.base_url}/v1/Trunks", timeout=5)
        assert anonymous.status_code == 401
        assert anonymous.json()["code"] == AUTHENTICATE


def test_a_request_http_cannot_parse_gets_twilio_shape_not_html(emu: TwilioEmulator) -> None:
    """http.server refuses these before any route is asked (here: 101 headers)."""
    headers = "".join(f"X-{n}: {n}\r\n" for n in range(101))
    with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as raw:
        raw.sendall(f"GET /v1/Trunks HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
        reply = raw.makefile("rb").read().decode()
    head, _, body = reply.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 431 "), head
    assert "Content-Type: application/json" in head
    error = json.loads(body)
    assert set(error) == TWILIO_ERROR_KEYS and error["status"] == 431
