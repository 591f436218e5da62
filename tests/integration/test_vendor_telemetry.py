"""Vendor calls as the telemetry sees them, through the official SDKs against the emulators:
one span per operation with a CLIENT span per HTTP request under it, and per attempt a count
of how the vendor answered, 429s and retries included."""

from __future__ import annotations

import PureCloudPlatformClientV2 as genesys_sdk
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import GenesysEmulator
from sandbox.emulators.twilio import TwilioEmulator
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.twilio import TwilioAdapter
from shared.adapters.vendor_clients import genesys_api_client
from shared.ports import TerminalVendorError
from shared.settings import Settings
from shared.telemetry.contract import VENDOR_CALLS, VENDOR_RETRIES, VENDOR_THROTTLED
from tests.integration.conftest import Sleeps, genesys_adapter
from tests.support.telemetry import Captured, attrs

IVRS = "/api/v2/architect/ivrs"
MISSING = "3f2b6a0e-1c7d-4e2a-9b8f-5d6c7e8f9a0b"


def genesys_client(emu: GenesysEmulator) -> object:
    client = emu.scenario.oauth_clients[0]
    return genesys_api_client(
        Settings(
            genesyscloud_oauthclient_id=client.client_id,
            genesyscloud_oauthclient_secret=client.client_secret,
            genesyscloud_api_host=emu.base_url,
        )
    )


def children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def test_a_throttled_genesys_read_is_one_operation_of_three_requests(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator, telemetry: Captured
) -> None:
    genesys_emu.faults.configure(FaultConfig(burst_429=2, retry_after_s=1))
    genesys.list_ivrs()
    spans = telemetry.spans()
    (operation,) = [s for s in spans if s.name == "genesys list IVR configurations (page {n})"]
    assert attrs(operation)["byoc.vendor.attempts"] == 3
    assert attrs(operation)["byoc.vendor.outcome"] == "ok"
    requests = children(spans, operation)
    assert [(r.kind, r.name) for r in requests] == [(SpanKind.CLIENT, f"GET {IVRS}")] * 3
    assert [attrs(r)["http.response.status_code"] for r in requests] == [429, 429, 200]
    assert attrs(requests[0])["url.template"] == IVRS
    assert attrs(requests[0])["byoc.vendor"] == "genesys"
    assert requests[0].status.status_code is StatusCode.ERROR
    assert telemetry.value(VENDOR_CALLS, vendor="genesys", outcome="throttled") == 2
    assert telemetry.value(VENDOR_CALLS, vendor="genesys", outcome="ok") == 1
    assert telemetry.value(VENDOR_THROTTLED, vendor="genesys") == 2
    assert telemetry.value(VENDOR_RETRIES, vendor="genesys") == 2


def test_a_reset_is_a_network_error_and_the_request_span_says_which(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, sleeps: Sleeps, telemetry: Captured
) -> None:
    twilio_emu.faults.configure(FaultConfig(reset_rate=1.0))
    sleeps.then(1, lambda: twilio_emu.faults.configure(FaultConfig()))
    twilio.list_numbers()
    assert telemetry.value(VENDOR_CALLS, vendor="twilio", outcome="network_error") == 1
    assert telemetry.value(VENDOR_CALLS, vendor="twilio", outcome="ok") == 1
    assert telemetry.value(VENDOR_RETRIES, vendor="twilio") == 1
    failed = [s for s in telemetry.spans() if s.kind is SpanKind.CLIENT and not s.status.is_ok]
    assert len(failed) == 1 and "http.response.status_code" not in attrs(failed[0])
    assert attrs(failed[0])["error.type"] == "ConnectionError"


def test_a_terminal_answer_is_a_client_error_and_fails_the_operation(
    genesys_emu: GenesysEmulator, retry: RetryPolicy, telemetry: Captured
) -> None:
    edge = genesys_sdk.TelephonyProvidersEdgeApi(genesys_client(genesys_emu))
    with pytest.raises(TerminalVendorError):
        retry.call(
            "genesys",
            f"read DID pool {MISSING}",
            lambda: edge.get_telephony_providers_edges_didpool(MISSING),
        )
    assert telemetry.value(VENDOR_CALLS, vendor="genesys", outcome="client_error") == 1
    assert telemetry.value(VENDOR_RETRIES) == 0
    (operation,) = telemetry.spans_named("genesys read DID pool {id}")
    assert operation.status.status_code is StatusCode.ERROR
    assert attrs(operation)["error.type"] == "TerminalVendorError"
    assert attrs(operation)["byoc.vendor.outcome"] == "client_error"
    (request,) = children(telemetry.spans(), operation)
    assert request.name == "GET /api/v2/telephony/providers/edges/didpools/{id}"
    assert attrs(request)["http.response.status_code"] == 404


def test_the_token_request_is_a_client_span_without_its_credentials(
    genesys_emu: GenesysEmulator, retry: RetryPolicy, telemetry: Captured
) -> None:
    genesys_adapter(genesys_emu, retry)
    (token,) = [s for s in telemetry.spans() if s.kind is SpanKind.CLIENT]
    assert token.name == "POST /oauth/token"
    assert attrs(token)["http.response.status_code"] == 200
    client = genesys_emu.scenario.oauth_clients[0]
    recorded = " ".join(str(value) for value in attrs(token).values())
    assert client.client_secret not in recorded and client.client_id not in recorded
