"""Monitor v1 Events (monitor.twilio.com/v1/Events) through the official SDK: every change
made through the API or the admin console routes is in the account's change log, with the
event types of twilio.com/docs/usage/monitor-events, and the list filters and pages as the
spec says (twilio_monitor_v1.json; every exchange is validated against it at teardown)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from tests.contract.twilio.conftest import SEED, CapturingHttpClient

pytestmark = pytest.mark.contract

CONSOLE = "/__admin/console/IncomingPhoneNumbers"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> TwilioScenario:
    switches: dict[str, Any] = getattr(request, "param", {})
    return TwilioScenario.model_validate({**SEED, **switches})


@pytest.fixture
def clock(emu: TwilioEmulator) -> list[datetime]:
    """The account's time, moved by the test."""
    now = [T0]
    emu.state.clock = lambda: now[0]
    return now


def _refusal(error: TwilioException) -> tuple[int, int]:
    """(status, Twilio code) of a refused list page: the SDK raises a plain TwilioException
    with the response as its second argument."""
    response = error.args[1]
    return response.status_code, json.loads(response.text)["code"]


def _trunk_sid(client: Client, name: str) -> str:
    return str(next(t.sid for t in client.trunking.v1.trunks.list() if t.friendly_name == name))


def test_a_numbers_life_is_logged_as_phone_number_events(
    client: Client, emu: TwilioEmulator, clock: list[datetime]
) -> None:
    primary = _trunk_sid(client, "BYOC-Primary")
    bought = client.incoming_phone_numbers.create(phone_number="+12025550104")
    clock[0] += timedelta(minutes=1)
    client.incoming_phone_numbers(bought.sid).update(friendly_name="DC line")
    client.incoming_phone_numbers(bought.sid).update(trunk_sid=primary)
    client.trunking.v1.trunks(primary).phone_numbers(bought.sid).delete()
    client.trunking.v1.trunks(primary).phone_numbers.create(phone_number_sid=bought.sid)
    client.incoming_phone_numbers(bought.sid).delete()

    events = client.monitor.v1.events.list(resource_sid=bought.sid)
    assert [e.event_type for e in events] == [  # newest first
        "phone-number.deleted",
        "phone-number.updated",
        "phone-number.updated",
        "phone-number.updated",
        "phone-number.updated",
        "phone-number.created",
    ]
    changed = [e.event_data["resource_properties"] for e in events[1:5]]
    assert changed[::-1] == [
        {"friendly_name": {"previous": "(202) 555-0104", "updated": "DC line"}},
        {"trunk_sid": {"previous": None, "updated": primary}},
        {"trunk_sid": {"previous": primary, "updated": None}},
        {"trunk_sid": {"previous": None, "updated": primary}},
    ]
    created = events[-1]
    assert (created.event_date, events[0].event_date) == (T0, T0 + timedelta(minutes=1))
    assert created.event_data is None  # the SID alone: no E.164 number in the log
    assert (created.resource_type, created.account_sid) == ("phone-number", emu.account_sid)
    assert (created.source, created.actor_type, created.actor_sid) == (
        "api",
        "account",
        emu.account_sid,
    )
    assert created.source_ip_address == "127.0.0.1"
    assert created.links["resource"] == (
        f"https://api.twilio.com/2010-04-01/Accounts/{emu.account_sid}"
        f"/IncomingPhoneNumbers/{bought.sid}.json"
    )
    assert created.url == f"https://monitor.twilio.com/v1/Events/{created.sid}"
    fetched = client.monitor.v1.events(created.sid).fetch()
    assert (fetched.event_type, fetched.resource_sid) == ("phone-number.created", bought.sid)
    with pytest.raises(TwilioRestException) as missing:
        client.monitor.v1.events("AE" + "0" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)


