"""Monitor v1 Alerts (monitor.twilio.com/v1/Alerts) through the official SDK: the alerts
Twilio logs (raised here through the admin route) are listed, filtered by log level and
date, paged and fetched as twilio_monitor_v1.json says (validated at teardown)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from sandbox.emulators.twilio import TwilioEmulator

pytestmark = pytest.mark.contract

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TRUNK = "TK" + "0" * 31 + "1"


def _raise(emu: TwilioEmulator, code: str, **fields: str) -> str:
    answer = requests.post(
        f"{emu.base_url}/__admin/alerts", json={"error_code": code, **fields}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    sid: str = answer.json()["sid"]
    return sid


@pytest.fixture
def clock(emu: TwilioEmulator) -> list[datetime]:
    now = [T0]
    emu.state.clock = lambda: now[0]
    return now


def test_an_alert_is_listed_and_fetched_with_its_code_and_texts(
    client: Client, emu: TwilioEmulator, clock: list[datetime]
) -> None:
    sid = _raise(emu, "32011", alert_text=f"trunk {TRUNK}: 503 from the origination URI")
    (listed,) = client.monitor.v1.alerts.list()
    assert (listed.sid, listed.error_code, listed.log_level) == (sid, "32011", "error")
    assert sid.startswith("NO") and TRUNK in listed.alert_text
    assert listed.date_generated == T0
    fetched = client.monitor.v1.alerts(sid).fetch()
    assert fetched.more_info.endswith("/32011")


def test_the_list_filters_by_level_and_date_and_pages(
    client: Client, emu: TwilioEmulator, clock: list[datetime]
) -> None:
    _raise(emu, "32011")
    clock[0] += timedelta(minutes=5)
    later = _raise(emu, "32001", log_level="warning")
    clock[0] += timedelta(minutes=5)
    last = _raise(emu, "32010")
    since = client.monitor.v1.alerts.list(start_date=T0 + timedelta(minutes=5))
    assert {a.sid for a in since} == {later, last}
    warnings = client.monitor.v1.alerts.list(log_level="warning")
    assert [a.sid for a in warnings] == [later]
    assert len(client.monitor.v1.alerts.list(page_size=1)) == 3  # the SDK follows the pages


def test_an_unknown_alert_is_a_404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as raised:
        client.monitor.v1.alerts("NO" + "f" * 32).fetch()
    assert raised.value.status == 404


def test_the_admin_route_refuses_an_alert_without_a_code(emu: TwilioEmulator) -> None:
    answer = requests.post(f"{emu.base_url}/__admin/alerts", json={"error_code": "x"}, timeout=10)
    assert answer.status_code in (400, 422, 500) and answer.status_code != 201
