"""Pure tests (no HTTP) of error classification, Retry-After parsing, the retry policy's
waits and the DNIS merge. They live beside the integration tests they underpin."""

from __future__ import annotations

import json
from email.utils import formatdate

import pytest
import requests
import urllib3.exceptions
from PureCloudPlatformClientV2.rest import ApiException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.response import Response as TwilioResponse

from shared.adapters.classify import classify, parse_retry_after
from shared.adapters.dnis import merge_dnis
from shared.adapters.retry import RetryPolicy
from shared.ports import RetriesExhausted, TerminalVendorError


class FakeHttpResponse:
    """What the Genesys SDK hands ApiException: urllib3's response, reduced."""

    def __init__(self, status: int, body: dict[str, object], headers: dict[str, str]) -> None:
        self.status = status
        self.reason = "reason"
        self.data = json.dumps(body)
        self._headers = headers

    def getheaders(self) -> dict[str, str]:
        return self._headers


def genesys_error(status: int, code: str, headers: dict[str, str] | None = None) -> ApiException:
    body = {"message": f"{code} happened", "code": code, "status": status}
    return ApiException(http_resp=FakeHttpResponse(status, body, headers or {}))


def twilio_page_error(status: int, headers: dict[str, str] | None = None) -> TwilioException:
    body = json.dumps({"code": 20429, "message": "Too many requests", "status": status})
    return TwilioException("Unable to fetch page", TwilioResponse(status, body, headers))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7.0), (" 2.5 ", 2.5), ("0", 0.0), ("-3", 0.0), ("", None), (None, None), ("soon", None)],
)
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_http_date() -> None:
    now = 1_800_000_000.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_genesys_429_is_retryable_with_its_retry_after() -> None:
    failure = classify(genesys_error(429, "too.many.requests.retry.after", {"Retry-After": "12"}))
    assert failure is not None
    assert (failure.retryable, failure.status, failure.code) == (
        True,
        429,
        "too.many.requests.retry.after",
    )
    assert failure.retry_after_s == 12.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retryable(status: int) -> None:
    failure = classify(genesys_error(status, "internal.server.error"))
    assert failure is not None and failure.retryable and failure.retry_after_s is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_other_4xx_are_terminal_409_included(status: int) -> None:
    failure = classify(genesys_error(status, "some.code"))
    assert failure is not None and not failure.retryable
    assert failure.reason == f"HTTP {status} (some.code): some.code happened"


def test_twilio_rest_exception_status_and_code() -> None:
    exc = TwilioRestException(404, "https://api.twilio.com/x", "not found", 20404)
    failure = classify(exc)
    assert failure is not None
    assert (failure.retryable, failure.status, failure.code) == (False, 404, "20404")


def test_twilio_list_page_errors_carry_the_status_on_the_response() -> None:
    failure = classify(twilio_page_error(429, {"Retry-After": "4"}))
    assert failure is not None
    assert (failure.retryable, failure.status, failure.code, failure.retry_after_s) == (
        True,
        429,
        "20429",
        4.0,
    )
    assert classify(twilio_page_error(400)) == classify(twilio_page_error(400))
    terminal = classify(twilio_page_error(400))
    assert terminal is not None and not terminal.retryable


def test_twilio_exception_without_a_response_is_terminal() -> None:
    failure = classify(TwilioException("Page Records can not be deserialized"))
    assert failure is not None and not failure.retryable and failure.status is None


@pytest.mark.parametrize(
    "exc",
    [
        requests.ConnectionError("reset"),
        requests.ReadTimeout("slow"),
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104)),
        urllib3.exceptions.ReadTimeoutError(None, "/x", "Read timed out."),  # type: ignore[arg-type]
        urllib3.exceptions.NewConnectionError(None, "refused"),  # type: ignore[arg-type]
        ConnectionResetError(104, "reset"),
    ],
)
def test_transport_failures_are_retryable(exc: BaseException) -> None:
    failure = classify(exc)
    assert failure is not None and failure.retryable and failure.status is None


