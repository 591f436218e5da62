"""The Twilio account as plain data plus the operations the API performs on it (no HTTP).

One fact is stored once: a number's trunk is `IncomingNumber.trunk_sid`, and the Trunking
API's PhoneNumbers subresource is a view of it. That keeps the two APIs consistent by
construction, which is exactly the property byoc-sync relies on.

Every change made while an `actor` is set (the API's handlers and the admin console routes
set one; seeding does not) is logged as a Monitor event. Time comes from `clock`, which
tests may replace to move the account's time (domain hold, event retention).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.emulators.twilio.errors import (
    CONFLICT,
    INVALID_AREA_CODE,
    MAX_ORIGINATION_URIS_REACHED,
    MAX_TRUNKS_REACHED,
    NO_NUMBERS_IN_AREA_CODE,
    PHONE_NUMBER_INVALID,
    PHONE_NUMBER_NOT_AVAILABLE,
    TRUNK_DOMAIN_TAKEN,
    TRUNK_VALIDATION_ERROR,
    TwilioError,
    bad_request,
    not_found,
)
from sandbox.emulators.twilio.ids import SidFactory
from sandbox.emulators.twilio.monitor import Actor, EventLog, changes
from sandbox.emulators.twilio.scenario import (
    AREA_CODE_RE,
    E164_RE,
    InventoryBlock,
    NumberType,
    TwilioScenario,
    sip_password_problem,
)

# Fixed creation time of seeded resources, so snapshots of a fresh seed are reproducible.
SEED_TIME = datetime(2024, 1, 15, 12, 0, 0, tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def national_format(phone_number: str) -> str:
    """`+12025550100` -> `(202) 555-0100`, Twilio's default friendly name for NANP numbers."""
    if phone_number.startswith("+1") and len(phone_number) == 12:
        d = phone_number[2:]
        return f"({d[:3]}) {d[3:6]}-{d[6:]}"
    return phone_number


@dataclass
class AvailableNumber:
    phone_number: str
    iso_country: str
    type: NumberType
    region: str | None
    locality: str | None
    rate_center: str | None
    lata: str | None
    postal_code: str | None
    latitude: float | None
    longitude: float | None
    capabilities: dict[str, bool]
    address_requirements: str
    beta: bool


@dataclass
class IncomingNumber:
    sid: str
    seq: int
    phone_number: str
    friendly_name: str
    type: NumberType
    iso_country: str
    capabilities: dict[str, bool]
    date_created: datetime
    date_updated: datetime
    trunk_sid: str | None = None
    # Webhook and misc settings, keyed by their response field name.
    settings: dict[str, Any] = field(default_factory=dict)
    origin: str = "twilio"
    beta: bool = False
    address_requirements: str = "none"


@dataclass
class SipCredential:
    """A username and password of a credential list (CR). Twilio keeps the password hashed
    and never answers it; the emulator keeps it only to compare in tests."""

    sid: str
    seq: int
    list_sid: str
    username: str
    password: str
    date_created: datetime
    date_updated: datetime


@dataclass
class SipIpAddress:
    """An address or CIDR block of an IP access control list (IP)."""

    sid: str
    seq: int
    list_sid: str
    friendly_name: str
    ip_address: str
    cidr_prefix_length: int
    date_created: datetime
    date_updated: datetime


@dataclass
class SipList:
    """An account-level credential list (CL) or IP access control list (AL), with its
    credentials or IP addresses (the other dict stays empty)."""

    sid: str
    seq: int
    friendly_name: str
    date_created: datetime
    date_updated: datetime
    credentials: dict[str, SipCredential] = field(default_factory=dict)
    ip_addresses: dict[str, SipIpAddress] = field(default_factory=dict)


@dataclass
class OriginationUrl:
    sid: str
    seq: int
    trunk_sid: str
    sip_url: str
    priority: int
    weight: int
    enabled: bool
    friendly_name: str
    date_created: datetime
    date_updated: datetime


@dataclass
class Association:
    """A trunk's link to an account-level SIP list."""

    list_sid: str
    seq: int
    date_created: datetime


