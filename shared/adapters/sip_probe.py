"""SIP OPTIONS health probe of a carrier or SBC endpoint, over UDP, TCP or TLS.

Genesys pings its own trunks, but only reacts to hard failures; a path that answers slowly
or with 503 still looks "connected" to it. byoc-sync therefore pings each trunk-group
member itself, the way SBCs do (RFC 3261 §11, "SIP pinging"): an OPTIONS request, and the
answer's status code and round-trip time decide.

Conventions (`classify`): no answer, 408 and 5xx mean the path is down; any other final
answer (2xx to 4xx, 6xx) means a SIP stack is alive there even if it will not serve OPTIONS
(a 404 or 405 is a live endpoint); an answer slower than the member's soft limit counts as
a failure too, because calls over such a path suffer before they fail.

The probe never raises: DNS failures, refused connections, TLS errors and timeouts are
results, because the decision needs an observation for every member on every run.
"""

from __future__ import annotations

import secrets
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.domain.policy import TrunkGroup, TrunkGroupMember
from shared.domain.sip_uri import SipEndpoint, Transport, parse_sip_target

USER_AGENT = "byoc-sync"
T1_S = 0.5  # RFC 3261 §17.1.2.2: UDP retransmissions start at T1 and double up to T2
T2_S = 4.0
MAX_MESSAGE = 65_535

# Compact header forms (RFC 3261 §7.3.3) of the headers a response is matched on.
_COMPACT = {"v": "via", "i": "call-id", "l": "content-length", "f": "from", "t": "to"}


@dataclass(frozen=True)
class ProbeResult:
    """One OPTIONS exchange. `status_code` is None when no final answer came back."""

    target: str
    transport: Transport
    status_code: int | None
    reason: str
    rtt_ms: float | None
    alive: bool

    @property
    def detail(self) -> str:
        """One line for logs and the health table, e.g. `200 OK in 12 ms`."""
        if self.status_code is None:
            return self.reason
        rtt = f" in {self.rtt_ms:.0f} ms" if self.rtt_ms is not None else ""
        verdict = "" if self.alive else " (counts as failed)"
        return f"{self.status_code} {self.reason}{rtt}{verdict}"


def classify(status_code: int | None, rtt_ms: float | None, soft_limit_ms: int) -> bool:
    """Whether an OPTIONS outcome shows a live path (module docstring for the rules)."""
    if status_code is None or status_code < 200:
        return False
    if status_code == 408 or 500 <= status_code < 600:
        return False
    return rtt_ms is None or rtt_ms <= soft_limit_ms


@dataclass(frozen=True)
class OptionsRequest:
    """The identifiers a response must echo to count as the answer to this request."""

    branch: str
    call_id: str
    text: bytes


def _host_for_uri(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def build_options_request(
    target: SipEndpoint, local_host: str, local_port: int, *, cseq: int = 1
) -> OptionsRequest:
    """An RFC 3261 OPTIONS request (§8.1.1 mandatory headers, §20.42 Via with magic cookie).

    A fresh branch, tag and Call-ID per probe keep every probe a new transaction, so an SBC
    never mistakes a probe for the retransmission of an earlier one.
    """
    branch = f"z9hG4bK{secrets.token_hex(8)}"
    call_id = f"{secrets.token_hex(12)}@{_host_for_uri(local_host)}"
    proto = target.transport.upper()
    local = f"{_host_for_uri(local_host)}:{local_port}"
    request_uri = f"sip:{_host_for_uri(target.host)}:{target.port}"
    if target.transport != "udp":
        request_uri += f";transport={target.transport}"
    lines = [
        f"OPTIONS {request_uri} SIP/2.0",
        f"Via: SIP/2.0/{proto} {local};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:{USER_AGENT}@{_host_for_uri(local_host)}>;tag={secrets.token_hex(6)}",
        f"To: <{request_uri}>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} OPTIONS",
        f"Contact: <sip:{USER_AGENT}@{local};transport={target.transport}>",
        "Accept: application/sdp",
        f"User-Agent: {USER_AGENT}",
        "Content-Length: 0",
    ]
    return OptionsRequest(branch, call_id, ("\r\n".join(lines) + "\r\n\r\n").encode())


@dataclass(frozen=True)
class SipResponse:
    status_code: int
    reason: str
    headers: dict[str, list[str]] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def answers(self, request: OptionsRequest) -> bool:
        """Same transaction: top Via branch and Call-ID echoed, CSeq method OPTIONS."""
        via = self.header("via") or ""
        cseq = self.header("cseq") or ""
        return (
            f"branch={request.branch}" in via
            and self.header("call-id") == request.call_id
            and cseq.split()[-1:] == ["OPTIONS"]
        )


class SipParseError(ValueError):
    """Bytes that are not a SIP response."""


def parse_response(head: bytes) -> SipResponse:
    """Status line and headers of a response (the part before the blank line).

    Header names are case-insensitive and may be compact; folded lines (obsolete but legal)
    are joined; a header may repeat, so values are lists in order.
    """
    text = head.decode("utf-8", "replace")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].upper().startswith("SIP/2.0") or not parts[1].isdigit():
        raise SipParseError(f"not a SIP response: {lines[0][:80]!r}")
    headers: dict[str, list[str]] = {}
    last: str | None = None
    for line in lines[1:]:
        if not line:
            break
        if line[0] in " \t" and last is not None:
            headers[last][-1] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise SipParseError(f"malformed header line {line[:80]!r}")
        key = name.strip().lower()
        key = _COMPACT.get(key, key)
        headers.setdefault(key, []).append(value.strip())
        last = key
    return SipResponse(int(parts[1]), parts[2].strip() if len(parts) > 2 else "", headers)


