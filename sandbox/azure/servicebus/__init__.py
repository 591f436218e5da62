"""A Service Bus stand-in for the sandbox: queue semantics in `broker`, the AMQP front door
the official SDK sends to in `amqp_server`."""

from sandbox.azure.servicebus.amqp_server import AmqpBrokerServer
from sandbox.azure.servicebus.broker import (
    MAX_DELIVERY_COUNT_EXCEEDED,
    Broker,
    BrokerError,
    BrokerMessage,
    OutgoingMessage,
    SessionLock,
)

__all__ = [
    "MAX_DELIVERY_COUNT_EXCEEDED",
    "AmqpBrokerServer",
    "Broker",
    "BrokerError",
    "BrokerMessage",
    "OutgoingMessage",
    "SessionLock",
]
