"""Vendor events in: `POST /api/twilio/events` and `POST /api/genesys/events` (anonymous).

Neither vendor can present a function key, so each request proves itself instead: Twilio's
by `X-Twilio-Signature` (HMAC with the account's auth token, or with a Webhook SharedKey
when `X-Twilio-Webhooks-Signature-Settings` says so; verified by the Twilio SDK),
Genesys's by a shared API key in `X-API-Key` (two accepted while rolling). Verification comes
first; nothing is parsed, let alone queued, for a request that fails it. Events become
commands with deterministic ids (Twilio's event id or `I-Twilio-Idempotency-Token`,
EventBridge's event id or the notification's `CorrelationId`), so a vendor's redelivery is
dropped by Service Bus duplicate detection instead of running twice.

A Twilio termination-side alert (the carrier refused an outbound call) queues nothing: it
is logged with its meaning and counted per trunk in the state table, where the audit's
carrier-side rule finds it (`shared/audit/carrier_alerts.py`). The mapping decides; the
recording is the only I/O here besides queuing. A table that cannot be written loses the
count, not the event: the failure is logged and the event acknowledged.

A body that is not JSON is refused with the words every endpoint uses (`_http.not_json`):
the event mappers say "body is not JSON" in their own way, so their decoding error, which
they chain as the cause, is reworded here.
"""

from __future__ import annotations

import json
import logging

import azure.functions as func

from functions._alerts import record_alerts
from functions._http import HttpProblemError, body_bytes, json_response, not_json, run_http
from shared import bootstrap
from shared.domain.commands import envelope
from shared.domain.journal import Trigger
from shared.events import EventMapping
from shared.events.genesys_events import GenesysEventError, map_genesys_event, parse_genesys_event
from shared.events.twilio_events import TwilioEventError, map_twilio_request
from shared.events.webhooks import verify_api_key, verify_twilio_request
from shared.ports import ServiceContext

bp = func.Blueprint()
log = logging.getLogger(__name__)
MAX_EVENT_BYTES = 1024 * 1024
GENESYS_KEY_HEADER = "X-API-Key"
TWILIO_IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


def _queue(
    mapping: EventMapping, ctx: ServiceContext, cid: str, recorded: bool | None = None
) -> func.HttpResponse:
    queued = [
        envelope(
            m.command,
            correlation_id=cid,
            trigger=Trigger.EVENT,
            idempotency_key=m.idempotency_key,
        )
        for m in mapping.commands
    ]
    ctx.publish(queued)
    for reason in mapping.ignored:
        log.info("event ignored: %s", reason)
    body: dict[str, object] = {
        "queued": [{"command_id": e.command_id, "type": e.command.type} for e in queued],
        "ignored": list(mapping.ignored),
    }
    if mapping.observed:
        body["observed"] = [
            {
                "code": alert.code,
                "meaning": alert.meaning,
                "twilio_trunk_sid": alert.twilio_trunk_sid,
                "recorded": recorded,
            }
            for alert in mapping.observed
        ]
    return json_response(body, 202 if queued else 200, cid)


@bp.route(route="twilio/events", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def twilio_events(req: func.HttpRequest) -> func.HttpResponse:
    def handle(cid: str) -> func.HttpResponse:
        app = bootstrap.app()
        settings = app.settings
        body = body_bytes(req, MAX_EVENT_BYTES)
        verified = verify_twilio_request(
            req.url,
            dict(req.headers.items()),
            body,
            settings.twilio_auth_token,
            settings.twilio_webhook_shared_key_list(),
        )
        try:
            mapping = map_twilio_request(verified, req.headers.get(TWILIO_IDEMPOTENCY_HEADER))
        except TwilioEventError as error:
            # Only a JSON body is the body; a form's `Payload` field has its own reason.
            if verified.json_body is not None and isinstance(error.__cause__, json.JSONDecodeError):
                raise not_json(error.__cause__) from error
            raise HttpProblemError(400, str(error)) from error
        recorded = record_alerts(mapping.observed, app) if mapping.observed else None
        return _queue(mapping, app, cid, recorded)

    return run_http(req, handle)


@bp.route(route="genesys/events", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def genesys_events(req: func.HttpRequest) -> func.HttpResponse:
    def handle(cid: str) -> func.HttpResponse:
        app = bootstrap.app()
        verify_api_key(
            dict(req.headers.items()), GENESYS_KEY_HEADER, app.settings.genesys_event_api_keys()
        )
        body = body_bytes(req, MAX_EVENT_BYTES)
        try:
            notification, event_id = parse_genesys_event(body)
        except GenesysEventError as error:
            if isinstance(error.__cause__, json.JSONDecodeError | UnicodeDecodeError):
                raise not_json(error.__cause__) from error
            raise HttpProblemError(400, str(error)) from error
        return _queue(map_genesys_event(notification, event_id), app, cid)

    return run_http(req, handle)
