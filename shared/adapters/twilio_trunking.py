"""Twilio's side of a trunk group: the Elastic SIP trunk, its origination URLs, and the
credential list and IP access control list it authenticates Genesys with.

`TwilioTrunking` is mixed into `TwilioAdapter` (shared/adapters/twilio.py), whose `_call`
runs each vendor call under the retry policy and whose `_all` pages lists.

Creates are safe to send twice. Twilio takes no idempotency key for these, so each create
finds what an earlier attempt or call made by the object's natural key: a trunk by friendly
name and termination domain, a credential list or IP ACL by friendly name (the oldest,
should there be several), an origination URL by `sip_url` on its trunk, a credential by
username in its list, an address by IP and prefix in its ACL. Where Twilio itself refuses
a duplicate (a trunk's termination domain, 21248; a username in its list) the first attempt
sends at once and only a repeated one (the retry policy's, after a 5xx, a reset or a
timeout, where the lost attempt may have been carried out) looks first; elsewhere (names
of lists and ACLs, URLs, addresses: Twilio is not known to refuse those) every attempt
looks first, one GET more. A create Twilio refuses with 400 or 409 is looked into the same
way: the object found is the answer, else the refusal stands. What is found is returned as
it is, except that a credential found gets the caller's password (one POST more): Twilio
never shows passwords, so no later read could see a difference. Associating a list twice
is Twilio's 21245, taken as done. Deletes of what is gone (404) answer False.

A SIP password (a `SecretStr`) is unwrapped only in the SDK call that sends it (and, when a
write fails, to look for it in the error), and never logged. Should Twilio's error text
ever repeat it, the adapter error raised carries it masked and without the SDK exception
chain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import SecretStr

from shared.adapters.classify import classify
from shared.domain.model import (
    AclAddress,
    CredentialList,
    IpAccessControlList,
    OriginationUrl,
    SipCredential,
    TrunkAssociations,
    TwilioTrunk,
)
from shared.ports import AdapterError, RetriesExhausted, TerminalVendorError

T = TypeVar("T")
L = TypeVar("L", CredentialList, IpAccessControlList)

log = logging.getLogger(__name__)

ALREADY_ASSOCIATED = "21245"  # "Credential List or IP-ACL already associated with Trunk"
REFUSALS_LOOKED_INTO = frozenset({400, 409})
MASK = "«redacted»"


def to_origination_url(instance: Any) -> OriginationUrl:
    return OriginationUrl(
        sid=instance.sid,
        sip_url=instance.sip_url,
        priority=int(instance.priority),
        weight=int(instance.weight),
        enabled=bool(instance.enabled),
        friendly_name=instance.friendly_name or "",
    )


def to_trunk(instance: Any, origination_urls: tuple[OriginationUrl, ...] = ()) -> TwilioTrunk:
    return TwilioTrunk(
        sid=instance.sid,
        friendly_name=instance.friendly_name or "",
        origination_urls=origination_urls,
        domain_name=instance.domain_name or None,
        secure=instance.secure,
        disaster_recovery_url=instance.disaster_recovery_url or None,
    )


def _address(instance: Any) -> AclAddress:
    return AclAddress(
        sid=instance.sid,
        ip_address=instance.ip_address,
        cidr_prefix_length=int(instance.cidr_prefix_length or 32),
    )


def _pages(first_page: Callable[[], Any]) -> Iterator[Any]:
    """Every record of a list, with no retry of its own: for look-ups made inside an
    attempt, which the attempt's own retry covers."""
    page = first_page()
    while True:
        yield from page
        if not page.next_page_url:
            return
        page = page.next_page()


def _status(exc: Exception) -> int | None:
    failure = classify(exc)
    return failure.status if failure is not None else None


def _keeping_secret(secret: SecretStr, run: Callable[[], T]) -> T:
    """`run()`; an adapter error whose text repeats the secret is raised masked, with the
    exception chain (the SDK's exception holds the same text) cut off."""
    try:
        return run()
    except AdapterError as exc:
        value = secret.get_secret_value()
        chain: list[BaseException] = [exc]
        while (inner := chain[-1].__cause__ or chain[-1].__context__) is not None:
            if inner in chain:
                break
            chain.append(inner)
        if not value or not any(value in str(e) for e in chain):
            raise
        exc.reason = exc.reason.replace(value, MASK)
        exc.args = (exc.reason,)
        if isinstance(exc, TerminalVendorError):
            exc.message = exc.message.replace(value, MASK)
        if isinstance(exc, RetriesExhausted):
            exc.last_error = RuntimeError(str(exc.last_error).replace(value, MASK))
        exc.__context__ = None
        raise exc from None


