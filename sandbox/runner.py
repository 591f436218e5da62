"""Runs both emulators together and tells clients how to reach them."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType

from sandbox.genesys import GenesysEmulator
from sandbox.scenario import Scenario
from sandbox.twilio import TwilioEmulator


@dataclass
class Sandbox:
    """The Twilio and Genesys emulators of one scenario, started on loopback ports."""

    scenario: Scenario
    twilio_port: int = 0
    genesys_port: int = 0
    twilio: TwilioEmulator = field(init=False)
    genesys: GenesysEmulator = field(init=False)

    def __post_init__(self) -> None:
        self.twilio = TwilioEmulator(self.scenario.twilio)
        self.genesys = GenesysEmulator(self.scenario.genesys)

    def start(self) -> Sandbox:
        self.twilio.start(port=self.twilio_port)
        try:
            self.genesys.start(port=self.genesys_port)
        except Exception:
            self.twilio.stop()
            raise
        return self

    def stop(self) -> None:
        self.genesys.stop()
        self.twilio.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

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
        }