@dataclass
class Trunk:
    sid: str
    seq: int
    friendly_name: str | None
    domain_name: str | None
    date_created: datetime
    date_updated: datetime
    disaster_recovery_url: str | None = None
    disaster_recovery_method: str = "POST"
    secure: bool = False
    cnam_lookup_enabled: bool = False
    symmetric_rtp_enabled: bool = False
    transfer_mode: str = "disable-all"
    transfer_caller_id: str = "from-transferee"
    recording: dict[str, str] = field(
        default_factory=lambda: {"mode": "do-not-record", "trim": "do-not-trim"}
    )
    origination_urls: dict[str, OriginationUrl] = field(default_factory=dict)
    credential_lists: dict[str, Association] = field(default_factory=dict)
    ip_access_control_lists: dict[str, Association] = field(default_factory=dict)

    @property
    def auth_type_set(self) -> list[str]:
        """Twilio derives the trunk's termination auth from the lists attached to it."""
        kinds = []
        if self.credential_lists:
            kinds.append("CREDENTIAL_LIST")
        if self.ip_access_control_lists:
            kinds.append("IP_ACL")
        return kinds


NUMBER_DEFAULTS: dict[str, Any] = {
    "api_version": "2010-04-01",
    "voice_url": None,
    "voice_method": "POST",
    "voice_fallback_url": None,
    "voice_fallback_method": "POST",
    "voice_caller_id_lookup": False,
    "voice_application_sid": None,
    "voice_receive_mode": "voice",
    "status_callback": None,
    "status_callback_method": "POST",
    "sms_url": None,
    "sms_method": "POST",
    "sms_fallback_url": None,
    "sms_fallback_method": "POST",
    "sms_application_sid": None,
    "emergency_status": "Inactive",
    "emergency_address_sid": None,
    "address_sid": None,
    "identity_sid": None,
    "bundle_sid": None,
}


