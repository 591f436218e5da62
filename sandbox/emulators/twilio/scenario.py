"""The seed of a Twilio emulator: account, number inventory, owned numbers, trunks.

Scenarios refer to trunks and SIP lists by friendly name (what a human writes in YAML);
the emulator resolves names to deterministic SIDs when it seeds its state.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sandbox.emulators.core import FaultConfig

E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")
AREA_CODE_RE = re.compile(r"^[2-9]\d{2}$")
DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fedcba9876543210" * 2
# The Console user changes made through the admin "console" routes are attributed to.
DEFAULT_CONSOLE_USER_SID = "US" + "5eed0fc0501e" + "0" * 20

NumberType = Literal["local", "toll-free"]
# What POST /v1/Trunks/{T}/PhoneNumbers does with a number that already sits on a trunk:
# undocumented, so both are switches whose default is a refusal (the harder case).
AttachElsewhere = Literal["move", "refuse_400", "refuse_409"]
AttachAgain = Literal["accept", "refuse_400", "refuse_409"]


def _e164(value: str) -> str:
    if not E164_RE.match(value):
        raise ValueError(f"{value!r} is not an E.164 phone number (+<country><number>)")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Capabilities(_Model):
    voice: bool = True
    sms: bool = True
    mms: bool = True
    fax: bool = False


class InventoryBlock(_Model):
    """Numbers Twilio would offer for sale: generated in an area code, or listed."""

    country: str = Field("US", pattern=r"^[A-Z]{2}$")
    type: NumberType = "local"
    area_code: str | None = Field(
        None, description="Generates +1<area><exchange>01xx (NANP fictional 555-01xx range)."
    )
    exchange: str = Field("555", pattern=r"^[2-9]\d{2}$")
    count: int = Field(10, ge=0, le=100)
    numbers: list[str] = Field(default_factory=list, description="Explicit E.164 numbers.")
    region: str | None = None
    locality: str | None = None
    rate_center: str | None = None
    lata: str | None = None
    postal_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    capabilities: Capabilities = Field(default_factory=Capabilities)
    address_requirements: Literal["none", "any", "local", "foreign"] = "none"
    beta: bool = False

    @field_validator("numbers")
    @classmethod
    def _numbers_e164(cls, numbers: list[str]) -> list[str]:
        return [_e164(n) for n in numbers]

    @field_validator("area_code")
    @classmethod
    def _area_code(cls, area_code: str | None) -> str | None:
        if area_code is not None and not AREA_CODE_RE.match(area_code):
            raise ValueError(f"area_code {area_code!r} is not a NANP area code")
        return area_code

    def phone_numbers(self) -> list[str]:
        """The block's numbers: the explicit ones, then `count` generated ones."""
        generated: list[str] = []
        if self.area_code is not None:
            generated = [
                f"+1{self.area_code}{self.exchange}{100 + i:04d}" for i in range(self.count)
            ]
        return [*self.numbers, *generated]


class IncomingNumberSeed(_Model):
    """A number the account already owns."""

    phone_number: str
    friendly_name: str | None = None
    type: NumberType = "local"
    trunk: str | None = Field(None, description="Friendly name of the trunk it sits on.")
    voice_url: str | None = None
    capabilities: Capabilities = Field(default_factory=Capabilities)

    @field_validator("phone_number")
    @classmethod
    def _phone_e164(cls, value: str) -> str:
        return _e164(value)


class OriginationUrlSeed(_Model):
    # Twilio's API refuses `sips:` (the emulator too); a scenario may still seed one, so the
    # audit's TLS rules can be tested against it.
    sip_url: str = Field(pattern=r"^sips?:\S+$")
    priority: int = Field(10, ge=0, le=65535)
    weight: int = Field(10, ge=1, le=65535)
    enabled: bool = True
    friendly_name: str | None = None


def sip_password_problem(password: str) -> str | None:
    """Twilio's rule for a SIP credential's password: "a minimum of 12 characters, contain at
    least 1 digit, and have mixed case" (the v2010 spec's CreateSipCredential `Password`)."""
    if len(password) < 12:
        return "must be at least 12 characters long"
    if not any(c.isdigit() for c in password):
        return "must contain at least one digit"
    if not (any(c.isupper() for c in password) and any(c.islower() for c in password)):
        return "must have mixed case (an upper and a lower case letter)"
    return None


