"""The observed state: what Twilio and Genesys hold, as plain immutable values.

Adapters build a `Snapshot` from paged SDK reads; the planner reads nothing else. Keeping
vendor SDK objects out of here is what makes `plan()` a pure function unit tests can reach.
A snapshot exists only when every read succeeded: a failed or partial read raises in the
adapter, so an incomplete picture can never be mistaken for "those objects are gone".
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from shared.domain.e164 import InvalidNumberError, to_e164
from shared.domain.ownership import owns_pool


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TwilioNumber(_Value):
    sid: str
    phone_number: str  # E.164, as Twilio returns it
    friendly_name: str = ""
    trunk_sid: str | None = None


class OriginationUrl(_Value):
    sid: str
    sip_url: str
    priority: int
    weight: int
    enabled: bool
    friendly_name: str = ""


class TwilioTrunk(_Value):
    sid: str
    friendly_name: str
    origination_urls: tuple[OriginationUrl, ...] = ()
    domain_name: str | None = None  # the termination SIP URI host, <name>.pstn.twilio.com
    secure: bool | None = None  # TLS signalling and SRTP media
    disaster_recovery_url: str | None = None


class TwilioChange(_Value):
    """One of Twilio's Monitor events: what changed (`phone-number.created`, …), which resource
    and when. A number's events name its SID only, never the number."""

    sid: str
    event_type: str
    resource_sid: str
    event_date: datetime


class TwilioAlert(_Value):
    """One of Twilio's Monitor alerts: an error or warning it logged, with the texts that
    may name the resource (a trunk's TK SID can sit in any of them)."""

    sid: str
    error_code: str
    event_date: datetime
    log_level: str = "error"
    alert_text: str = ""
    resource_sid: str | None = None
    service_sid: str | None = None
    request_url: str | None = None

    def texts(self) -> dict[str, str]:
        """The alert as the classification of a Debugger payload reads it."""
        fields = {
            "error_code": self.error_code,
            "alert_text": self.alert_text,
            "resource_sid": self.resource_sid,
            "service_sid": self.service_sid,
            "request_url": self.request_url,
        }
        return {k: v for k, v in fields.items() if v}


class AuditedChange(_Value):
    """One property an audited change touched, its values before and after."""

    name: str
    old_values: tuple[str, ...] = ()
    new_values: tuple[str, ...] = ()


class GenesysAudit(_Value):
    """One entry of Genesys' audit log about a configuration object: what was changed, how,
    when and by which OAuth client (None for a change Genesys made itself)."""

    id: str
    event_date: datetime
    entity_type: str
    entity_id: str
    entity_name: str | None = None
    action: str | None = None
    client_id: str | None = None
    property_changes: tuple[AuditedChange, ...] = ()


class SipCredential(_Value):
    """A username of a Twilio credential list; Twilio never answers with the password."""

    sid: str
    username: str


class CredentialList(_Value):
    sid: str
    friendly_name: str
    credentials: tuple[SipCredential, ...] = ()


class AclAddress(_Value):
    sid: str
    ip_address: str
    cidr_prefix_length: int = 32

    @property
    def cidr(self) -> str:
        return f"{self.ip_address}/{self.cidr_prefix_length}"


class IpAccessControlList(_Value):
    sid: str
    friendly_name: str
    addresses: tuple[AclAddress, ...] = ()


class TrunkAssociations(_Value):
    """The credential lists and IP ACLs a Twilio trunk authenticates termination with."""

    trunk_sid: str
    credential_list_sids: tuple[str, ...] = ()
    ip_acl_sids: tuple[str, ...] = ()


class CarrierSide(_Value):
    """The Twilio objects trunk provisioning compares beyond the trunks themselves; read
    only when the policy declares a trunk group for byoc-sync to build."""

    credential_lists: tuple[CredentialList, ...] = ()
    ip_acls: tuple[IpAccessControlList, ...] = ()
    associations: tuple[TrunkAssociations, ...] = ()


class Site(_Value):
    id: str
    name: str
    managed: bool = False  # Genesys-made (PureCloud Voice): read-only


class DidPool(_Value):
    id: str
    start: str
    end: str
    provider: str | None = None
    description: str | None = None
    comments: str | None = None
    version: int | None = None

    @property
    def owned(self) -> bool:
        return owns_pool(self)

    def contains(self, number: str) -> bool:
        if not (len(number) == len(self.start) == len(self.end)):
            return False
        return int(self.start[1:]) <= int(number[1:]) <= int(self.end[1:])


class DidNumber(_Value):
    """One number of a DID pool as Genesys lists it (`/edges/didpools/dids`): its pool and
    whether an owner (an IVR, user, phone or group) holds it."""

    number: str
    pool_id: str | None
    assigned: bool
    owner_id: str | None = None
    owner_type: str | None = None


class Ivr(_Value):
    """An Architect IVR configuration (a *route* in the Admin UI: Call Routing)."""

    id: str
    name: str
    dnis: tuple[str, ...] = ()  # as Genesys holds them; may be in non-E.164 formats
    version: int


