"""The command worker: a Service Bus queue trigger with sessions.

Sessions give one consumer per session id — per number, per trunk group — so two commands
about one thing never run at once or out of order. The worker does not settle messages
itself: returning completes the message, raising abandons it, and Service Bus redelivers it
until the queue's maximum delivery count, then dead-letters it. A body that is not a command
this version understands is logged with its reason and raised (it will dead-letter); it is
never silently dropped.

Each delivery is one span continuing the trace of whatever queued the command (the message's
`traceparent`), and one count of `byoc.commands` by type and outcome.
"""

from __future__ import annotations

import logging

import azure.functions as func
from pydantic import ValidationError

from functions._startup import invocation_setup
from shared import bootstrap, telemetry
from shared.domain.commands import CommandEnvelope
from shared.handlers import execute
from shared.observability import correlation
from shared.settings import SERVICE_BUS_CONNECTION

bp = func.Blueprint()
log = logging.getLogger(__name__)


class PoisonMessageError(ValueError):
    """The message is not a command this worker understands."""


@bp.service_bus_queue_trigger(
    arg_name="message",
    queue_name="%BYOC_COMMAND_QUEUE%",
    connection=SERVICE_BUS_CONNECTION,
    is_sessions_enabled=True,
)
def command_worker(message: func.ServiceBusMessage) -> None:
    invocation_setup()
    cid = message.correlation_id or message.message_id or "-"
    delivery = message.delivery_count or 1
    with (
        correlation(cid),
        telemetry.command_delivery(
            message_id=message.message_id or "",
            correlation_id=cid,
            delivery_count=delivery,
            properties=message.application_properties,
        ) as observed,
    ):
        try:
            command = CommandEnvelope.from_message_body(message.get_body())
        except ValidationError as error:
            reason = f"not a byoc-sync command (schema v1): {error.errors()[0]['msg']}"
            log.error("message %s refused: %s", message.message_id, reason)
            observed.refuse(reason)
            raise PoisonMessageError(reason) from error
        observed.command(command.command.type, command.command_id)
        log.info(
            "running %s %s (delivery %d, session %s)",
            command.command.type,
            command.command_id,
            delivery,
            message.session_id,
        )
        try:
            app = bootstrap.app()
            result = execute(
                command,
                app,
                delivery_count=delivery,
                max_deliveries=app.settings.byoc_command_max_delivery_count,
            )
        except Exception as error:
            log.warning(
                "%s %s failed (delivery %d): %s",
                command.command.type,
                command.command_id,
                delivery,
                error,
            )
            raise
        log.info(
            "done %s %s: %d step(s)", command.command.type, command.command_id, len(result.lines)
        )
