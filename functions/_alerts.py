"""Carrier-side alerts, however they arrive (the Twilio events webhook, the alert feed):
logged, and counted per trunk for the audit's carrier-side rule."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from shared.audit import carrier_alerts
from shared.events import ObservedAlert
from shared.ports import ServiceContext, StateStoreError
from shared.settings import MissingSettingError

log = logging.getLogger(__name__)


def record_alerts(observed: Sequence[ObservedAlert], ctx: ServiceContext) -> bool:
    """Log each carrier-side alert and count it per trunk; False when the count is lost."""
    now = datetime.now(UTC)
    for alert in observed:
        log.warning(
            "Twilio carrier-side alert %d (%s) on %s: outbound calls refused; no failover, "
            "counted for the audit",
            alert.code,
            alert.meaning,
            alert.twilio_trunk_sid or "a trunk the alert does not name",
        )
    alerts = [
        carrier_alerts.Alert(
            code=alert.code,
            meaning=alert.meaning,
            twilio_trunk_sid=alert.twilio_trunk_sid,
            at=alert.occurred_at or now,
            event_key=alert.event_key,
        )
        for alert in observed
    ]
    try:
        carrier_alerts.record(ctx.state_store(carrier_alerts.PARTITION), alerts)
    except (StateStoreError, MissingSettingError) as error:
        log.error("carrier-side alerts not counted (the state table): %s", error)
        return False
    return True
