"""SIP probe targets: `sip:host[:port][;transport=udp|tcp|tls]` or `sips:host[:port]`.

Health probes need host, port and transport, and RFC 3261's defaults for them (5060 for
sip over UDP, 5061 for sips/TLS) are easy to get wrong by hand, so they are derived here
once. Policies keep the URI as written; probes call `parse_sip_target`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Annotated, Literal, cast

from pydantic import AfterValidator

Transport = Literal["udp", "tcp", "tls"]

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


@dataclass(frozen=True)
class SipEndpoint:
    host: str
    port: int
    transport: Transport
    uri: str


def _split_host_port(hostport: str, uri: str) -> tuple[str, int | None]:
    if hostport.startswith("["):  # IPv6 reference: [2001:db8::1]:5061
        end = hostport.find("]")
        if end < 0:
            raise ValueError(f"{uri!r}: unclosed IPv6 bracket")
        host, rest = hostport[1:end], hostport[end + 1 :]
        ipaddress.IPv6Address(host)
        if rest and not rest.startswith(":"):
            raise ValueError(f"{uri!r}: unexpected text after the IPv6 address")
        port_text = rest[1:] if rest else None
    else:
        host, _, port_text = hostport.partition(":")
        port_text = port_text or None
        if not _HOSTNAME.match(host):
            raise ValueError(f"{uri!r}: {host!r} is not a host name or IPv4 address")
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{uri!r}: port {port_text!r} is not 1-65535")
    return host, int(port_text)


def parse_sip_target(uri: str) -> SipEndpoint:
    """Host, port and transport of a SIP URI, with RFC 3261 defaults filled in."""
    scheme, sep, rest = uri.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in ("sip", "sips"):
        raise ValueError(f"{uri!r} must start with sip: or sips:")
    hostport, *params = rest.split(";")
    if "@" in hostport:  # user part is allowed, the probe only needs the host
        hostport = hostport.rsplit("@", 1)[1]
    host, port = _split_host_port(hostport, uri)
    transport: str = "tls" if scheme == "sips" else "udp"
    for param in params:
        key, _, value = param.partition("=")
        if key.lower() == "transport":
            transport = value.lower()
    if transport not in ("udp", "tcp", "tls"):
        raise ValueError(f"{uri!r}: transport must be udp, tcp or tls, not {transport!r}")
    if scheme == "sips" and transport != "tls":
        raise ValueError(f"{uri!r}: sips: URIs use TLS; drop the transport parameter")
    default_port = 5061 if transport == "tls" else 5060
    return SipEndpoint(host, port or default_port, cast(Transport, transport), uri)


def _validate(uri: str) -> str:
    parse_sip_target(uri)
    return uri


SipTarget = Annotated[str, AfterValidator(_validate)]
