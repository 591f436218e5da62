"""Methods the Genesys Cloud API does not serve on a path: Genesys' ErrorBody and a 4xx (405),
never http.server's HTML 501, and never a 5xx (the `emu` fixture fails any unfaulted 5xx)."""

from __future__ import annotations

import pytest
import requests

from sandbox.emulators.genesys import GenesysEmulator
from tests.contract.conftest import unserved_requests
from tests.contract.genesys.conftest import assert_error_body

pytestmark = pytest.mark.contract


def test_every_unserved_method_on_a_served_path_is_405_in_genesys_shape(
    emu: GenesysEmulator, raw: requests.Session
) -> None:
    tried = unserved_requests(emu)
    assert {m for m, _ in tried} >= {"TRACE", "OPTIONS", "BREW"}
    assert any(path == "/oauth/token" for _, path in tried)
    for method, path in tried:
        answer = raw.request(method, emu.base_url + path, timeout=5)
        assert answer.status_code == 405, (method, path, answer.text)
        assert answer.headers["Content-Type"] == "application/json"
        assert_error_body(answer.json(), 405, "method.not.allowed")
    logged = [e for e in emu.log.entries() if (e.method, e.path) in set(tried)]
    assert len(logged) == len(tried) and {e.status for e in logged} == {405}


def test_an_unknown_path_is_404_and_no_token_401_whatever_the_method(
    emu: GenesysEmulator, raw: requests.Session
) -> None:
    for method in ("TRACE", "BREW", "GET"):
        missing = raw.request(method, f"{emu.base_url}/api/v2/no/such/thing", timeout=5)
        assert missing.status_code == 404
        assert_error_body(missing.json(), 404, "not.found")
        anonymous = requests.request(method, f"{emu.base_url}/api/v2/telephony", timeout=5)
        assert anonymous.status_code == 401
        assert_error_body(anonymous.json(), 401)