def ipv4_address(value: str) -> str:
    """A complete IPv4 address in dotted decimal ("IPv4 only supported today"; "must be a
    complete IP address; wildcards are not supported")."""
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address in dotted decimal") from None


class SipCredentialSeed(_Model):
    username: str = Field(min_length=1, max_length=32)
    password: str = Field(description="Twilio's rules: 12+ characters, a digit, mixed case.")

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str) -> str:
        problem = sip_password_problem(value)
        if problem is not None:
            raise ValueError(f"password {problem}")
        return value


class CredentialListSeed(_Model):
    """An account SIP credential list with its credentials (a plain string: an empty list)."""

    friendly_name: str = Field(min_length=1, max_length=64)
    credentials: list[SipCredentialSeed] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_users(self) -> CredentialListSeed:
        users = [c.username for c in self.credentials]
        if len(set(users)) != len(users):
            raise ValueError(f"credential list {self.friendly_name!r}: usernames must be unique")
        return self


class IpAddressSeed(_Model):
    ip_address: str
    friendly_name: str | None = Field(None, description="Defaults to the address.")
    cidr_prefix_length: int = Field(32, ge=1, le=32)

    _ipv4 = field_validator("ip_address")(ipv4_address)


class IpAccessControlListSeed(_Model):
    """An account IP access control list with its addresses (a plain string: an empty list)."""

    friendly_name: str = Field(min_length=1, max_length=255)
    ip_addresses: list[IpAddressSeed] = Field(default_factory=list)


def _as_credential_list(item: str | CredentialListSeed) -> CredentialListSeed:
    return CredentialListSeed(friendly_name=item) if isinstance(item, str) else item


def _as_ip_acl(item: str | IpAccessControlListSeed) -> IpAccessControlListSeed:
    return IpAccessControlListSeed(friendly_name=item) if isinstance(item, str) else item


class TrunkSeed(_Model):
    friendly_name: str
    domain_name: str | None = Field(None, pattern=r"^[A-Za-z0-9-]+\.pstn\.twilio\.com$")
    origination_urls: list[OriginationUrlSeed] = Field(default_factory=list)
    credential_lists: list[str] = Field(default_factory=list, description="By friendly name.")
    ip_access_control_lists: list[str] = Field(default_factory=list, description="By name.")
    secure: bool = False
    cnam_lookup_enabled: bool = False