def test_trunk_and_sip_list_changes_are_logged(client: Client) -> None:
    trunks = client.trunking.v1.trunks
    made = trunks.create(friendly_name="BYOC-DR", domain_name="byoc-dr.pstn.twilio.com")
    trunks(made.sid).update(friendly_name="BYOC-DR2")
    trunks(made.sid).recordings().update(mode="record-from-answer")
    trunks(made.sid).delete()
    creds = client.sip.credential_lists.create(friendly_name="edge-creds")
    client.sip.credential_lists(creds.sid).update(friendly_name="edge-creds-2")
    client.sip.credential_lists(creds.sid).delete()
    acl = client.sip.ip_access_control_lists.create(friendly_name="edge-ips")

    trunk_events = client.monitor.v1.events.list(resource_sid=made.sid)
    assert [e.event_type for e in trunk_events][::-1] == [
        "trunk.created",
        "trunk.updated",
        "trunk.updated",
        "trunk.deleted",
    ]
    assert trunk_events[2].event_data == {
        "resource_properties": {"friendly_name": {"previous": "BYOC-DR", "updated": "BYOC-DR2"}}
    }
    assert [e.event_type for e in client.monitor.v1.events.list(resource_sid=creds.sid)] == [
        "sip-credential-list.deleted",
        "sip-credential-list.updated",
        "sip-credential-list.created",
    ]
    [acl_event] = client.monitor.v1.events.list(resource_sid=acl.sid)
    assert (acl_event.event_type, acl_event.resource_type) == (
        "sip-ip-access-control-list.created",
        "sip-ip-access-control-list",
    )