class TwilioTrunking:
    """Reads and idempotent writes of trunks, origination URLs, credential lists and IP
    ACLs (`shared.ports.TwilioTrunkWrites`); see the module docstring."""

    if TYPE_CHECKING:  # provided by TwilioAdapter
        _page_size: int

        @property
        def _account(self) -> Any: ...

        @property
        def _trunks(self) -> Any: ...

        def _call(self, operation: str, fn: Callable[[], T]) -> T: ...

        def _all(self, operation: str, first_page: Callable[[], Any]) -> Iterator[Any]: ...

    @property
    def _sip(self) -> Any:
        return self._account.sip

    # ------------------------------------------------------------------ plumbing
    def _create_once(
        self,
        operation: str,
        create: Callable[[], T],
        find: Callable[[], T | None],
        look_first: bool,
    ) -> T:
        """`create()` under the retry policy, looking first with `find()` on every attempt
        (`look_first`) or on a repeated one only, and when Twilio refuses with 400 or 409."""
        attempts = 0

        def attempt() -> T:
            nonlocal attempts
            attempts += 1
            if look_first or attempts > 1:
                made = find()
                if made is not None:
                    log.info("Twilio %s: it is there already; nothing sent", operation)
                    return made
            try:
                return create()
            except Exception as exc:
                failure = classify(exc)
                if failure is None or failure.status not in REFUSALS_LOOKED_INTO:
                    raise
                there = find()
                if there is None:
                    raise
                log.info(
                    "Twilio refused to %s (HTTP %s, code %s), and it is there already",
                    operation,
                    failure.status,
                    failure.code,
                )
                return there

        return self._call(operation, attempt)

    def _delete(self, operation: str, delete: Callable[[], object]) -> bool:
        """True when deleted, False when it was already gone (404)."""

        def attempt() -> bool:
            try:
                delete()
            except Exception as exc:
                if _status(exc) == 404:
                    return False
                raise
            return True

        return self._call(operation, attempt)

    def _associate(self, operation: str, create: Callable[[], object]) -> None:
        def attempt() -> None:
            try:
                create()
            except Exception as exc:
                failure = classify(exc)
                if failure is None or failure.code != ALREADY_ASSOCIATED:
                    raise
                log.info("Twilio %s: already associated (21245)", operation)

        self._call(operation, attempt)

    # ------------------------------------------------------------------ reads
    def list_credential_lists(self) -> list[CredentialList]:
        """Every credential list of the account with its usernames (one list of lists, then
        one list per credential list); Twilio never answers with a password."""
        lists = self._sip.credential_lists
        found = list(
            self._all("list credential lists", lambda: lists.page(page_size=self._page_size))
        )
        return [
            CredentialList(
                sid=cl.sid,
                friendly_name=cl.friendly_name or "",
                credentials=tuple(self._credentials(cl.sid)),
            )
            for cl in found
        ]

    def _credentials(self, list_sid: str) -> list[SipCredential]:
        credentials = self._sip.credential_lists(list_sid).credentials
        return [
            SipCredential(sid=c.sid, username=c.username)
            for c in self._all(
                f"list credentials of {list_sid}",
                lambda: credentials.page(page_size=self._page_size),
            )
        ]

    def list_ip_acls(self) -> list[IpAccessControlList]:
        """Every IP access control list of the account with its addresses."""
        acls = self._sip.ip_access_control_lists
        found = list(
            self._all("list IP access control lists", lambda: acls.page(page_size=self._page_size))
        )
        return [
            IpAccessControlList(
                sid=acl.sid,
                friendly_name=acl.friendly_name or "",
                addresses=tuple(self._addresses(acl.sid)),
            )
            for acl in found
        ]

    def _addresses(self, acl_sid: str) -> list[AclAddress]:
        addresses = self._sip.ip_access_control_lists(acl_sid).ip_addresses
        return [
            _address(a)
            for a in self._all(
                f"list IP addresses of {acl_sid}",
                lambda: addresses.page(page_size=self._page_size),
            )
        ]

    def trunk_associations(self, trunk_sid: str) -> TrunkAssociations:
        """The SIDs of the credential lists and IP ACLs associated with the trunk (the v1
        association's `sid` is the list's own)."""
        trunk = self._trunks(trunk_sid)
        credential_lists = self._all(
            f"list credential lists of {trunk_sid}",
            lambda: trunk.credentials_lists.page(page_size=self._page_size),
        )
        credential_list_sids = tuple(link.sid for link in credential_lists)
        ip_acls = self._all(
            f"list IP access control lists of {trunk_sid}",
            lambda: trunk.ip_access_control_lists.page(page_size=self._page_size),
        )
        return TrunkAssociations(
            trunk_sid=trunk_sid,
            credential_list_sids=credential_list_sids,
            ip_acl_sids=tuple(link.sid for link in ip_acls),
        )

    # ------------------------------------------------------------------ trunks
    def create_trunk(
        self,
        friendly_name: str,
        domain_name: str,
        secure: bool,
        disaster_recovery_url: str | None,
    ) -> TwilioTrunk:
        """A new Elastic SIP trunk (no disaster recovery URL when None). Its answer, like
        `update_trunk`'s, carries no origination URLs: they are not read."""
        settings: dict[str, Any] = {
            "friendly_name": friendly_name,
            "domain_name": domain_name,
            "secure": secure,
        }
        if disaster_recovery_url is not None:
            settings["disaster_recovery_url"] = disaster_recovery_url
        return self._create_once(
            f"create trunk {friendly_name!r}",
            lambda: to_trunk(self._trunks.create(**settings)),
            lambda: self._find_trunk(friendly_name, domain_name),
            look_first=False,  # the domain is unique: a duplicate is refused (21248)
        )

    def _find_trunk(self, friendly_name: str, domain_name: str) -> TwilioTrunk | None:
        """The trunk of this name on this termination domain (Twilio keeps domain names
        unique, in lower case)."""
        for trunk in _pages(lambda: self._trunks.page(page_size=self._page_size)):
            domain = (trunk.domain_name or "").lower()
            if trunk.friendly_name == friendly_name and domain == domain_name.lower():
                return to_trunk(trunk)
        return None

    def update_trunk(
        self,
        trunk_sid: str,
        domain_name: str,
        secure: bool,
        disaster_recovery_url: str | None,
    ) -> TwilioTrunk:
        """Set the settings byoc-sync owns, as absolute values (idempotent). None as the
        disaster recovery URL clears it (sent as ""): the policy names none, and the plan
        compares a URL found with "(none)", so leaving one would be drift for ever."""
        target = self._trunks(trunk_sid)
        return self._call(
            f"update trunk {trunk_sid}",
            lambda: to_trunk(
                target.update(
                    domain_name=domain_name,
                    secure=secure,
                    disaster_recovery_url=disaster_recovery_url or "",
                )
            ),
        )

    # ------------------------------------------------------------------ origination URLs
    def create_origination_url(
        self,
        trunk_sid: str,
        sip_url: str,
        priority: int,
        weight: int,
        enabled: bool,
        friendly_name: str,
    ) -> OriginationUrl:
        urls = self._trunks(trunk_sid).origination_urls

        def find() -> OriginationUrl | None:
            pages = _pages(lambda: urls.page(page_size=self._page_size))
            return next((to_origination_url(u) for u in pages if u.sip_url == sip_url), None)

        return self._create_once(
            f"create origination URL {sip_url} on trunk {trunk_sid}",
            lambda: to_origination_url(
                urls.create(
                    weight=weight,
                    priority=priority,
                    enabled=enabled,
                    friendly_name=friendly_name,
                    sip_url=sip_url,
                )
            ),
            find,
            look_first=True,
        )

    def delete_origination_url(self, trunk_sid: str, url_sid: str) -> bool:
        target = self._trunks(trunk_sid).origination_urls(url_sid)
        return self._delete(f"delete origination URL {url_sid} of trunk {trunk_sid}", target.delete)

    # ------------------------------------------------------------------ credential lists
    def create_credential_list(self, friendly_name: str) -> CredentialList:
        def found(sid: str) -> CredentialList:
            credentials = tuple(self._credentials(sid))
            return CredentialList(sid=sid, friendly_name=friendly_name, credentials=credentials)

        return self._create_sip_list(
            "credential list",
            self._sip.credential_lists,
            friendly_name,
            found,
            lambda sid: CredentialList(sid=sid, friendly_name=friendly_name),
        )

    def _create_sip_list(
        self,
        what: str,
        lists: Any,
        friendly_name: str,
        found: Callable[[str], L],
        made: Callable[[str], L],
    ) -> L:
        """An account-level credential list or IP ACL, looked up by name before each
        attempt: Twilio takes a second list of the same name, so a resend would make two."""

        def find() -> L | None:
            pages = _pages(lambda: lists.page(page_size=self._page_size))
            match = next((item for item in pages if item.friendly_name == friendly_name), None)
            return None if match is None else found(match.sid)

        return self._create_once(
            f"create {what} {friendly_name!r}",
            lambda: made(lists.create(friendly_name=friendly_name).sid),
            find,
            look_first=True,
        )

    def create_credential(self, list_sid: str, username: str, password: SecretStr) -> SipCredential:
        """A user of the list. One found under that username (a lost attempt's, or one
        Twilio refused to duplicate) is given this password and returned."""
        credentials = self._sip.credential_lists(list_sid).credentials

        def create() -> SipCredential:
            made = credentials.create(username=username, password=password.get_secret_value())
            return SipCredential(sid=made.sid, username=made.username)

        def find() -> SipCredential | None:
            pages = _pages(lambda: credentials.page(page_size=self._page_size))
            found = next((c for c in pages if c.username == username), None)
            if found is None:
                return None
            credentials(found.sid).update(password=password.get_secret_value())
            return SipCredential(sid=found.sid, username=found.username)

        operation = f"create credential {username!r} in credential list {list_sid}"
        return _keeping_secret(
            password, lambda: self._create_once(operation, create, find, look_first=False)
        )

    def update_credential_password(
        self, list_sid: str, credential_sid: str, password: SecretStr
    ) -> SipCredential:
        target = self._sip.credential_lists(list_sid).credentials(credential_sid)

        def update() -> SipCredential:
            updated = target.update(password=password.get_secret_value())
            return SipCredential(sid=updated.sid, username=updated.username)

        operation = f"set the password of credential {credential_sid} in list {list_sid}"
        return _keeping_secret(password, lambda: self._call(operation, update))

    def delete_credential(self, list_sid: str, credential_sid: str) -> bool:
        target = self._sip.credential_lists(list_sid).credentials(credential_sid)
        return self._delete(
            f"delete credential {credential_sid} of credential list {list_sid}", target.delete
        )

    # ------------------------------------------------------------------ IP ACLs
    def create_ip_acl(self, friendly_name: str) -> IpAccessControlList:
        def found(sid: str) -> IpAccessControlList:
            addresses = tuple(self._addresses(sid))
            return IpAccessControlList(sid=sid, friendly_name=friendly_name, addresses=addresses)

        return self._create_sip_list(
            "IP access control list",
            self._sip.ip_access_control_lists,
            friendly_name,
            found,
            lambda sid: IpAccessControlList(sid=sid, friendly_name=friendly_name),
        )

    def add_ip_address(
        self, acl_sid: str, ip_address: str, cidr_prefix_length: int, friendly_name: str
    ) -> AclAddress:
        addresses = self._sip.ip_access_control_lists(acl_sid).ip_addresses
        prefix = cidr_prefix_length or 32  # Twilio stores a prefix of 0 as 32

        def find() -> AclAddress | None:
            pages = _pages(lambda: addresses.page(page_size=self._page_size))
            return next(
                (
                    _address(a)
                    for a in pages
                    if a.ip_address == ip_address and int(a.cidr_prefix_length or 32) == prefix
                ),
                None,
            )

        return self._create_once(
            f"add {ip_address}/{cidr_prefix_length} to IP access control list {acl_sid}",
            lambda: _address(
                addresses.create(
                    friendly_name=friendly_name,
                    ip_address=ip_address,
                    cidr_prefix_length=cidr_prefix_length,
                )
            ),
            find,
            look_first=True,
        )

    def remove_ip_address(self, acl_sid: str, address_sid: str) -> bool:
        target = self._sip.ip_access_control_lists(acl_sid).ip_addresses(address_sid)
        return self._delete(
            f"remove IP address {address_sid} from IP access control list {acl_sid}",
            target.delete,
        )

    # ------------------------------------------------------------------ associations
    def associate_credential_list(self, trunk_sid: str, list_sid: str) -> None:
        links = self._trunks(trunk_sid).credentials_lists
        self._associate(
            f"associate credential list {list_sid} with trunk {trunk_sid}",
            lambda: links.create(credential_list_sid=list_sid),
        )

    def associate_ip_acl(self, trunk_sid: str, acl_sid: str) -> None:
        links = self._trunks(trunk_sid).ip_access_control_lists
        self._associate(
            f"associate IP access control list {acl_sid} with trunk {trunk_sid}",
            lambda: links.create(ip_access_control_list_sid=acl_sid),
        )
