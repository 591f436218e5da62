"""Twilio's edge through the official SDK: auth, error shape, faults, concurrency, admin."""

from __future__ import annotations

import threading

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from tests.contract.twilio.conftest import SEED, make_client
from tests.support.wait import wait_until

pytestmark = pytest.mark.contract


def test_wrong_credentials_are_401_20003(client: Client, emu: TwilioEmulator) -> None:
    intruder = make_client(emu, token="0" * 32)
    with pytest.raises(TwilioRestException) as err:
        intruder.incoming_phone_numbers("PN" + "0" * 32).fetch()
    assert (err.value.status, err.value.code) == (401, 20003)
    with pytest.raises(TwilioException):
        intruder.trunking.v1.trunks.list()
    raw = requests.get(f"{emu.base_url}/v1/Trunks", timeout=5)
    assert raw.status_code == 401
    assert raw.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert raw.headers["WWW-Authenticate"].startswith("Basic")


def test_malformed_bodies_are_400_in_twilio_shape(emu: TwilioEmulator) -> None:
    auth = (emu.account_sid, emu.auth_token)
    trunk = requests.get(f"{emu.base_url}/v1/Trunks", auth=auth, timeout=5).json()["trunks"][0]
    url = f"{emu.base_url}/v1/Trunks/{trunk['sid']}/OriginationUrls"
    for form in (
        {"Weight": "1", "Priority": "1", "Enabled": "true", "FriendlyName": "x"},
        {"Weight": "x", "Priority": "1", "Enabled": "true", "FriendlyName": "x", "SipUrl": "sip:a"},
        {
            "Weight": "1",
            "Priority": "1",
            "Enabled": "maybe",
            "FriendlyName": "x",
            "SipUrl": "sip:a",
        },
    ):
        answer = requests.post(url, data=form, auth=auth, timeout=5)
        assert answer.status_code == 400, form
        body = answer.json()
        assert body["code"] == 20001 and body["status"] == 400
        assert body["more_info"] == "https://www.twilio.com/docs/errors/20001"
    garbage = requests.post(
        f"{emu.base_url}/2010-04-01/Accounts/{emu.account_sid}/IncomingPhoneNumbers.json",
        data=b"\xff\xfe",
        auth=auth,
        timeout=5,
    )
    assert garbage.status_code == 400
    query = requests.get(
        f"{emu.base_url}/2010-04-01/Accounts/{emu.account_sid}/IncomingPhoneNumbers.json",
        params={"PageSize": "5000"},
        auth=auth,
        timeout=5,
    )
    assert (query.status_code, query.json()["code"]) == (400, 20001)
    unknown = requests.get(f"{emu.base_url}/v2/Nope", auth=auth, timeout=5)
    assert (unknown.status_code, unknown.json()["code"]) == (404, 20404)


def test_injected_429_is_twilios_20429_without_retry_after(
    client: Client, emu: TwilioEmulator
) -> None:
    """Twilio's throttling is the concurrency limit's 429/20429, which sends no Retry-After
    (twilio.com/docs/api/errors/20429): an injected one looks the same, `retry_after_s`
    notwithstanding."""
    emu.faults.configure(FaultConfig(burst_429=1, retry_after_s=3))
    with pytest.raises(TwilioRestException) as err:
        client.trunking.v1.trunks("TK" + "0" * 32).fetch()
    assert (err.value.status, err.value.code) == (429, 20429)
    raw = requests.get(f"{emu.base_url}/v1/Trunks", timeout=5)
    assert raw.status_code == 401  # the burst is spent; auth applies again
    emu.faults.configure(FaultConfig(burst_429=1, retry_after_s=3))
    throttled = requests.get(
        f"{emu.base_url}/v1/Trunks", auth=(emu.account_sid, emu.auth_token), timeout=5
    )
    assert throttled.status_code == 429 and "Retry-After" not in throttled.headers
    assert throttled.json() == {
        "code": 20429,
        "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    }
    assert [e.fault for e in emu.log.entries() if e.status == 429] == ["throttle", "throttle"]


def test_injected_5xx_is_logged_as_a_fault(client: Client, emu: TwilioEmulator) -> None:
    emu.faults.configure(FaultConfig(server_error_rate=1.0, server_error_statuses=[503]))
    with pytest.raises(TwilioRestException) as err:
        client.trunking.v1.trunks("TK" + "0" * 32).fetch()
    assert (err.value.status, err.value.code) == (503, 20503)
    emu.faults.configure(FaultConfig())
    faults = [e for e in emu.log.entries() if e.status >= 500]
    assert faults and all(e.fault == "server_error" for e in faults)


def test_concurrency_limit_answers_20429() -> None:
    scenario = TwilioScenario.model_validate({**SEED, "max_concurrent_requests": 1})
    emu = TwilioEmulator(scenario)
    with emu:
        # Holding the state lock parks an admitted request inside its handler, so it keeps
        # its concurrency slot until we let go: the overlap is deterministic, not timed.
        with emu.lock:
            slow = threading.Thread(target=lambda: make_client(emu).trunking.v1.trunks.list())
            slow.start()
            wait_until(
                lambda: emu.concurrency.in_flight() >= 1,
                timeout=10,
                what="the parked request to hold its concurrency slot",
                interval=0.01,
            )
            with pytest.raises(TwilioRestException) as err:
                make_client(emu).trunking.v1.trunks("TK" + "0" * 32).fetch()
        slow.join(timeout=5)
        assert (err.value.status, err.value.code) == (429, 20429)
        assert emu.log.count(endpoint="GET /v1/Trunks") == 1
        assert make_client(emu).trunking.v1.trunks.list()  # the slot was released
        assert not [e for e in emu.log.entries() if e.status >= 500]


def test_admin_inventory_snapshot_and_reset(client: Client, emu: TwilioEmulator) -> None:
    base = f"{emu.base_url}/__admin"
    before = requests.get(f"{base}/inventory", timeout=5).json()["total"]
    added = requests.post(
        f"{base}/inventory", json={"area_code": "773", "count": 2, "region": "IL"}, timeout=5
    )
    assert added.status_code == 201 and added.json()["added"] == ["+17735550100", "+17735550101"]
    bought = client.incoming_phone_numbers.create(area_code="773")
    assert bought.phone_number == "+17735550100"
    state = requests.get(f"{base}/state", timeout=5).json()
    assert len(state["incoming_phone_numbers"]) == 4
    primary = next(t for t in state["trunks"] if t["friendly_name"] == "BYOC-Primary")
    assert primary["phone_numbers"] == ["+14155550100", "+14155550101"]
    assert requests.post(f"{base}/reset", timeout=5).status_code == 204
    assert requests.get(f"{base}/inventory", timeout=5).json()["total"] == before
    assert len(emu.snapshot()["incoming_phone_numbers"]) == 3
    # Deterministic SIDs: a reseed hands out the same SIDs as the first seed.
    assert emu.snapshot() == TwilioEmulator(emu.scenario).snapshot()
