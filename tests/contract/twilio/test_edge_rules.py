"""Twilio's edge rules through the official SDK: default paging, page links and tokens,
list and search filters, number-field rules, name limits, SIP list and domain rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from shared.adapters.classify import classify
from tests.contract.twilio.conftest import SEED, CapturingHttpClient

pytestmark = pytest.mark.contract

NUMBERS_ENDPOINT = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
UNKNOWN_TRUNK = "TK" + "0" * 32
APPLICATION = "AP" + "1" * 32
OTHER_ACCOUNT = "AC" + "f" * 32

# More numbers and trunks than one default page holds: 101 numbers (50 + 50 + 1) and
# 51 trunks (50 + 1), the seed's own included.
MANY = TwilioScenario.model_validate(
    {
        **SEED,
        "incoming_numbers": [
            *SEED["incoming_numbers"],
            *({"phone_number": f"+1646555{i:04d}"} for i in range(98)),
        ],
        "trunks": [*SEED["trunks"], *({"friendly_name": f"T-{i:02d}"} for i in range(49))],
    }
)


def _http(client: Client) -> CapturingHttpClient:
    http = client.http_client
    assert isinstance(http, CapturingHttpClient)
    return http


def _trunk_sid(client: Client, name: str) -> str:
    return str(next(t.sid for t in client.trunking.v1.trunks.list() if t.friendly_name == name))


def _spare(client: Client) -> Any:
    return client.incoming_phone_numbers.list(friendly_name="spare")[0]


def _page_failure(exc: TwilioException) -> tuple[int, int]:
    """(status, code) of a list page's failure: the SDK hands over the raw response."""
    response = exc.args[1]
    return response.status_code, json.loads(response.text)["code"]


def _query(url: str | None) -> dict[str, list[str]]:
    assert url is not None
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("scenario", [MANY], ids=["101-numbers-51-trunks"])
def test_a_list_without_page_size_comes_in_pages_of_50(client: Client, emu: TwilioEmulator) -> None:
    http = _http(client)
    first = client.incoming_phone_numbers.page()
    assert "PageSize" not in http.exchanges[-1].params
    assert len(list(first)) == 50
    envelope = json.loads(http.exchanges[-1].text)
    assert (envelope["page_size"], envelope["start"], envelope["end"]) == (50, 0, 49)
    assert _query(first.next_page_url)["PageSize"] == ["50"]
    numbers = client.incoming_phone_numbers.list()
    assert len({n.sid for n in numbers}) == 101
    assert emu.log.count(endpoint=NUMBERS_ENDPOINT) == 1 + 3  # 50 + 50 + 1
    trunks = client.trunking.v1.trunks.list()
    assert len({t.sid for t in trunks}) == 51
    assert emu.log.count(endpoint="GET /v1/Trunks") == 2  # 50 + 1
    # The SDK asked for no page size at all; only the links it followed carry one.
    firsts = [ex for ex in http.exchanges if not urlsplit(ex.url).query]
    assert len(firsts) == 3 and all("PageSize" not in ex.params for ex in firsts)


def test_v2010_page_uris_repeat_the_lists_filters(client: Client, emu: TwilioEmulator) -> None:
    for _ in range(3):
        client.incoming_phone_numbers.create(area_code="202", friendly_name="dc")
    client.incoming_phone_numbers.create(area_code="312", friendly_name="dc")
    filters = {"friendly_name": "dc", "phone_number": "+1202", "beta": False, "origin": "twilio"}
    sent = {"FriendlyName": ["dc"], "PhoneNumber": ["+1202"], "Beta": ["false"]}
    sent["Origin"] = ["twilio"]
    first = client.incoming_phone_numbers.page(page_size=1, **filters)
    envelope = json.loads(_http(client).exchanges[-1].text)
    for key in ("first_page_uri", "uri", "next_page_uri"):
        query = _query(envelope[key])
        assert {k: v for k, v in query.items() if k in sent} == sent, key
        assert query["PageSize"] == ["1"], key
    assert _query(envelope["next_page_uri"])["Page"] == ["1"]
    second = first.next_page()
    assert second is not None
    assert {k: v for k, v in _query(second.previous_page_url).items() if k in sent} == sent
    every = client.incoming_phone_numbers.list(page_size=1, **filters)
    assert [n.friendly_name for n in every] == ["dc", "dc", "dc"]
    assert all(n.phone_number.startswith("+1202") for n in every)
    # Three pages, each filtered: the last has no next link.
    assert emu.log.count(endpoint=NUMBERS_ENDPOINT) == 2 + 3


