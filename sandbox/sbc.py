"""Stand-ins for the carriers' / customer's SBCs that byoc-sync pings with SIP OPTIONS.

The policy's probe targets are real hostnames; in the sandbox each trunk-group member gets a
UDP SIP endpoint on loopback instead (the runner rewrites the probe URIs of the policy the
local host uses). An endpoint answers `200 OK` while its Genesys trunk is up in the Genesys
emulator and stays silent while it is down, as an SBC behind a dead path would, so taking a
trunk down with the emulator's admin API makes both byoc-sync probes fail together.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable


def options_reply(request: bytes, status: str) -> bytes | None:
    """A final response echoing the request's dialog headers (RFC 3261 §8.2.6)."""
    try:
        head = request.decode("utf-8", "replace").split("\r\n\r\n", 1)[0]
    except UnicodeDecodeError:  # pragma: no cover - decode uses replace
        return None
    lines = head.split("\r\n")
    if not lines or not lines[0].startswith("OPTIONS "):
        return None
    keep = ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")
    echoed = [line for line in lines[1:] if line.split(":", 1)[0].strip().lower() in keep]
    echoed = [
        f"{line};tag=sbc" if line.lower().startswith(("to:", "t:")) and "tag=" not in line else line
        for line in echoed
    ]
    return ("\r\n".join([f"SIP/2.0 {status}", *echoed, "Content-Length: 0"]) + "\r\n\r\n").encode()


class SbcEndpoint:
    """One UDP SIP endpoint; `is_up` is asked on every OPTIONS."""

    def __init__(self, name: str, is_up: Callable[[], bool], host: str = "127.0.0.1") -> None:
        self.name = name
        self.is_up = is_up
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, 0))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"sbc-{name}", daemon=True)
        self.answered = 0

    @property
    def uri(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"sip:{host}:{port};transport=udp"

    def start(self) -> SbcEndpoint:
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.is_up():
                continue  # a dead path: no answer at all
            reply = options_reply(data, "200 OK")
            if reply is not None:
                self._sock.sendto(reply, peer)
                self.answered += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()
