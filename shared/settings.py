"""Settings: what byoc-sync reads from the environment (only `shared.bootstrap` reads it).

Names follow each ecosystem's own conventions (Twilio's `TWILIO_*`, CX as Code's
`GENESYSCLOUD_*`) so an operator's existing environment works unchanged. In Azure the same
names are Function App settings (Key Vault references for the secrets); locally they come
from `local.settings.json` or the shell.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# CX as Code region names -> API hosts. Kept here rather than derived from the SDK's enum
# because CX as Code spells regions with dashes and that spelling is the setting's contract.
GENESYS_REGION_HOSTS: dict[str, str] = {
    "us-east-1": "https://api.mypurecloud.com",
    "us-east-2": "https://api.use2.us-gov-pure.cloud",
    "us-west-2": "https://api.usw2.pure.cloud",
    "ca-central-1": "https://api.cac1.pure.cloud",
    "sa-east-1": "https://api.sae1.pure.cloud",
    "mx-central-1": "https://api.mxc1.pure.cloud",
    "eu-west-1": "https://api.mypurecloud.ie",
    "eu-west-2": "https://api.euw2.pure.cloud",
    "eu-central-1": "https://api.mypurecloud.de",
    "eu-central-2": "https://api.euc2.pure.cloud",
    "me-central-1": "https://api.mec1.pure.cloud",
    "ap-south-1": "https://api.aps1.pure.cloud",
    "ap-southeast-1": "https://api.apse1.pure.cloud",
    "ap-southeast-2": "https://api.mypurecloud.com.au",
    "ap-northeast-1": "https://api.mypurecloud.jp",
    "ap-northeast-2": "https://api.apne2.pure.cloud",
    "ap-northeast-3": "https://api.apne3.pure.cloud",
}


# What an app setting holds when App Service could not resolve its Key Vault reference.
KEY_VAULT_REFERENCE = "@Microsoft.KeyVault("


def _secret_list(value: SecretStr | None) -> list[SecretStr]:
    """Comma-separated secrets. A Key Vault reference App Service could not resolve (no
    secret written) reaches the app as the reference text itself, which anyone who knows
    the vault's URL could present or sign with: it counts as no secret at all."""
    if value is None:
        return []
    keys = [key.strip() for key in value.get_secret_value().split(",") if key.strip()]
    return [SecretStr(key) for key in keys if not key.startswith(KEY_VAULT_REFERENCE)]


class MissingSettingError(RuntimeError):
    """A setting the requested operation needs is not set; the message names it."""


