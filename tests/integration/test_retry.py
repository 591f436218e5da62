"""Every vendor call survives 429 (waiting what Retry-After says), 5xx, timeouts and resets;
a terminal error is raised after one request, persistent failures after max-attempts."""

from __future__ import annotations

import pytest

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.core.request_log import LoggedRequest
from sandbox.emulators.genesys import GenesysEmulator
from sandbox.emulators.twilio import TwilioEmulator
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import DEFAULT_BASE_WAIT_S, RetryPolicy
from shared.adapters.twilio import TwilioAdapter
from shared.ports import RetriesExhausted, SnapshotReadError, TerminalVendorError
from shared.reconcile.snapshot import read_snapshot
from tests.integration.conftest import MAX_ATTEMPTS, Sleeps, genesys_adapter
from tests.support.wait import wait_until

IVRS = "GET /api/v2/architect/ivrs"
NUMBERS = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"


def settled_log(emu: GenesysEmulator, expected: int) -> list[LoggedRequest]:
    """The log once `expected` entries are in: a held ("timeout") request is logged only
    when the emulator lets go of it, after the client already gave up on it."""
    wait_until(
        lambda: len(emu.log.entries()) >= expected,
        timeout=3.0,
        what=f"{expected} requests in the Genesys emulator's log",
        interval=0.02,
    )
    return sorted(emu.log.entries(), key=lambda e: e.timestamp - e.duration_ms / 1000)


def test_genesys_429_waits_what_retry_after_says_then_succeeds(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator, sleeps: Sleeps
) -> None:
    genesys_emu.faults.configure(FaultConfig(burst_429=2, retry_after_s=7))
    assert {i.name for i in genesys.list_ivrs()} == {"Main IVR", "Support IVR"}
    entries = genesys_emu.log.entries()
    assert [(e.status, e.fault) for e in entries] == [
        (429, "throttle"),
        (429, "throttle"),
        (200, None),
    ]
    assert sleeps == [7.0, 7.0]


def test_twilio_list_page_429_is_read_through_the_sdks_page_error(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, sleeps: Sleeps
) -> None:
    """Twilio list pages fail with a plain TwilioException carrying the raw response; the
    policy still sees the status. Twilio's 429 carries no Retry-After, so the wait is the
    jittered backoff."""
    twilio_emu.faults.configure(FaultConfig(burst_429=1))
    assert len(twilio.list_numbers()) == 4
    assert twilio_emu.log.count(endpoint=NUMBERS) == 2
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= DEFAULT_BASE_WAIT_S


def test_retry_after_is_capped_by_the_maximum_wait(
    genesys_emu: GenesysEmulator, sleeps: Sleeps
) -> None:
    adapter = genesys_adapter(genesys_emu, RetryPolicy(max_wait_s=2.0, sleep=sleeps))
    genesys_emu.faults.configure(FaultConfig(burst_429=1, retry_after_s=120))
    adapter.list_ivrs()
    assert sleeps == [2.0]


@pytest.mark.parametrize(
    "fault",
    [
        FaultConfig(server_error_rate=1.0, server_error_statuses=[503]),
        FaultConfig(reset_rate=1.0),
        FaultConfig(timeout_rate=1.0, timeout_hold_s=0.5),
    ],
    ids=["5xx", "reset", "timeout"],
)
def test_genesys_transient_failures_are_retried_with_jittered_backoff(
    genesys_emu: GenesysEmulator, sleeps: Sleeps, fault: FaultConfig
) -> None:
    adapter = genesys_adapter(
        genesys_emu, RetryPolicy(max_attempts=MAX_ATTEMPTS, sleep=sleeps), timeout_s=0.3
    )
    genesys_emu.log.clear()
    genesys_emu.faults.configure(fault)
    sleeps.then(2, lambda: genesys_emu.faults.configure(FaultConfig()))
    assert len(adapter.list_ivrs()) == 2
    entries = settled_log(genesys_emu, 3)
    assert len(entries) == 3 and entries[-1].status == 200 and entries[-1].fault is None
    assert all(e.fault is not None for e in entries[:2])
    # Full jitter: each wait lies in [0, base * 2^(attempt-1)].
    assert 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0


