"""A hand edit of an IVR in Genesys is repaired through the audit feed, for the numbers the
edit touched alone: no full read of either estate (issue #21)."""

from __future__ import annotations

import requests

from tests.e2e.conftest import EDGES, Running
from tests.support.wait import wait_until

NUMBER = "+12025550101"


def _main_ivr_dnis(running: Running) -> list[str]:
    state = running.sandbox.genesys.snapshot()
    (main,) = [i for i in state["ivrs"] if i["name"] == "Main IVR"]
    dnis: list[str] = main["dnis"]
    return dnis


def test_a_number_removed_from_an_ivr_by_hand_is_put_back_after_one_feed_poll(
    running: Running,
) -> None:
    assert running.host.fire_timer("genesys_audit_feed_timer").ok  # starts the feed
    genesys, twilio = running.sandbox.genesys, running.sandbox.twilio
    edited = requests.post(
        f"{genesys.base_url}/__admin/console/ivrs/Main IVR", json={"remove": [NUMBER]}, timeout=10
    )
    assert edited.status_code == 200, edited.text
    assert NUMBER not in _main_ivr_dnis(running)
    # Genesys indexes audits after a delay (the emulator's audit_delay_s): poll once it
    # answers the edit, as a later poll would.
    wait_until(lambda: genesys.audits.visible(), timeout=30, what="the edit's audit entry")
    genesys.log.clear()
    twilio.log.clear()

    assert running.host.fire_timer("genesys_audit_feed_timer").ok
    running.drain()

    assert NUMBER in _main_ivr_dnis(running)
    worker = running.worker_runs()
    assert worker and all(run.ok for run in worker)
    # IVRs are listed (a small collection, cached briefly); DID pools and numbers are not.
    assert running.whole_estate_reads() == []


def test_byoc_syncs_own_writes_are_not_fed_back(running: Running) -> None:
    assert running.host.fire_timer("genesys_audit_feed_timer").ok
    genesys = running.sandbox.genesys
    # A purchase writes an IVR's DNIS as byoc-sync's own OAuth client.
    bought = running.call("POST", "numbers", json={"route": "main", "area_code": "202"})
    assert bought.status_code == 202, bought.text
    running.drain()
    wait_until(
        lambda: [e for e in genesys.audits.visible() if e.entity_type == "IVR"],
        timeout=30,
        what="the purchase's audit of the IVR",
    )
    before = len(running.worker_runs())

    assert running.host.fire_timer("genesys_audit_feed_timer").ok
    running.drain()

    assert len(running.worker_runs()) == before  # nothing queued for our own changes


def test_an_ivr_named_without_its_numbers_is_reconciled_without_the_genesys_estate(
    running: Running,
) -> None:
    """An audit event naming an IVR but not the numbers changed (no propertyChanges) asks
    for every number of that IVR: found from Twilio's numbers and the few IVRs, then each
    read alone — no list of every DID pool."""
    genesys = running.sandbox.genesys
    main = next(i for i in genesys.snapshot()["ivrs"] if i["name"] == "Main IVR")
    edited = requests.post(
        f"{genesys.base_url}/__admin/console/ivrs/Main IVR", json={"remove": [NUMBER]}, timeout=10
    )
    assert edited.status_code == 200, edited.text
    genesys.log.clear()
    topic = f"v2.audits.entitytype.IVR.entityid.{main['id']}"
    body = {"topicName": topic, "eventBody": {"entity": {"id": main["id"], "name": "Main IVR"}}}
    answer = running.call(
        "POST",
        "genesys/events",
        key=False,
        json=body,
        headers={"X-API-Key": running.sandbox.genesys_event_key},
    )
    assert answer.status_code == 202, answer.text
    running.drain()

    assert NUMBER in _main_ivr_dnis(running)
    assert [e for e in genesys.log.entries() if e.endpoint == f"GET {EDGES}/didpools"] == []
