"""Children of the sandbox end with the process that started them, however it ends: driven
with a real parent process that the tests kill outright (SIGKILL runs no Python code, so
only the watchdog or the kernel can be what ends the child)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.watchdog import PARENT_PID_ENV
from tests.support.leftovers import command_line, reap, running
from tests.support.wait import wait_until

# A parent that starts `sleep` through `spawn`, registers a folder, reports, then waits.
PARENT = """
import json, os, sys
from pathlib import Path
from sandbox.watchdog import Watchdog, spawn
folder = Path(sys.argv[1]); folder.mkdir(); (folder / "data").write_text("x")
watchdog = Watchdog.current()
watchdog.watch_dir(folder)
child = spawn(["sleep", "600"])
if "release" in sys.argv[2:]:
    watchdog.release_group(child.pid)
if "kill-watchdog" in sys.argv[2:]:
    first = watchdog.pid
    os.kill(first, 9); watchdog.process.wait()
    watchdog.watch_dir(folder.parent / "unused")  # finds it gone: a new one, told everything
    assert watchdog.pid != first
print(json.dumps({"child": child.pid, "watchdog": watchdog.pid}), flush=True)
sys.stdin.read()
"""


class Parent:
    def __init__(self, folder: Path, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", PARENT, str(folder), *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the parent did not start"
        started = json.loads(line)
        self.child: int = started["child"]
        self.watchdog: int = started["watchdog"]

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def parents() -> Iterator[list[Parent]]:
    started: list[Parent] = []
    yield started
    for parent in started:  # whatever a failed test left
        for pid in (parent.child, parent.watchdog):
            if running(pid):
                os.kill(pid, signal.SIGKILL)
            reap(pid)
        if parent.process.poll() is None:
            parent.kill()


def test_a_child_and_its_folder_go_when_the_parent_is_killed(
    parents: list[Parent], tmp_path: Path
) -> None:
    folder = tmp_path / "work"
    parent = Parent(folder)
    parents.append(parent)
    assert running(parent.child) and folder.is_dir()
    # Popen returns once the exec began; the kernel fills in the new command line a moment
    # later (a loaded machine once read it empty), so wait for what is asserted.
    wait_until(
        lambda: command_line(parent.child).startswith("sleep 600"),
        timeout=10,
        what="the child to show its command line",
    )
    assert os.getpgid(parent.child) == parent.child  # a process group of its own
    parent.kill()
    wait_until(lambda: not running(parent.child), timeout=10, what="the child to end")
    wait_until(lambda: not folder.exists(), timeout=10, what="the folder to be removed")
    wait_until(lambda: not running(parent.watchdog), timeout=10, what="the watchdog to exit")


def test_a_released_child_is_left_alone(parents: list[Parent], tmp_path: Path) -> None:
    """Released means stopped and reaped by the parent: its number may belong to another
    process by the time the parent dies, so the watchdog must not signal it."""
    parent = Parent(tmp_path / "work", "release")
    parents.append(parent)
    parent.kill()
    wait_until(lambda: not running(parent.watchdog), timeout=10, what="the watchdog to exit")
    assert running(parent.child)


def test_a_killed_watchdog_is_replaced_and_told_everything_again(
    parents: list[Parent], tmp_path: Path
) -> None:
    folder = tmp_path / "work"
    parent = Parent(folder, "kill-watchdog")
    parents.append(parent)
    parent.kill()
    wait_until(lambda: not running(parent.child), timeout=10, what="the child to end")
    wait_until(lambda: not folder.exists(), timeout=10, what="the folder to be removed")


def test_a_clean_exit_of_the_parent_ends_what_it_forgot_to_stop(
    parents: list[Parent], tmp_path: Path
) -> None:
    folder = tmp_path / "work"
    parent = Parent(folder)
    parents.append(parent)
    assert parent.process.stdin is not None
    parent.process.stdin.close()  # the script returns: a normal interpreter exit
    assert parent.process.wait(timeout=20) == 0
    assert not running(parent.child) and not folder.exists()


# A child arming die_with_parent; the parent reports its pid and waits.
ARMED_CHILD = """
import signal, sys
from sandbox.watchdog import die_with_parent
assert die_with_parent(signal.SIGKILL)
print("armed", flush=True)
sys.stdin.read()
"""
MIDDLE = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE,
                         stdin=subprocess.PIPE, text=True)
assert child.stdout.readline() == "armed\\n"
print(child.pid, flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_die_with_parent_ends_the_child_when_its_parent_is_killed() -> None:
    middle = subprocess.Popen(
        [sys.executable, "-c", MIDDLE, ARMED_CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert middle.stdout is not None
    child = int(middle.stdout.readline())
    try:
        assert running(child)
        middle.kill()
        middle.wait(timeout=10)
        wait_until(lambda: not running(child), timeout=10, what="the armed child to end")
    finally:
        if running(child):
            os.kill(child, signal.SIGKILL)
        reap(child)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_die_with_parent_exits_at_once_if_the_parent_is_already_gone() -> None:
    """`spawn` names the parent; a child that finds another parent was orphaned before it
    could arm the signal, which would then never come."""
    armed = "from sandbox.watchdog import die_with_parent; die_with_parent(); print('alive')"
    gone = subprocess.run(
        [sys.executable, "-c", armed],
        env={**os.environ, PARENT_PID_ENV: "1"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert gone.returncode == 128 + signal.SIGTERM and gone.stdout == ""
    mine = subprocess.run(
        [sys.executable, "-c", armed],
        env={**os.environ, PARENT_PID_ENV: str(os.getpid())},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert mine.returncode == 0 and mine.stdout == "alive\n"
