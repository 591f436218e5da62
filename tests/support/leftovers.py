"""No process of the run outlives it: the pytest plugin that fails a run leaving one behind,
and the /proc readings the process tests use.

A leftover Azurite (or `sandbox serve`, or host process) keeps its port, its memory and its
temp folder; on a shared CI machine they pile up run after run. So the run is judged, like
the secret watch (tests/support/secret_watch.py), after its last test:

- Each process that runs tests (an xdist worker, or the only process) lists, at its session
  end, what it started and never stopped: process groups its sandbox watchdog still holds
  (sandbox/watchdog.py) and child processes still running (the watchdog itself apart). It
  hands them to the controller (`workeroutput`), then ends them, so they cannot pile up.
- The process that reports the run (the controller, or the only process) makes itself a
  child subreaper (Linux `prctl(PR_SET_CHILD_SUBREAPER)`) when it starts: whatever is
  orphaned anywhere below it (Azurite after its `sandbox serve` was SIGKILLed, say) is
  re-parented to it rather than to init. Once every worker has exited, whatever still runs
  below it is a leftover of this run, and only of this run: other runs in the same checkout
  are not below it. It waits a little for them to go (the watchdogs of exited workers are
  still cleaning up), reports and ends the rest.

Any leftover fails the run (exit status 1, a "leftover processes" section in the summary).
Reads /proc: on a system without it, the check says so in the summary and judges nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox.watchdog import Watchdog

PROC = Path("/proc")
PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
WORKER_OUTPUT = "leftover_processes"
FROM_WORKERS = pytest.StashKey[list[str]]()
JUDGED = pytest.StashKey[list[str]]()
# How long the reporting process lets the last processes of the run finish ending.
SETTLE_S = 10.0


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgid: int
    state: str  # Z: a zombie, ended but not yet reaped by its parent

    @property
    def running(self) -> bool:
        return self.state not in ("Z", "X")


def can_check() -> bool:
    return (PROC / "self" / "stat").exists()


def read_proc(pid: int) -> Proc | None:
    """The process as /proc has it, or None once it has gone (reaped)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
    fields = stat.rpartition(")")[2].split()
    return Proc(pid, int(fields[1]), int(fields[2]), fields[0])


def all_processes() -> list[Proc]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (proc := read_proc(int(entry.name))) is not None:
            found.append(proc)
    return found


def descendants(root: int) -> list[Proc]:
    """Every process below `root` now, zombies included."""
    children: dict[int, list[Proc]] = {}
    for proc in all_processes():
        children.setdefault(proc.ppid, []).append(proc)
    found: list[Proc] = []
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child.pid)
    return found


def running(pid: int) -> bool:
    """Whether the process still runs (a zombie has ended: it only waits to be reaped)."""
    proc = read_proc(pid)
    return proc is not None and proc.running


def command_line(pid: int, limit: int = 160) -> str:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()[:limit]


def reap(pid: int) -> None:
    """Collect a zombie child's exit status, if it is ours to collect."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)


def _running_below(root: int, exclude: set[int]) -> list[Proc]:
    below = [p for p in descendants(root) if p.pid not in exclude]
    for proc in below:
        if not proc.running and proc.ppid == root:
            reap(proc.pid)  # an orphan re-parented to us that has since ended
    return [p for p in below if p.running]


def _describe(procs: list[Proc]) -> list[str]:
    return [f"pid {p.pid}: {command_line(p.pid)}" for p in procs]


def _end(procs: list[Proc]) -> None:
    for proc in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(proc.pid, signal.SIGKILL)
    for proc in procs:
        reap(proc.pid)


# --- the plugin ---------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.stash[FROM_WORKERS] = []
    if not hasattr(config, "workerinput") and can_check():
        _become_subreaper()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Controller side (pytest-xdist): collect what a finished worker left behind."""
    output = getattr(node, "workeroutput", None) or {}
    node.config.stash[FROM_WORKERS].extend(output.get(WORKER_OUTPUT, []))


def _settled_below(exclude: set[int]) -> list[Proc]:
    """What still runs below this process once the run had a moment to finish ending it:
    a `sandbox serve` killed by the last test leaves its watchdog a few milliseconds of
    work (ending Azurite, removing its folder)."""
    root = os.getpid()
    deadline = time.monotonic() + SETTLE_S
    procs = _running_below(root, exclude)
    while procs and time.monotonic() < deadline:
        time.sleep(0.05)
        procs = _running_below(root, exclude)
    return procs


def _own_leftovers() -> list[str]:
    """What this process started and never stopped (ended here once listed)."""
    watchdog = Watchdog.running()
    exclude = {os.getpid()} | ({watchdog.pid} if watchdog is not None else set())
    procs = _settled_below(exclude)
    found = _describe(procs)
    if watchdog is not None:
        listed = {p.pgid for p in procs}
        found += [
            f"process group {g} (a sandbox child never stopped)"
            for g in sorted(watchdog.groups - listed)
        ]
        found += [f"folder {d} (a sandbox temp folder never removed)" for d in watchdog.dirs]
        watchdog.close()  # kills what it still holds, removes the folders
    _end(procs)
    return found


def _run_leftovers() -> list[str]:
    """Reporting process, after every worker has gone: whatever still runs below it."""
    procs = _settled_below({os.getpid()})
    found = _describe(procs)
    _end(procs)
    return found


@pytest.hookimpl(wrapper=True, trylast=True)  # innermost: after xdist has stopped the workers
def pytest_sessionfinish(session: pytest.Session) -> Any:
    result = yield
    if not can_check():
        return result
    config = session.config
    worker_output = getattr(config, "workeroutput", None)
    own = _own_leftovers()
    if worker_output is not None:  # an xdist worker: the controller judges
        worker_output[WORKER_OUTPUT] = own
        return result
    leftovers = own + config.stash.get(FROM_WORKERS, []) + _run_leftovers()
    config.stash[JUDGED] = leftovers
    if leftovers and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    return result


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if not can_check() and not hasattr(config, "workerinput"):
        terminalreporter.line("leftover processes: not checked (no /proc on this system)")
        return
    leftovers = config.stash.get(JUDGED, [])
    if not leftovers:
        return
    terminalreporter.section("leftover processes", sep="=", red=True, bold=True)
    terminalreporter.line(
        f"FAILED: the run left {len(leftovers)} process(es) or folder(s) behind (now ended):",
        red=True,
    )
    for leftover in leftovers[:20]:
        terminalreporter.line(f"  {leftover}")
