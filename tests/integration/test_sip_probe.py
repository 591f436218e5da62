"""The SIP OPTIONS probe against real SIP stacks: sipp as a UAS over UDP and TCP, a TLS
endpoint with minted certificates, and a bare UDP socket for retransmission timing.

sipp comes from the Debian package `sip-tester`, which `make test-deps` installs; without
it these tests fail (not skip), because the probe would otherwise go untested in CI.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sandbox.sbc import options_reply
from shared.adapters.sip_probe import T1_S, sip_options_probe
from tests.support.sip_tls import TlsSipServer
from tests.support.tls import issue, write_chain
from tests.support.wait import wait_until

SCENARIOS = Path(__file__).resolve().parents[1] / "sipp"
SOFT_LIMIT_MS = 800


def _sipp() -> str:
    found = shutil.which("sipp")
    if found is None:
        pytest.fail("sipp is not installed: run `make test-deps` (Debian package sip-tester)")
    return found


def _free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int, transport: str) -> bool:
    """Whether something has bound `port` (read from /proc, so nothing is sent to it)."""
    table = Path("/proc/net/udp" if transport == "udp" else "/proc/net/tcp")
    wanted = f":{port:04X}"
    for line in table.read_text().splitlines()[1:]:
        local = line.split()[1]
        if local.endswith(wanted):
            return True
    return False


@contextmanager
def sipp_uas(scenario: str, port: int, transport: str, workdir: Path) -> Iterator[None]:
    """sipp answering on 127.0.0.1:`port` with `tests/sipp/<scenario>.xml`."""
    process = subprocess.Popen(
        [
            _sipp(),
            "-sf",
            str(SCENARIOS / f"{scenario}.xml"),
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-t",
            "u1" if transport == "udp" else "t1",
            "-cp",
            str(_free_port(socket.SOCK_DGRAM)),
            "-nostdin",
        ],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def listening() -> bool:
        if _listening(port, transport):
            return True
        if process.poll() is not None:
            assert process.stderr is not None
            pytest.fail(f"sipp exited: {process.stderr.read().decode()[-2000:]}")
        return False

    try:
        wait_until(listening, timeout=10, what=f"sipp to listen on {transport}/{port}")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_probe_follows_a_uas_that_answers_200_then_503_then_nothing(
    transport: str, tmp_path: Path
) -> None:
    kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    port = _free_port(kind)
    target = f"sip:127.0.0.1:{port};transport={transport}"

    with sipp_uas("uas_200", port, transport, tmp_path):
        up = sip_options_probe(target, timeout_s=2, soft_limit_ms=SOFT_LIMIT_MS)
    assert (up.status_code, up.alive) == (200, True)
    assert up.rtt_ms is not None and up.rtt_ms < SOFT_LIMIT_MS
    assert up.detail.startswith("200 OK in ")

    with sipp_uas("uas_503", port, transport, tmp_path):
        overloaded = sip_options_probe(target, timeout_s=2, soft_limit_ms=SOFT_LIMIT_MS)
    assert (overloaded.status_code, overloaded.alive) == (503, False)
    assert overloaded.detail.endswith("(counts as failed)")

    with sipp_uas("uas_silent", port, transport, tmp_path):
        started = time.monotonic()
        silent = sip_options_probe(target, timeout_s=1.5, soft_limit_ms=SOFT_LIMIT_MS)
        waited = time.monotonic() - started
    assert (silent.status_code, silent.alive) == (None, False)
    assert silent.reason == "no answer within 1.5 s"
    assert waited < 3  # the timeout bounds the probe


def test_an_answer_slower_than_the_soft_limit_counts_as_failed(tmp_path: Path) -> None:
    port = _free_port(socket.SOCK_DGRAM)
    with sipp_uas("uas_slow", port, "udp", tmp_path):
        slow = sip_options_probe(f"sip:127.0.0.1:{port}", timeout_s=2, soft_limit_ms=100)
    assert slow.status_code == 200
    assert slow.rtt_ms is not None and slow.rtt_ms >= 250
    assert not slow.alive


def test_nothing_listening_is_a_failure_not_an_exception() -> None:
    udp = sip_options_probe(
        f"sip:127.0.0.1:{_free_port(socket.SOCK_DGRAM)}", timeout_s=1, soft_limit_ms=SOFT_LIMIT_MS
    )
    tcp = sip_options_probe(
        f"sip:127.0.0.1:{_free_port(socket.SOCK_STREAM)};transport=tcp",
        timeout_s=1,
        soft_limit_ms=SOFT_LIMIT_MS,
    )
    assert not udp.alive and not tcp.alive
    assert "refused" in tcp.reason


def test_udp_requests_are_retransmitted_until_answered() -> None:
    """RFC 3261 timer E: a lost datagram is resent after T1, so one loss is not a failure."""
    received: list[float] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as lossy:
        lossy.bind(("127.0.0.1", 0))
        lossy.settimeout(3)

        def serve() -> None:
            for _ in range(2):
                data, peer = lossy.recvfrom(65535)
                received.append(time.monotonic())
                if len(received) == 2:  # the first copy is "lost"
                    reply = options_reply(data, "200 OK")
                    assert reply is not None
                    lossy.sendto(reply, peer)

        server = threading.Thread(target=serve)
        server.start()
        result = sip_options_probe(
            f"sip:127.0.0.1:{lossy.getsockname()[1]}", timeout_s=3, soft_limit_ms=SOFT_LIMIT_MS
        )
        server.join()
    assert result.status_code == 200
    assert received[1] - received[0] >= T1_S * 0.9


def _tls_context(ca_pem: bytes) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.load_verify_locations(cadata=ca_pem.decode())
    return context


def test_tls_probe_verifies_the_endpoint_certificate(tmp_path: Path) -> None:
    root = issue("byoc-sync test root", ca=True)
    intermediate = issue("byoc-sync test intermediate", issuer=root, ca=True)
    leaf = issue("sbc.test", issuer=intermediate, hosts=("127.0.0.1",))
    cert_file, key_file = write_chain(tmp_path, leaf, intermediate)

    with TlsSipServer(cert_file, key_file) as server:
        target = f"sips:127.0.0.1:{server.port}"
        trusted = sip_options_probe(
            target, timeout_s=2, soft_limit_ms=SOFT_LIMIT_MS, ssl_context=_tls_context(root.pem())
        )
        untrusted = sip_options_probe(target, timeout_s=2, soft_limit_ms=SOFT_LIMIT_MS)
    assert (trusted.transport, trusted.status_code, trusted.alive) == ("tls", 200, True)
    assert not untrusted.alive
    assert untrusted.reason.startswith("TLS handshake failed: CERTIFICATE_VERIFY_FAILED")