def test_a_page_token_holds_its_position_when_records_come_and_go(client: Client) -> None:
    numbers = client.incoming_phone_numbers
    first = numbers.page(page_size=1)
    (read,) = list(first)
    assert read.phone_number == "+14155550100"
    assert "PageToken" in _query(first.next_page_url)
    numbers(read.sid).delete()  # one already read goes; a Page index alone would skip one
    added = numbers.create(area_code="202")
    rest: list[str] = []
    page = first.next_page()
    while page is not None:
        rest += [n.phone_number for n in page]
        page = page.next_page()
    assert rest == ["+14155550101", "+14155550102", added.phone_number]

    trunks = client.trunking.v1.trunks
    first_trunks = trunks.page(page_size=1)
    (primary,) = list(first_trunks)
    assert primary.friendly_name == "BYOC-Primary"
    trunks(primary.sid).delete()
    trunks.create(friendly_name="BYOC-DR")
    later: list[str] = []
    trunk_page = first_trunks.next_page()
    while trunk_page is not None:
        later += [t.friendly_name for t in trunk_page]
        trunk_page = trunk_page.next_page()
    assert later == ["BYOC-Failover", "BYOC-DR"]


def test_a_page_token_twilio_did_not_issue_is_a_400(client: Client) -> None:
    """Twilio's code for it is 21481 "Invalid PageToken"."""
    for token in ("garbage", "PA" + "z" * 32, "PN" + "0" * 32):
        with pytest.raises(TwilioException) as numbers:
            client.incoming_phone_numbers.page(page_size=1, page_token=token)
        assert _page_failure(numbers.value) == (400, 21481), token
        with pytest.raises(TwilioException) as trunks:
            client.trunking.v1.trunks.page(page_size=1, page_token=token)
        assert _page_failure(trunks.value) == (400, 21481), token
        failure = classify(trunks.value)
        assert failure is not None and failure.status == 400 and not failure.retryable


def test_a_phone_number_filter_with_non_number_characters_is_400_21421(client: Client) -> None:
    for pattern in ("+1415abc", "415#", "415/555"):
        with pytest.raises(TwilioException) as err:
            client.incoming_phone_numbers.list(phone_number=pattern)
        assert _page_failure(err.value) == (400, 21421), pattern
    # Separators of a written number are not refused: they are ignored.
    written = client.incoming_phone_numbers.list(phone_number="(415) 555-01")
    assert [n.phone_number for n in written] == ["+14155550100", "+14155550101", "+14155550102"]


def test_an_empty_friendly_name_on_update_restores_the_default_name(client: Client) -> None:
    spare = _spare(client)
    assert spare.friendly_name == "spare"
    reset = client.incoming_phone_numbers(spare.sid).update(friendly_name="")
    assert reset.friendly_name == "(415) 555-0102"
    assert client.incoming_phone_numbers(spare.sid).fetch().friendly_name == "(415) 555-0102"
    named = client.incoming_phone_numbers.create(phone_number="+12025550103", friendly_name="x")
    again = client.incoming_phone_numbers(named.sid).update(friendly_name="")
    assert again.friendly_name == "(202) 555-0103"


def test_a_purchase_with_any_invalid_field_buys_nothing(
    client: Client, emu: TwilioEmulator
) -> None:
    http = _http(client)
    owned = len(emu.snapshot()["incoming_phone_numbers"])
    cases: list[tuple[dict[str, Any], int, bool]] = [
        ({"voice_url": "not-a-url"}, 400, True),
        ({"voice_method": "PUT"}, 400, True),
        ({"voice_application_sid": "XX" + "1" * 32}, 400, True),
        ({"friendly_name": "x" * 65}, 400, False),
        ({"trunk_sid": UNKNOWN_TRUNK}, 404, False),
    ]
    for to_buy in ({"phone_number": "+12025550103"}, {"area_code": "312"}):
        for extra, status, against_spec in cases:
            with pytest.raises(TwilioRestException) as err:
                if against_spec:
                    with http.sending_invalid_requests():
                        client.incoming_phone_numbers.create(**to_buy, **extra)
                else:
                    client.incoming_phone_numbers.create(**to_buy, **extra)
            assert err.value.status == status, (to_buy, extra)
    assert len(emu.snapshot()["incoming_phone_numbers"]) == owned
    local = client.available_phone_numbers("US").local
    assert [n.phone_number for n in local.list(contains="2025550103")] == ["+12025550103"]
    assert local.list(area_code=312)[0].phone_number == "+13125550100"
    assert client.incoming_phone_numbers.create(phone_number="+12025550103").sid.startswith("PN")


