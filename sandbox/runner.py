"""Runs the sandbox: both emulators, and on request the Service Bus broker and the local
Functions host running `function_app.py` against them.

Everything but Azurite runs in this process (the SBC endpoints are threads), so it ends with
it; Azurite and the sandbox's temporary directory are left to `sandbox.watchdog` should this
process end without `stop`."""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import quote

import yaml

import function_app
from sandbox.azure.azurite import Azurite
from sandbox.azure.functions_host import LocalHost
from sandbox.azure.servicebus import AmqpBrokerServer, Broker
from sandbox.emulators.genesys import GenesysEmulator
from sandbox.emulators.twilio import TwilioEmulator
from sandbox.lifecycle import Service
from sandbox.sbc import SbcEndpoint
from sandbox.scenario import Scenario
from sandbox.watchdog import Watchdog, release_dir

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POLICY = REPO_ROOT / "examples" / "policy.yaml"
COMMAND_QUEUE = "commands"


@dataclass
class HostOptions:
    """How the local host runs: which policy, how often timers fire, how often to redeliver."""

    policy_path: Path = DEFAULT_POLICY
    health_check_schedule: str = "0 */1 * * * *"
    reconcile_schedule: str = "0 */15 * * * *"
    audit_schedule: str = "0 0 6 * * *"
    twilio_feed_schedule: str = "30 * * * * *"
    genesys_audit_feed_schedule: str = "45 * * * * *"
    twilio_alert_feed_schedule: str = "15 * * * * *"
    journal_prune_schedule: str = "0 30 5 * * *"
    port: int = 0
    max_delivery_count: int = 10
    run_timers: bool = True
    state_dir: Path | None = None  # Azurite's data; a temporary directory when None
    extra_settings: dict[str, str] = field(default_factory=dict)


def sip_password() -> str:
    """A password Twilio accepts for a SIP credential (12+ characters, a digit, mixed case)."""
    return "Sb1" + secrets.token_urlsafe(18)


