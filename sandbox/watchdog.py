"""Child processes of the sandbox end with the process that started them, however it ends.

A child the sandbox starts (Azurite) runs in a process group of its own, so a terminal's
Ctrl-C meant for its parent does not cut it short mid-flush and it can be stopped as one
group; its parent stops it on the way out. That misses every ending that runs no Python
code: SIGKILL, a crash of the interpreter, a signal nobody handles. For those, a process
that starts children also starts one watchdog: a small stdlib-only Python process (in a
session of its own, so no signal aimed at the parent's group reaches it) reading a pipe
whose write end only the parent holds. The kernel closes that pipe when the parent ends,
whatever the cause; the watchdog reads end-of-file, kills every process group still
registered, waits for them to go, removes the registered directories and exits. A parent
that stops its children itself releases them first, so nothing is signalled twice.

The messages, one line each, handled in order: `+group PGID`, `-group PGID`, `+dir PATH`,
`-dir PATH`. In order matters: a group released before the parent died is never signalled,
even if its number was reused since.

For a process that is itself the child (the host process), `die_with_parent` asks Linux to
signal it when its parent ends (`prctl(PR_SET_PDEATHSIG)`).

    python -I -S sandbox/watchdog.py    (what `Watchdog` runs; never by hand)
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, ClassVar

# Set by `spawn` in each child's environment: the pid of the process that started it, so a
# child arming `die_with_parent` can tell whether that parent is already gone.
PARENT_PID_ENV = "BYOC_SANDBOX_PARENT_PID"
# How long the watchdog waits for killed groups to be gone before removing directories.
GROUP_EXIT_WAIT_S = 5.0
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


# --- the watchdog process --------------------------------------------------------------------


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs. A killed child whose parent has not
    reaped it yet is a zombie, still in its group for `kill(0)`; /proc tells them apart."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone while we looked
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def _watch(lines: IO[bytes]) -> None:
    groups: set[int] = set()
    dirs: dict[str, None] = {}  # insertion-ordered set
    for raw in lines:  # blocks until the parent writes or ends
        verb, _, argument = raw.decode("utf-8", "surrogateescape").rstrip("\n").partition(" ")
        if verb == "+group":
            groups.add(int(argument))
        elif verb == "-group":
            groups.discard(int(argument))
        elif verb == "+dir":
            dirs[argument] = None
        elif verb == "-dir":
            dirs.pop(argument, None)
    # End of file: the parent has ended. Its children must not outlive it.
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    deadline = time.monotonic() + GROUP_EXIT_WAIT_S
    while any(_group_alive(pgid) for pgid in groups) and time.monotonic() < deadline:
        time.sleep(0.02)
    for directory in dirs:
        shutil.rmtree(directory, ignore_errors=True)


def _main() -> int:
    # In a session of its own no terminal signal reaches it; SIGINT is ignored besides, so
    # that only the parent's end (end-of-file) stops it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch(sys.stdin.buffer)
    return 0


# --- the parent's side -----------------------------------------------------------------------


class Watchdog:
    """This process's watchdog: started on first use, one per process (a forked child gets
    its own), and told about every child group and directory that must not outlive us."""

    _current: ClassVar[Watchdog | None] = None
    _class_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.groups: set[int] = set()
        self.dirs: set[str] = set()
        self._lock = threading.Lock()
        self.process = self._start()

    @classmethod
    def current(cls) -> Watchdog:
        with cls._class_lock:
            if cls._current is None or cls._current.owner != os.getpid():
                cls._current = Watchdog()
                atexit.register(cls._current.close)
            return cls._current

    @classmethod
    def running(cls) -> Watchdog | None:
        """This process's watchdog if it has one (without starting it)."""
        found = cls._current
        return found if found is not None and found.owner == os.getpid() else None

    @staticmethod
    def _start() -> subprocess.Popen[bytes]:
        # -I -S: stdlib only, no site-packages, no environment: it starts in milliseconds
        # and nothing of the parent's configuration can change what it does.
        return subprocess.Popen(
            [sys.executable, "-I", "-S", str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def _send(self, line: str) -> None:
        """Write one message (the caller holds `_lock`); a watchdog somebody killed is
        replaced by a new one, told everything registered again."""
        for attempt in range(2):
            stdin = self.process.stdin
            assert stdin is not None
            try:
                stdin.write(line.encode("utf-8", "surrogateescape") + b"\n")
                stdin.flush()
                return
            except (BrokenPipeError, ValueError):
                if attempt:
                    raise
                self._restart()

    def _restart(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.wait()
        self.process = self._start()
        stdin = self.process.stdin
        assert stdin is not None
        for pgid in self.groups:
            stdin.write(f"+group {pgid}\n".encode())
        for directory in self.dirs:
            stdin.write(f"+dir {directory}\n".encode("utf-8", "surrogateescape"))
        stdin.flush()

    def watch_group(self, pgid: int) -> None:
        with self._lock:
            self.groups.add(pgid)
            self._send(f"+group {pgid}")

    def release_group(self, pgid: int) -> None:
        """After the group is stopped and reaped: the watchdog must never signal it again."""
        with self._lock:
            self.groups.discard(pgid)
            self._send(f"-group {pgid}")

    def watch_dir(self, path: Path | str) -> None:
        with self._lock:
            self.dirs.add(str(path))
            self._send(f"+dir {path}")

    def release_dir(self, path: Path | str) -> None:
        with self._lock:
            self.dirs.discard(str(path))
            self._send(f"-dir {path}")

    def close(self, timeout: float = 10.0) -> None:
        """End the watchdog now, as the end of this process would: whatever is still
        registered is killed and removed. Runs at interpreter exit; safe to call twice."""
        if self.owner != os.getpid():
            return  # a forked child's copy: the watchdog belongs to the parent
        with self._lock:
            if self.process.stdin is not None and not self.process.stdin.closed:
                with contextlib.suppress(OSError):
                    self.process.stdin.close()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with Watchdog._class_lock:
            if Watchdog._current is self:
                Watchdog._current = None


def release_group(pgid: int) -> None:
    """Tell this process's watchdog, if it runs, that a child group was stopped and reaped."""
    watchdog = Watchdog.running()
    if watchdog is not None:
        watchdog.release_group(pgid)


def release_dir(path: Path | str) -> None:
    """Tell this process's watchdog, if it runs, that a directory was removed (or kept)."""
    watchdog = Watchdog.running()
    if watchdog is not None:
        watchdog.release_dir(path)


def spawn(
    args: Sequence[str],
    *,
    stdout: int | IO[bytes] | None = None,
    stderr: int | IO[bytes] | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start a child in a process group of its own, registered with this process's watchdog.
    Call `release_group(child.pid)` once it is stopped and reaped."""
    watchdog = Watchdog.current()
    child = subprocess.Popen(
        args,
        stdout=stdout,
        stderr=stderr,
        env={**(os.environ if env is None else env), PARENT_PID_ENV: str(os.getpid())},
        process_group=0,
    )
    watchdog.watch_group(child.pid)
    return child


def die_with_parent(signum: int = signal.SIGTERM) -> bool:
    """Have Linux send `signum` to this process when the thread that started it ends (its
    parent process, unless that started it from a thread that ends first). Returns False
    where the kernel offers no such thing. If `spawn` started this process and that parent
    is already gone, exits at once: the signal would never come."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        return False
    expected = os.environ.get(PARENT_PID_ENV)
    if expected is not None and expected.isdigit() and os.getppid() != int(expected):
        os._exit(128 + signum)  # orphaned before we could ask: as if the signal came
    return True


if __name__ == "__main__":
    sys.exit(_main())
