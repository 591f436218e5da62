"""The composition root: the one module that reads settings and builds what talks outside.

Functions triggers and the operator CLI both start here. Everything is built once per
process and reused between invocations (HTTP pools, the Genesys token, the Service Bus
link, table clients), keyed on the configuration that shapes it, so a process whose
settings change (tests run several sandboxes in one process) never reuses a client pointed
at the wrong place. The policy is re-read on every call: it is small, and a redeployed
policy file must take effect without a restart.

The vendor SDKs take seconds to import (Genesys's ships thousands of model classes), so the
concrete adapters are imported when first used, here and nowhere else: a command that never
calls a vendor starts at once, and no service module loads an SDK.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr, ValidationError

from shared import observability, telemetry
from shared.domain.commands import CommandEnvelope
from shared.domain.journal import CommandStatus, command_entry, retention_cutoff
from shared.domain.model import Snapshot
from shared.domain.policy import RoutingPolicy, load_policy
from shared.domain.trunk_derive import byoc_domain_for
from shared.domain.trunk_spec import SECRET_SETTING_PREFIX
from shared.ports import GenesysPort, Journal, SipProbe, StateStore, TwilioPort
from shared.reconcile.saved_plans import TrunkContext
from shared.reconcile.scoped import ScopedReader
from shared.settings import (
    KEY_VAULT_REFERENCE,
    HostStorageConnection,
    MissingSettingError,
    ServiceBusConnection,
    Settings,
    TelemetryConnection,
)

# A journal entry that could not be stored is counted in the process (`byoc-sync health`
# reads it) and as the `byoc.journal.write_failures` metric (alerts read that).
observability.on_journal_write_failed(telemetry.journal_write_failed)

if TYPE_CHECKING:
    from shared.adapters.genesys import GenesysAdapter
    from shared.adapters.journal_table import TableJournal
    from shared.adapters.service_bus import ServiceBusPublisher
    from shared.adapters.table_store import TableStateStore
    from shared.adapters.twilio import TwilioAdapter


@dataclass(frozen=True)
class Configuration:
    """Everything byoc-sync reads from the environment, parsed in one go."""

    settings: Settings
    service_bus: ServiceBusConnection
    storage: HostStorageConnection

    @classmethod
    def from_environment(cls) -> Configuration:
        """Raises pydantic's ValidationError naming each bad setting."""
        return cls(Settings(), ServiceBusConnection(), HostStorageConnection())

    def key(self) -> str:
        """Equal for configurations that build the same clients (secrets only as a hash)."""
        parts = [
            model.model_dump_json(exclude={"byoc_policy_path"})
            for model in (self.settings, self.service_bus, self.storage)
        ]
        secrets = [
            self.settings.twilio_auth_token,
            self.settings.genesyscloud_oauthclient_secret,
            self.service_bus.connection_string,
            self.storage.connection_string,
        ]
        revealed = "\0".join(s.get_secret_value() if s else "" for s in secrets)
        return "\n".join(parts) + hashlib.sha256(revealed.encode()).hexdigest()


def build_adapters(settings: Settings) -> tuple[TwilioAdapter, GenesysAdapter]:
    """Both vendor adapters: SDK clients, one retry policy, the Genesys request budget."""
    # Function-level: the SDKs load only when a vendor is first called (see the docstring).
    from shared.adapters.budget import RequestBudget
    from shared.adapters.genesys import GenesysAdapter
    from shared.adapters.retry import RetryPolicy
    from shared.adapters.token_pool import TokenPool
    from shared.adapters.twilio import TwilioAdapter
    from shared.adapters.vendor_clients import (
        genesys_api_client,
        genesys_token_fetcher,
        genesys_token_refresher,
        twilio_client,
    )

    retry = RetryPolicy.from_settings(settings)
    twilio = TwilioAdapter(twilio_client(settings), retry)
    # The budget reads the rate-limit headers of every answer the client receives.
    budget = RequestBudget.from_settings(settings)
    api_client = genesys_api_client(settings, budget=budget)
    genesys = GenesysAdapter(
        api_client,
        retry,
        budget,
        reauthenticate=genesys_token_refresher(settings, api_client),
        dnis_per_write=settings.byoc_genesys_dnis_per_write,
        token_pool=TokenPool(
            settings.byoc_genesys_bulk_tokens,
            genesys_token_fetcher(settings, retry),
            lambda: RequestBudget(settings.byoc_genesys_requests_per_minute),
        )
        if settings.byoc_genesys_bulk_tokens
        else None,
    )
    return twilio, genesys


