"""Twilio's Monitor events: the account's change log, as `GET /v1/Events` serves it.

Twilio logs "virtually every action taken within Twilio, regardless of whether that action
was taken through the API, by a user in the Twilio Console" (twilio.com/docs/usage/
monitor-events). The emulator records the changes made through its API and through its
admin console routes; each event names its type (`phone-number.updated`, ...), the resource,
who made the change (an account over the API, a user in the Console) and from where.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sandbox.emulators.twilio.ids import SidFactory

Source = Literal["api", "web"]


@dataclass(frozen=True)
class Actor:
    """Who changes the account right now: Twilio's `source`, `actor_type` and `actor_sid`."""

    source: Source
    actor_type: str
    actor_sid: str
    ip_address: str

    @classmethod
    def api(cls, account_sid: str, ip_address: str) -> Actor:
        """A request authenticated with the account's own credentials."""
        return cls("api", "account", account_sid, ip_address)

    @classmethod
    def console(cls, user_sid: str, ip_address: str) -> Actor:
        """A user logged in to the Twilio Console."""
        return cls("web", "user", user_sid, ip_address)


@dataclass(frozen=True)
class MonitorEvent:
    sid: str
    seq: int
    event_type: str
    resource_type: str
    resource_sid: str
    event_date: datetime
    actor: Actor
    event_data: dict[str, Any] | None


@dataclass(frozen=True)
class MonitorAlert:
    """One of the account's Alerts (Monitor v1 `/v1/Alerts`): an error or warning Twilio
    logged about a resource, e.g. 32011 when it could not reach an origination URI."""

    sid: str
    seq: int
    error_code: str
    log_level: str
    alert_text: str
    resource_sid: str | None
    service_sid: str | None
    request_url: str | None
    date_generated: datetime


# Monitor resource types (twilio.com/docs/usage/monitor-events#event-types) of the emulated
# resources, keyed by the SID prefix.
RESOURCE_TYPES = {
    "PN": "phone-number",
    "TK": "trunk",
    "CL": "sip-credential-list",
    "AL": "sip-ip-access-control-list",
}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`RESOURCE.updated` event data: "a `resource_properties` dictionary that describes the
    previous and updated properties of the resource" (the Monitor v1 spec's `event_data`)."""
    changed = {
        name: {"previous": before.get(name), "updated": value}
        for name, value in after.items()
        if before.get(name) != value
    }
    return {"resource_properties": changed}


class EventLog:
    """The account's Monitor events, in the order they happened."""

    def __init__(self, account_sid: str) -> None:
        # SIDs of their own, so recording events never shifts the SIDs of resources.
        self._sids = SidFactory(account_sid + ":monitor-events")
        self.events: list[MonitorEvent] = []
        self.alerts: list[MonitorAlert] = []

    def record(
        self,
        actor: Actor,
        action: str,
        resource_sid: str,
        at: datetime,
        event_data: dict[str, Any] | None = None,
    ) -> MonitorEvent:
        resource_type = RESOURCE_TYPES[resource_sid[:2]]
        event = MonitorEvent(
            sid=self._sids.next("AE"),
            seq=self._sids.seq(),
            event_type=f"{resource_type}.{action}",
            resource_type=resource_type,
            resource_sid=resource_sid,
            event_date=at,
            actor=actor,
            event_data=event_data,
        )
        self.events.append(event)
        return event

    def get(self, sid: str) -> MonitorEvent | None:
        return next((e for e in self.events if e.sid == sid), None)

    def raise_alert(
        self,
        error_code: str,
        at: datetime,
        *,
        log_level: str = "error",
        alert_text: str = "",
        resource_sid: str | None = None,
        service_sid: str | None = None,
        request_url: str | None = None,
    ) -> MonitorAlert:
        alert = MonitorAlert(
            sid=self._sids.next("NO"),
            seq=self._sids.seq(),
            error_code=error_code,
            log_level=log_level,
            alert_text=alert_text,
            resource_sid=resource_sid,
            service_sid=service_sid,
            request_url=request_url,
            date_generated=at,
        )
        self.alerts.append(alert)
        return alert
