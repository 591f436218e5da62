"""Sending commands to the Service Bus queue with the official `azure-servicebus` SDK.

The connection is the Functions connection named `ServiceBusConnection`, read the way the
Functions host reads it for the worker's trigger, so one setting serves both ends: in Azure
`ServiceBusConnection__fullyQualifiedNamespace` with the app's managed identity
(`DefaultAzureCredential`), locally a connection string in `ServiceBusConnection` (the
sandbox broker's). Each command becomes one message: `message_id` = the command id (the
broker drops duplicates), `session_id` = the thing it is about (one worker, in order),
`correlation_id` = the request that caused it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.domain.commands import CommandEnvelope
from shared.settings import MissingSettingError

if TYPE_CHECKING:
    from azure.servicebus import ServiceBusClient, ServiceBusMessage, ServiceBusSender

CONNECTION_NAME = "ServiceBusConnection"


class ServiceBusConnection(BaseSettings):
    """The `ServiceBusConnection` app settings (the host's identity-based connection format)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    connection_string: SecretStr | None = Field(
        None, validation_alias=AliasChoices(CONNECTION_NAME)
    )
    fully_qualified_namespace: str | None = Field(
        None, validation_alias=AliasChoices(f"{CONNECTION_NAME}__fullyQualifiedNamespace")
    )
    client_id: str | None = Field(
        None, validation_alias=AliasChoices(f"{CONNECTION_NAME}__clientId")
    )


class CommandPublisher(Protocol):
    def publish(self, envelopes: Sequence[CommandEnvelope]) -> None: ...


def to_service_bus_message(envelope: CommandEnvelope) -> ServiceBusMessage:
    from azure.servicebus import ServiceBusMessage

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
    from azure.servicebus import ServiceBusClient

    if connection.connection_string is not None:
        return ServiceBusClient.from_connection_string(
            connection.connection_string.get_secret_value()
        )
    if connection.fully_qualified_namespace:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential(managed_identity_client_id=connection.client_id)
        return ServiceBusClient(connection.fully_qualified_namespace, credential)
    raise MissingSettingError(
        f"missing setting(s): {CONNECTION_NAME} (a connection string) or "
        f"{CONNECTION_NAME}__fullyQualifiedNamespace"
    )


class ServiceBusPublisher:
    """One sender per process, reused (opening an AMQP link per request costs round trips).

    The SDK's sender is not safe for concurrent use; the Functions worker runs sync functions
    on a thread pool, so sends are serialised here.
    """

    def __init__(self, client: ServiceBusClient, queue: str) -> None:
        self._client = client
        self._queue = queue
        self._lock = threading.Lock()
        self._sender: ServiceBusSender | None = None

    def publish(self, envelopes: Sequence[CommandEnvelope]) -> None:
        if not envelopes:
            return
        messages = [to_service_bus_message(e) for e in envelopes]
        with self._lock:
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
            self._client.close()


_publisher: ServiceBusPublisher | None = None
_publisher_key: tuple[str | None, str | None, str] | None = None
_publisher_lock = threading.Lock()


def command_publisher(queue: str) -> ServiceBusPublisher:
    """The process-wide publisher for the current connection settings."""
    global _publisher, _publisher_key
    connection = ServiceBusConnection()
    secret = connection.connection_string
    key = (
        secret.get_secret_value() if secret else None,
        connection.fully_qualified_namespace,
        queue,
    )
    with _publisher_lock:
        if _publisher is None or _publisher_key != key:
            if _publisher is not None:
                _publisher.close()
            _publisher = ServiceBusPublisher(service_bus_client(connection), queue)
            _publisher_key = key
        return _publisher