@pytest.mark.parametrize(
    "fault",
    [FaultConfig(server_error_rate=1.0), FaultConfig(reset_rate=1.0)],
    ids=["5xx", "reset"],
)
def test_twilio_transient_failures_are_retried(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, sleeps: Sleeps, fault: FaultConfig
) -> None:
    twilio_emu.faults.configure(fault)
    sleeps.then(1, lambda: twilio_emu.faults.configure(FaultConfig()))
    (trunk,) = twilio.list_trunks()
    assert len(trunk.origination_urls) == 2
    assert twilio_emu.log.count(endpoint="GET /v1/Trunks") == 2
    assert len(sleeps) == 1


def test_twilio_write_is_retried_after_a_reset(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, sleeps: Sleeps
) -> None:
    (trunk,) = twilio.list_trunks()
    url = trunk.origination_urls[1]
    twilio_emu.faults.configure(FaultConfig(reset_rate=1.0, methods=["POST"]))
    sleeps.then(1, lambda: twilio_emu.faults.configure(FaultConfig()))
    updated = twilio.update_origination_url(trunk.sid, url.sid, priority=5)
    assert updated.priority == 5 and updated.weight == url.weight
    assert [e.fault for e in twilio_emu.log.writes()] == ["reset", None]


def test_terminal_404_is_raised_after_exactly_one_request(
    genesys: GenesysAdapter,
    genesys_emu: GenesysEmulator,
    twilio: TwilioAdapter,
    twilio_emu: TwilioEmulator,
    sleeps: Sleeps,
) -> None:
    with pytest.raises(TerminalVendorError) as genesys_missing:
        genesys.get_ivr("00000000-0000-0000-0000-000000000000")
    assert genesys_missing.value.status == 404
    assert genesys_missing.value.code == "not.found"
    assert "genesys get IVR configuration" in genesys_missing.value.reason
    assert len(genesys_emu.log.entries()) == 1

    with pytest.raises(TerminalVendorError) as twilio_missing:
        twilio.fetch_number("PN" + "0" * 32)
    assert (twilio_missing.value.status, twilio_missing.value.code) == (404, "20404")
    assert len(twilio_emu.log.entries()) == 1
    assert sleeps == []


def test_terminal_400_is_raised_after_exactly_one_request(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, sleeps: Sleeps
) -> None:
    with pytest.raises(TerminalVendorError) as refused:
        twilio.purchase("+15005550000")
    assert refused.value.status == 400
    assert len(twilio_emu.log.entries()) == 1 and sleeps == []


def test_persistent_5xx_gives_up_after_exactly_max_attempts(
    genesys: GenesysAdapter,
    genesys_emu: GenesysEmulator,
    twilio: TwilioAdapter,
    twilio_emu: TwilioEmulator,
    sleeps: Sleeps,
) -> None:
    genesys_emu.faults.configure(FaultConfig(server_error_rate=1.0))
    with pytest.raises(RetriesExhausted) as gave_up:
        genesys.list_ivrs()
    assert gave_up.value.attempts == MAX_ATTEMPTS
    assert "gave up after 4 attempt(s)" in gave_up.value.reason
    assert genesys_emu.log.count(endpoint=IVRS) == MAX_ATTEMPTS

    twilio_emu.faults.configure(FaultConfig(server_error_rate=1.0))
    with pytest.raises(RetriesExhausted):
        twilio.list_numbers()
    assert twilio_emu.log.count(endpoint=NUMBERS) == MAX_ATTEMPTS
    assert len(sleeps) == 2 * (MAX_ATTEMPTS - 1)


@pytest.mark.parametrize("seed", range(6))
def test_a_read_during_a_fault_storm_is_complete_or_refused(
    twilio: TwilioAdapter,
    twilio_emu: TwilioEmulator,
    genesys: GenesysAdapter,
    genesys_emu: GenesysEmulator,
    seed: int,
) -> None:
    calm = read_snapshot(twilio, genesys)
    storm = FaultConfig(
        throttle_rate=0.15, retry_after_s=0, server_error_rate=0.2, reset_rate=0.15, seed=seed
    )
    twilio_emu.faults.configure(storm)
    genesys_emu.faults.configure(storm)
    try:
        stormy = read_snapshot(twilio, genesys)
    except SnapshotReadError as refused:
        assert "gave up after" in refused.reason
        return
    assert stormy == calm
