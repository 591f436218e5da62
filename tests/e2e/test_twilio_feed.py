"""A number bought directly in the Twilio console is routable in Genesys after one feed
poll, reconciled by itself: no full read of either estate (issue #21)."""

from __future__ import annotations

import requests

from tests.e2e.conftest import Running


def test_a_console_purchase_is_routable_after_one_feed_poll_without_a_full_read(
    running: Running,
) -> None:
    started = running.host.fire_timer("twilio_feed_timer")  # the first poll starts the feed
    assert started.ok
    twilio, genesys = running.sandbox.twilio, running.sandbox.genesys
    bought = requests.post(
        f"{twilio.base_url}/__admin/console/IncomingPhoneNumbers",
        json={"area_code": "202", "friendly_name": "Console purchase route:main"},
        timeout=10,
    )
    assert bought.status_code == 201, bought.text
    number = bought.json()["phone_number"]
    twilio.log.clear()
    genesys.log.clear()

    assert running.host.fire_timer("twilio_feed_timer").ok
    running.drain()

    answer = running.call("GET", f"numbers/{number.replace('+', '%2B')}")
    assert answer.status_code == 200, answer.text
    row = answer.json()["number"]
    assert row["status"] == "in sync" and row["ivrs"] == ["Main IVR"], row
    # Neither estate was read whole: no list of every DID pool, no list of every number.
    assert running.whole_estate_reads() == []
    worker = running.worker_runs()
    assert worker and all(run.ok for run in worker)
