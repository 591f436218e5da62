"""What the services need from the outside world, and the errors that cross those lines.

Services are typed against these Protocols, never against the SDK-backed adapters, so
importing a service loads no vendor SDK and a test can hand a service anything that
answers the same calls. The concrete adapters in `shared.adapters` satisfy them
structurally; `shared.bootstrap` is the one place that builds them.

Adapter errors carry a human `reason`: it is the text that lands in dead-letter records
and operator reports, so it names the vendor, the operation and what went wrong, and never
a secret. Callers never see an SDK exception: a vendor call ends in a value, a
`TerminalVendorError` (retrying cannot help), `RetriesExhausted` (the vendor kept failing)
or an `OwnershipError` (byoc-sync refused to touch something it does not own).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import SecretStr

from shared.domain.commands import CommandEnvelope
from shared.domain.journal import JournalEntry
from shared.domain.model import (
    AclAddress,
    AvailableNumber,
    CredentialList,
    DidNumber,
    DidPool,
    GenesysAudit,
    GenesysTrunk,
    IpAccessControlList,
    Ivr,
    NumberKind,
    OriginationUrl,
    OutboundRoute,
    OutboundRouteWrite,
    SipCredential,
    Site,
    SiteDialPlan,
    Snapshot,
    TrunkAssociations,
    TrunkBase,
    TrunkBaseWrite,
    TwilioAlert,
    TwilioChange,
    TwilioNumber,
    TwilioTrunk,
)
from shared.domain.policy import RoutingPolicy, TrunkGroup, TrunkGroupMember

# ---------------------------------------------------------------------- vendors


class TwilioNumberWrites(Protocol):
    def attach_number(self, number_sid: str, trunk_sid: str) -> TwilioNumber: ...


class OriginationUrlWriter(Protocol):
    def update_origination_url(
        self,
        trunk_sid: str,
        url_sid: str,
        priority: int | None = None,
        weight: int | None = None,
        enabled: bool | None = None,
    ) -> OriginationUrl: ...


class TwilioTrunkWrites(Protocol):
    """The carrier side of a trunk group: the Elastic SIP trunk, its origination URLs, the
    credential list and IP ACL it authenticates Genesys with. Creates are safe to send
    twice (a lost answer is found again by name); deletes of what is gone answer False."""

    def list_credential_lists(self) -> list[CredentialList]: ...

    def list_ip_acls(self) -> list[IpAccessControlList]: ...

    def trunk_associations(self, trunk_sid: str) -> TrunkAssociations: ...

    def create_trunk(
        self,
        friendly_name: str,
        domain_name: str,
        secure: bool,
        disaster_recovery_url: str | None,
    ) -> TwilioTrunk: ...

    def update_trunk(
        self,
        trunk_sid: str,
        domain_name: str,
        secure: bool,
        disaster_recovery_url: str | None,
    ) -> TwilioTrunk: ...

    def create_origination_url(
        self,
        trunk_sid: str,
        sip_url: str,
        priority: int,
        weight: int,
        enabled: bool,
        friendly_name: str,
    ) -> OriginationUrl: ...

    def delete_origination_url(self, trunk_sid: str, url_sid: str) -> bool: ...

    def create_credential_list(self, friendly_name: str) -> CredentialList: ...

    def create_credential(
        self, list_sid: str, username: str, password: SecretStr
    ) -> SipCredential: ...

    def update_credential_password(
        self, list_sid: str, credential_sid: str, password: SecretStr
    ) -> SipCredential: ...

    def delete_credential(self, list_sid: str, credential_sid: str) -> bool: ...

    def create_ip_acl(self, friendly_name: str) -> IpAccessControlList: ...

    def add_ip_address(
        self, acl_sid: str, ip_address: str, cidr_prefix_length: int, friendly_name: str
    ) -> AclAddress: ...

    def remove_ip_address(self, acl_sid: str, address_sid: str) -> bool: ...

    def associate_credential_list(self, trunk_sid: str, list_sid: str) -> None: ...

    def associate_ip_acl(self, trunk_sid: str, acl_sid: str) -> None: ...


class TwilioPort(TwilioNumberWrites, OriginationUrlWriter, TwilioTrunkWrites, Protocol):
    """The Twilio calls byoc-sync makes (numbers, Elastic SIP trunks, origination URLs)."""

    def list_numbers(self) -> list[TwilioNumber]: ...

    def list_trunks(self) -> list[TwilioTrunk]: ...

    def list_origination_urls(self, trunk_sid: str) -> list[OriginationUrl]: ...

    def termination_auth(self, trunk_sid: str) -> tuple[list[str], list[str]]: ...

    def fetch_number(self, number_sid: str) -> TwilioNumber: ...

    def changes_since(self, event_type: str, start: datetime) -> list[TwilioChange]:
        """Monitor events of one type on or after `start` (every page), oldest first."""
        ...

    def alerts_since(self, start: datetime) -> list[TwilioAlert]:
        """Monitor alerts generated on or after `start` (every page), oldest first."""
        ...

    def find_number(self, phone_number: str) -> TwilioNumber | None: ...

    def search_available(
        self,
        country: str = "US",
        kind: NumberKind = "local",
        area_code: str | None = None,
        contains: str | None = None,
        limit: int = 20,
    ) -> list[AvailableNumber]: ...

    def detach_number(self, number_sid: str, trunk_sid: str) -> TwilioNumber: ...

    def purchase(self, phone_number: str, friendly_name: str = "") -> TwilioNumber: ...

    def release(self, number_sid: str) -> bool: ...


class GenesysNumberWrites(Protocol):
    dnis_per_write: int  # most DNIS one IVR write adds (Genesys practice: 50)

    def create_did_pool(self, number: str, provider: str | None = None) -> DidPool: ...

    def update_ivr_dnis(
        self, ivr_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> Ivr: ...

    def delete_did_pool(self, pool_id: str) -> bool: ...


class OutboundRouteWriter(Protocol):
    def update_outbound_route_trunks(
        self, route: OutboundRoute, trunk_base_ids: Sequence[str]
    ) -> OutboundRoute: ...


class GenesysTrunkWrites(Protocol):
    """The Genesys side of a trunk group: BYOC Cloud trunk bases and the site outbound route.
    Updates are read-modify-writes of the settings byoc-sync owns, re-run on a version
    conflict; everything else on the object is written back as read."""

    def list_sites(self) -> list[Site]: ...

    def create_trunk_base(self, settings: TrunkBaseWrite) -> TrunkBase: ...

    def update_trunk_base(self, base_id: str, settings: TrunkBaseWrite) -> TrunkBase: ...

    def create_outbound_route(self, site_id: str, route: OutboundRouteWrite) -> OutboundRoute: ...

    def update_outbound_route(
        self, current: OutboundRoute, route: OutboundRouteWrite
    ) -> OutboundRoute: ...


class GenesysPort(GenesysNumberWrites, OutboundRouteWriter, GenesysTrunkWrites, Protocol):
    """The Genesys Cloud calls byoc-sync makes (DID pools, IVRs, BYOC trunks, routes)."""

    def list_did_pools(self) -> list[DidPool]: ...

    def list_ivrs(self) -> list[Ivr]: ...

    def list_trunk_bases(self) -> list[TrunkBase]: ...

    def list_trunks(self) -> list[GenesysTrunk]: ...

    def trunk_base_id_of(self, trunk_id: str) -> str | None:
        """The trunk base a trunk instance runs for (cached); None if Genesys has no such
        live trunk."""
        ...

    def list_outbound_routes(self) -> list[OutboundRoute]: ...

    def read_dial_plan(self, site_id: str) -> SiteDialPlan: ...

    def get_did_pool(self, pool_id: str) -> DidPool | None: ...

    def pool_numbers(self, number: str) -> list[DidNumber]:
        """The DID pool entries for exactly this E.164 number; empty when no pool holds it."""
        ...

    def get_ivr(self, ivr_id: str) -> Ivr: ...

    def audits(self, entity_type: str, start: datetime, end: datetime) -> list[GenesysAudit]:
        """Audit log entries about objects of one type (`IVR`, `DIDPool`, `DID`) made in
        [start, end), oldest first (every page)."""
        ...


# ---------------------------------------------------------------------- state


class StateConflictError(RuntimeError):
    """Someone saved this key's state after we read it; our decision is stale."""


