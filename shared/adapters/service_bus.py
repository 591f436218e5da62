"""Sending commands to the Service Bus queue with the official `azure-servicebus` SDK.

Each command becomes one message: `message_id` = the command id (the broker drops
duplicates), `session_id` = the thing it is about (one worker, in order),
`correlation_id` = the request that caused it.

A message also carries the trace it was sent in (W3C `traceparent`, `tracestate`, and
`Diagnostic-Id`, the Azure SDKs' older name for the traceparent), so the worker's span
continues the request's or the timer tick's trace. The keys are bytes, as the Azure SDK's own
tracing writes them: when the SDK's instrumentation is on (Azure Monitor's `azure_sdk`) it
adds its context only where the key is missing, and a text key of the same name would
reach the wire as a second entry.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from azure.identity import DefaultAzureCredential
from azure.servicebus import ServiceBusClient, ServiceBusMessage, ServiceBusSender

from shared import telemetry
from shared.domain.commands import CommandEnvelope
from shared.settings import SERVICE_BUS_CONNECTION as CONNECTION_NAME
from shared.settings import MissingSettingError, ServiceBusConnection

TRACE_PROPERTIES = {
    "traceparent": (b"traceparent", b"Diagnostic-Id"),
    "tracestate": (b"tracestate",),
}


def trace_properties() -> dict[str | bytes, str]:
    """The current trace context as message application properties (see the docstring)."""
    return {
        key: value
        for header, value in telemetry.trace_headers().items()
        for key in TRACE_PROPERTIES.get(header, ())
    }


def to_service_bus_message(envelope: CommandEnvelope) -> ServiceBusMessage:
    properties: dict[str | bytes, Any] = {"schema_version": envelope.schema_version}
    properties.update(trace_properties())
    return ServiceBusMessage(
        envelope.to_message_body(),
        message_id=envelope.command_id,
        session_id=envelope.session_id,
        correlation_id=envelope.correlation_id,
        content_type="application/json",
        subject=envelope.command.type,
        application_properties=properties,
    )


def service_bus_client(connection: ServiceBusConnection) -> ServiceBusClient:
    if connection.connection_string is not None:
        return ServiceBusClient.from_connection_string(
            connection.connection_string.get_secret_value()
        )
    if connection.fully_qualified_namespace:
        credential = DefaultAzureCredential(managed_identity_client_id=connection.client_id)
        return ServiceBusClient(connection.fully_qualified_namespace, credential)
    raise MissingSettingError(
        f"missing setting(s): {CONNECTION_NAME} (a connection string) or "
        f"{CONNECTION_NAME}__fullyQualifiedNamespace"
    )


class ServiceBusPublisher:
    """One sender per process, reused (opening an AMQP link per request costs round trips).

    The SDK's sender is not safe for concurrent use; the Functions worker runs sync functions
    on a thread pool, so sends are serialised here. The client is opened on the first
    publish, so a process that never publishes needs no Service Bus setting.
    """

    def __init__(self, connection: ServiceBusConnection, queue: str) -> None:
        self._connection = connection
        self._queue = queue
        self._lock = threading.Lock()
        self._client: ServiceBusClient | None = None
        self._sender: ServiceBusSender | None = None

    def publish(self, envelopes: Sequence[CommandEnvelope]) -> None:
        if not envelopes:
            return
        with telemetry.producer_span(
            f"send {self._queue}",
            {
                "messaging.system": "servicebus",
                "messaging.operation.type": "send",
                "messaging.destination.name": self._queue,
                "messaging.batch.message_count": len(envelopes),
            },
        ):
            self._send([to_service_bus_message(e) for e in envelopes])

    def _send(self, messages: list[ServiceBusMessage]) -> None:
        with self._lock:
            if self._client is None:
                self._client = service_bus_client(self._connection)
            if self._sender is None:
                self._sender = self._client.get_queue_sender(self._queue)
            try:
                self._sender.send_messages(messages)
            except Exception:
                # A broken link is not reused; the next publish opens a fresh one.
                self._sender.close()
                self._sender = None
                raise

    def close(self) -> None:
        with self._lock:
            if self._sender is not None:
                self._sender.close()
                self._sender = None
            if self._client is not None:
                self._client.close()
                self._client = None
