"""A SIP-over-TLS endpoint answering OPTIONS, for probing TLS members.

The Debian build of sipp has no TLS transport, so TLS probes are tested against this
small server on Python's `ssl` with certificates minted by `tls.py`.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from pathlib import Path

from sandbox.sbc import options_reply


class TlsSipServer:
    def __init__(self, cert_file: Path, key_file: Path, status: str = "200 OK") -> None:
        self.status = status
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert_file, key_file)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.handshake_errors: list[str] = []

    def __enter__(self) -> TlsSipServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self._listener.accept()
            except TimeoutError:
                continue
            with contextlib.closing(raw):
                raw.settimeout(2)
                try:
                    with self._context.wrap_socket(raw, server_side=True) as tls:
                        data = b""
                        while b"\r\n\r\n" not in data:
                            chunk = tls.recv(65535)
                            if not chunk:
                                break
                            data += chunk
                        reply = options_reply(data, self.status)
                        if reply is not None:
                            tls.sendall(reply)
                except (ssl.SSLError, OSError) as error:
                    self.handshake_errors.append(str(error))