class StateStoreError(RuntimeError):
    """The state table could not be read or written (the message says why)."""


@dataclass(frozen=True)
class StoredState:
    data: dict[str, Any]
    etag: str


class StateStore(Protocol):
    """Small JSON records by key, saved only if unchanged since read (ETag)."""

    def load(self, key: str) -> StoredState | None: ...

    def save(self, key: str, data: Mapping[str, Any], etag: str | None) -> str: ...


# ---------------------------------------------------------------------- journal


class JournalReadError(RuntimeError):
    """The journal could not be read (the message says why)."""


class JournalReader(Protocol):
    """The journal by the questions operators ask; each is one cheap, bounded query.
    A journal that cannot be read raises `JournalReadError`."""

    def for_command(self, command_id: str) -> list[JournalEntry]:
        """Every entry of one command, oldest first."""
        ...

    def for_number(self, phone_number: str, since: datetime) -> list[JournalEntry]:
        """Entries naming this number at or after `since`, newest first."""
        ...

    def for_group(self, trunk_group: str, since: datetime) -> list[JournalEntry]:
        """Entries about this trunk group at or after `since`, newest first."""
        ...

    def recent(self, since: datetime, limit: int = 200) -> list[JournalEntry]:
        """Every entry at or after `since`, newest first, at most `limit`."""
        ...

    def switches(self, trunk_group: str, limit: int = 1) -> list[JournalEntry]:
        """The group's newest route switches (failovers, recoveries), newest first."""
        ...