def test_setting_trunk_sid_clears_voice_application_sid_and_the_other_way_round(
    client: Client,
) -> None:
    primary = _trunk_sid(client, "BYOC-Primary")
    numbers = client.trunking.v1.trunks(primary).phone_numbers
    number = numbers.list()[0]
    to_app = client.incoming_phone_numbers(number.sid).update(voice_application_sid=APPLICATION)
    assert (to_app.voice_application_sid, to_app.trunk_sid) == (APPLICATION, None)
    assert number.sid not in {p.sid for p in numbers.list()}
    to_trunk = client.incoming_phone_numbers(number.sid).update(trunk_sid=primary)
    assert (to_trunk.trunk_sid, to_trunk.voice_application_sid) == (primary, None)
    assert number.sid in {p.sid for p in numbers.list()}
    fetched = client.incoming_phone_numbers(number.sid).fetch()
    assert (fetched.trunk_sid, fetched.voice_application_sid) == (primary, None)


def test_a_trunk_sid_naming_no_trunk_of_the_account_is_404(client: Client) -> None:
    primary = _trunk_sid(client, "BYOC-Primary")
    on_trunk = client.trunking.v1.trunks(primary).phone_numbers.list()[0]
    spare = _spare(client)
    for sid in (spare.sid, on_trunk.sid):
        with pytest.raises(TwilioRestException) as err:
            client.incoming_phone_numbers(sid).update(trunk_sid=UNKNOWN_TRUNK, friendly_name="y")
        assert (err.value.status, err.value.code) == (404, 20404)
    assert client.incoming_phone_numbers(spare.sid).fetch().trunk_sid is None
    kept = client.incoming_phone_numbers(on_trunk.sid).fetch()
    assert (kept.trunk_sid, kept.friendly_name) == (primary, on_trunk.friendly_name)


def test_account_sid_on_update_is_refused_by_the_emulator(
    client: Client, emu: TwilioEmulator
) -> None:
    spare = _spare(client)
    with pytest.raises(TwilioRestException) as err:
        client.incoming_phone_numbers(spare.sid).update(
            account_sid=OTHER_ACCOUNT, friendly_name="moved"
        )
    assert (err.value.status, err.value.code) == (400, 20001)
    assert client.incoming_phone_numbers(spare.sid).fetch().friendly_name == "spare"
    # Naming the number's own account moves nothing, so it is no refusal.
    same = client.incoming_phone_numbers(spare.sid).update(
        account_sid=emu.account_sid, friendly_name="kept"
    )
    assert (same.account_sid, same.friendly_name) == (emu.account_sid, "kept")


def test_a_search_area_code_outside_nanp_is_400_21451(client: Client) -> None:
    local = client.available_phone_numbers("US").local
    for area_code in (0, 99, 100, 199):
        with pytest.raises(TwilioException) as err:
            local.list(area_code=area_code)
        assert _page_failure(err.value) == (400, 21451), area_code
    assert local.list(area_code=200) == []  # a NANP area code with nothing in stock
    assert len(local.list(area_code=202)) == 6


def test_a_country_code_that_is_not_iso_alpha_2_is_404(client: Client) -> None:
    for country in ("usa", "USA", "U1", "1"):
        available = client.available_phone_numbers(country)
        for listing in (available.local, available.toll_free):
            with pytest.raises(TwilioException) as err:
                listing.list()
            assert _page_failure(err.value) == (404, 20404), country
    assert client.available_phone_numbers("GB").local.list() == []  # ISO, no stock: 200


