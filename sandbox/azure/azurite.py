"""Azurite's Table service for the sandbox: where the local host keeps trunk-group health.

In Azure the Function App keeps that state in its own storage account; here Azurite (from
npm, installed into `.tools/` by `make test-deps` / `make demo`) plays the account, on a
free loopback port, with its data in a directory that outlives a restart of the local host.

Azurite is a child process (Node): started through `sandbox.watchdog.spawn`, so it runs in a
process group of its own and ends with the process that started it even when that process
is killed outright.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.lifecycle import Service
from sandbox.watchdog import release_group, spawn
from shared.adapters.table_store import development_connection_string

REPO_ROOT = Path(__file__).resolve().parents[2]
AZURITE_TABLE = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "azurite-table"


class AzuriteNotInstalledError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Azurite(Service):
    location: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(init=False, default=None)

    @property
    def connection_string(self) -> str:
        return development_connection_string(self.port)

    def start(self, timeout_s: float = 30.0) -> Azurite:
        binary = AZURITE_TABLE if AZURITE_TABLE.exists() else shutil.which("azurite-table")
        if binary is None:
            raise AzuriteNotInstalledError(
                "Azurite not installed: run `make test-deps` (npm install into .tools/)"
            )
        self.location.mkdir(parents=True, exist_ok=True)
        self.port = self.port or _free_port()
        self.process = spawn(
            [
                str(binary),
                "--tableHost",
                "127.0.0.1",
                "--tablePort",
                str(self.port),
                "--location",
                str(self.location),
                "--silent",
                "--skipApiVersionCheck",
                "--loose",
                "--disableTelemetry",  # no calls home (and no wait for them at exit)
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                release_group(self.process.pid)
                raise RuntimeError(f"Azurite exited ({self.process.returncode}): {error}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Azurite did not listen on port {self.port} within {timeout_s} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            # SIGINT is Azurite's graceful shutdown: it flushes its LokiJS database to
            # `location` (SIGTERM loses up to its 5 s autosave interval of writes).
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):  # the group: nothing stays
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        release_group(process.pid)  # reaped: the watchdog must never signal that number
        if process.stderr is not None:
            process.stderr.close()
