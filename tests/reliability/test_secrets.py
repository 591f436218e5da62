"""Secrets: no log record of the whole test run carries an auth token, client secret, API
key or Authorization value.

The watch (tests/support/secret_watch.py) sees every record of every process of the run
and judges them after the last test has finished (in all pytest-xdist workers): a secret in
any record fails the run. The tests here drive the paths most likely to leak — an SDK
login, purchases, webhooks with wrong signatures and keys, a dead-lettered command — so
that the watch judges something even when they run alone, and prove that it would catch a
leak: in this process, and in a whole run, with and without `-n`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.emulators.twilio.scenario import DEFAULT_AUTH_TOKEN
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import Running
from tests.support.secret_watch import WATCH


def test_the_leak_prone_paths_log_no_secret(running: Running) -> None:
    seen_before, violations_before = WATCH.records_seen, len(WATCH.violations)
    answer = running.call("POST", "numbers", json={"route": "main", "area_code": "202"})
    assert answer.status_code == 202
    bad_key = running.call(
        "POST", "genesys/events", key=False, json={}, headers={"X-API-Key": "x" * 24}
    )
    bad_signature = running.call(
        "POST",
        "twilio/events",
        key=False,
        data={"a": "b"},
        headers={"X-Twilio-Signature": "y" * 28},
    )
    no_function_key = running.call("GET", "numbers/%2B12025550100", key=False)
    refused = (bad_key.status_code, bad_signature.status_code, no_function_key.status_code)
    assert refused == (403, 403, 401)
    running.drain()
    assert WATCH.records_seen > seen_before  # the paths above were logged and watched

    # The watch catches a leak (then forgets this deliberate one).
    before = len(WATCH.violations)
    secret = running.sandbox.client_settings()["GENESYSCLOUD_OAUTHCLIENT_SECRET"]
    WATCH.extra.add(secret)
    logging.getLogger("byoc_sync.test").warning("oops %s", secret)
    WATCH.extra.discard(secret)
    assert len(WATCH.violations) == before + 1 and "«secret»" in WATCH.violations[-1]
    del WATCH.violations[-1]

    new = WATCH.violations[violations_before:]
    assert new == [], "\n".join(new[:10])


PLANTED = f'''
import logging


def test_logs_a_secret():
    logging.getLogger("byoc_sync.planted").warning("token %s", "{DEFAULT_AUTH_TOKEN}")


def test_logs_nothing():
    pass
'''


@pytest.mark.parametrize(
    "workers",
    [pytest.param([], id="serial"), pytest.param(["-n", "2"], id="xdist", marks=pytest.mark.slow)],
)
def test_a_leak_in_any_test_fails_the_whole_run(workers: list[str], tmp_path: Path) -> None:
    """A run of two passing tests, one of which logs a secret, exits 1 and says why."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_planted.py").write_text(PLANTED)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    plugins = ["-p", "tests.support.secret_watch", "-p", "no:cacheprovider"]
    config = ["-c", str(tmp_path / "pytest.ini")]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugins, *config, *workers, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env=env,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "2 passed" in out and "secret watch" in out, out
    assert "byoc_sync.planted: token «secret»" in out and DEFAULT_AUTH_TOKEN not in out, out