def test_console_changes_are_logged_as_the_console_users(
    client: Client, emu: TwilioEmulator
) -> None:
    """What a person does in the Console: `source` web, `actor_type` user, a US... SID."""
    user = emu.scenario.console_user_sid
    forwarded = {"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}
    base = emu.base_url + CONSOLE
    bought = requests.post(
        base, json={"area_code": "312", "trunk": "BYOC-Primary"}, headers=forwarded, timeout=5
    )
    assert bought.status_code == 201, bought.text
    number = bought.json()
    assert number["trunk_sid"] == _trunk_sid(client, "BYOC-Primary")
    changed = requests.post(
        f"{base}/{number['phone_number']}", json={"trunk": None}, headers=forwarded, timeout=5
    )
    assert changed.status_code == 200 and changed.json()["trunk_sid"] is None
    released = requests.delete(f"{base}/{number['sid']}", headers=forwarded, timeout=5)
    assert released.status_code == 204
    assert client.incoming_phone_numbers.list(phone_number=number["phone_number"]) == []

    by_user = client.monitor.v1.events.list(actor_sid=user)
    assert [(e.event_type, e.resource_sid) for e in by_user] == [
        ("phone-number.deleted", number["sid"]),
        ("phone-number.updated", number["sid"]),
        ("phone-number.created", number["sid"]),
    ]
    assert {(e.source, e.actor_type, e.source_ip_address) for e in by_user} == {
        ("web", "user", "203.0.113.7")
    }
    assert [e.sid for e in client.monitor.v1.events.list(source_ip_address="203.0.113.7")] == [
        e.sid for e in by_user
    ]
    assert client.monitor.v1.events.list(actor_sid=emu.account_sid) == []  # no API change yet
    # The console answers in Twilio's error shape, and changes nothing on a refusal.
    sold_out = requests.post(base, json={"area_code": "999"}, timeout=5)
    assert (sold_out.status_code, sold_out.json()["code"]) == (400, 21452)
    unknown = requests.delete(f"{base}/+19995550000", timeout=5)
    assert (unknown.status_code, unknown.json()["code"]) == (404, 20404)
    assert len(client.monitor.v1.events.list()) == 3


def test_the_list_filters_by_type_and_date_and_pages_with_its_filters(
    client: Client, emu: TwilioEmulator, clock: list[datetime]
) -> None:
    for minutes, area in ((0, "202"), (60, "202"), (120, "312")):
        clock[0] = T0 + timedelta(minutes=minutes)
        bought = client.incoming_phone_numbers.create(area_code=area)
        client.incoming_phone_numbers(bought.sid).update(friendly_name=f"line {minutes}")
    events = client.monitor.v1.events
    created = events.list(event_type="phone-number.created", page_size=1)
    assert len(created) == 3
    # The SDK followed meta.next_page_url: the filter stayed on every page.
    pages = [e for e in emu.log.entries() if e.endpoint == "GET /v1/Events"]
    assert len(pages) == 3 and all("EventType=phone-number.created" in p.query for p in pages)
    assert [e.event_date for e in created] == [T0 + timedelta(minutes=m) for m in (120, 60, 0)]
    half_past = T0 + timedelta(minutes=30)
    assert len(events.list(start_date=half_past)) == 4
    assert len(events.list(end_date=half_past)) == 2
    window = events.list(start_date=half_past, end_date=half_past + timedelta(hours=1))
    assert [e.event_type for e in window] == ["phone-number.updated", "phone-number.created"]
    assert len(events.list(event_type="phone-number.updated", start_date=half_past)) == 2
    # A date alone is the whole day. The spec says date-time, but Twilio's own example
    # sends dates (`StartDate=2016-07-31&EndDate=2016-07-31`); the SDK passes strings on.
    http = client.http_client
    assert isinstance(http, CapturingHttpClient)
    with http.sending_invalid_requests():
        assert len(events.list(start_date="2026-03-01", end_date="2026-03-01")) == 6
        assert events.list(end_date="2026-02-28") == []


def test_more_than_one_filter_is_a_400_by_default(client: Client, emu: TwilioEmulator) -> None:
    """ "Filtering on more than one field in the same request is not supported and will
    result in a 400 Bad Request error" (twilio.com/docs/usage/monitor-events)."""
    bought = client.incoming_phone_numbers.create(area_code="202")
    with pytest.raises(TwilioException) as refused:
        client.monitor.v1.events.list(event_type="phone-number.created", resource_sid=bought.sid)
    assert _refusal(refused.value) == (400, 20001)
    http = client.http_client
    assert isinstance(http, CapturingHttpClient)
    with http.sending_invalid_requests():
        with pytest.raises(TwilioException) as bad_sid:
            client.monitor.v1.events.list(resource_sid="PN-not-a-sid")
        with pytest.raises(TwilioException) as bad_date:
            client.monitor.v1.events.list(start_date="last tuesday")
    assert _refusal(bad_sid.value) == (400, 20001)
    assert _refusal(bad_date.value) == (400, 20001)


@pytest.mark.parametrize(
    "scenario",
    [{"monitor_events_one_filter": False, "monitor_events_order": "oldest_first"}],
    indirect=True,
)
def test_switched_filters_combine_and_order_oldest_first(
    client: Client, scenario: TwilioScenario
) -> None:
    bought = client.incoming_phone_numbers.create(area_code="202")
    client.incoming_phone_numbers(bought.sid).update(friendly_name="renamed")
    both = client.monitor.v1.events.list(event_type="phone-number.updated", resource_sid=bought.sid)
    assert [e.event_type for e in both] == ["phone-number.updated"]
    assert [e.event_type for e in client.monitor.v1.events.list(page_size=1)] == [
        "phone-number.created",
        "phone-number.updated",
    ]


def test_events_older_than_the_retention_are_gone(
    client: Client, emu: TwilioEmulator, clock: list[datetime]
) -> None:
    """30 days on a standard account (twilio.com/docs/usage/monitor-events)."""
    bought = client.incoming_phone_numbers.create(area_code="202")
    [event] = client.monitor.v1.events.list()
    clock[0] += timedelta(days=emu.scenario.monitor_events_retention_days, seconds=1)
    assert client.monitor.v1.events.list() == []
    with pytest.raises(TwilioRestException) as gone:
        client.monitor.v1.events(event.sid).fetch()
    assert gone.value.status == 404
    client.incoming_phone_numbers(bought.sid).update(friendly_name="still here")
    assert [e.event_type for e in client.monitor.v1.events.list()] == ["phone-number.updated"]
