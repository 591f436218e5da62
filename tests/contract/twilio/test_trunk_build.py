"""What building a BYOC trunk takes on the Twilio side, through the official SDK: an Elastic
SIP trunk with its settings, an account credential list with its credentials, an IP access
control list with its addresses, both associated with the trunk, and origination URLs.
Every exchange is validated against Twilio's specs at teardown (conftest.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from tests.contract.twilio.conftest import SEED, CapturingHttpClient

pytestmark = pytest.mark.contract
PASSWORD = "Genesys-Edge-2024"  # 12+ characters, a digit, mixed case


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> TwilioScenario:
    switches: dict[str, Any] = getattr(request, "param", {})
    return TwilioScenario.model_validate({**SEED, **switches})


def _http(client: Client) -> CapturingHttpClient:
    http = client.http_client
    assert isinstance(http, CapturingHttpClient)
    return http


def _refused(err: pytest.ExceptionInfo[TwilioRestException]) -> tuple[int, int]:
    return err.value.status, int(err.value.code)


# ---------------------------------------------------------------------- credentials
def test_credentials_are_created_listed_fetched_repassworded_and_deleted(
    client: Client, emu: TwilioEmulator
) -> None:
    cl = client.sip.credential_lists.create(friendly_name="genesys-byoc-credentials")
    credentials = client.sip.credential_lists(cl.sid).credentials
    first = credentials.create(username="genesys-edge-1", password=PASSWORD)
    assert first.sid.startswith("CR") and first.credential_list_sid == cl.sid
    assert first.username == "genesys-edge-1" and first.account_sid == emu.account_sid
    assert first.uri.endswith(f"/SIP/CredentialLists/{cl.sid}/Credentials/{first.sid}.json")
    second = credentials.create(username="genesys-edge-2", password=PASSWORD + "x")
    listed = credentials.list(page_size=1)  # two pages
    assert [c.username for c in listed] == ["genesys-edge-1", "genesys-edge-2"]
    assert credentials(second.sid).fetch().username == "genesys-edge-2"
    changed = credentials(first.sid).update(password="Another-Passw0rd")
    assert changed.username == "genesys-edge-1"
    assert emu.state.credential_lists[cl.sid].credentials[first.sid].password == (
        "Another-Passw0rd"
    )
    assert credentials(first.sid).delete() is True
    assert [c.sid for c in credentials.list()] == [second.sid]
    with pytest.raises(TwilioRestException) as gone:
        credentials(first.sid).fetch()
    assert _refused(gone) == (404, 20404)
    # No answer ever carries a password: the resource has no such field.
    assert not [ex for ex in _http(client).exchanges if PASSWORD in ex.text or "assw" in ex.text]


@pytest.mark.parametrize(
    "password",
    ["Short-Pass1", "no-digits-At-all", "all-lower-12345", "ALL-UPPER-12345"],
)
def test_a_password_outside_twilios_rules_is_400(client: Client, password: str) -> None:
    cl = client.sip.credential_lists.create(friendly_name="rules")
    credentials = client.sip.credential_lists(cl.sid).credentials
    with pytest.raises(TwilioRestException) as weak:
        credentials.create(username="edge", password=password)
    assert _refused(weak) == (400, 20001)
    made = credentials.create(username="edge", password=PASSWORD)
    with pytest.raises(TwilioRestException) as weak_update:
        credentials(made.sid).update(password=password)
    assert _refused(weak_update) == (400, 20001)


def test_usernames_are_unique_in_a_list_and_at_most_32_characters(client: Client) -> None:
    cl = client.sip.credential_lists.create(friendly_name="users")
    credentials = client.sip.credential_lists(cl.sid).credentials
    credentials.create(username="u" * 32, password=PASSWORD)
    with pytest.raises(TwilioRestException) as long_name:
        credentials.create(username="u" * 33, password=PASSWORD)
    assert _refused(long_name) == (400, 20001)
    with pytest.raises(TwilioRestException) as twice:
        credentials.create(username="u" * 32, password="Other-Passw0rd")
    assert _refused(twice) == (400, 20001)
    other = client.sip.credential_lists.create(friendly_name="users-2")
    assert client.sip.credential_lists(other.sid).credentials.create(
        username="u" * 32, password=PASSWORD
    )  # another list may hold the same user
    http = _http(client)
    with http.sending_invalid_requests(), pytest.raises(TwilioRestException) as no_password:
        credentials.create(username="nopass", password="")
    assert _refused(no_password) == (400, 20001)


@pytest.mark.parametrize("scenario", [{"max_credentials_per_list": 2}], indirect=True)
def test_a_full_credential_list_takes_no_more_users(client: Client) -> None:
    cl = client.sip.credential_lists.create(friendly_name="small")
    credentials = client.sip.credential_lists(cl.sid).credentials
    for n in (1, 2):
        credentials.create(username=f"user-{n}", password=PASSWORD)
    with pytest.raises(TwilioRestException) as full:
        credentials.create(username="user-3", password=PASSWORD)
    assert _refused(full) == (400, 20001)


@pytest.mark.parametrize(
    "scenario",
    [
        {
            "credential_lists": [
                {
                    "friendly_name": "genesys-creds",
                    "credentials": [{"username": "seeded-edge", "password": PASSWORD}],
                }
            ],
            "ip_access_control_lists": [
                {
                    "friendly_name": "genesys-edges",
                    "ip_addresses": [{"ip_address": "54.172.60.0", "cidr_prefix_length": 23}],
                }
            ],
        }
    ],
    indirect=True,
)
def test_a_scenario_seeds_list_members(client: Client, emu: TwilioEmulator) -> None:
    cl = client.sip.credential_lists.list()[0]
    (user,) = client.sip.credential_lists(cl.sid).credentials.list()
    assert (cl.friendly_name, user.username) == ("genesys-creds", "seeded-edge")
    acl = client.sip.ip_access_control_lists.list()[0]
    (address,) = client.sip.ip_access_control_lists(acl.sid).ip_addresses.list()
    assert (address.ip_address, address.cidr_prefix_length, address.friendly_name) == (
        "54.172.60.0",
        23,
        "54.172.60.0",
    )
    assert client.monitor.v1.events.list() == []  # seeding records nothing
    state = requests.get(f"{emu.base_url}/__admin/state", timeout=5).json()
    (seeded,) = state["credential_lists"][0]["credentials"]
    assert seeded["username"] == "seeded-edge" and PASSWORD not in json.dumps(state)
    assert state["ip_access_control_lists"][0]["ip_addresses"][0]["cidr_prefix_length"] == 23


# ---------------------------------------------------------------------- IP addresses
def test_ip_addresses_are_created_listed_fetched_updated_and_deleted(client: Client) -> None:
    acl = client.sip.ip_access_control_lists.create(friendly_name="genesys-byoc-signalling")
    addresses = client.sip.ip_access_control_lists(acl.sid).ip_addresses
    block = addresses.create(
        friendly_name="us-east-1 a", ip_address="54.172.60.0", cidr_prefix_length=23
    )
    assert block.sid.startswith("IP") and block.ip_access_control_list_sid == acl.sid
    assert (block.ip_address, block.cidr_prefix_length) == ("54.172.60.0", 23)
    single = addresses.create(friendly_name="one host", ip_address="34.203.250.10")
    assert single.cidr_prefix_length == 32  # "by default the entire IP address is used"
    zero = addresses.create(friendly_name="zero", ip_address="3.112.80.0", cidr_prefix_length=0)
    assert zero.cidr_prefix_length == 32  # Twilio stores /0 as /32
    assert [a.sid for a in addresses.list(page_size=2)] == [block.sid, single.sid, zero.sid]
    moved = addresses(single.sid).update(ip_address="34.203.250.0", cidr_prefix_length=24)
    assert (moved.ip_address, moved.cidr_prefix_length, moved.friendly_name) == (
        "34.203.250.0",
        24,
        "one host",
    )
    assert addresses(single.sid).update(friendly_name="us-east-1 b").friendly_name == (
        "us-east-1 b"
    )
    assert addresses(single.sid).fetch().cidr_prefix_length == 24
    assert addresses(zero.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        addresses(zero.sid).fetch()
    assert _refused(gone) == (404, 20404)


@pytest.mark.parametrize(
    ("address", "prefix"),
    [("54.172.60.*", None), ("2001:db8::1", None), ("256.1.1.1", None), ("54.172.60.0", 33)],
)
def test_an_address_that_is_not_a_complete_ipv4_one_is_400(
    client: Client, address: str, prefix: int | None
) -> None:
    acl = client.sip.ip_access_control_lists.create(friendly_name="strict")
    addresses = client.sip.ip_access_control_lists(acl.sid).ip_addresses
    kwargs: dict[str, Any] = {} if prefix is None else {"cidr_prefix_length": prefix}
    with pytest.raises(TwilioRestException) as err:
        addresses.create(friendly_name="x", ip_address=address, **kwargs)
    assert _refused(err) == (400, 20001)
    assert addresses.list() == []


def test_an_ip_address_name_is_capped_at_64_characters(client: Client) -> None:
    """The spec allows 255; capped at 64 like IP access control list names (stricter)."""
    acl = client.sip.ip_access_control_lists.create(friendly_name="names")
    addresses = client.sip.ip_access_control_lists(acl.sid).ip_addresses
    made = addresses.create(friendly_name="n" * 64, ip_address="54.172.60.0")
    with pytest.raises(TwilioRestException) as err:
        addresses.create(friendly_name="n" * 65, ip_address="34.203.250.0")
    assert _refused(err) == (400, 20001)
    with pytest.raises(TwilioRestException) as rename:
        addresses(made.sid).update(friendly_name="n" * 65)
    assert _refused(rename) == (400, 20001)


@pytest.mark.parametrize("scenario", [{"max_ip_addresses_per_acl": 1}], indirect=True)
def test_a_full_acl_takes_no_more_addresses(client: Client) -> None:
    acl = client.sip.ip_access_control_lists.create(friendly_name="small")
    addresses = client.sip.ip_access_control_lists(acl.sid).ip_addresses
    addresses.create(friendly_name="a", ip_address="54.172.60.0", cidr_prefix_length=23)
    with pytest.raises(TwilioRestException) as full:
        addresses.create(friendly_name="b", ip_address="34.203.250.0", cidr_prefix_length=23)
    assert _refused(full) == (400, 20001)


def test_members_belong_to_their_list_and_go_with_it(client: Client) -> None:
    first = client.sip.credential_lists.create(friendly_name="first")
    second = client.sip.credential_lists.create(friendly_name="second")
    user = client.sip.credential_lists(first.sid).credentials.create(
        username="edge", password=PASSWORD
    )
    with pytest.raises(TwilioRestException) as elsewhere:
        client.sip.credential_lists(second.sid).credentials(user.sid).fetch()
    assert _refused(elsewhere) == (404, 20404)
    acl = client.sip.ip_access_control_lists.create(friendly_name="acl")
    addresses = client.sip.ip_access_control_lists(acl.sid).ip_addresses
    address = addresses.create(friendly_name="a", ip_address="54.172.60.0")
    client.sip.credential_lists(first.sid).delete()
    client.sip.ip_access_control_lists(acl.sid).delete()
    with pytest.raises(TwilioException):
        client.sip.credential_lists(first.sid).credentials.list()
    with pytest.raises(TwilioRestException) as gone:
        addresses(address.sid).fetch()
    assert _refused(gone) == (404, 20404)
    with pytest.raises(TwilioRestException) as unknown:
        client.sip.credential_lists("CL" + "9" * 32).credentials.create(
            username="edge", password=PASSWORD
        )
    assert _refused(unknown) == (404, 20404)


def test_list_members_are_no_monitor_events_their_lists_are(client: Client) -> None:
    """Twilio's event types name the lists (sip-credential-list.*, sip-ip-access-control-
    list.*), not their credentials or addresses."""
    cl = client.sip.credential_lists.create(friendly_name="logged")
    user = client.sip.credential_lists(cl.sid).credentials.create(
        username="edge", password=PASSWORD
    )
    client.sip.credential_lists(cl.sid).credentials(user.sid).update(password="Newer-Passw0rd")
    client.sip.credential_lists(cl.sid).credentials(user.sid).delete()
    acl = client.sip.ip_access_control_lists.create(friendly_name="logged-acl")
    address = client.sip.ip_access_control_lists(acl.sid).ip_addresses.create(
        friendly_name="a", ip_address="54.172.60.0"
    )
    assert client.monitor.v1.events.list(resource_sid=user.sid) == []
    assert client.monitor.v1.events.list(resource_sid=address.sid) == []
    assert [e.event_type for e in client.monitor.v1.events.list()] == [
        "sip-ip-access-control-list.created",
        "sip-credential-list.created",
    ]


# ---------------------------------------------------------------------- the trunk
def test_a_trunk_built_as_the_byoc_guide_builds_it(client: Client) -> None:
    trunks = client.trunking.v1.trunks
    made = trunks.create(
        friendly_name="BYOC-Tertiary",
        domain_name="byoc-tertiary.pstn.twilio.com",
        secure=True,
        cnam_lookup_enabled=True,
        disaster_recovery_url="https://dr.example.com/twiml",
        disaster_recovery_method="GET",
        transfer_mode="enable-all",
        transfer_caller_id="from-transferor",
    )
    assert (made.secure, made.cnam_lookup_enabled, made.transfer_caller_id) == (
        True,
        True,
        "from-transferor",
    )
    assert (made.disaster_recovery_url, made.disaster_recovery_method) == (
        "https://dr.example.com/twiml",
        "GET",
    )
    assert made.auth_type_set == []
    cl = client.sip.credential_lists.create(friendly_name="tertiary-creds")
    client.sip.credential_lists(cl.sid).credentials.create(username="genesys", password=PASSWORD)
    acl = client.sip.ip_access_control_lists.create(friendly_name="tertiary-edges")
    client.sip.ip_access_control_lists(acl.sid).ip_addresses.create(
        friendly_name="us-east-1", ip_address="54.172.60.0", cidr_prefix_length=23
    )
    trunk = trunks(made.sid)
    assert trunk.credentials_lists.create(credential_list_sid=cl.sid).sid == cl.sid
    assert trunk.ip_access_control_lists.create(ip_access_control_list_sid=acl.sid).sid == acl.sid
    assert set(trunk.fetch().auth_type_set) == {"CREDENTIAL_LIST", "IP_ACL"}
    urls = trunk.origination_urls
    primary = urls.create(
        friendly_name="genesys-a",
        sip_url="sip:byoc-tertiary.byoc.usw2.pure.cloud;transport=tls",
        priority=10,
        weight=10,
        enabled=True,
    )
    backup = urls.create(
        friendly_name="genesys-b",
        sip_url="sip:byoc-tertiary.byoc.use1.pure.cloud;transport=tls",
        priority=20,
        weight=10,
        enabled=True,
    )
    assert urls(backup.sid).update(priority=5).priority == 5
    assert urls(primary.sid).delete() is True
    assert [u.sid for u in urls.list()] == [backup.sid]
    changed = trunk.update(
        secure=False, disaster_recovery_url="", transfer_mode="disable-all", friendly_name="T3"
    )
    assert (changed.secure, changed.disaster_recovery_url, changed.transfer_mode) == (
        False,
        None,
        "disable-all",
    )
    assert trunk.credentials_lists(cl.sid).delete() is True
    assert trunk.ip_access_control_lists(acl.sid).delete() is True
    assert trunk.fetch().auth_type_set == []
    events = client.monitor.v1.events.list(resource_sid=made.sid)
    assert [e.event_type for e in events] == ["trunk.updated", "trunk.created"]
    assert events[0].event_data["resource_properties"] == {
        "friendly_name": {"previous": "BYOC-Tertiary", "updated": "T3"},
        "secure": {"previous": True, "updated": False},
        "disaster_recovery_url": {"previous": "https://dr.example.com/twiml", "updated": None},
        "transfer_mode": {"previous": "enable-all", "updated": "disable-all"},
    }


def test_trunk_settings_outside_the_specs_choices_are_400(client: Client) -> None:
    trunks = client.trunking.v1.trunks
    made = trunks.create(friendly_name="BYOC-Checked")
    http = _http(client)
    # Twilio's dictionary has codes of its own for a bad URL (21402) and method (21403).
    bad: list[tuple[dict[str, Any], int]] = [
        ({"transfer_mode": "sometimes"}, 20001),
        ({"transfer_caller_id": "from-nobody"}, 20001),
        ({"disaster_recovery_method": "PUT"}, 21403),
        ({"disaster_recovery_url": "not a url"}, 21402),
        ({"friendly_name": "n" * 65}, 20001),
    ]
    for kwargs, code in bad:
        with http.sending_invalid_requests(), pytest.raises(TwilioRestException) as err:
            trunks(made.sid).update(**kwargs)
        assert _refused(err) == (400, code), kwargs
    assert trunks(made.sid).fetch().transfer_mode == "disable-all"