class TwilioScenario(_Model):
    """Everything the Twilio emulator starts with; `TwilioScenario()` is an empty account."""

    account_sid: str = Field(DEFAULT_ACCOUNT_SID, pattern=r"^AC[0-9a-f]{32}$")
    auth_token: str = Field(DEFAULT_AUTH_TOKEN, min_length=8)
    faults: FaultConfig = Field(default_factory=FaultConfig)
    max_concurrent_requests: int = Field(
        0, ge=0, description="Requests in flight per account before 429/20429; 0 = no limit."
    )
    attach_elsewhere: AttachElsewhere = Field(
        "refuse_400",
        description="Attaching a number that sits on another trunk: 'move' it (201), or refuse "
        "it with a 400 or a 409 (undocumented; a refusal by default).",
    )
    attach_again: AttachAgain = Field(
        "refuse_400",
        description="Attaching a number to the trunk it already sits on: 'accept' (201, "
        "nothing changes), or refuse it with a 400 or a 409 (undocumented).",
    )
    max_trunks: int = Field(
        100, ge=1, description="Elastic SIP trunks per account; one more is 400/21244."
    )
    max_origination_urls_per_trunk: int = Field(
        10,
        ge=1,
        description="Origination URLs per trunk; one more is 400/21249 (Twilio publishes no "
        "figure: assumed).",
    )
    deleted_domain_hold_days: float = Field(
        30,
        ge=0,
        description="A deleted trunk's domain name stays taken (400/21248) this long.",
    )
    console_user_sid: str = Field(
        DEFAULT_CONSOLE_USER_SID,
        pattern=r"^US[0-9a-f]{32}$",
        description="The Console user the admin console routes act as (Monitor events).",
    )
    monitor_events_order: Literal["newest_first", "oldest_first"] = Field(
        "newest_first", description="Order of GET /v1/Events ('sorted by event-date')."
    )
    monitor_events_one_filter: bool = Field(
        True,
        description="GET /v1/Events with more than one of EventType, ResourceSid, ActorSid and "
        "SourceIpAddress is a 400 (dates aside), as Twilio's page says.",
    )
    monitor_events_retention_days: float = Field(
        30, gt=0, description="Monitor events older than this are no longer listed."
    )
    max_credentials_per_list: int = Field(
        1000,
        ge=1,
        description="Credentials per SIP credential list ('up to 1,000 unique users'); one "
        "more is a 400.",
    )
    max_ip_addresses_per_acl: int = Field(
        100,
        ge=1,
        description="IP addresses per IP access control list ('up to 100'); one more is a 400.",
    )
    available_numbers: list[InventoryBlock] = Field(default_factory=list)
    incoming_numbers: list[IncomingNumberSeed] = Field(default_factory=list)
    trunks: list[TrunkSeed] = Field(default_factory=list)
    credential_lists: list[str | CredentialListSeed] = Field(
        default_factory=list, description="Names, or lists with `credentials`."
    )
    ip_access_control_lists: list[str | IpAccessControlListSeed] = Field(
        default_factory=list, description="Names, or lists with `ip_addresses`."
    )

    def credential_list_seeds(self) -> list[CredentialListSeed]:
        return [_as_credential_list(item) for item in self.credential_lists]

    def ip_access_control_list_seeds(self) -> list[IpAccessControlListSeed]:
        return [_as_ip_acl(item) for item in self.ip_access_control_lists]

    @model_validator(mode="after")
    def _references_resolve(self) -> TwilioScenario:
        names = [t.friendly_name for t in self.trunks]
        if len(set(names)) != len(names):
            raise ValueError("trunk friendly names must be unique (scenarios refer to them)")
        if len(self.trunks) > self.max_trunks:
            raise ValueError(f"{len(self.trunks)} trunks, more than max_trunks ({self.max_trunks})")
        for trunk in self.trunks:
            if len(trunk.origination_urls) > self.max_origination_urls_per_trunk:
                raise ValueError(
                    f"trunk {trunk.friendly_name!r}: more than max_origination_urls_per_trunk "
                    f"({self.max_origination_urls_per_trunk}) origination URLs"
                )
        domains = [t.domain_name for t in self.trunks if t.domain_name]
        if len(set(domains)) != len(domains):
            raise ValueError("trunk domain names must be unique")
        credential_lists = [c.friendly_name for c in self.credential_list_seeds()]
        acls = [a.friendly_name for a in self.ip_access_control_list_seeds()]
        for kind, declared in (
            ("credential list", credential_lists),
            ("IP access control list", acls),
        ):
            if len(set(declared)) != len(declared):
                raise ValueError(f"{kind} names must be unique")
        for seed in self.credential_list_seeds():
            if len(seed.credentials) > self.max_credentials_per_list:
                raise ValueError(f"credential list {seed.friendly_name!r}: too many credentials")
        for acl in self.ip_access_control_list_seeds():
            if len(acl.ip_addresses) > self.max_ip_addresses_per_acl:
                raise ValueError(f"IP ACL {acl.friendly_name!r}: too many IP addresses")
        for trunk in self.trunks:
            for name in trunk.credential_lists:
                if name not in credential_lists:
                    raise ValueError(
                        f"trunk {trunk.friendly_name!r}: unknown credential list {name!r}"
                    )
            for name in trunk.ip_access_control_lists:
                if name not in acls:
                    raise ValueError(f"trunk {trunk.friendly_name!r}: unknown IP ACL {name!r}")
        owned = [n.phone_number for n in self.incoming_numbers]
        if len(set(owned)) != len(owned):
            raise ValueError("incoming numbers must be unique")
        for number in self.incoming_numbers:
            if number.trunk is not None and number.trunk not in names:
                raise ValueError(f"number {number.phone_number}: unknown trunk {number.trunk!r}")
        return self


class RaisedAlert(BaseModel):
    """An alert for `POST /__admin/alerts` to log (Monitor v1 Alert fields)."""

    model_config = ConfigDict(extra="forbid")

    error_code: str = Field(pattern=r"^[0-9]{5}$")
    log_level: Literal["error", "warning", "notice", "debug"] = "error"
    alert_text: str = ""
    resource_sid: str | None = None
    service_sid: str | None = None
    request_url: str | None = None