class JournalWriter(Protocol):
    def append(self, entry: JournalEntry) -> None:
        """Record one entry. Never raises and never holds the caller for long: a journal
        that cannot be written is logged and counted, and the change goes on."""
        ...


class Journal(JournalReader, JournalWriter, Protocol):
    """Both halves, as the composition root hands them out."""


# ---------------------------------------------------------------------- queue


class CommandPublisher(Protocol):
    def publish(self, envelopes: Sequence[CommandEnvelope]) -> None: ...


# ---------------------------------------------------------------------- SIP


class ProbeOutcome(Protocol):
    """What a SIP OPTIONS probe reports."""

    @property
    def alive(self) -> bool: ...

    @property
    def detail(self) -> str: ...


# Probes one member's endpoint with its group's limits; None when the member has no probe.
SipProbe = Callable[[TrunkGroupMember, TrunkGroup], ProbeOutcome | None]


# ---------------------------------------------------------------------- all of it


class ServiceContext(Protocol):
    """What a command handler or a request service is handed by the composition root."""

    @property
    def twilio(self) -> TwilioPort: ...

    @property
    def genesys(self) -> GenesysPort: ...

    @property
    def probe(self) -> SipProbe: ...

    def policy(self, path: Path | None = None) -> RoutingPolicy: ...

    def scoped_read(self, numbers: Collection[str]) -> Snapshot:
        """What the planner needs about these numbers alone (calls independent of the
        estate's size; the few collections cached briefly per process)."""
        ...

    def state_store(self, partition: str) -> StateStore: ...

    def publish(self, envelopes: Sequence[CommandEnvelope]) -> None:
        """Queue commands; each queued one is journaled as accepted."""
        ...

    @property
    def journal(self) -> Journal: ...


# ---------------------------------------------------------------------- errors


class AdapterError(Exception):
    """Base of every adapter failure; `reason` is the one-line explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TerminalVendorError(AdapterError):
    """The vendor refused the call in a way a retry cannot fix (4xx other than 429)."""

    def __init__(
        self,
        vendor: str,
        operation: str,
        status: int | None,
        code: str | None,
        message: str,
    ) -> None:
        self.vendor = vendor
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        status_text = f"HTTP {status}" if status is not None else "error"
        code_text = f" ({code})" if code else ""
        super().__init__(f"{vendor} {operation}: {status_text}{code_text}: {message}")


class RetriesExhausted(AdapterError):  # noqa: N818  (the name callers and reports use)
    """Every attempt of a retryable call failed; `last_error` is the final failure."""

    def __init__(
        self,
        vendor: str,
        operation: str,
        attempts: int,
        last_error: BaseException,
        last_reason: str | None = None,
    ) -> None:
        self.vendor = vendor
        self.operation = operation
        self.attempts = attempts
        self.last_error = last_error
        why = last_reason or f"{type(last_error).__name__}: {last_error}"
        super().__init__(f"{vendor} {operation}: gave up after {attempts} attempt(s); last: {why}")


class OwnershipError(AdapterError):
    """byoc-sync was asked to change or delete an object it did not create."""


class IncompleteListingError(AdapterError):
    """A paged read did not add up (the collection changed while it was read)."""


class SnapshotReadError(AdapterError):
    """The observed state could not be read completely; nothing may be planned from it."""
