"""End-to-end fixtures: emulators + Service Bus broker + the local host running function_app.

Everything crosses real sockets: HTTP into the host, the Service Bus SDK (AMQP) into the
broker, the Twilio and Genesys SDKs into the emulators. Timers do not fire by themselves here
(tests fire them), so a test sees only the work it caused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from sandbox.azure.functions_host import LocalHost
from sandbox.azure.servicebus import Broker
from sandbox.runner import COMMAND_QUEUE, HostOptions, Sandbox
from sandbox.scenario import load_scenario
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.twilio import TwilioAdapter
from shared.bootstrap import build_adapters
from shared.settings import Settings

MAX_DELIVERIES = 3
EDGES = "/api/v2/telephony/providers/edges"


@dataclass
class Running:
    sandbox: Sandbox

    @property
    def host(self) -> LocalHost:
        assert self.sandbox.functions is not None
        return self.sandbox.functions

    @property
    def broker(self) -> Broker:
        assert self.sandbox.broker is not None
        return self.sandbox.broker

    def url(self, path: str) -> str:
        return f"{self.host.base_url}/api/{path.lstrip('/')}"

    def call(self, method: str, path: str, *, key: bool = True, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if key:
            headers["x-functions-key"] = self.host.function_key
        return requests.request(method, self.url(path), headers=headers, timeout=30, **kwargs)

    def drain(self) -> None:
        assert self.host.drain(60), "the queue stopped moving for 60 s before it drained"

    def worker_runs(self) -> list[Any]:
        return [i for i in self.host.invocations if i.trigger == "servicebus"]

    def adapters(self) -> tuple[TwilioAdapter, GenesysAdapter]:
        client = {k.lower(): v for k, v in self.sandbox.client_settings().items()}
        return build_adapters(Settings.model_validate(client))

    def dead_letters(self) -> list[Any]:
        return self.broker.dead_letters(COMMAND_QUEUE)

    def whole_estate_reads(self) -> list[str]:
        """The requests in the emulators' logs that read an estate whole: the list of every
        DID pool, or of every Twilio number (a `PhoneNumber` filter reads one)."""
        genesys = [
            e.endpoint
            for e in self.sandbox.genesys.log.entries()
            if e.endpoint == f"GET {EDGES}/didpools"
        ]
        twilio = [
            e.endpoint
            for e in self.sandbox.twilio.log.entries()
            if e.endpoint.endswith("/IncomingPhoneNumbers.json")
            and e.method == "GET"
            and "PhoneNumber=" not in e.query
        ]
        return genesys + twilio


@pytest.fixture
def running() -> Iterator[Running]:
    scenario = load_scenario("default")
    options = HostOptions(
        run_timers=False,
        max_delivery_count=MAX_DELIVERIES,
        extra_settings={"BYOC_RETRY_MAX_ATTEMPTS": "2", "BYOC_RETRY_MAX_WAIT_S": "0.2"},
    )
    with Sandbox(scenario, host=options) as sandbox:
        yield Running(sandbox)


__all__ = ["MAX_DELIVERIES", "RetryPolicy", "Running"]
