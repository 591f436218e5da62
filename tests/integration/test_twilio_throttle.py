"""Twilio's 429 is the concurrency limit's 20429 and carries no Retry-After
(twilio.com/docs/api/errors/20429), and the emulator's injected throttle now looks the same:
the retry policy must back off on its own, for list pages (a plain TwilioException carrying
the response) and instance calls (TwilioRestException) alike."""

from __future__ import annotations

import pytest

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.twilio import TwilioEmulator
from shared.adapters.retry import DEFAULT_BASE_WAIT_S
from shared.adapters.twilio import TwilioAdapter
from tests.integration.conftest import Sleeps

NUMBERS = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
NUMBER = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"


@pytest.fixture(autouse=True)
def throttle_once(twilio_emu: TwilioEmulator) -> None:
    # retry_after_s is what other vendors' 429s would carry: Twilio's ignore it.
    twilio_emu.faults.configure(FaultConfig(burst_429=1, retry_after_s=9))


def test_a_throttled_list_page_is_retried_after_a_backoff(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, sleeps: Sleeps
) -> None:
    assert len(twilio.list_numbers()) == 4
    assert [(e.status, e.fault) for e in twilio_emu.log.entries()] == [
        (429, "throttle"),
        (200, None),
    ]
    assert twilio_emu.log.count(endpoint=NUMBERS) == 2
    [waited] = sleeps
    assert 0 <= waited <= DEFAULT_BASE_WAIT_S  # full-jitter backoff, not a Retry-After


def test_a_throttled_fetch_is_retried_after_a_backoff(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, sleeps: Sleeps
) -> None:
    sid = next(iter(twilio_emu.state.numbers))
    assert twilio.fetch_number(sid).sid == sid
    assert twilio_emu.log.count(endpoint=NUMBER) == 2
    [waited] = sleeps
    assert 0 <= waited <= DEFAULT_BASE_WAIT_S