def split_stream(buffer: bytes) -> tuple[bytes, bytes] | None:
    """One whole message from a stream buffer (RFC 3261 §18.3 framing) and the rest.

    Over TCP/TLS messages are delimited by Content-Length only; None means read more.
    """
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buffer[:end]
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"content-length", b"l"):
            length = int(value.strip() or 0)
    total = end + 4 + length
    if len(buffer) < total:
        return None
    return head, buffer[total:]


def _result(
    target: SipEndpoint,
    status: int | None,
    reason: str,
    rtt_ms: float | None,
    soft_limit_ms: int,
) -> ProbeResult:
    return ProbeResult(
        target=target.uri,
        transport=target.transport,
        status_code=status,
        reason=reason,
        rtt_ms=rtt_ms,
        alive=classify(status, rtt_ms, soft_limit_ms),
    )


def _resolve(target: SipEndpoint, kind: socket.SocketKind) -> tuple[int, tuple[str, int]]:
    family, _, _, _, address = socket.getaddrinfo(target.host, target.port, type=kind)[0]
    return family, (str(address[0]), int(address[1]))


def _probe_udp(
    target: SipEndpoint, timeout_s: float, clock: Callable[[], float]
) -> tuple[int | None, str, float | None]:
    family, address = _resolve(target, socket.SOCK_DGRAM)
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect(address)  # so an ICMP port-unreachable surfaces as ConnectionRefused
        local_host, local_port = sock.getsockname()[:2]
        request = build_options_request(target, local_host, local_port)
        started = clock()
        deadline = started + timeout_s
        interval = T1_S
        sock.send(request.text)
        next_send = started + interval
        while True:
            now = clock()
            if now >= deadline:
                return None, f"no answer within {timeout_s:g} s", None
            sock.settimeout(max(0.001, min(deadline, next_send) - now))
            try:
                data = sock.recv(MAX_MESSAGE)
            except TimeoutError:
                if clock() >= next_send:  # retransmit (§17.1.2.2), the same transaction
                    sock.send(request.text)
                    interval = min(interval * 2, T2_S)
                    next_send = clock() + interval
                continue
            head = data.split(b"\r\n\r\n", 1)[0]
            try:
                response = parse_response(head)
            except SipParseError:
                continue
            if not response.answers(request):
                continue  # a stray answer to an earlier, timed-out probe
            if response.status_code < 200:
                interval = T2_S  # provisional: the far end has it, keep it alive at T2
                next_send = clock() + interval
                continue
            return response.status_code, response.reason, (clock() - started) * 1000


def _probe_stream(
    target: SipEndpoint,
    timeout_s: float,
    clock: Callable[[], float],
    ssl_context: ssl.SSLContext | None,
) -> tuple[int | None, str, float | None]:
    _, address = _resolve(target, socket.SOCK_STREAM)
    started = clock()
    deadline = started + timeout_s
    raw = socket.create_connection(address, timeout=timeout_s)
    sock: socket.socket = raw
    try:
        if target.transport == "tls":
            context = ssl_context or ssl.create_default_context()
            sock = context.wrap_socket(raw, server_hostname=target.host)
        local_host, local_port = sock.getsockname()[:2]
        request = build_options_request(target, local_host, local_port)
        sock.settimeout(max(0.001, deadline - clock()))
        sock.sendall(request.text)
        buffer = b""
        while True:
            remaining = deadline - clock()
            if remaining <= 0:
                return None, f"no answer within {timeout_s:g} s", None
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(MAX_MESSAGE)
            except TimeoutError:
                return None, f"no answer within {timeout_s:g} s", None
            if not chunk:
                return None, "connection closed without an answer", None
            buffer += chunk
            while (message := split_stream(buffer)) is not None:
                head, buffer = message
                try:
                    response = parse_response(head)
                except SipParseError:
                    continue
                if response.answers(request) and response.status_code >= 200:
                    return response.status_code, response.reason, (clock() - started) * 1000
    finally:
        sock.close()


def sip_options_probe(
    target: str | SipEndpoint,
    *,
    timeout_s: float,
    soft_limit_ms: int,
    ssl_context: ssl.SSLContext | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ProbeResult:
    """Send one OPTIONS to `target` and classify the answer; never raises.

    `ssl_context` lets tests and private PKIs supply their trust store; by default TLS is
    verified against the system store with the target's host name.
    """
    endpoint = parse_sip_target(target) if isinstance(target, str) else target
    try:
        if endpoint.transport == "udp":
            status, reason, rtt = _probe_udp(endpoint, timeout_s, clock)
        else:
            status, reason, rtt = _probe_stream(endpoint, timeout_s, clock, ssl_context)
    except socket.gaierror as error:
        status, reason, rtt = None, f"cannot resolve {endpoint.host}: {error.strerror}", None
    except ConnectionRefusedError:
        status, reason, rtt = None, "connection refused (nothing listening)", None
    except ssl.SSLError as error:
        status, reason, rtt = None, f"TLS handshake failed: {error.reason or error}", None
    except TimeoutError:
        status, reason, rtt = None, f"no answer within {timeout_s:g} s", None
    except OSError as error:
        status, reason, rtt = None, f"network error: {error.strerror or error}", None
    return _result(endpoint, status, reason, rtt, soft_limit_ms)


def probe_member(member: TrunkGroupMember, group: TrunkGroup) -> ProbeResult:
    """The production probe: SIP OPTIONS to the member's endpoint, with the group's limits."""
    return sip_options_probe(
        member.probe,
        timeout_s=group.thresholds.probe_timeout_s,
        soft_limit_ms=group.thresholds.rtt_soft_limit_ms,
    )