class TrunkBase(_Value):
    """A trunk base setting: what a policy member names. Genesys runs one or more trunk
    instances for it (`GenesysTrunk`), named differently from it."""

    id: str
    name: str
    managed: bool = False  # Genesys-made (e.g. the Genesys Cloud Voice base): never ours
    sip_servers: tuple[str, ...] = ()  # trunk_transport_serverProxyList: where it sends calls
    inbound_identifier: str | None = None  # trunk_sip_termination_uri
    transport: str | None = None  # trunk_transport_protocolVariant (udp, tcp, tls)
    enabled: bool | None = None  # trunk_enabled; None when not read (no properties)
    description: str | None = None  # carries the ownership marker on bases byoc-sync made
    version: int | None = None
    inbound_site_id: str | None = None  # inboundSite: where inbound calls are routed
    username: str | None = None  # trunk_sip_authentication_credentials_username
    realm: str | None = None  # trunk_sip_authentication_credentials_realm
    allow_list: tuple[str, ...] = ()  # trunk_access_acl_allowList


class GenesysTrunk(_Value):
    id: str
    name: str
    trunk_base_id: str | None = None
    connected: bool | None = None
    in_service: bool | None = None
    enabled: bool | None = None
    options_up: bool | None = None  # Genesys's own SIP OPTIONS ping (None: not pinging)
    registered: bool | None = None  # SIP registration to the carrier (None: not registering)
    proxies: tuple[str, ...] = ()  # the addresses Genesys pings / registers with for this trunk


class OutboundRoute(_Value):
    id: str
    site_id: str
    site_name: str
    name: str
    external_trunk_base_ids: tuple[str, ...] = ()
    distribution: str | None = None
    classification_types: tuple[str, ...] = ()  # which number-plan classifications it carries
    enabled: bool = True
    version: int
    site_managed: bool = False  # on a Genesys-managed site: read-only, never ours to write
    description: str | None = None  # carries the ownership marker on routes byoc-sync made


class NumberPlan(_Value):
    """A site number plan: Genesys classifies a dialed number by the first plan (in priority
    order) that matches it, and outbound routes then serve classifications."""

    name: str
    classification: str
    match_type: str  # digitLength, e164NumberList, interCountryCode, intraCountryCode, ...
    match: str | None = None  # the regular expression of a regex plan
    numbers: tuple[tuple[str, str], ...] = ()  # (start, end) of numberList / e164NumberList
    digit_lengths: tuple[int, int] | None = None  # digitLength plans
    priority: int = 0  # lower is tried first
    active: bool = True


class SiteDialPlan(_Value):
    site_id: str
    site_name: str
    country: str | None = None  # ISO 3166 code of the site's location (intra/inter country)
    number_plans: tuple[NumberPlan, ...] = ()


class Snapshot(_Value):
    """Everything observed in one run, read completely."""

    twilio_numbers: tuple[TwilioNumber, ...] = ()
    twilio_trunks: tuple[TwilioTrunk, ...] = ()
    did_pools: tuple[DidPool, ...] = ()
    ivrs: tuple[Ivr, ...] = ()
    trunk_bases: tuple[TrunkBase, ...] = ()
    trunks: tuple[GenesysTrunk, ...] = ()
    outbound_routes: tuple[OutboundRoute, ...] = ()
    # Read only when the policy declares trunk groups for byoc-sync to build.
    sites: tuple[Site, ...] = ()
    carrier: CarrierSide | None = None

    def checksum(self) -> str:
        """Identifies exactly this observed state (plan files carry it: see `apply FILE`)."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()


def normalise_dnis(entry: str) -> str | None:
    """A Genesys DNIS entry in E.164, or None when it is not a phone number at all.

    Genesys stores what it was given; the classic trap is `2025550199` on one side and
    `+12025550199` on the other. North-American national formats are read as +1.
    """
    try:
        return to_e164(entry, "US")
    except InvalidNumberError:
        return None


NumberKind = Literal["local", "toll-free"]


class AvailableNumber(BaseModel):
    """A number Twilio offers for sale (search result; not part of the observed state)."""

    model_config = ConfigDict(frozen=True)

    phone_number: str
    friendly_name: str = ""
    locality: str | None = None
    region: str | None = None


class TrunkBaseWrite(BaseModel):
    """Every setting byoc-sync owns on a BYOC Cloud trunk base, as one write.

    Built when a change is applied (never kept in a plan): it carries the digest password,
    which Genesys never reads back, so every write of a base sends it again.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    inbound_site_id: str
    inbound_identifier: str
    transport: Literal["udp", "tcp", "tls"]
    sip_servers: tuple[str, ...]
    allow_list: tuple[str, ...]
    username: str
    realm: str = ""
    password: SecretStr
    enabled: bool = True


class OutboundRouteWrite(_Value):
    """What byoc-sync owns on a site outbound route it builds."""

    name: str
    description: str
    classification_types: tuple[str, ...]
    trunk_base_ids: tuple[str, ...]  # in this order
    distribution: Literal["SEQUENTIAL", "RANDOM"] = "SEQUENTIAL"
    enabled: bool = True
