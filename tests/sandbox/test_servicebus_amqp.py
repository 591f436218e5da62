"""The official `azure-servicebus` SDK sends to the sandbox broker over AMQP, unmodified:
single messages, batches, every property the worker reads, scheduled times, and the SDK's own
error for a queue that does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from azure.servicebus import ServiceBusClient, ServiceBusMessage
from azure.servicebus.exceptions import MessagingEntityNotFoundError

from sandbox.azure.servicebus import AmqpBrokerServer, Broker


@pytest.fixture
def server() -> Iterator[AmqpBrokerServer]:
    broker = Broker()
    broker.create_queue("commands", requires_session=True)
    with AmqpBrokerServer(broker) as server:
        yield server
    broker.close()


def send(server: AmqpBrokerServer, queue: str, *messages: ServiceBusMessage) -> None:
    client = ServiceBusClient.from_connection_string(server.connection_string)
    with client, client.get_queue_sender(queue) as sender:
        sender.send_messages(list(messages) if len(messages) > 1 else messages[0])


def test_a_message_keeps_every_property_the_worker_reads(server: AmqpBrokerServer) -> None:
    send(
        server,
        "commands",
        ServiceBusMessage(
            b'{"schema_version": 1}',
            message_id="cmd-1",
            session_id="+12025550100",
            correlation_id="req-7",
            content_type="application/json",
            subject="purchase_number",
            application_properties={"schema_version": 1},
        ),
    )
    (stored,) = server.broker.active_messages("commands")
    assert stored.body == b'{"schema_version": 1}'
    assert (stored.message_id, stored.session_id, stored.correlation_id) == (
        "cmd-1",
        "+12025550100",
        "req-7",
    )
    assert (stored.content_type, stored.subject) == ("application/json", "purchase_number")
    assert stored.application_properties == {"schema_version": 1}


def test_a_batch_arrives_as_separate_messages_and_duplicates_drop(
    server: AmqpBrokerServer,
) -> None:
    send(
        server,
        "commands",
        ServiceBusMessage("a", message_id="m1", session_id="s"),
        ServiceBusMessage("b", message_id="m2", session_id="s"),
        ServiceBusMessage("a again", message_id="m1", session_id="s"),
    )
    stored = server.broker.active_messages("commands")
    assert [(m.message_id, m.body) for m in stored] == [("m1", b"a"), ("m2", b"b")]


def test_a_scheduled_enqueue_time_travels_with_the_message(server: AmqpBrokerServer) -> None:
    due = datetime.now(UTC) + timedelta(minutes=5)
    send(
        server,
        "commands",
        ServiceBusMessage("later", session_id="s", scheduled_enqueue_time_utc=due),
    )
    assert server.broker.active_messages("commands") == []
    (scheduled,) = server.broker.scheduled_messages("commands")
    assert scheduled.scheduled_enqueue_time_utc is not None
    assert abs((scheduled.scheduled_enqueue_time_utc - due).total_seconds()) < 0.01


def test_an_unknown_queue_is_the_sdks_entity_not_found_error(server: AmqpBrokerServer) -> None:
    with pytest.raises(MessagingEntityNotFoundError, match="'nope' could not be found"):
        send(server, "nope", ServiceBusMessage("x"))