@dataclass
class _Clients:
    """The long-lived clients of one configuration, shared by every App built on it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    vendors: tuple[TwilioAdapter, GenesysAdapter] | None = None
    publisher: ServiceBusPublisher | None = None
    stores: dict[str, TableStateStore] = field(default_factory=dict)
    scoped: ScopedReader | None = None
    journal: TableJournal | None = None


@dataclass(frozen=True)
class App:
    """What a trigger or a command needs; clients are built on first use, once per process."""

    configuration: Configuration
    _clients: _Clients = field(default_factory=_Clients, repr=False, compare=False)

    @property
    def settings(self) -> Settings:
        return self.configuration.settings

    def policy(self, path: Path | None = None) -> RoutingPolicy:
        return load_policy(path or self.settings.byoc_policy_path, self.byoc_domain)

    @property
    def byoc_domain(self) -> str:
        """The org region's BYOC domain, which built groups' origination URLs end in."""
        settings = self.settings
        return byoc_domain_for(settings.genesyscloud_region, settings.genesyscloud_api_host)

    def trunk_context(self) -> TrunkContext:
        """What building trunk groups needs: the trunk secrets and the state table."""
        return TrunkContext(secret_of=trunk_secret, state_store=self.state_store)

    def _adapters(self) -> tuple[TwilioAdapter, GenesysAdapter]:
        clients = self._clients
        with clients.lock:
            if clients.vendors is None:
                clients.vendors = build_adapters(self.settings)
            return clients.vendors

    @property
    def twilio(self) -> TwilioPort:
        return self._adapters()[0]

    @property
    def genesys(self) -> GenesysPort:
        return self._adapters()[1]

    def publish(self, envelopes: Sequence[CommandEnvelope]) -> None:
        """Queue commands on the command queue (one AMQP link per process, reused), then
        journal each as accepted. The entry carries the time before the send, so it sorts
        before the worker's first entry however fast the worker is."""
        from shared.adapters.service_bus import ServiceBusPublisher

        clients = self._clients
        with clients.lock:
            if clients.publisher is None:
                clients.publisher = ServiceBusPublisher(
                    self.configuration.service_bus, self.settings.byoc_command_queue
                )
            publisher = clients.publisher
        sent_at = datetime.now(UTC)
        publisher.publish(envelopes)
        for queued in envelopes:
            self.journal.append(
                command_entry(
                    queued.origin,
                    CommandStatus.ACCEPTED,
                    sent_at,
                    phone_numbers=queued.phone_numbers,
                    trunk_group=queued.trunk_group,
                )
            )

    def prune_journal(self, now: datetime) -> int:
        """Delete the journal's entries older than the retention setting; how many went."""
        cutoff = retention_cutoff(now, self.settings.byoc_journal_retention_days)
        return self._table_journal().prune(cutoff)

    @property
    def journal(self) -> Journal:
        """The journal table (in the state table's storage account), one client per process."""
        return self._table_journal()

    def _table_journal(self) -> TableJournal:
        """Built on first use. Storage settings that cannot make a client (none at all, a
        malformed connection string) give a journal that counts every write as failed:
        the journal must not stop a command, even misconfigured."""
        from shared.adapters.journal_table import TableJournal
        from shared.adapters.table_store import table_client

        clients = self._clients
        with clients.lock:
            if clients.journal is None:
                table = self.settings.byoc_journal_table
                try:
                    clients.journal = TableJournal(table_client(self.configuration.storage, table))
                except (MissingSettingError, ValueError) as error:
                    clients.journal = TableJournal.unavailable(table, str(error))
            return clients.journal

    def scoped_read(self, numbers: Collection[str]) -> Snapshot:
        """A number-scoped read; its small-collection cache lives as long as the process."""
        twilio, genesys = self.twilio, self.genesys  # outside the lock: they take it too
        clients = self._clients
        with clients.lock:
            if clients.scoped is None:
                clients.scoped = ScopedReader(twilio, genesys)
            reader = clients.scoped
        return reader.read(numbers)

    def state_store(self, partition: str) -> StateStore:
        """The ETag-guarded record store for one partition of the state table."""
        from shared.adapters.table_store import (
            TableStateStore,
            table_client,
        )

        clients = self._clients
        with clients.lock:
            store = clients.stores.get(partition)
            if store is None:
                client = table_client(self.configuration.storage, self.settings.byoc_health_table)
                store = clients.stores[partition] = TableStateStore(client, partition)
            return store

    @property
    def probe(self) -> SipProbe:
        """The production SIP OPTIONS probe."""
        from shared.adapters.sip_probe import probe_member

        return probe_member


