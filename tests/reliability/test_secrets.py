"""Secrets: no log record of the whole test run carries an auth token, client secret, API
key or Authorization value.

The watch (tests/support/secret_watch.py) sees every record of the run. This test runs last
(`suite_end`); it first drives the paths most likely to leak — an SDK login, purchases,
webhooks with wrong signatures and keys, a dead-lettered command — so that it judges
something even when run alone, and proves the watch would catch a leak.
"""

from __future__ import annotations

import logging

import pytest

from tests.e2e.conftest import Running
from tests.support.secret_watch import WATCH


@pytest.mark.suite_end
def test_no_log_record_of_the_run_carries_a_secret(running: Running) -> None:
    seen_before = WATCH.records_seen
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

    assert WATCH.violations == [], "\n".join(WATCH.violations[:10])