def test_friendly_names_are_capped_at_64_characters_ip_acls_included(client: Client) -> None:
    """Twilio allows 255 on IP access control lists; the emulator caps them at 64 too."""
    fits, too_long = "n" * 64, "n" * 65
    spare = _spare(client)
    primary = _trunk_sid(client, "BYOC-Primary")
    urls = client.trunking.v1.trunks(primary).origination_urls

    def origination_url(name: str) -> Any:
        return urls.create(
            weight=1, priority=1, enabled=True, friendly_name=name, sip_url="sip:edge.example.com"
        )

    creates: dict[str, Callable[[str], Any]] = {
        "number": lambda name: client.incoming_phone_numbers(spare.sid).update(friendly_name=name),
        "trunk": lambda name: client.trunking.v1.trunks.create(friendly_name=name),
        "origination URL": origination_url,
        "credential list": lambda name: client.sip.credential_lists.create(friendly_name=name),
        "IP ACL": lambda name: client.sip.ip_access_control_lists.create(friendly_name=name),
    }
    for what, make in creates.items():
        assert make(fits).friendly_name == fits, what
        with pytest.raises(TwilioRestException) as err:
            make(too_long)
        assert (err.value.status, err.value.code) == (400, 20001), what
    acl = client.sip.ip_access_control_lists.list()[0]
    with pytest.raises(TwilioRestException) as rename:
        client.sip.ip_access_control_lists(acl.sid).update(friendly_name=too_long)
    assert (rename.value.status, rename.value.code) == (400, 20001)


def test_deleting_an_account_sip_list_a_trunk_uses_detaches_it(client: Client) -> None:
    """Twilio may refuse instead (21241 / 21236 "Dependencies Violation"); unverified."""
    primary = client.trunking.v1.trunks(_trunk_sid(client, "BYOC-Primary"))
    failover = client.trunking.v1.trunks(_trunk_sid(client, "BYOC-Failover"))
    creds = client.sip.credential_lists.list()[0]
    acl = client.sip.ip_access_control_lists.list()[0]
    assert [c.sid for c in primary.credentials_lists.list()] == [creds.sid]
    assert [a.sid for a in failover.ip_access_control_lists.list()] == [acl.sid]
    assert client.sip.credential_lists(creds.sid).delete() is True
    assert client.sip.ip_access_control_lists(acl.sid).delete() is True
    assert primary.credentials_lists.list() == []
    assert failover.ip_access_control_lists.list() == []
    for association in (
        primary.credentials_lists(creds.sid),
        failover.ip_access_control_lists(acl.sid),
    ):
        with pytest.raises(TwilioRestException) as err:
            association.fetch()
        assert (err.value.status, err.value.code) == (404, 20404)
    assert primary.fetch().auth_type_set == [] and failover.fetch().auth_type_set == []


def test_trunk_domain_names_are_lower_cased_so_case_alone_is_a_duplicate(client: Client) -> None:
    trunks = client.trunking.v1.trunks
    made = trunks.create(friendly_name="mixed", domain_name="MixedCase.pstn.twilio.com")
    assert made.domain_name == "mixedcase.pstn.twilio.com"
    assert trunks(made.sid).fetch().domain_name == "mixedcase.pstn.twilio.com"
    for domain in (
        "mixedcase.pstn.twilio.com",
        "MIXEDCASE.pstn.twilio.com",
        "BYOC-Primary.pstn.twilio.com",
    ):
        with pytest.raises(TwilioRestException) as created:
            trunks.create(domain_name=domain)
        assert (created.value.status, created.value.code) == (400, 21248), domain
    failover = _trunk_sid(client, "BYOC-Failover")
    with pytest.raises(TwilioRestException) as renamed:
        trunks(failover).update(domain_name="MIXEDcase.pstn.twilio.com")
    assert (renamed.value.status, renamed.value.code) == (400, 21248)
    assert trunks(failover).fetch().domain_name == "byoc-failover.pstn.twilio.com"


def test_a_bad_webhook_url_or_method_carries_twilios_own_code(client: Client) -> None:
    """21402 "Invalid Url" and 21403 "Invalid Method", not the generic 20001."""
    http = _http(client)
    number = client.incoming_phone_numbers.list(limit=1)[0]
    for kwargs, code in (({"voice_url": "not-a-url"}, 21402), ({"sms_method": "PUT"}, 21403)):
        with http.sending_invalid_requests(), pytest.raises(TwilioRestException) as err:
            client.incoming_phone_numbers(number.sid).update(**kwargs)
        assert (err.value.status, err.value.code) == (400, code), kwargs