class Settings(BaseSettings):
    """Every setting byoc-sync reads. The field name, upper-cased, is the variable name."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    twilio_account_sid: str | None = Field(None, description="Twilio account SID (AC…).")
    twilio_auth_token: SecretStr | None = Field(None, description="Twilio auth token.")
    twilio_webhook_shared_keys: SecretStr | None = Field(
        None,
        description="Secret(s) of the Twilio Webhook SharedKey a Webhook Rule signs our webhooks "
        "with (requests carrying `X-Twilio-Webhooks-Signature-Settings`); comma-separated so "
        "two can be active while rolling. Unset: such requests are refused (403).",
    )
    twilio_api_base_url: str | None = Field(
        None,
        description="Send every Twilio API call to this base URL instead of *.twilio.com "
        "(the sandbox emulator). Unset in production.",
    )
    genesyscloud_oauthclient_id: str | None = Field(
        None, description="Genesys Cloud OAuth client (client-credentials grant) id."
    )
    genesyscloud_oauthclient_secret: SecretStr | None = Field(
        None, description="Genesys Cloud OAuth client secret."
    )
    genesyscloud_region: str = Field(
        "us-east-1", description="Genesys Cloud region, CX as Code spelling (us-east-1, …)."
    )
    genesyscloud_api_host: str | None = Field(
        None,
        description="Genesys Cloud API base URL; overrides the region (the sandbox emulator).",
    )
    byoc_policy_path: Path = Field(
        Path("policy.yaml"), description="Path of the routing policy YAML file."
    )
    byoc_http_timeout_s: float = Field(
        30.0, gt=0, description="Timeout of one vendor API call, in seconds."
    )
    byoc_retry_max_attempts: int = Field(
        5, ge=1, description="Attempts of one vendor call, the first included."
    )
    byoc_retry_max_wait_s: float = Field(
        30.0, gt=0, description="Longest pause between attempts; caps Retry-After and backoff."
    )
    byoc_genesys_requests_per_minute: int = Field(
        300, ge=0, description="Client-side Genesys request budget per minute; 0 = off."
    )
    byoc_genesys_bulk_tokens: int = Field(
        0,
        ge=0,
        le=10,
        description="Extra Genesys tokens (of the same OAuth client) that bulk work — a "
        "reconcile of every number — spreads its calls over, each with its own "
        "BYOC_GENESYS_REQUESTS_PER_MINUTE budget; 0: bulk work shares the main token.",
    )
    byoc_genesys_reserved_share: float = Field(
        0.2,
        ge=0,
        le=0.5,
        description="Share of the Genesys budget a reconcile of every number leaves free, so "
        "a failover never waits behind it (purchases and releases leave half of it).",
    )
    byoc_genesys_dnis_per_write: int = Field(
        50,
        ge=1,
        le=500,
        description="Most DNIS one IVR write adds; bigger changes go in several writes, each "
        "leaving what the earlier ones added in place.",
    )
    byoc_command_queue: str = Field(
        "commands",
        min_length=1,
        description="Service Bus queue (sessions on) the functions send commands to and the "
        "worker reads. Its connection is the Functions connection `ServiceBusConnection`.",
    )
    byoc_genesys_event_api_keys: SecretStr | None = Field(
        None,
        description="API key(s) Genesys events must carry in `X-API-Key`; comma-separated so "
        "two can be active while rolling. Unset: the Genesys events endpoint refuses all.",
    )
    byoc_health_check_schedule: str = Field(
        "0 */1 * * * *",
        description="NCRONTAB schedule of the trunk health-check timer (read by the Functions "
        "host as %BYOC_HEALTH_CHECK_SCHEDULE%).",
    )
    byoc_health_table: str = Field(
        "byoctrunkhealth",
        pattern=r"^[A-Za-z][A-Za-z0-9]{2,62}$",
        description="Azure Table (in the Function App's own storage account, "
        "`AzureWebJobsStorage`) holding each trunk group's health state between runs, "
        "and the numbers accepted purchase requests are buying.",
    )
    byoc_journal_table: str = Field(
        "byocjournal",
        pattern=r"^[A-Za-z][A-Za-z0-9]{2,62}$",
        description="Azure Table (in the Function App's own storage account, "
        "`AzureWebJobsStorage`) the journal is appended to: every command and every vendor "
        "change it made, read by `GET /api/operations/{id}` and `byoc-sync history`.",
    )
    byoc_journal_retention_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="Days the journal keeps an entry; the daily journal prune deletes older ones.",
    )
    byoc_journal_prune_schedule: str = Field(
        "0 30 5 * * *",
        description="NCRONTAB schedule of the daily journal prune (%BYOC_JOURNAL_PRUNE_SCHEDULE%).",
    )
    byoc_command_max_delivery_count: int = Field(
        10,
        ge=1,
        le=100,
        description="The command queue's maximum delivery count (the Bicep passes the queue's "
        "own value): a command failing on this delivery is journaled as dead-lettered.",
    )
    byoc_reconcile_schedule: str = Field(
        "0 */15 * * * *",
        description="NCRONTAB schedule of the reconcile timer (%BYOC_RECONCILE_SCHEDULE%).",
    )
    byoc_audit_schedule: str = Field(
        "0 0 6 * * *",
        description="NCRONTAB schedule of the daily audit timer (%BYOC_AUDIT_SCHEDULE%).",
    )
    byoc_twilio_feed_schedule: str = Field(
        "30 * * * * *",
        description="NCRONTAB schedule of the Twilio change feed (%BYOC_TWILIO_FEED_SCHEDULE%): "
        "how often Monitor events are read for numbers bought or changed in the console.",
    )
    byoc_genesys_audit_feed_schedule: str = Field(
        "45 * * * * *",
        description="NCRONTAB schedule of the Genesys audit feed "
        "(%BYOC_GENESYS_AUDIT_FEED_SCHEDULE%): how often the audit log is read for hand edits "
        "of IVR configurations, DIDs and DID pools.",
    )
    byoc_twilio_alert_feed_schedule: str = Field(
        "15 * * * * *",
        description="NCRONTAB schedule of the Twilio alert feed "
        "(%BYOC_TWILIO_ALERT_FEED_SCHEDULE%): how often Monitor alerts are read for "
        "origination and termination errors, the pull alternative to the Debugger webhook.",
    )
    byoc_genesys_audit_lag_s: float = Field(
        120.0,
        ge=0,
        le=3600,
        description="How far each Genesys audit poll looks back before its watermark, for "
        "audits Genesys indexes late (seconds).",
    )
    byoc_telemetry_console: bool = Field(
        False,
        description="Print spans and metrics on stderr as they are recorded (the sandbox; "
        "off by default, and in Azure, where they go to Application Insights).",
    )

    @field_validator("genesyscloud_region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        if region not in GENESYS_REGION_HOSTS:
            known = ", ".join(sorted(GENESYS_REGION_HOSTS))
            raise ValueError(f"unknown Genesys Cloud region {region!r}; expected one of {known}")
        return region

    @property
    def genesys_base_url(self) -> str:
        return (
            self.genesyscloud_api_host or GENESYS_REGION_HOSTS[self.genesyscloud_region]
        ).rstrip("/")

    def genesys_event_api_keys(self) -> list[SecretStr]:
        """The active keys, in rotation order (new key first is the convention)."""
        return _secret_list(self.byoc_genesys_event_api_keys)

    def twilio_webhook_shared_key_list(self) -> list[SecretStr]:
        """The active Webhook SharedKey secrets (two while rolling one)."""
        return _secret_list(self.twilio_webhook_shared_keys)

    def require(self, *names: str) -> None:
        """Fail with the variable names an operation needs but does not have."""
        missing = [name.upper() for name in names if getattr(self, name) in (None, "")]
        if missing:
            raise MissingSettingError("missing setting(s): " + ", ".join(missing))


SERVICE_BUS_CONNECTION = "ServiceBusConnection"
STORAGE_CONNECTION = "AzureWebJobsStorage"


class ServiceBusConnection(BaseSettings):
    """The `ServiceBusConnection` app settings, in the Functions host's own formats.

    The worker's trigger reads the same connection, so one setting serves both ends: in
    Azure `__fullyQualifiedNamespace` with the app's managed identity, locally a connection
    string (the sandbox broker's).
    """

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    connection_string: SecretStr | None = Field(
        None, validation_alias=AliasChoices(SERVICE_BUS_CONNECTION)
    )
    fully_qualified_namespace: str | None = Field(
        None, validation_alias=AliasChoices(f"{SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace")
    )
    client_id: str | None = Field(
        None, validation_alias=AliasChoices(f"{SERVICE_BUS_CONNECTION}__clientId")
    )


APPINSIGHTS_CONNECTION = "APPLICATIONINSIGHTS_CONNECTION_STRING"


class TelemetryConnection(BaseSettings):
    """Where traces and metrics go in Azure: the platform's own settings, not byoc-sync's.

    `APPLICATIONINSIGHTS_CONNECTION_STRING` (the Application Insights component; unset,
    nothing is exported to Azure Monitor) and `AZURE_CLIENT_ID`, the user-assigned identity
    that signs the ingestion (the component accepts Entra tokens only).
    """

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    connection_string: SecretStr | None = Field(
        None, validation_alias=AliasChoices(APPINSIGHTS_CONNECTION)
    )
    client_id: str | None = Field(None, validation_alias=AliasChoices("AZURE_CLIENT_ID"))


class HostStorageConnection(BaseSettings):
    """The `AzureWebJobsStorage` settings, in the Functions host's own formats.

    A connection string (locally; `UseDevelopmentStorage=true` means Azurite), or in Azure
    the identity-based form: `__accountName` (or `__tableServiceUri`) and `__clientId` of
    the user-assigned identity.
    """

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    connection_string: SecretStr | None = Field(
        None, validation_alias=AliasChoices(STORAGE_CONNECTION)
    )
    account_name: str | None = Field(
        None, validation_alias=AliasChoices(f"{STORAGE_CONNECTION}__accountName")
    )
    table_service_uri: str | None = Field(
        None, validation_alias=AliasChoices(f"{STORAGE_CONNECTION}__tableServiceUri")
    )
    client_id: str | None = Field(
        None, validation_alias=AliasChoices(f"{STORAGE_CONNECTION}__clientId")
    )