@dataclass
class Sandbox(Service):
    """The Twilio and Genesys emulators of one scenario, started on loopback ports; with
    `host`, also the Service Bus broker (AMQP on loopback) and the local Functions host."""

    scenario: Scenario
    twilio_port: int = 0
    genesys_port: int = 0
    host: HostOptions | None = None
    twilio: TwilioEmulator = field(init=False)
    genesys: GenesysEmulator = field(init=False)
    broker: Broker | None = field(init=False, default=None)
    amqp: AmqpBrokerServer | None = field(init=False, default=None)
    functions: LocalHost | None = field(init=False, default=None)
    genesys_event_key: str = field(init=False, default_factory=lambda: secrets.token_urlsafe(24))
    sbcs: dict[str, SbcEndpoint] = field(init=False, default_factory=dict)
    # The trunk passwords a policy that builds trunk groups names (BYOC_TRUNK_SECRET_*),
    # made up per sandbox like the event key: the settings an operator would put in Key Vault.
    trunk_secrets: dict[str, str] = field(init=False, default_factory=dict)
    azurite: Azurite | None = field(init=False, default=None)
    policy_path: Path | None = field(init=False, default=None)
    _policy_dir: tempfile.TemporaryDirectory[str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.twilio = TwilioEmulator(self.scenario.twilio)
        self.genesys = GenesysEmulator(self.scenario.genesys)

    def start(self) -> Sandbox:
        self.twilio.start(port=self.twilio_port)
        try:
            self.genesys.start(port=self.genesys_port)
            if self.host is not None:
                self._start_host(self.host)
        except Exception:
            self.stop()
            raise
        return self

    def _genesys_trunk_up(self, name: str) -> bool:
        with self.genesys.lock:
            state = self.genesys.state
            try:
                trunks = state.find_trunks(name)
            except Exception:  # no such trunk: nothing answers for it
                return False
            # A member answers while any of its trunk base's instances does.
            return any(t.connected and state.in_service(t) and t.enabled for t in trunks)

    def _work_dir(self) -> tempfile.TemporaryDirectory[str]:
        """The derived policy and (by default) Azurite's data. Registered with the watchdog,
        which removes it if this process ends without `stop` (SIGKILL, a crash)."""
        if self._policy_dir is None:
            self._policy_dir = tempfile.TemporaryDirectory(prefix="byoc-sandbox-")
            Watchdog.current().watch_dir(self._policy_dir.name)
        return self._policy_dir

    def restart_functions(self) -> LocalHost:
        """Stop and start the local host (a Function App restart): same broker, same
        Azurite, fresh process state."""
        assert self.functions is not None
        self.functions.stop()
        self.functions = self._new_local_host().start()
        return self.functions

    def _new_local_host(self) -> LocalHost:
        assert self.host is not None and self.broker is not None
        return LocalHost(
            function_app.app,
            broker=self.broker,
            settings=self.host_settings(),
            port=self.host.port,
            max_delivery_count=self.host.max_delivery_count,
            run_timers=self.host.run_timers,
        )

    def _start_sbcs(self, policy_path: Path) -> Path:
        """One SBC endpoint per trunk-group member, and a copy of the policy probing them."""
        raw = yaml.safe_load(policy_path.read_text())
        for group in raw.get("trunk_groups") or []:
            setting = ((group.get("build") or {}).get("credentials") or {}).get("password_setting")
            if setting and setting not in self.trunk_secrets:
                self.trunk_secrets[str(setting)] = sip_password()
            for member in group.get("members") or []:
                name = str(member["genesys_trunk"])
                endpoint = SbcEndpoint(name, partial(self._genesys_trunk_up, name)).start()
                self.sbcs[name] = endpoint
                member["probe"] = endpoint.uri
        derived = Path(self._work_dir().name) / policy_path.name
        derived.write_text(
            f"# {policy_path} with probe targets on the sandbox SBC endpoints\n"
            + yaml.safe_dump(raw, sort_keys=False)
        )
        return derived

    def start_health(self, policy_path: Path, state_dir: Path | None = None) -> Path:
        """What trunk-group health needs besides the emulators: an SBC endpoint per member,
        the policy probing them (returned, also kept in `policy_path`) and Azurite."""
        self.policy_path = self._start_sbcs(policy_path)
        state_dir = state_dir or Path(self._work_dir().name) / "azurite"
        self.azurite = Azurite(state_dir).start()
        return self.policy_path

    def _start_host(self, options: HostOptions) -> None:
        self.start_health(options.policy_path, options.state_dir)
        self.broker = Broker()
        self.amqp = AmqpBrokerServer(self.broker).start()
        self.functions = self._new_local_host().start()

    def stop(self) -> None:
        if self.functions is not None:
            self.functions.stop()
            self.functions = None
        if self.amqp is not None:
            self.amqp.stop()
            self.amqp = None
        if self.broker is not None:
            self.broker.close()
            self.broker = None
        if self.azurite is not None:
            self.azurite.stop()
            self.azurite = None
        for endpoint in self.sbcs.values():
            endpoint.stop()
        self.sbcs.clear()
        if self._policy_dir is not None:
            self._policy_dir.cleanup()
            release_dir(self._policy_dir.name)
            self._policy_dir = None
        self.genesys.stop()
        self.twilio.stop()

    def client_settings(self) -> dict[str, str]:
        """Exactly the settings (environment variable names) a client needs to attach."""
        twilio, genesys = self.scenario.twilio, self.scenario.genesys
        client = genesys.oauth_clients[0]
        return {
            "TWILIO_API_BASE_URL": self.twilio.base_url,
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "GENESYSCLOUD_API_HOST": self.genesys.base_url,
            "GENESYSCLOUD_OAUTHCLIENT_ID": client.client_id,
            "GENESYSCLOUD_OAUTHCLIENT_SECRET": client.client_secret,
            **self.trunk_secrets,
        }

    def host_settings(self) -> dict[str, str]:
        """The local host's app settings: what `local.settings.json` holds for Core Tools."""
        assert self.host is not None and self.amqp is not None
        return {
            **self.client_settings(),
            "ServiceBusConnection": self.amqp.connection_string,
            "AzureWebJobsStorage": self.azurite.connection_string if self.azurite else "",
            "BYOC_COMMAND_QUEUE": COMMAND_QUEUE,
            "BYOC_POLICY_PATH": str(self.policy_path or self.host.policy_path),
            "BYOC_GENESYS_EVENT_API_KEYS": self.genesys_event_key,
            "BYOC_HEALTH_CHECK_SCHEDULE": self.host.health_check_schedule,
            "BYOC_RECONCILE_SCHEDULE": self.host.reconcile_schedule,
            "BYOC_AUDIT_SCHEDULE": self.host.audit_schedule,
            "BYOC_TWILIO_FEED_SCHEDULE": self.host.twilio_feed_schedule,
            "BYOC_GENESYS_AUDIT_FEED_SCHEDULE": self.host.genesys_audit_feed_schedule,
            "BYOC_TWILIO_ALERT_FEED_SCHEDULE": self.host.twilio_alert_feed_schedule,
            "BYOC_JOURNAL_PRUNE_SCHEDULE": self.host.journal_prune_schedule,
            # The worker journals a command failing on the broker's last delivery as
            # dead-lettered: the same count the broker was created with.
            "BYOC_COMMAND_MAX_DELIVERY_COUNT": str(self.host.max_delivery_count),
            **self.host.extra_settings,
        }

    def host_endpoints(self) -> dict[str, str]:
        """Where the local host listens, the key its functions accept, the broker's
        connection string (to send commands to the worker from outside), and the storage and
        policy the health engine uses (so `byoc-sync health` sees what the host sees)."""
        assert self.functions is not None and self.amqp is not None, "no local host running"
        assert self.azurite is not None and self.policy_path is not None
        return {
            "ServiceBusConnection": self.amqp.connection_string,
            "AzureWebJobsStorage": self.azurite.connection_string,
            "BYOC_POLICY_PATH": str(self.policy_path),
            "BYOC_FUNCTIONS_URL": self.functions.base_url,
            "BYOC_FUNCTION_KEY": self.functions.function_key,
            "BYOC_GENESYS_EVENT_API_KEYS": self.genesys_event_key,
        }

    def status_page_url(self) -> str:
        """The status page as a browser opens it: the function key in the address (`?code=`,
        as Azure Functions accepts it), since a browser cannot send a key header."""
        assert self.functions is not None, "no local host running"
        key = quote(self.functions.function_key, safe="")
        return f"{self.functions.base_url}/api/status?code={key}"
