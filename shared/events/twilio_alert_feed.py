"""Twilio's alerts, pulled: the origination and termination errors the Debugger webhook
would push, for accounts that cannot or will not expose a webhook.

Twilio logs every error and warning of the account as a Monitor alert. A timer reads the
alerts since its watermark (state table, partition `feeds`) and classifies each exactly as
the webhook's payload is classified (`twilio_events.classify_error`): an origination error
(32010, 32011) evaluates the trunk group on the trunk it names, once per trunk however many
alerts name it; a termination error is counted per trunk for the audit; everything else
is let go. An alert counted here and also delivered by the webhook is counted once: both
key it by its alert SID. The watermark works like the change feed's (`twilio_feed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.commands import CommandEnvelope, envelope
from shared.domain.journal import Trigger
from shared.events import MappedCommand, ObservedAlert
from shared.events.feeds import save_watermark
from shared.events.twilio_events import classify_error
from shared.events.twilio_feed import Watermark, advanced, load_watermark, unseen
from shared.ports import StateStore, TwilioPort

PARTITION = "feeds"
KEY = "twilio-alerts"
WHERE = "Twilio alert feed"


@dataclass(frozen=True)
class AlertPoll:
    """One poll's outcome: commands to queue and alerts to count, then the watermark."""

    commands: list[CommandEnvelope]
    observed: list[ObservedAlert]
    ignored: int
    watermark: Watermark
    alerts: int
    stored_etag: str | None


def poll(
    twilio: TwilioPort, store: StateStore, now: datetime, correlation_id: str
) -> AlertPoll | None:
    """Read the alerts since the watermark; None on the first poll (`load_watermark`)."""
    loaded = load_watermark(store, KEY, now, "Twilio alert")
    if loaded is None:
        return None
    mark, etag = loaded
    alerts = unseen(twilio.alerts_since(mark.since), mark)
    commands: dict[str, MappedCommand] = {}
    observed: list[ObservedAlert] = []
    ignored = 0
    for alert in alerts:
        outcome = classify_error(
            alert.texts(), WHERE, f"twilio-alert:{alert.sid}", alert.event_date, alert.sid
        )
        if isinstance(outcome, MappedCommand):
            # One evaluation per trunk however many alerts name it.
            same = outcome.command.model_dump_json(exclude={"reason"})
            commands.setdefault(same, outcome)
        elif isinstance(outcome, ObservedAlert):
            observed.append(outcome)
        else:
            ignored += 1
    queued = [
        envelope(
            m.command,
            correlation_id=correlation_id,
            trigger=Trigger.FEED,
            idempotency_key=m.idempotency_key,
        )
        for m in commands.values()
    ]
    return AlertPoll(queued, observed, ignored, advanced(mark, alerts), len(alerts), etag)


def commit(store: StateStore, result: AlertPoll) -> None:
    save_watermark(store, KEY, result.watermark.to_record(), result.stored_etag, "Twilio alert")