def test_tls_failures_and_bugs_are_not_retried() -> None:
    tls = classify(requests.exceptions.SSLError("bad certificate"))
    assert tls is not None and not tls.retryable
    assert classify(KeyError("a bug")) is None


# ---------------------------------------------------------------- the policy itself
class Flaky:
    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def test_policy_waits_retry_after_then_jittered_backoff() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts=5, max_wait_s=10, sleep=sleeps.append, rand=lambda: 1.0)
    fn = Flaky(
        genesys_error(429, "too.many.requests.retry.after", {"Retry-After": "3"}),
        genesys_error(503, "service.unavailable"),
        requests.ConnectionError("reset"),
    )
    assert policy.call("genesys", "op", fn) == "ok"
    assert fn.calls == 4
    # Retry-After 3, then base 0.5 * 2^(n-1) at full jitter's upper bound (rand = 1).
    assert sleeps == [3.0, 1.0, 2.0]


def test_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(max_wait_s=4.0, rand=lambda: 0.5)
    assert [policy.wait_for(None, n) for n in range(1, 6)] == [0.25, 0.5, 1.0, 2.0, 2.0]


def test_policy_raises_terminal_errors_at_once_with_a_reason() -> None:
    fn = Flaky(genesys_error(400, "bad.request"))
    with pytest.raises(TerminalVendorError) as terminal:
        RetryPolicy(sleep=lambda s: None).call("genesys", "create DID pool", fn)
    assert fn.calls == 1
    error = terminal.value
    assert (error.vendor, error.operation, error.status, error.code) == (
        "genesys",
        "create DID pool",
        400,
        "bad.request",
    )
    assert error.reason == "genesys create DID pool: HTTP 400 (bad.request): bad.request happened"


def test_policy_gives_up_after_max_attempts() -> None:
    fn = Flaky(*(genesys_error(500, "internal.server.error") for _ in range(10)))
    with pytest.raises(RetriesExhausted) as gave_up:
        RetryPolicy(max_attempts=3, sleep=lambda s: None).call("genesys", "list IVRs", fn)
    assert fn.calls == 3 and gave_up.value.attempts == 3
    assert isinstance(gave_up.value.last_error, ApiException)
    assert gave_up.value.reason.startswith("genesys list IVRs: gave up after 3 attempt(s)")


def test_policy_lets_bugs_through_untouched() -> None:
    fn = Flaky(KeyError("bug"))
    with pytest.raises(KeyError):
        RetryPolicy(sleep=lambda s: None).call("twilio", "op", fn)
    assert fn.calls == 1


def test_policy_runs_before_attempt_on_every_attempt() -> None:
    seen: list[int] = []
    fn = Flaky(requests.ConnectionError("reset"))
    RetryPolicy(sleep=lambda s: None).call(
        "genesys", "op", fn, before_attempt=lambda: seen.append(1)
    )
    assert len(seen) == 2


def test_retries_log_the_operation_attempt_and_reason_and_no_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fn = Flaky(genesys_error(503, "service.unavailable"))
    RetryPolicy(sleep=lambda s: None).call("genesys", "list trunks", fn)
    (record,) = caplog.records
    assert "genesys list trunks: attempt 1/5 failed (HTTP 503 (service.unavailable)" in (
        record.getMessage()
    )


# ---------------------------------------------------------------- DNIS merge
def test_merge_keeps_order_and_adds_in_e164() -> None:
    assert merge_dnis(["+12025550100", "3125550100"], ["2025550102"], []) == [
        "+12025550100",
        "3125550100",
        "+12025550102",
    ]


def test_merge_compares_after_normalisation() -> None:
    current = ["2025550199", "+13125550100"]
    assert merge_dnis(current, ["+12025550199"], []) == current  # already there
    assert merge_dnis(current, [], ["+12025550199"]) == ["+13125550100"]


def test_merge_never_duplicates_and_add_wins_over_remove() -> None:
    assert merge_dnis([], ["+12025550100", "(202) 555-0100"], []) == ["+12025550100"]
    assert merge_dnis(["+12025550100"], ["+12025550100"], ["+12025550100"]) == ["+12025550100"]
