"""Api v2010 numbers through the official SDK: inventory, purchase, update, release, paging."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from sandbox.emulators.twilio import TwilioEmulator
from tests.contract.twilio.conftest import CapturingHttpClient

pytestmark = pytest.mark.contract


def _trunk_sid(client: Client, name: str) -> str:
    return str(next(t.sid for t in client.trunking.v1.trunks.list() if t.friendly_name == name))


def test_available_numbers_search_by_area_code_and_pattern(client: Client) -> None:
    local = client.available_phone_numbers("US").local
    found = local.list(area_code=202, page_size=3)
    assert [n.phone_number for n in found] == ["+12025550100", "+12025550101", "+12025550102"]
    assert found[0].region == "DC" and found[0].capabilities["voice"] is True
    assert [n.phone_number for n in local.list(contains="3125550103")] == ["+13125550103"]
    pattern = local.list(contains="+1312*55%0$", in_region="IL")
    assert [n.phone_number for n in pattern] == ["+13125550100"]
    assert len(local.list(in_region="IL")) == 4
    assert local.list(area_code=303) == []
    tollfree = client.available_phone_numbers("US").toll_free.list()
    assert [n.phone_number for n in tollfree] == ["+18885550100", "+18885550101"]


def test_purchase_by_number_and_by_area_code_draws_from_inventory(
    client: Client, emu: TwilioEmulator
) -> None:
    trunk_sid = _trunk_sid(client, "BYOC-Primary")
    bought = client.incoming_phone_numbers.create(
        phone_number="+12025550103", friendly_name="DC main", trunk_sid=trunk_sid
    )
    assert bought.sid.startswith("PN") and bought.friendly_name == "DC main"
    assert bought.trunk_sid == trunk_sid and bought.status == "in-use"
    assert bought.date_created is not None
    by_area = client.api.v2010.accounts(emu.account_sid).incoming_phone_numbers.create(
        area_code="312"
    )
    assert by_area.phone_number == "+13125550100"
    assert by_area.friendly_name == "(312) 555-0100"
    left = [n.phone_number for n in client.available_phone_numbers("US").local.list()]
    assert "+12025550103" not in left and "+13125550100" not in left
    # Buying a number the account owns is no error on Twilio: 201, and the same number
    # (see test_owned_numbers.py).
    again = client.incoming_phone_numbers.create(phone_number="+12025550103")
    assert (again.sid, again.friendly_name, again.trunk_sid) == (bought.sid, "DC main", trunk_sid)


def test_purchase_errors_use_twilio_codes(client: Client) -> None:
    cases = [
        ({"phone_number": "+19995550000"}, 21422),
        ({"phone_number": "202-555-0100"}, 21421),
        ({"area_code": "999"}, 21452),
        ({"area_code": "12"}, 21451),
        ({"friendly_name": "no number"}, 20001),
    ]
    for kwargs, code in cases:
        with pytest.raises(TwilioRestException) as err:
            client.incoming_phone_numbers.create(**kwargs)
        assert (err.value.status, err.value.code) == (400, code), kwargs


def test_list_filters_and_paging_follow_next_page_uri(client: Client, emu: TwilioEmulator) -> None:
    for area in ("202", "202", "202", "312"):
        client.incoming_phone_numbers.create(area_code=area)
    numbers = client.incoming_phone_numbers.list(page_size=2)
    assert len(numbers) == 7
    assert len({n.sid for n in numbers}) == 7
    pages = emu.log.count(
        endpoint="GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
    )
    assert pages == 4
    streamed = list(client.incoming_phone_numbers.stream(page_size=3, limit=5))
    assert [n.sid for n in streamed] == [n.sid for n in numbers[:5]]
    assert [n.phone_number for n in client.incoming_phone_numbers.list(phone_number="415")] == [
        "+14155550100",
        "+14155550101",
        "+14155550102",
    ]
    assert len(client.incoming_phone_numbers.list(phone_number="+1202555*")) == 3
    spare = client.incoming_phone_numbers.list(friendly_name="spare")
    assert [n.phone_number for n in spare] == ["+14155550102"]
    assert client.incoming_phone_numbers.list(origin="hosted") == []
    assert len(client.incoming_phone_numbers.list(beta=False)) == 7


def test_update_trunk_sid_is_consistent_with_trunking(client: Client) -> None:
    primary = _trunk_sid(client, "BYOC-Primary")
    failover = _trunk_sid(client, "BYOC-Failover")
    spare = client.incoming_phone_numbers.list(friendly_name="spare")[0]
    assert spare.trunk_sid is None
    updated = client.incoming_phone_numbers(spare.sid).update(
        trunk_sid=failover, voice_url="https://example.com/voice", voice_method="GET"
    )
    assert updated.trunk_sid == failover and updated.voice_method == "GET"
    on_failover = client.trunking.v1.trunks(failover).phone_numbers.list()
    assert [p.sid for p in on_failover] == [spare.sid]
    client.incoming_phone_numbers(spare.sid).update(trunk_sid=primary)  # moves it
    assert client.trunking.v1.trunks(failover).phone_numbers.list() == []
    assert spare.sid in {p.sid for p in client.trunking.v1.trunks(primary).phone_numbers.list()}
    cleared = client.incoming_phone_numbers(spare.sid).update(trunk_sid="")
    assert cleared.trunk_sid is None
    assert spare.sid not in {p.sid for p in client.trunking.v1.trunks(primary).phone_numbers.list()}
    assert client.incoming_phone_numbers(spare.sid).fetch().voice_url == "https://example.com/voice"


def test_release_disassociates_and_does_not_restock(client: Client) -> None:
    primary = _trunk_sid(client, "BYOC-Primary")
    on_trunk = client.trunking.v1.trunks(primary).phone_numbers.list()
    victim = on_trunk[0]
    assert client.incoming_phone_numbers(victim.sid).delete() is True
    remaining = client.trunking.v1.trunks(primary).phone_numbers.list()
    assert victim.sid not in {p.sid for p in remaining}
    with pytest.raises(TwilioRestException) as err:
        client.incoming_phone_numbers(victim.sid).fetch()
    assert (err.value.status, err.value.code) == (404, 20404)
    available = client.available_phone_numbers("US").local.list(contains=victim.phone_number[2:])
    assert available == []


def test_unknown_sids_are_404_20404(client: Client) -> None:
    missing = client.incoming_phone_numbers("PN" + "0" * 32)
    calls: list[Callable[[], object]] = [
        missing.fetch,
        lambda: missing.update(friendly_name="x"),
        missing.delete,
    ]
    for call in calls:
        with pytest.raises(TwilioRestException) as err:
            call()
        assert (err.value.status, err.value.code) == (404, 20404)
    http = client.http_client
    assert isinstance(http, CapturingHttpClient)
    with http.sending_invalid_requests(), pytest.raises(TwilioRestException) as malformed:
        client.incoming_phone_numbers("not-a-sid").fetch()
    assert (malformed.value.status, malformed.value.code) == (404, 20404)


def test_other_accounts_paths_are_not_found(client: Client) -> None:
    other = "AC" + "f" * 32
    with pytest.raises(TwilioException):
        client.api.v2010.accounts(other).incoming_phone_numbers.list()
    with pytest.raises(TwilioRestException) as err:
        client.api.v2010.accounts(other).incoming_phone_numbers.create(area_code="202")
    assert (err.value.status, err.value.code) == (404, 20404)


def test_sip_lists_list_create_fetch_update_delete(client: Client) -> None:
    creds = client.sip.credential_lists
    assert [c.friendly_name for c in creds.list()] == ["genesys-creds"]
    made = creds.create(friendly_name="extra")
    assert made.sid.startswith("CL")
    assert creds(made.sid).fetch().friendly_name == "extra"
    assert creds(made.sid).update(friendly_name="renamed").friendly_name == "renamed"
    assert creds(made.sid).delete() is True
    acls = client.sip.ip_access_control_lists
    acl = acls.create(friendly_name="edges-2")
    assert acl.sid.startswith("AL")
    assert {a.friendly_name for a in acls.list(page_size=1)} == {"genesys-edges", "edges-2"}
    assert acls(acl.sid).fetch().sid == acl.sid
    assert acls(acl.sid).update(friendly_name="edges-3").friendly_name == "edges-3"
    assert acls(acl.sid).delete() is True
    with pytest.raises(TwilioRestException) as err:
        acls(acl.sid).fetch()
    assert err.value.code == 20404