class TwilioState:
    """All resources of one Twilio account, seeded from a scenario."""

    def __init__(self, scenario: TwilioScenario) -> None:
        self.scenario = scenario
        self.account_sid = scenario.account_sid
        self.sids = SidFactory(scenario.account_sid)
        self.inventory: dict[str, AvailableNumber] = {}
        self.numbers: dict[str, IncomingNumber] = {}
        # Phone number -> SIDs holding it (creation order), and the phone numbers sorted: a
        # number's own lookup and a prefix filter bisect instead of walking every number.
        self._sids_of: dict[str, list[str]] = {}
        self._phone_numbers: list[str] = []
        self.trunks: dict[str, Trunk] = {}
        self.credential_lists: dict[str, SipList] = {}
        self.ip_access_control_lists: dict[str, SipList] = {}
        self.clock: Callable[[], datetime] = now
        # Domain names of deleted trunks -> when the trunk was deleted.
        self.held_domains: dict[str, datetime] = {}
        self.monitor = EventLog(scenario.account_sid)
        # Who is changing the account (set by the handler in charge); None: no events.
        self.actor: Actor | None = None
        self._seed()

    # ------------------------------------------------------------------ seeding
    def _seed(self) -> None:
        s = self.scenario
        for block in s.available_numbers:
            self.add_inventory(block)
        cl_by_name: dict[str, SipList] = {}
        for cl_seed in s.credential_list_seeds():
            cl = self.create_sip_list(self.credential_lists, "CL", cl_seed.friendly_name, SEED_TIME)
            cl_by_name[cl.friendly_name] = cl
            for cred in cl_seed.credentials:
                self.create_credential(cl, cred.username, cred.password, SEED_TIME)
        al_by_name: dict[str, SipList] = {}
        for al_seed in s.ip_access_control_list_seeds():
            al = self.create_sip_list(
                self.ip_access_control_lists, "AL", al_seed.friendly_name, SEED_TIME
            )
            al_by_name[al.friendly_name] = al
            for ip in al_seed.ip_addresses:
                name = ip.friendly_name or ip.ip_address
                self.create_ip_address(al, name, ip.ip_address, ip.cidr_prefix_length, SEED_TIME)
        trunk_by_name: dict[str, Trunk] = {}
        for seed in s.trunks:
            trunk = self.create_trunk(
                {
                    "friendly_name": seed.friendly_name,
                    "domain_name": seed.domain_name,
                    "secure": seed.secure,
                    "cnam_lookup_enabled": seed.cnam_lookup_enabled,
                },
                at=SEED_TIME,
            )
            trunk_by_name[seed.friendly_name] = trunk
            for ou in seed.origination_urls:
                self.create_origination_url(
                    trunk.sid,
                    sip_url=ou.sip_url,
                    priority=ou.priority,
                    weight=ou.weight,
                    enabled=ou.enabled,
                    friendly_name=ou.friendly_name or ou.sip_url,
                    at=SEED_TIME,
                )
            for name in seed.credential_lists:
                self.associate_list(trunk.sid, "credential_lists", cl_by_name[name].sid, SEED_TIME)
            for name in seed.ip_access_control_lists:
                self.associate_list(
                    trunk.sid, "ip_access_control_lists", al_by_name[name].sid, SEED_TIME
                )
        for n in s.incoming_numbers:
            self.inventory.pop(n.phone_number, None)
            number = self._new_number(
                n.phone_number, n.type, n.capabilities.model_dump(), SEED_TIME, n.friendly_name
            )
            if n.voice_url is not None:
                number.settings["voice_url"] = n.voice_url
            if n.trunk is not None:
                number.trunk_sid = trunk_by_name[n.trunk].sid

    def add_inventory(self, block: InventoryBlock) -> list[str]:
        """Put a block's numbers up for sale (skipping ones the account already owns)."""
        added = []
        for phone_number in block.phone_numbers():
            if phone_number in self._sids_of or phone_number in self.inventory:
                continue
            self.inventory[phone_number] = AvailableNumber(
                phone_number=phone_number,
                iso_country=block.country,
                type=block.type,
                region=block.region,
                locality=block.locality,
                rate_center=block.rate_center,
                lata=block.lata,
                postal_code=block.postal_code,
                latitude=block.latitude,
                longitude=block.longitude,
                capabilities=block.capabilities.model_dump(),
                address_requirements=block.address_requirements,
                beta=block.beta,
            )
            added.append(phone_number)
        return added

    # ------------------------------------------------------------------ numbers
    def _new_number(
        self,
        phone_number: str,
        number_type: NumberType,
        capabilities: dict[str, bool],
        at: datetime,
        friendly_name: str | None = None,
        iso_country: str = "US",
    ) -> IncomingNumber:
        number = IncomingNumber(
            sid=self.sids.next("PN"),
            seq=self.sids.seq(),
            phone_number=phone_number,
            friendly_name=friendly_name or national_format(phone_number),
            type=number_type,
            iso_country=iso_country,
            capabilities=dict(capabilities),
            date_created=at,
            date_updated=at,
            settings=dict(NUMBER_DEFAULTS),
        )
        self.numbers[number.sid] = number
        if phone_number not in self._sids_of:
            insort(self._phone_numbers, phone_number)
        self._sids_of.setdefault(phone_number, []).append(number.sid)
        return number

    def number(self, sid: str, path: str) -> IncomingNumber:
        found = self.numbers.get(sid)
        if found is None:
            raise not_found(path)
        return found

    def owned(self, phone_number: str | None) -> IncomingNumber | None:
        """The account's number with exactly this E.164 value."""
        sids = self._sids_of.get(phone_number or "")
        return self.numbers[sids[0]] if sids else None

    def numbers_starting(self, prefix: str) -> list[IncomingNumber]:
        """The account's numbers whose E.164 value starts with `prefix`, in creation order."""
        first = bisect_left(self._phone_numbers, prefix)
        found: list[IncomingNumber] = []
        for phone_number in self._phone_numbers[first:]:
            if not phone_number.startswith(prefix):
                break
            found.extend(self.numbers[sid] for sid in self._sids_of[phone_number])
        return sorted(found, key=lambda number: number.seq)

    def _record(
        self, action: str, resource_sid: str, event_data: dict[str, Any] | None = None
    ) -> None:
        if self.actor is not None:
            self.monitor.record(self.actor, action, resource_sid, self.clock(), event_data)

    def purchase(
        self,
        phone_number: str | None,
        area_code: str | None,
        settings: dict[str, Any] | None = None,
    ) -> IncomingNumber:
        """Buy a number from the inventory, by exact number or by area code, with `settings`
        (validated changes) applied from the start."""
        number = self._buy(phone_number, area_code)
        self._apply(number, settings or {})
        number.date_updated = number.date_created
        self._record("created", number.sid)
        return number

    def _buy(self, phone_number: str | None, area_code: str | None) -> IncomingNumber:
        if phone_number:
            if not E164_RE.match(phone_number):
                raise bad_request(f"PhoneNumber {phone_number} is invalid", PHONE_NUMBER_INVALID)
            offer = self.inventory.get(phone_number)
            if offer is None:
                raise bad_request(
                    f"PhoneNumber {phone_number} is not available", PHONE_NUMBER_NOT_AVAILABLE
                )
        elif area_code:
            if not AREA_CODE_RE.match(area_code):
                raise bad_request(f"AreaCode {area_code} is invalid", INVALID_AREA_CODE)
            prefix = f"+1{area_code}"
            candidates = sorted(
                p
                for p, o in self.inventory.items()
                if p.startswith(prefix) and o.type == "local" and o.iso_country in ("US", "CA")
            )
            if not candidates:
                raise bad_request(
                    f"No phone numbers found in area code {area_code}", NO_NUMBERS_IN_AREA_CODE
                )
            offer = self.inventory[candidates[0]]
        else:
            raise bad_request("Missing required parameter PhoneNumber or AreaCode in the post body")
        del self.inventory[offer.phone_number]
        return self._new_number(
            offer.phone_number,
            offer.type,
            offer.capabilities,
            self.clock(),
            iso_country=offer.iso_country,
        )

    @staticmethod
    def _number_properties(number: IncomingNumber) -> dict[str, Any]:
        return {
            "friendly_name": number.friendly_name,
            "trunk_sid": number.trunk_sid,
            **number.settings,
        }

    def update_number(self, number: IncomingNumber, updates: dict[str, Any]) -> IncomingNumber:
        """Apply validated changes; `trunk_sid` and `voice_application_sid` exclude each other.
        A change of anything is a `phone-number.updated` event naming what changed."""
        before = self._number_properties(number)
        self._apply(number, updates)
        number.date_updated = self.clock()
        after = self._number_properties(number)
        if after != before:
            self._record("updated", number.sid, changes(before, after))
        return number

    def _apply(self, number: IncomingNumber, updates: dict[str, Any]) -> None:
        for name, value in updates.items():
            if name == "friendly_name":
                number.friendly_name = value or national_format(number.phone_number)
            elif name == "trunk_sid":
                number.trunk_sid = self.trunk(value, f"/v1/Trunks/{value}").sid if value else None
                if number.trunk_sid:
                    number.settings["voice_application_sid"] = None
            else:
                number.settings[name] = value
                if name == "voice_application_sid" and value:
                    number.trunk_sid = None

    def release(self, number: IncomingNumber) -> None:
        """Release a number. It leaves the trunk with it and does not return to inventory:
        Twilio ages released numbers before reselling them."""
        del self.numbers[number.sid]
        sids = self._sids_of[number.phone_number]
        sids.remove(number.sid)
        if not sids:
            del self._sids_of[number.phone_number]
            self._phone_numbers.pop(bisect_left(self._phone_numbers, number.phone_number))
        self._record("deleted", number.sid)

    def numbers_on(self, trunk_sid: str) -> list[IncomingNumber]:
        return [n for n in self.ordered(self.numbers) if n.trunk_sid == trunk_sid]

    # ------------------------------------------------------------------ SIP lists
    def create_sip_list(
        self, store: dict[str, SipList], prefix: str, friendly_name: str, at: datetime | None = None
    ) -> SipList:
        created = at or self.clock()
        item = SipList(self.sids.next(prefix), self.sids.seq(), friendly_name, created, created)
        store[item.sid] = item
        self._record("created", item.sid)
        return item

    def rename_sip_list(self, item: SipList, friendly_name: str) -> None:
        before = item.friendly_name
        item.friendly_name = friendly_name
        item.date_updated = self.clock()
        if friendly_name != before:
            self._record(
                "updated",
                item.sid,
                changes({"friendly_name": before}, {"friendly_name": friendly_name}),
            )

    def delete_sip_list(self, store: dict[str, SipList], sid: str) -> None:
        """Delete an account list and detach it from every trunk that used it."""
        del store[sid]
        for trunk in self.trunks.values():
            trunk.credential_lists.pop(sid, None)
            trunk.ip_access_control_lists.pop(sid, None)
        self._record("deleted", sid)

    # ------------------------------------------------------------------ list members
    # Credentials and IP addresses are not logged: Twilio's Monitor event types name the
    # lists (sip-credential-list.*, sip-ip-access-control-list.*), not their members.
    def create_credential(
        self, cl: SipList, username: str, password: str, at: datetime | None = None
    ) -> SipCredential:
        """Add a user to a credential list: usernames are unique in a list, passwords follow
        Twilio's rules, and a list holds at most `max_credentials_per_list` users."""
        if any(c.username == username for c in cl.credentials.values()):
            raise bad_request(f"Username {username!r} already exists in credential list {cl.sid}")
        if len(cl.credentials) >= self.scenario.max_credentials_per_list:
            raise bad_request(
                f"Credential list {cl.sid} already holds "
                f"{self.scenario.max_credentials_per_list} credentials"
            )
        _check_password(password)
        created = at or self.clock()
        credential = SipCredential(
            self.sids.next("CR"), self.sids.seq(), cl.sid, username, password, created, created
        )
        cl.credentials[credential.sid] = credential
        return credential

    def set_password(self, credential: SipCredential, password: str) -> None:
        _check_password(password)
        credential.password = password
        credential.date_updated = self.clock()

    def create_ip_address(
        self,
        acl: SipList,
        friendly_name: str,
        ip_address: str,
        cidr_prefix_length: int,
        at: datetime | None = None,
    ) -> SipIpAddress:
        """Add an address to an IP access control list (at most `max_ip_addresses_per_acl`)."""
        if len(acl.ip_addresses) >= self.scenario.max_ip_addresses_per_acl:
            raise bad_request(
                f"IP access control list {acl.sid} already holds "
                f"{self.scenario.max_ip_addresses_per_acl} IP addresses"
            )
        created = at or self.clock()
        item = SipIpAddress(
            self.sids.next("IP"),
            self.sids.seq(),
            acl.sid,
            friendly_name,
            ip_address,
            cidr_prefix_length,
            created,
            created,
        )
        acl.ip_addresses[item.sid] = item
        return item

    # ------------------------------------------------------------------ trunks
    def trunk(self, sid: str, path: str) -> Trunk:
        found = self.trunks.get(sid)
        if found is None:
            raise not_found(path)
        return found

    def _check_domain(self, domain_name: str | None, own_sid: str | None) -> None:
        """A domain is taken by another trunk, or for `deleted_domain_hold_days` after its
        trunk was deleted (support.twilio.com article 51034176439707)."""
        if not domain_name:
            return
        taken = any(o.sid != own_sid and o.domain_name == domain_name for o in self.trunks.values())
        deleted_at = self.held_domains.get(domain_name)
        hold = timedelta(days=self.scenario.deleted_domain_hold_days)
        if taken or (deleted_at is not None and self.clock() - deleted_at < hold):
            raise TwilioError(400, TRUNK_DOMAIN_TAKEN, "Trunk Domain already taken")

    def create_trunk(self, fields: dict[str, Any], at: datetime | None = None) -> Trunk:
        if len(self.trunks) >= self.scenario.max_trunks:
            raise TwilioError(400, MAX_TRUNKS_REACHED, "Maximum Number of Trunks reached")
        self._check_domain(fields.get("domain_name"), None)
        created = at or self.clock()
        trunk = Trunk(
            sid=self.sids.next("TK"),
            seq=self.sids.seq(),
            friendly_name=fields.pop("friendly_name", None),
            domain_name=fields.pop("domain_name", None),
            date_created=created,
            date_updated=created,
        )
        for name, value in fields.items():
            setattr(trunk, name, value)
        self.trunks[trunk.sid] = trunk
        self._record("created", trunk.sid)
        return trunk

    def update_trunk(self, trunk: Trunk, fields: dict[str, Any]) -> Trunk:
        if "domain_name" in fields:
            self._check_domain(fields["domain_name"], trunk.sid)
        before = {name: getattr(trunk, name) for name in fields}
        for name, value in fields.items():
            setattr(trunk, name, value)
        trunk.date_updated = self.clock()
        if fields != before:
            self._record("updated", trunk.sid, changes(before, fields))
        return trunk

    def set_recording(self, trunk: Trunk, recording: dict[str, str]) -> None:
        """The trunk's Recording sub-resource (a trunk setting, logged as `trunk.updated`)."""
        before = dict(trunk.recording)
        trunk.recording.update(recording)
        if trunk.recording != before:
            self._record(
                "updated",
                trunk.sid,
                changes({"recording": before}, {"recording": dict(trunk.recording)}),
            )

    def delete_trunk(self, trunk: Trunk) -> None:
        """Delete a trunk; its numbers stay on the account, no longer associated, and its
        domain name stays taken for a while."""
        for number in self.numbers_on(trunk.sid):
            self.update_number(number, {"trunk_sid": None})
        del self.trunks[trunk.sid]
        if trunk.domain_name:
            self.held_domains[trunk.domain_name] = self.clock()
        self._record("deleted", trunk.sid)

    def create_origination_url(
        self,
        trunk_sid: str,
        *,
        sip_url: str,
        priority: int,
        weight: int,
        enabled: bool,
        friendly_name: str,
        at: datetime | None = None,
    ) -> OriginationUrl:
        if (
            len(self.trunks[trunk_sid].origination_urls)
            >= self.scenario.max_origination_urls_per_trunk
        ):
            raise TwilioError(400, MAX_ORIGINATION_URIS_REACHED, "Maximum Origination URIs reached")
        created = at or self.clock()
        url = OriginationUrl(
            sid=self.sids.next("OU"),
            seq=self.sids.seq(),
            trunk_sid=trunk_sid,
            sip_url=sip_url,
            priority=priority,
            weight=weight,
            enabled=enabled,
            friendly_name=friendly_name,
            date_created=created,
            date_updated=created,
        )
        self.trunks[trunk_sid].origination_urls[url.sid] = url
        return url

    def associate_list(
        self, trunk_sid: str, kind: str, list_sid: str, at: datetime | None = None
    ) -> Association:
        """Attach an account list to a trunk; attaching twice is Twilio's 400/21245."""
        links: dict[str, Association] = getattr(self.trunks[trunk_sid], kind)
        if list_sid in links:
            raise bad_request(
                f"Trunk Validation Error: {list_sid} is already associated with trunk {trunk_sid}",
                TRUNK_VALIDATION_ERROR,
            )
        link = Association(list_sid, self.sids.seq(), at or self.clock())
        links[list_sid] = link
        return link

    def associate_number(self, trunk: Trunk, number: IncomingNumber) -> IncomingNumber:
        """Put a number on a trunk. A number has one trunk; one already on a trunk (this one
        or another) is handled as the scenario's `attach_again` / `attach_elsewhere` say."""
        if number.trunk_sid == trunk.sid:
            if self.scenario.attach_again != "accept":
                raise _attach_refused(
                    self.scenario.attach_again,
                    f"Phone number {number.sid} is already associated with trunk {trunk.sid}",
                )
            return number
        if number.trunk_sid is not None and self.scenario.attach_elsewhere != "move":
            raise _attach_refused(
                self.scenario.attach_elsewhere,
                f"Phone number {number.sid} is associated with another trunk ({number.trunk_sid})",
            )
        return self.update_number(number, {"trunk_sid": trunk.sid})

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def ordered(store: dict[str, Any]) -> list[Any]:
        """Resources in creation order, which is the order lists and page tokens use."""
        return sorted(store.values(), key=lambda item: item.seq)


def _check_password(password: str) -> None:
    """Twilio's password rules; the code of its refusal is not published (20001 here)."""
    problem = sip_password_problem(password)
    if problem is not None:
        raise bad_request(f"Password {problem}")


def _attach_refused(how: str, message: str) -> TwilioError:
    """A refused trunk attachment: `refuse_400` or `refuse_409` (Twilio's codes for this case
    are unknown: the generic 20001 and 20409)."""
    if how == "refuse_409":
        return TwilioError(409, CONFLICT, message)
    return bad_request(message)
