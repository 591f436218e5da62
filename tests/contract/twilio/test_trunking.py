"""Trunking v1 through the official SDK: trunks, origination URLs, numbers, SIP lists."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from sandbox.emulators.twilio import TwilioEmulator
from tests.contract.twilio.conftest import CapturingHttpClient

pytestmark = pytest.mark.contract


def _trunks(client: Client) -> dict[str, str]:
    return {t.friendly_name: t.sid for t in client.trunking.v1.trunks.list()}


def test_trunk_crud_and_paging(client: Client, emu: TwilioEmulator) -> None:
    trunks = client.trunking.v1.trunks
    made = trunks.create(friendly_name="BYOC-DR", domain_name="byoc-dr.pstn.twilio.com")
    assert made.sid.startswith("TK") and made.domain_name == "byoc-dr.pstn.twilio.com"
    assert made.links["phone_numbers"].endswith(f"/v1/Trunks/{made.sid}/PhoneNumbers")
    listed = trunks.list(page_size=1)
    assert [t.friendly_name for t in listed] == ["BYOC-Primary", "BYOC-Failover", "BYOC-DR"]
    assert emu.log.count(endpoint="GET /v1/Trunks") == 3
    updated = trunks(made.sid).update(
        friendly_name="BYOC-DR2", secure=True, transfer_mode="sip-only"
    )
    assert (updated.friendly_name, updated.secure, updated.transfer_mode) == (
        "BYOC-DR2",
        True,
        "sip-only",
    )
    assert trunks(made.sid).fetch().friendly_name == "BYOC-DR2"
    with pytest.raises(TwilioRestException) as taken:
        trunks.create(domain_name="byoc-primary.pstn.twilio.com")
    assert (taken.value.status, taken.value.code) == (400, 21248)
    with pytest.raises(TwilioRestException) as bad_domain:
        trunks.create(domain_name="byoc.example.com")
    assert (bad_domain.value.status, bad_domain.value.code) == (400, 20001)
    assert trunks(made.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        trunks(made.sid).fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)


def test_origination_urls_priority_weight_enabled(client: Client) -> None:
    primary = _trunks(client)["BYOC-Primary"]
    urls = client.trunking.v1.trunks(primary).origination_urls
    (seeded,) = urls.list()
    assert (seeded.priority, seeded.weight, seeded.enabled) == (10, 10, True)
    made = urls.create(
        weight=20,
        priority=5,
        enabled=False,
        friendly_name="edge-2",
        sip_url="sip:edge2.example.com",
    )
    assert made.sid.startswith("OU") and made.trunk_sid == primary
    changed = urls(made.sid).update(priority=0, weight=65535, enabled=True)
    assert (changed.priority, changed.weight, changed.enabled) == (0, 65535, True)
    assert urls(made.sid).fetch().friendly_name == "edge-2"
    assert [u.sid for u in urls.list(page_size=1)] == [seeded.sid, made.sid]
    for kwargs in ({"priority": 65536}, {"weight": 0}, {"sip_url": "http://edge.example.com"}):
        with pytest.raises(TwilioRestException) as err:
            urls(made.sid).update(**kwargs)
        assert (err.value.status, err.value.code) == (400, 20001), kwargs
    assert urls(made.sid).delete() is True
    assert [u.sid for u in urls.list()] == [seeded.sid]


def test_phone_numbers_sit_on_one_trunk(client: Client) -> None:
    """A number moves between trunks by leaving one and joining the other (what attaching
    it elsewhere does is a scenario switch: test_attach_switches.py)."""
    trunks = _trunks(client)
    primary = client.trunking.v1.trunks(trunks["BYOC-Primary"]).phone_numbers
    failover = client.trunking.v1.trunks(trunks["BYOC-Failover"]).phone_numbers
    on_primary = primary.list(page_size=1)
    assert [p.phone_number for p in on_primary] == ["+14155550100", "+14155550101"]
    assert primary(on_primary[0].sid).delete() is True
    moved = failover.create(phone_number_sid=on_primary[0].sid)
    assert moved.trunk_sid == trunks["BYOC-Failover"]
    assert [p.sid for p in primary.list()] == [on_primary[1].sid]
    assert client.incoming_phone_numbers(on_primary[0].sid).fetch().trunk_sid == moved.trunk_sid
    assert failover(on_primary[0].sid).fetch().phone_number == "+14155550100"
    with pytest.raises(TwilioRestException) as elsewhere:
        primary(on_primary[0].sid).fetch()
    assert elsewhere.value.status == 404
    assert failover(on_primary[0].sid).delete() is True
    assert client.incoming_phone_numbers(on_primary[0].sid).fetch().trunk_sid is None
    with pytest.raises(TwilioRestException) as unknown:
        failover.create(phone_number_sid="PN" + "1" * 32)
    assert (unknown.value.status, unknown.value.code) == (404, 20404)


def test_deleting_a_trunk_disassociates_its_numbers(client: Client) -> None:
    primary = _trunks(client)["BYOC-Primary"]
    sids = [p.sid for p in client.trunking.v1.trunks(primary).phone_numbers.list()]
    client.trunking.v1.trunks(primary).delete()
    for sid in sids:
        assert client.incoming_phone_numbers(sid).fetch().trunk_sid is None
    with pytest.raises(TwilioException):
        client.trunking.v1.trunks(primary).phone_numbers.list()


def test_trunk_sip_list_associations(client: Client) -> None:
    trunks = _trunks(client)
    failover = client.trunking.v1.trunks(trunks["BYOC-Failover"])
    creds = client.sip.credential_lists.list()[0]
    assert failover.credentials_lists.list() == []
    linked = failover.credentials_lists.create(credential_list_sid=creds.sid)
    assert (linked.sid, linked.friendly_name) == (creds.sid, "genesys-creds")
    assert failover.credentials_lists(creds.sid).fetch().trunk_sid == trunks["BYOC-Failover"]
    assert set(failover.fetch().auth_type_set) == {"CREDENTIAL_LIST", "IP_ACL"}
    with pytest.raises(TwilioRestException) as twice:
        failover.credentials_lists.create(credential_list_sid=creds.sid)
    assert twice.value.status == 400
    acls = failover.ip_access_control_lists.list(page_size=1)
    assert [a.friendly_name for a in acls] == ["genesys-edges"]
    assert failover.ip_access_control_lists(acls[0].sid).fetch().sid == acls[0].sid
    assert failover.ip_access_control_lists(acls[0].sid).delete() is True
    assert failover.credentials_lists(creds.sid).delete() is True
    assert failover.fetch().auth_type_set == []
    new_acl = client.sip.ip_access_control_lists.create(friendly_name="edges-b")
    assert failover.ip_access_control_lists.create(ip_access_control_list_sid=new_acl.sid)
    with pytest.raises(TwilioRestException) as missing:
        failover.credentials_lists.create(credential_list_sid="CL" + "2" * 32)
    assert (missing.value.status, missing.value.code) == (404, 20404)


def test_recording_settings_are_the_trunks_recording_sub_resource(client: Client) -> None:
    """The trunk advertises `links.recording`; its settings change there, and only there."""
    sid = _trunks(client)["BYOC-Primary"]
    trunk = client.trunking.v1.trunks(sid)
    assert trunk.fetch().links["recording"].endswith(f"/v1/Trunks/{sid}/Recording")
    recording = trunk.recordings()  # the SDK mounts the singleton as `recordings`
    seeded = recording.fetch()
    assert (seeded.mode, seeded.trim) == ("do-not-record", "do-not-trim")
    dual = recording.update(mode="record-from-answer-dual")
    assert (dual.mode, dual.trim) == ("record-from-answer-dual", "do-not-trim")
    trimmed = recording.update(trim="trim-silence")
    assert (trimmed.mode, trimmed.trim) == ("record-from-answer-dual", "trim-silence")
    assert trunk.fetch().recording == {"mode": "record-from-answer-dual", "trim": "trim-silence"}
    other = client.trunking.v1.trunks(_trunks(client)["BYOC-Failover"]).recordings().fetch()
    assert (other.mode, other.trim) == ("do-not-record", "do-not-trim")
    http = client.http_client
    assert isinstance(http, CapturingHttpClient)
    with http.sending_invalid_requests(), pytest.raises(TwilioRestException) as loud:
        recording.update(mode="record-everything")
    assert (loud.value.status, loud.value.code) == (400, 20001)
    assert recording.fetch().mode == "record-from-answer-dual"  # unchanged
    with pytest.raises(TwilioRestException) as gone:
        client.trunking.v1.trunks("TK" + "0" * 32).recordings().fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)
