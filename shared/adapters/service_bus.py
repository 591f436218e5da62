"""Sending commands to the Service Bus queue with the official `azure-servicebus` SDK.

Each command becomes one message: `message_id` = the command id (the broker drops
duplicates), `session_id` = the thing it is about (one worker, in order),
`correlation_id` = the request that caused it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from azure.identity import DefaultAzureCredential
from azure.servicebus import ServiceBusClient, ServiceBusMessage, ServiceBusSender

from shared.domain.commands import CommandEnvelope
from shared.settings import SERVICE_BUS_CONNECTION as CONNECTION_NAME
from shared.settings import MissingSettingError, ServiceBusConnection


def to_service_bus_message(envelope: CommandEnvelope) -> ServiceBusMessage:
    return ServiceBusMessage(
        envelope.to_message_body(),
        message_id=envelope.command_id,
        session_id=envelope.session_id,
        correlation_id=envelope.correlation_id,
        content_type="application/json",
        subject=envelope.command.type,
        application_properties={"schema_version": envelope.schema_version},
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
        messages = [to_service_bus_message(e) for e in envelopes]
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
