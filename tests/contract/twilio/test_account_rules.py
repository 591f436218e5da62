"""Twilio's account rules through the official SDK: buying a number the account already owns,
`sips:` origination URLs, the trunk and origination URL limits, a SIP list associated twice,
and a deleted trunk's domain name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from sandbox.emulators.twilio import TwilioEmulator

pytestmark = pytest.mark.contract


def _trunk_sid(client: Client, name: str) -> str:
    return str(next(t.sid for t in client.trunking.v1.trunks.list() if t.friendly_name == name))


def test_buying_a_number_the_account_owns_is_201_and_updates_it(
    client: Client, emu: TwilioEmulator
) -> None:
    """Twilio answers 201 and applies the request like an update, `status` in-use
    (github.com/danielberkompas/ex_twilio/pull/116), where 21422 would be expected."""
    owned = next(n for n in client.incoming_phone_numbers.list() if n.friendly_name == "spare")
    primary = _trunk_sid(client, "BYOC-Primary")
    again = client.incoming_phone_numbers.create(
        phone_number=owned.phone_number, friendly_name="spare, bought twice", trunk_sid=primary
    )
    assert (again.sid, again.status) == (owned.sid, "in-use")
    assert (again.friendly_name, again.trunk_sid) == ("spare, bought twice", primary)
    assert again.date_created == owned.date_created
    assert len(client.incoming_phone_numbers.list(phone_number=owned.phone_number)) == 1
    assert [n.phone_number for n in emu.state.numbers.values()].count(owned.phone_number) == 1
    # Nothing to change: still 201, the number as it is.
    same = client.incoming_phone_numbers.create(phone_number=owned.phone_number)
    assert (same.sid, same.friendly_name) == (owned.sid, "spare, bought twice")
    # A number for sale elsewhere, or not at all, is still refused.
    with pytest.raises(TwilioRestException) as gone:
        client.incoming_phone_numbers.create(phone_number="+19995550000")
    assert (gone.value.status, gone.value.code) == (400, 21422)


def test_sips_origination_urls_are_refused(client: Client) -> None:
    """ "This must be a `sip:` schema. `sips` is NOT supported" (twilio_trunking_v1.json,
    OriginationUrl SipUrl). Twilio publishes no code for it: 400/20001."""
    urls = client.trunking.v1.trunks(_trunk_sid(client, "BYOC-Primary")).origination_urls
    for sip_url in ("sips:edge.example.com", "SIPS:edge.example.com:5061"):
        with pytest.raises(TwilioRestException) as refused:
            urls.create(weight=10, priority=10, enabled=True, friendly_name="tls", sip_url=sip_url)
        assert (refused.value.status, refused.value.code) == (400, 20001), sip_url
        assert "sips is NOT supported" in refused.value.msg
    (seeded,) = urls.list()
    with pytest.raises(TwilioRestException) as on_update:
        urls(seeded.sid).update(sip_url="sips:edge.example.com")
    assert (on_update.value.status, on_update.value.code) == (400, 20001)
    assert urls(seeded.sid).fetch().sip_url == "sip:primary.byoc.example.com"
    tls = urls.create(
        weight=10,
        priority=20,
        enabled=True,
        friendly_name="tls",
        sip_url="sip:edge.example.com:5061;transport=tls",
    )
    assert tls.sip_url == "sip:edge.example.com:5061;transport=tls"


def test_an_account_holds_100_trunks_then_21244(client: Client, emu: TwilioEmulator) -> None:
    """ "Accounts have a maximum of 100 unique SIP trunks" (twilio.com/docs/sip-trunking/
    scale-and-limits); one more is 21244 "Maximum Number of Trunks reached"."""
    trunks = client.trunking.v1.trunks
    assert emu.scenario.max_trunks == 100
    for n in range(100 - len(trunks.list())):
        trunks.create(friendly_name=f"trunk-{n}")
    with pytest.raises(TwilioRestException) as full:
        trunks.create(friendly_name="one too many")
    assert (full.value.status, full.value.code) == (400, 21244)
    assert len(trunks.list(page_size=1000)) == 100
    trunks(_trunk_sid(client, "trunk-0")).delete()
    assert trunks.create(friendly_name="room again").sid.startswith("TK")


def test_origination_urls_beyond_the_limit_are_21249(client: Client, emu: TwilioEmulator) -> None:
    """21249 "Maximum Origination URIs reached" (twilio.com/docs/api/errors/21249); Twilio
    publishes no figure, so it is the scenario's `max_origination_urls_per_trunk`."""
    limit = emu.scenario.max_origination_urls_per_trunk
    urls = client.trunking.v1.trunks(_trunk_sid(client, "BYOC-Primary")).origination_urls
    for n in range(limit - len(urls.list())):
        urls.create(
            weight=10, priority=n, enabled=True, friendly_name=f"edge-{n}", sip_url=f"sip:e{n}.x"
        )
    with pytest.raises(TwilioRestException) as full:
        urls.create(weight=10, priority=1, enabled=True, friendly_name="x", sip_url="sip:x.x")
    assert (full.value.status, full.value.code) == (400, 21249)
    assert len(urls.list()) == limit


def test_a_sip_list_associated_with_a_trunk_twice_is_21245(client: Client) -> None:
    """21245 "Trunk Validation Error": "Credential List or IP-ACL already associated with
    Trunk" (twilio.com/docs/api/errors/21245)."""
    primary = client.trunking.v1.trunks(_trunk_sid(client, "BYOC-Primary"))
    creds = client.sip.credential_lists.list()[0]
    with pytest.raises(TwilioRestException) as twice:
        primary.credentials_lists.create(credential_list_sid=creds.sid)
    assert (twice.value.status, twice.value.code) == (400, 21245)
    edges = client.sip.ip_access_control_lists.list()[0]
    assert primary.ip_access_control_lists.create(ip_access_control_list_sid=edges.sid)
    with pytest.raises(TwilioRestException) as acl_twice:
        primary.ip_access_control_lists.create(ip_access_control_list_sid=edges.sid)
    assert (acl_twice.value.status, acl_twice.value.code) == (400, 21245)


def test_a_deleted_trunks_domain_stays_taken_for_30_days(
    client: Client, emu: TwilioEmulator
) -> None:
    """A deleted trunk's termination domain can't be reused for up to 30 days: 21248
    (support.twilio.com/hc/en-us/articles/51034176439707). The emulator's clock moves."""
    clock = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC)]
    emu.state.clock = lambda: clock[0]
    trunks = client.trunking.v1.trunks
    domain = "byoc-primary.pstn.twilio.com"
    trunks(_trunk_sid(client, "BYOC-Primary")).delete()
    clock[0] += timedelta(days=29, hours=23)
    with pytest.raises(TwilioRestException) as held:
        trunks.create(friendly_name="BYOC-Primary again", domain_name=domain)
    assert (held.value.status, held.value.code) == (400, 21248)
    failover = _trunk_sid(client, "BYOC-Failover")
    with pytest.raises(TwilioRestException) as renamed:
        trunks(failover).update(domain_name=domain)
    assert (renamed.value.status, renamed.value.code) == (400, 21248)
    clock[0] += timedelta(hours=1)
    assert trunks.create(friendly_name="BYOC-Primary again", domain_name=domain).domain_name == (
        domain
    )
