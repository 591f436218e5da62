"""Parsing the two kinds of address the policy holds: SIP probe targets and E.164 numbers."""

from __future__ import annotations

import pytest

from shared.domain.e164 import InvalidNumberError, to_e164
from shared.domain.sip_uri import SipEndpoint, parse_sip_target


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("sip:sbc.example.com", ("sbc.example.com", 5060, "udp")),
        ("sips:sbc.example.com", ("sbc.example.com", 5061, "tls")),
        ("sip:sbc.example.com;transport=tls", ("sbc.example.com", 5061, "tls")),
        ("sip:203.0.113.10:5080;transport=TCP", ("203.0.113.10", 5080, "tcp")),
        ("sip:[2001:db8::1]:5070;transport=udp", ("2001:db8::1", 5070, "udp")),
        ("sip:genesys@carrier.example.com", ("carrier.example.com", 5060, "udp")),
    ],
)
def test_sip_targets_get_rfc3261_default_ports_and_transports(
    uri: str, expected: tuple[str, int, str]
) -> None:
    assert parse_sip_target(uri) == SipEndpoint(*expected, uri=uri)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("https://sbc.example.com", "must start with sip: or sips:"),
        ("sip:under_score.example.com", "not a host name"),
        ("sip:sbc.example.com:0", "port '0' is not 1-65535"),
        ("sip:sbc.example.com:http", "port 'http'"),
        ("sips:sbc.example.com;transport=udp", "sips: URIs use TLS"),
        ("sip:[2001:db8::1", "unclosed IPv6"),
    ],
)
def test_bad_sip_targets_say_why(uri: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(")):
        parse_sip_target(uri)


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+1 (202) 555-0199", None, "+12025550199"),
        ("2025550199", "US", "+12025550199"),
        ("+44 20 7946 0958", None, "+442079460958"),
    ],
)
def test_numbers_normalise_to_e164(raw: str, region: str | None, e164: str) -> None:
    assert to_e164(raw, region) == e164


@pytest.mark.parametrize("raw", ["2025550199", "+1202555", "not a number"])
def test_invalid_numbers_raise(raw: str) -> None:
    with pytest.raises(InvalidNumberError):
        to_e164(raw)