def trunk_secret(setting: str) -> SecretStr | None:
    """A trunk secret named by the policy (`BYOC_TRUNK_SECRET_*`): an app setting, a Key
    Vault reference in Azure. Read when used, so a rotated value takes effect at once; an
    unresolved reference's own text counts as unset (see `shared.settings`)."""
    if not setting.startswith(SECRET_SETTING_PREFIX):
        return None
    value = os.environ.get(setting, "").strip()
    if not value or value.startswith(KEY_VAULT_REFERENCE):
        return None
    return SecretStr(value)


_clients: dict[str, _Clients] = {}
_clients_lock = threading.Lock()


def app(configuration: Configuration | None = None) -> App:
    """The App for this configuration (the environment's when None), sharing the clients
    every earlier App of the same configuration built."""
    configuration = configuration or Configuration.from_environment()
    key = configuration.key()
    with _clients_lock:
        clients = _clients.setdefault(key, _Clients())
    return App(configuration, clients)


# ------------------------------------------------------------------ telemetry
log = logging.getLogger(__name__)

# Off in Azure Monitor: generic HTTP client spans would name every request by its full URL
# (Twilio's query strings included) and repeat the vendor client spans byoc-sync records
# itself with templated endpoints (shared/adapters/vendor_clients.py). Kept: `azure_sdk`
# (Service Bus, Tables, token requests as dependencies).
UNINSTRUMENTED_LIBRARIES = ("requests", "urllib", "urllib3", "httpx")

_telemetry_lock = threading.Lock()
_telemetry_exporter: str | None = None


def start_telemetry() -> str:
    """Where this process's traces and metrics go, decided once (later calls say the same):

    - `azure-monitor`: `APPLICATIONINSIGHTS_CONNECTION_STRING` is set (the Function App),
      ingested with the app's managed identity (the component accepts Entra tokens only);
    - `console`: `BYOC_TELEMETRY_CONSOLE` is on (the sandbox), short lines on stderr;
    - `off`: nothing is exported (the OpenTelemetry API records nothing).

    Called by every function before its first span (functions/_startup.py), not on import:
    the CLI imports function_app too, and must never start exporting an operator's shell
    session to Application Insights.
    """
    global _telemetry_exporter
    with _telemetry_lock:
        if _telemetry_exporter is None:
            _telemetry_exporter = _start_exporter()
            log.info("telemetry: %s", _telemetry_exporter)
        return _telemetry_exporter


def _start_exporter() -> str:
    connection = TelemetryConnection()
    if connection.connection_string is not None:
        # Function-level: the distro loads dozens of modules; only Azure needs them.
        from azure.identity import DefaultAzureCredential
        from azure.monitor.opentelemetry import configure_azure_monitor

        configure_azure_monitor(
            connection_string=connection.connection_string.get_secret_value(),
            credential=DefaultAzureCredential(managed_identity_client_id=connection.client_id),
            instrumentation_options={
                library: {"enabled": False} for library in UNINSTRUMENTED_LIBRARIES
            },
        )
        return "azure-monitor"
    try:
        console = Settings().byoc_telemetry_console
    except ValidationError:  # the settings' own problems are reported where they are used
        console = False
    if console:
        from shared.telemetry.console import install_console

        install_console()
        return "console"
    return "off"
