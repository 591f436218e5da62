"""Twilio alerts through the local host: an origination error evaluates the trunk group, a
termination error is only counted (and the audit reports it), a call event reconciles
nothing, and a request signed with a Webhook SharedKey is checked with that key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator
from typer.testing import CliRunner

from cli.main import app as cli
from sandbox.runner import HostOptions, Sandbox
from sandbox.scenario import load_scenario
from shared.adapters.table_store import TableStateStore, table_client
from shared.audit import carrier_alerts
from shared.audit.carrier_alerts import TrunkAlerts
from shared.settings import HostStorageConnection, Settings
from tests.e2e.conftest import MAX_DELIVERIES, Running
from tests.e2e.test_events import post, signed_form, signed_json, trunk_sid
from tests.support.secret_watch import WATCH
from tests.support.wait import wait_until

ERROR_LOGGED = "com.twilio.error-logs.error.logged"


def error_logged(event_id: str, code: str, trunk: str) -> dict[str, Any]:
    """An Event Streams error-logs event (data.error_code a string), naming the trunk."""
    return {
        "specversion": "1.0",
        "type": ERROR_LOGGED,
        "source": "/v1/Alerts",
        "id": event_id,
        "dataschema": "https://events-schemas.twilio.com/ErrorLogs.Error/2",
        "data": {
            "error_code": code,
            "level": "ERROR",
            "resource_sid": "CA" + "1" * 32,
            "more_info": {"trunk_sid": trunk},
        },
    }


def alerts_table(running: Running) -> TableStateStore:
    """The state table partition the host counts alerts in, read as the audit reads it."""
    connection = running.sandbox.host_settings()["AzureWebJobsStorage"]
    storage = HostStorageConnection.model_validate({"AzureWebJobsStorage": connection})
    table = Settings().byoc_health_table
    return TableStateStore(table_client(storage, table), carrier_alerts.PARTITION)


def counted(store: TableStateStore, trunk: str) -> dict[int, int]:
    stored = store.load(trunk)
    if stored is None:
        return {}
    record = TrunkAlerts.model_validate(stored.data)
    return {c.code: c.count for c in record.codes.values()}


def test_a_termination_alert_is_counted_and_an_origination_alert_evaluates(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    trunk = trunk_sid(running)
    store = alerts_table(running)

    # 32205 (geographic permissions) and 32001 (calls per second): the carrier refused
    # outbound calls; the other member would be refused the same way. Nothing is queued.
    batch = [error_logged("NO" + "5" * 32, "32205", trunk), error_logged("NO6", "32001", trunk)]
    for _ in range(2):  # Event Streams delivers at least once: the retry is counted once
        answer = post(running, *signed_json(running, batch))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["queued"] == []
        assert [(o["code"], o["twilio_trunk_sid"], o["recorded"]) for o in body["observed"]] == [
            (32205, trunk, True),
            (32001, trunk, True),
        ]
    assert wait_until(
        lambda: counted(store, trunk) == {32205: 1, 32001: 1},
        timeout=10,
        what="the alerts counted once each",
    )
    running.drain()
    assert running.worker_runs() == []

    # 32011 for the same trunk: an origination URI did not answer → evaluate its group.
    answer = post(running, *signed_json(running, [error_logged("NO7", "32011", trunk)]))
    assert answer.status_code == 202, answer.text
    assert [q["type"] for q in answer.json()["queued"]] == ["evaluate_trunk_group"]
    running.drain()
    (run,) = running.worker_runs()
    assert run.ok and "session trunk:" in run.detail
    assert counted(store, trunk) == {32205: 1, 32001: 1}  # an origination error is not counted

    # `byoc-sync audit` reads the counts from the same table: carrier-side findings.
    for name, value in {
        **running.sandbox.client_settings(),
        **running.sandbox.host_endpoints(),
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["audit", "--json", "--rule", "carrier-side"])
    assert result.exit_code == 2, result.output
    findings = json.loads(result.stdout)["findings"]
    alerts = sorted(f["objects"][1] for f in findings if f["objects"][1].startswith("Twilio "))
    assert alerts == ["Twilio 32001", "Twilio 32205"]
    geo = next(f for f in findings if f["objects"][1] == "Twilio 32205")
    assert geo["severity"] == "warning" and "(1 time(s)," in geo["message"]


def test_a_call_event_carrying_a_numbers_sid_reconciles_nothing(running: Running) -> None:
    twilio, _ = running.adapters()
    hand_bought = twilio.find_number("+13125550101")  # on no trunk: drift a reconcile fixes
    assert hand_bought is not None and hand_bought.trunk_sid is None
    call = {
        "specversion": "1.0",
        "type": "com.twilio.voice.webhook.status-callback.call.answered",
        "source": "/2010-04-01/Accounts/AC/Calls/CA",
        "id": "NO" + "8" * 32,
        "data": {"sid": "CA" + "2" * 32, "phone_number_sid": hand_bought.sid},
    }
    answer = post(running, *signed_json(running, [call]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["queued"] == [] and "a call event" in answer.json()["ignored"][0]
    # The voice webhook itself (To / Called, no PhoneNumber) is acknowledged the same way.
    form = {"CallSid": "CA" + "3" * 32, "To": "+13125550101", "Called": "+13125550101"}
    answer = post(running, *signed_form(running, form))
    assert answer.status_code == 200 and answer.json()["queued"] == [], answer.text
    running.drain()
    assert running.worker_runs() == []
    assert twilio.find_number("+13125550101") == hand_bought  # left to the reconcile timer


SHARED_KEY = "e2e-webhook-shared-key-" + "k" * 16
SIGNATURE_SETTINGS = "key=webhooks_sharedkey_e2e,algorithm=HMAC_SHA256"


@pytest.fixture
def shared_key_host() -> Iterator[Running]:
    options = HostOptions(
        run_timers=False,
        max_delivery_count=MAX_DELIVERIES,
        extra_settings={
            "TWILIO_WEBHOOK_SHARED_KEYS": SHARED_KEY,
            "BYOC_RETRY_MAX_ATTEMPTS": "2",
            "BYOC_RETRY_MAX_WAIT_S": "0.2",
        },
    )
    WATCH.extra.add(SHARED_KEY)  # no log line of the run may carry it
    try:
        with Sandbox(load_scenario("default"), host=options) as sandbox:
            yield Running(sandbox)
    finally:
        WATCH.extra.discard(SHARED_KEY)


def test_a_webhook_rule_signed_request_is_checked_with_the_shared_key(
    shared_key_host: Running,
) -> None:
    running = shared_key_host
    trunk = trunk_sid(running)
    body = json.dumps([error_logged("NO9", "32011", trunk)]).encode()
    url = running.url("twilio/events") + "?bodySHA256=" + hashlib.sha256(body).hexdigest()

    def sent(secret: str) -> requests.Response:
        signature = RequestValidator(secret).compute_signature(url, {}, "HMAC_SHA256")
        headers = {
            "Content-Type": "application/cloudevents-batch+json",
            "X-Twilio-Signature": signature,
            "X-Twilio-Webhooks-Signature-Settings": SIGNATURE_SETTINGS,
        }
        return post(running, url, body, headers)

    # Signed with the auth token while claiming a shared key: refused, naming the setting.
    forged = sent(running.sandbox.scenario.twilio.auth_token)
    assert forged.status_code == 403
    assert "TWILIO_WEBHOOK_SHARED_KEYS" in forged.json()["error"]
    genuine = sent(SHARED_KEY)
    assert genuine.status_code == 202, genuine.text
    running.drain()
    (run,) = running.worker_runs()
    assert run.ok


def test_a_shared_key_request_to_a_host_without_one_is_403_naming_the_setting(
    running: Running,
) -> None:
    form = {"Sid": "NO" + "4" * 32, "Payload": json.dumps({"error_code": "32011"})}
    url = running.url("twilio/events")
    signature = RequestValidator(SHARED_KEY).compute_signature(url, form, "HMAC_SHA256")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        "X-Twilio-Webhooks-Signature-Settings": SIGNATURE_SETTINGS,
    }
    answer = post(running, url, urlencode(form).encode(), headers)
    assert answer.status_code == 403
    assert answer.json()["error"] == (
        "X-Twilio-Webhooks-Signature-Settings says this request is signed with a Webhook "
        "SharedKey, and TWILIO_WEBHOOK_SHARED_KEYS is not set"
    )
    running.drain()
    assert running.worker_runs() == []


def raise_alert(running: Running, code: str, trunk: str) -> None:
    answer = requests.post(
        f"{running.sandbox.twilio.base_url}/__admin/alerts",
        json={"error_code": code, "alert_text": f"Elastic SIP trunk {trunk}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text


def test_the_alert_feed_pulls_what_the_webhook_would_push(running: Running) -> None:
    """Without a Debugger webhook: the feed evaluates the group on a 32011 (once, however
    many alerts name the trunk) and counts a termination error for the audit."""
    trunk = trunk_sid(running)
    store = alerts_table(running)
    assert running.host.fire_timer("twilio_alert_feed_timer").ok  # starts the feed
    raise_alert(running, "32011", trunk)
    raise_alert(running, "32011", trunk)
    raise_alert(running, "32202", trunk)
    raise_alert(running, "11200", trunk)  # an HTTP retrieval failure: not a trunk error

    assert running.host.fire_timer("twilio_alert_feed_timer").ok
    running.drain()

    (run,) = running.worker_runs()
    assert run.ok and "session trunk:" in run.detail
    assert counted(store, trunk) == {32202: 1}
    assert running.host.fire_timer("twilio_alert_feed_timer").ok  # nothing new
    running.drain()
    assert len(running.worker_runs()) == 1 and counted(store, trunk) == {32202: 1}


def test_alerts_the_feed_could_not_count_are_counted_by_the_next_poll(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state table refused the counts: the poll fails and keeps its watermark, so the
    next one reads the same alerts and counts them (once, by alert SID)."""
    trunk = trunk_sid(running)
    store = alerts_table(running)
    assert running.host.fire_timer("twilio_alert_feed_timer").ok  # starts the feed
    raise_alert(running, "32202", trunk)
    with monkeypatch.context() as patched:
        patched.setattr("functions.timers.record_alerts", lambda observed, app: False)
        failed = running.host.fire_timer("twilio_alert_feed_timer")
    assert not failed.ok and "AlertsNotCountedError" in (failed.error or "")
    assert counted(store, trunk) == {}

    assert running.host.fire_timer("twilio_alert_feed_timer").ok
    assert counted(store, trunk) == {32202: 1}
    assert running.host.fire_timer("twilio_alert_feed_timer").ok
    assert counted(store, trunk) == {32202: 1}
