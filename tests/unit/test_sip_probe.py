"""The SIP OPTIONS probe's pure parts: what counts as alive, the request, response parsing."""

from __future__ import annotations

import pytest

from shared.adapters.sip_probe import (
    OptionsRequest,
    SipParseError,
    build_options_request,
    classify,
    parse_response,
    split_stream,
)
from shared.domain.sip_uri import parse_sip_target

SOFT_LIMIT_MS = 800


@pytest.mark.parametrize(
    ("status", "rtt_ms", "alive"),
    [
        (200, 20.0, True),
        (404, 20.0, True),  # a live SIP stack that does not serve OPTIONS
        (405, 20.0, True),
        (481, 20.0, True),
        (603, 20.0, True),
        (408, 20.0, False),  # the far side timed out upstream
        (500, 20.0, False),
        (503, 20.0, False),
        (None, None, False),  # no answer at all
        (100, 5.0, False),  # provisional only: not an answer
        (200, 801.0, False),  # too slow: a soft failure
        (200, 800.0, True),
    ],
)
def test_classify_follows_sip_pinging_conventions(
    status: int | None, rtt_ms: float | None, alive: bool
) -> None:
    assert classify(status, rtt_ms, SOFT_LIMIT_MS) is alive


def _headers(request: OptionsRequest) -> dict[str, str]:
    lines = request.text.decode().split("\r\n")
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}


def test_request_carries_the_rfc3261_mandatory_headers() -> None:
    target = parse_sip_target("sip:sbc.example.com:5080;transport=tcp")
    request = build_options_request(target, "192.0.2.10", 40000)
    text = request.text.decode()
    assert text.startswith("OPTIONS sip:sbc.example.com:5080;transport=tcp SIP/2.0\r\n")
    assert text.endswith("\r\n\r\n")
    headers = _headers(request)
    assert headers["Via"] == f"SIP/2.0/TCP 192.0.2.10:40000;branch={request.branch};rport"
    assert request.branch.startswith("z9hG4bK")  # RFC 3261 magic cookie
    assert headers["Max-Forwards"] == "70"
    assert ";tag=" in headers["From"]
    assert headers["To"] == "<sip:sbc.example.com:5080;transport=tcp>"
    assert headers["Call-ID"] == request.call_id
    assert headers["CSeq"] == "1 OPTIONS"
    assert headers["Contact"].startswith("<sip:byoc-sync@192.0.2.10:40000")
    assert headers["Content-Length"] == "0"


def test_every_request_is_a_new_transaction() -> None:
    target = parse_sip_target("sip:sbc.example.com")
    first = build_options_request(target, "192.0.2.10", 5060)
    second = build_options_request(target, "192.0.2.10", 5060)
    assert first.branch != second.branch
    assert first.call_id != second.call_id


def test_ipv6_hosts_are_bracketed() -> None:
    target = parse_sip_target("sip:[2001:db8::1]:5060")
    text = build_options_request(target, "2001:db8::2", 5060).text.decode()
    assert text.startswith("OPTIONS sip:[2001:db8::1]:5060 SIP/2.0")
    assert "Via: SIP/2.0/UDP [2001:db8::2]:5060;" in text


def _answer(request: OptionsRequest, status: str = "200 OK", compact: bool = False) -> bytes:
    via, call_id = ("v", "i") if compact else ("Via", "Call-ID")
    return (
        f"SIP/2.0 {status}\r\n"
        f"{via}: SIP/2.0/UDP 192.0.2.10:5060;branch={request.branch};received=192.0.2.10\r\n"
        f"{call_id}: {request.call_id}\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


@pytest.mark.parametrize("compact", [False, True])
def test_response_matches_its_request_with_full_or_compact_headers(compact: bool) -> None:
    request = build_options_request(parse_sip_target("sip:sbc.example.com"), "192.0.2.10", 5060)
    response = parse_response(_answer(request, "503 Service Unavailable", compact))
    assert (response.status_code, response.reason) == (503, "Service Unavailable")
    assert response.answers(request)


def test_response_to_another_probe_is_not_ours() -> None:
    target = parse_sip_target("sip:sbc.example.com")
    ours = build_options_request(target, "192.0.2.10", 5060)
    earlier = build_options_request(target, "192.0.2.10", 5060)
    assert not parse_response(_answer(earlier)).answers(ours)


def test_folded_and_repeated_headers_are_kept() -> None:
    response = parse_response(
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=1\r\nVia: SIP/2.0/UDP b\r\n"
        b"Allow: INVITE,\r\n  OPTIONS\r\n\r\n"
    )
    assert response.headers["via"] == ["SIP/2.0/UDP a;branch=1", "SIP/2.0/UDP b"]
    assert response.header("allow") == "INVITE, OPTIONS"


@pytest.mark.parametrize(
    "junk", [b"OPTIONS sip:x SIP/2.0\r\n\r\n", b"HTTP/1.1 200 OK\r\n\r\n", b"SIP/2.0 abc\r\n\r\n"]
)
def test_non_responses_are_rejected(junk: bytes) -> None:
    with pytest.raises(SipParseError):
        parse_response(junk)


def test_stream_framing_uses_content_length() -> None:
    first = b"SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n"
    second = b"SIP/2.0 200 OK\r\nl: 4\r\n\r\nbody"
    buffer = first + second[:-2]
    message = split_stream(buffer)
    assert message is not None
    head, rest = message
    assert head == first[:-4]
    assert split_stream(rest) is None  # the body is not complete yet
    message = split_stream(rest + b"dy")
    assert message is not None
    assert message[1] == b""
