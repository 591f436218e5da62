"""`TwilioTrunkWrites` over the official SDK against the Twilio emulator: the carrier side of
a trunk group (trunk, origination URLs, credential list, IP ACL, associations).

Every create is made, read back and made again (the same object comes back, none is
duplicated), and made once more with its first answer lost: the emulator carries out the
POST and the SDK sees a reset, so the retry policy's second attempt must find the object,
not make another. Deleting what is gone answers False. A SIP password appears in no log
record and in no error reason, even when the vendor's error text repeats it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from pydantic import SecretStr

from sandbox.emulators.twilio import TwilioEmulator
from shared.adapters.twilio import TwilioAdapter
from shared.adapters.twilio_trunking import MASK
from shared.ports import TerminalVendorError, TwilioTrunkWrites
from tests.support.secret_watch import WATCH

ACCOUNT = "/2010-04-01/Accounts/{AccountSid}"
TRUNK_POST = "POST /v1/Trunks"
URL_POST = "POST /v1/Trunks/{TrunkSid}/OriginationUrls"
LIST_POST = f"POST {ACCOUNT}/SIP/CredentialLists.json"
CREDENTIAL_POST = f"POST {ACCOUNT}/SIP/CredentialLists/{{CredentialListSid}}/Credentials.json"
ACL_POST = f"POST {ACCOUNT}/SIP/IpAccessControlLists.json"
ADDRESS_POST = (
    f"POST {ACCOUNT}/SIP/IpAccessControlLists/{{IpAccessControlListSid}}/IpAddresses.json"
)
LINK_LIST_POST = "POST /v1/Trunks/{TrunkSid}/CredentialLists"
LINK_ACL_POST = "POST /v1/Trunks/{TrunkSid}/IpAccessControlLists"

PASSWORD = SecretStr("Tr0ub4dour-SIP-2024")
NEW_PASSWORD = SecretStr("C0rrectHorse-SIP-2025")
WEAK = SecretStr("Weak1pw")  # under 12 characters: Twilio's 400
DR_URL = "https://example.com/byoc/disaster-recovery"
SECRETS = (PASSWORD, NEW_PASSWORD, WEAK)


@pytest.fixture(autouse=True)
def _watch_the_passwords() -> Iterator[None]:
    """Every log record of the run is checked for these too (tests/support/secret_watch)."""
    values = {s.get_secret_value() for s in SECRETS}
    WATCH.extra.update(values)
    yield
    WATCH.extra.difference_update(values)


@dataclass(frozen=True)
class Parents:
    """A new trunk, credential list and IP ACL for the members and associations."""

    trunk_sid: str
    list_sid: str
    acl_sid: str


@pytest.fixture
def parents(twilio: TwilioAdapter, twilio_emu: TwilioEmulator) -> Parents:
    trunk = twilio.create_trunk("BYOC-Group-B", "byoc-group-b.pstn.twilio.com", True, None)
    credential_list = twilio.create_credential_list("BYOC-Group-B credentials")
    acl = twilio.create_ip_acl("BYOC-Group-B edges")
    twilio_emu.log.clear()
    return Parents(trunk.sid, credential_list.sid, acl.sid)


def lose_next_answer(monkeypatch: pytest.MonkeyPatch, adapter: TwilioAdapter, path: str) -> None:
    """The next POST to a path matching `path` (a regex) is carried out by the emulator and
    its answer lost: the SDK sees a reset, as after a request that went out."""
    http = adapter._client.http_client
    real = http.request
    lost: list[str] = []

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        answer = real(method, url, *args, **kwargs)
        if method == "POST" and not lost and re.search(path, urlsplit(url).path):
            lost.append(url)
            raise requests.ConnectionError("connection reset by peer (answer lost)")
        return answer

    monkeypatch.setattr(http, "request", request)


def handled(emu: TwilioEmulator, endpoint: str) -> list[int]:
    """The statuses of the requests to `endpoint` the emulator answered."""
    return [e.status for e in emu.log.entries() if e.endpoint == endpoint]


def stored_password(emu: TwilioEmulator, list_sid: str, credential_sid: str) -> str:
    with emu.lock:
        return emu.state.credential_lists[list_sid].credentials[credential_sid].password


# ---------------------------------------------------------------- reads
def test_list_trunks_reads_the_trunk_settings_from_the_list_it_already_read(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator
) -> None:
    twilio_emu.log.clear()
    (trunk,) = twilio.list_trunks()
    assert (trunk.domain_name, trunk.secure, trunk.disaster_recovery_url) == (
        "byoc-example.pstn.twilio.com",
        True,
        None,
    )
    assert [e.endpoint for e in twilio_emu.log.entries()] == [
        "GET /v1/Trunks",
        "GET /v1/Trunks/{TrunkSid}/OriginationUrls",
    ]


def test_lists_acls_and_associations_are_read_with_their_members(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator
) -> None:
    writes: TwilioTrunkWrites = twilio
    (seeded_list,) = writes.list_credential_lists()
    (seeded_acl,) = writes.list_ip_acls()
    assert (seeded_list.friendly_name, seeded_list.credentials) == ("genesys-byoc-credentials", ())
    assert (seeded_acl.friendly_name, seeded_acl.addresses) == ("genesys-byoc-edges", ())

    credential = writes.create_credential(seeded_list.sid, "genesys-edge", PASSWORD)
    address = writes.add_ip_address(seeded_acl.sid, "54.172.60.0", 30, "54.172.60.0/30")
    (credential_list,) = writes.list_credential_lists()
    (acl,) = writes.list_ip_acls()
    assert credential_list.credentials == (credential,)
    assert credential.username == "genesys-edge" and credential.sid.startswith("CR")
    assert acl.addresses == (address,)
    assert (address.cidr, address.sid[:2]) == ("54.172.60.0/30", "IP")

    (trunk,) = twilio.list_trunks()
    twilio_emu.log.clear()
    associations = writes.trunk_associations(trunk.sid)
    assert associations.credential_list_sids == (seeded_list.sid,)
    assert associations.ip_acl_sids == (seeded_acl.sid,)
    assert len(twilio_emu.log.entries()) == 2


# ---------------------------------------------------------------- trunks
def test_a_trunk_is_created_read_back_and_a_second_create_returns_it(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator
) -> None:
    made = twilio.create_trunk("BYOC-Group-B", "byoc-group-b.pstn.twilio.com", True, DR_URL)
    assert made.sid.startswith("TK")
    assert (made.friendly_name, made.domain_name, made.secure, made.disaster_recovery_url) == (
        "BYOC-Group-B",
        "byoc-group-b.pstn.twilio.com",
        True,
        DR_URL,
    )
    read = next(t for t in twilio.list_trunks() if t.sid == made.sid)
    assert read == made

    again = twilio.create_trunk("BYOC-Group-B", "byoc-group-b.pstn.twilio.com", True, DR_URL)
    assert again == made
    assert [t.sid for t in twilio.list_trunks() if t.friendly_name == "BYOC-Group-B"] == [made.sid]
    assert handled(twilio_emu, TRUNK_POST) == [201, 400]  # the second is Twilio's 21248


def test_a_domain_another_trunk_holds_is_a_terminal_21248(twilio: TwilioAdapter) -> None:
    with pytest.raises(TerminalVendorError) as refused:
        twilio.create_trunk("Someone else", "byoc-example.pstn.twilio.com", False, None)
    assert (refused.value.status, refused.value.code) == (400, "21248")
    assert "Trunk Domain already taken" in refused.value.reason
    assert [t.friendly_name for t in twilio.list_trunks()] == ["BYOC-Primary-Failover"]


def test_update_trunk_sets_its_settings_and_none_clears_the_disaster_recovery_url(
    twilio: TwilioAdapter,
) -> None:
    (trunk,) = twilio.list_trunks()
    assert trunk.domain_name is not None
    updated = twilio.update_trunk(trunk.sid, trunk.domain_name, False, DR_URL)
    assert (updated.domain_name, updated.secure, updated.disaster_recovery_url) == (
        trunk.domain_name,
        False,
        DR_URL,
    )
    moved = twilio.update_trunk(trunk.sid, "byoc-moved.pstn.twilio.com", False, None)
    assert (moved.domain_name, moved.disaster_recovery_url) == ("byoc-moved.pstn.twilio.com", None)
    (after,) = twilio.list_trunks()
    assert (after.domain_name, after.secure, after.disaster_recovery_url) == (
        "byoc-moved.pstn.twilio.com",
        False,
        None,
    )
    assert after.origination_urls == trunk.origination_urls


# ---------------------------------------------------------------- origination URLs
def test_an_origination_url_is_created_once_and_deleting_it_twice_answers_false(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, parents: Parents
) -> None:
    sip_url = "sip:byoc-b.example.byoc.mypurecloud.com;transport=tls"
    made = twilio.create_origination_url(parents.trunk_sid, sip_url, 10, 20, True, "edge-b")
    assert (made.sip_url, made.priority, made.weight, made.enabled, made.friendly_name) == (
        sip_url,
        10,
        20,
        True,
        "edge-b",
    )
    assert twilio.list_origination_urls(parents.trunk_sid) == [made]
    assert twilio.create_origination_url(parents.trunk_sid, sip_url, 10, 20, True, "edge-b") == made
    assert twilio.list_origination_urls(parents.trunk_sid) == [made]
    assert handled(twilio_emu, URL_POST) == [201]

    assert twilio.delete_origination_url(parents.trunk_sid, made.sid) is True
    assert twilio.delete_origination_url(parents.trunk_sid, made.sid) is False
    assert twilio.list_origination_urls(parents.trunk_sid) == []


# ---------------------------------------------------------------- credential lists
def test_a_credential_list_is_created_once(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator
) -> None:
    made = twilio.create_credential_list("BYOC-Group-B credentials")
    assert made.sid.startswith("CL") and made.credentials == ()
    again = twilio.create_credential_list("BYOC-Group-B credentials")
    assert again == made
    named = [cl for cl in twilio.list_credential_lists() if cl.friendly_name == made.friendly_name]
    assert named == [made]
    assert handled(twilio_emu, LIST_POST) == [201]


def test_a_credential_is_created_once_repassworded_and_deleted(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, parents: Parents
) -> None:
    made = twilio.create_credential(parents.list_sid, "genesys-b", PASSWORD)
    assert made.sid.startswith("CR") and made.username == "genesys-b"
    assert stored_password(twilio_emu, parents.list_sid, made.sid) == PASSWORD.get_secret_value()

    # Twilio refuses the second user of one name; the one there is the answer, and it is
    # given the password asked for (no read could tell otherwise).
    again = twilio.create_credential(parents.list_sid, "genesys-b", NEW_PASSWORD)
    assert again == made
    assert handled(twilio_emu, CREDENTIAL_POST) == [201, 400]
    assert (
        stored_password(twilio_emu, parents.list_sid, made.sid) == NEW_PASSWORD.get_secret_value()
    )
    (credential_list,) = [cl for cl in twilio.list_credential_lists() if cl.sid == parents.list_sid]
    assert credential_list.credentials == (made,)

    assert twilio.update_credential_password(parents.list_sid, made.sid, PASSWORD) == made
    assert stored_password(twilio_emu, parents.list_sid, made.sid) == PASSWORD.get_secret_value()

    assert twilio.delete_credential(parents.list_sid, made.sid) is True
    assert twilio.delete_credential(parents.list_sid, made.sid) is False


# ---------------------------------------------------------------- IP ACLs
def test_an_ip_acl_and_its_address_are_created_once_and_removing_twice_answers_false(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator
) -> None:
    acl = twilio.create_ip_acl("BYOC-Group-B edges")
    assert acl.sid.startswith("AL") and acl.addresses == ()
    assert twilio.create_ip_acl("BYOC-Group-B edges") == acl
    assert handled(twilio_emu, ACL_POST) == [201]

    address = twilio.add_ip_address(acl.sid, "52.129.96.0", 24, "52.129.96.0/24")
    assert (address.ip_address, address.cidr_prefix_length) == ("52.129.96.0", 24)
    assert twilio.add_ip_address(acl.sid, "52.129.96.0", 24, "52.129.96.0/24") == address
    single = twilio.add_ip_address(acl.sid, "52.129.96.10", 32, "52.129.96.10/32")
    assert single.cidr == "52.129.96.10/32"
    assert handled(twilio_emu, ADDRESS_POST) == [201, 201]
    (read,) = [a for a in twilio.list_ip_acls() if a.sid == acl.sid]
    assert read.addresses == (address, single)

    assert twilio.remove_ip_address(acl.sid, address.sid) is True
    assert twilio.remove_ip_address(acl.sid, address.sid) is False
    (read,) = [a for a in twilio.list_ip_acls() if a.sid == acl.sid]
    assert read.addresses == (single,)


# ---------------------------------------------------------------- associations
def test_associating_twice_is_twilios_21245_and_counts_as_done(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, parents: Parents
) -> None:
    for _ in range(2):
        twilio.associate_credential_list(parents.trunk_sid, parents.list_sid)
        twilio.associate_ip_acl(parents.trunk_sid, parents.acl_sid)
    associations = twilio.trunk_associations(parents.trunk_sid)
    assert associations.credential_list_sids == (parents.list_sid,)
    assert associations.ip_acl_sids == (parents.acl_sid,)
    assert handled(twilio_emu, LINK_LIST_POST) == [201, 400]
    assert handled(twilio_emu, LINK_ACL_POST) == [201, 400]


def test_an_association_refused_for_another_reason_is_an_error(
    twilio: TwilioAdapter, parents: Parents
) -> None:
    no_such_list = "CL" + "2" * 32
    with pytest.raises(TerminalVendorError) as refused:
        twilio.associate_credential_list(parents.trunk_sid, no_such_list)
    assert (refused.value.status, refused.value.code) == (404, "20404")


# ---------------------------------------------------------------- lost answers
@dataclass(frozen=True)
class LostCase:
    path: str  # regex on the POST's path
    endpoint: str  # the emulator's endpoint of the create
    create: Callable[[TwilioAdapter, Parents], str]  # the SID made
    made: Callable[[TwilioAdapter, Parents], list[str]]  # SIDs of that natural key


SIP_URL = "sip:lost.example.byoc.mypurecloud.com;transport=tls"
LOST: dict[str, LostCase] = {
    "trunk": LostCase(
        r"^/v1/Trunks$",
        TRUNK_POST,
        lambda t, p: t.create_trunk("Lost", "lost.pstn.twilio.com", True, None).sid,
        lambda t, p: [x.sid for x in t.list_trunks() if x.friendly_name == "Lost"],
    ),
    "origination URL": LostCase(
        r"/OriginationUrls$",
        URL_POST,
        lambda t, p: t.create_origination_url(p.trunk_sid, SIP_URL, 10, 10, True, "lost").sid,
        lambda t, p: [u.sid for u in t.list_origination_urls(p.trunk_sid) if u.sip_url == SIP_URL],
    ),
    "credential list": LostCase(
        r"/SIP/CredentialLists\.json$",
        LIST_POST,
        lambda t, p: t.create_credential_list("Lost credentials").sid,
        lambda t, p: [
            c.sid for c in t.list_credential_lists() if c.friendly_name.startswith("Lost")
        ],
    ),
    "credential": LostCase(
        r"/Credentials\.json$",
        CREDENTIAL_POST,
        lambda t, p: t.create_credential(p.list_sid, "lost-user", PASSWORD).sid,
        lambda t, p: [
            c.sid
            for cl in t.list_credential_lists()
            if cl.sid == p.list_sid
            for c in cl.credentials
            if c.username == "lost-user"
        ],
    ),
    "IP ACL": LostCase(
        r"/SIP/IpAccessControlLists\.json$",
        ACL_POST,
        lambda t, p: t.create_ip_acl("Lost edges").sid,
        lambda t, p: [a.sid for a in t.list_ip_acls() if a.friendly_name == "Lost edges"],
    ),
    "IP address": LostCase(
        r"/IpAddresses\.json$",
        ADDRESS_POST,
        lambda t, p: t.add_ip_address(p.acl_sid, "54.244.51.0", 30, "54.244.51.0/30").sid,
        lambda t, p: [
            a.sid
            for acl in t.list_ip_acls()
            if acl.sid == p.acl_sid
            for a in acl.addresses
            if a.ip_address == "54.244.51.0"
        ],
    ),
}


@pytest.mark.parametrize("case", LOST.values(), ids=LOST.keys())
def test_a_create_whose_answer_was_lost_is_found_not_made_again(
    twilio: TwilioAdapter,
    twilio_emu: TwilioEmulator,
    parents: Parents,
    monkeypatch: pytest.MonkeyPatch,
    sleeps: list[float],
    case: LostCase,
) -> None:
    lose_next_answer(monkeypatch, twilio, case.path)
    sid = case.create(twilio, parents)
    assert len(sleeps) == 1  # one retry, after the lost answer
    assert handled(twilio_emu, case.endpoint) == [201]
    assert case.made(twilio, parents) == [sid]


def test_a_credential_found_after_a_lost_answer_holds_the_password_asked_for(
    twilio: TwilioAdapter,
    twilio_emu: TwilioEmulator,
    parents: Parents,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lose_next_answer(monkeypatch, twilio, r"/Credentials\.json$")
    made = twilio.create_credential(parents.list_sid, "lost-user", NEW_PASSWORD)
    assert (
        stored_password(twilio_emu, parents.list_sid, made.sid) == NEW_PASSWORD.get_secret_value()
    )


@pytest.mark.parametrize("kind", ["credential list", "IP ACL"])
def test_an_association_whose_answer_was_lost_is_done_once(
    twilio: TwilioAdapter,
    twilio_emu: TwilioEmulator,
    parents: Parents,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    if kind == "credential list":
        lose_next_answer(monkeypatch, twilio, r"/v1/Trunks/TK\w+/CredentialLists$")
        twilio.associate_credential_list(parents.trunk_sid, parents.list_sid)
        endpoint = LINK_LIST_POST
    else:
        lose_next_answer(monkeypatch, twilio, r"/v1/Trunks/TK\w+/IpAccessControlLists$")
        twilio.associate_ip_acl(parents.trunk_sid, parents.acl_sid)
        endpoint = LINK_ACL_POST
    assert handled(twilio_emu, endpoint) == [201, 400]  # the retry met 21245
    associations = twilio.trunk_associations(parents.trunk_sid)
    linked = associations.credential_list_sids + associations.ip_acl_sids
    assert linked == ((parents.list_sid,) if kind == "credential list" else (parents.acl_sid,))


# ---------------------------------------------------------------- the password
def _chain(error: BaseException) -> list[BaseException]:
    found = [error]
    while (inner := found[-1].__cause__ or found[-1].__context__) is not None:
        found.append(inner)
    return found


def test_the_password_is_in_no_log_record_and_no_error_reason(
    twilio: TwilioAdapter,
    parents: Parents,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    made = twilio.create_credential(parents.list_sid, "genesys-b", PASSWORD)
    twilio.create_credential(parents.list_sid, "genesys-b", PASSWORD)  # refused, then found
    lose_next_answer(monkeypatch, twilio, r"/Credentials\.json$")
    twilio.create_credential(parents.list_sid, "genesys-c", NEW_PASSWORD)  # retried, found
    twilio.update_credential_password(parents.list_sid, made.sid, NEW_PASSWORD)

    weak = WEAK.get_secret_value()
    with pytest.raises(TerminalVendorError) as refused:
        twilio.create_credential(parents.list_sid, "genesys-d", WEAK)
    assert refused.value.status == 400
    assert "Password must be at least 12 characters long" in refused.value.reason
    assert all(weak not in str(e) for e in _chain(refused.value))
    with pytest.raises(TerminalVendorError) as refused_update:
        twilio.update_credential_password(parents.list_sid, made.sid, WEAK)
    assert refused_update.value.status == 400
    assert all(weak not in str(e) for e in _chain(refused_update.value))

    assert caplog.records, "the SDK logs its requests at INFO: the check must see them"
    for record in caplog.records:
        text = record.getMessage() + (caplog.handler.format(record) if record.exc_info else "")
        for secret in SECRETS:
            assert secret.get_secret_value() not in text, record.name


@pytest.mark.parametrize("write", ["create", "update"])
def test_a_password_the_vendor_repeats_in_its_refusal_is_masked_in_the_reason(
    twilio: TwilioAdapter,
    parents: Parents,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    write: str,
) -> None:
    """Twilio's refusals are not known to repeat what was sent; should one, the reason (which
    lands in dead letters and reports) carries it masked and no SDK exception is chained."""
    made = twilio.create_credential(parents.list_sid, "genesys-b", PASSWORD)
    monkeypatch.setattr(
        "sandbox.emulators.twilio.state.sip_password_problem",
        lambda password: f"{password!r} is not strong enough",
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TerminalVendorError) as refused:
        if write == "create":
            twilio.create_credential(parents.list_sid, "genesys-c", NEW_PASSWORD)
        else:
            twilio.update_credential_password(parents.list_sid, made.sid, NEW_PASSWORD)
    error = refused.value
    secret = NEW_PASSWORD.get_secret_value()
    assert (error.status, error.code) == (400, "20001")
    assert f"Password '{MASK}' is not strong enough" in error.reason
    assert secret not in error.message and secret not in str(error)
    assert _chain(error) == [error]
    assert all(secret not in r.getMessage() for r in caplog.records)
