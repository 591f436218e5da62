"""Monitor v1 `GET /v1/Events` and `GET /v1/Events/{Sid}` (monitor.twilio.com), read-only.

The list is "sorted by event-date", filtered by event date (`StartDate`, `EndDate`: ISO 8601
date-times in GMT, or dates) and by one of `EventType`, `ResourceSid`, `ActorSid` or
`SourceIpAddress` ("Filtering on more than one field in the same request is not supported
and will result in a 400 Bad Request error": twilio.com/docs/usage/monitor-events; the same
page's own example combines two, hence the `monitor_events_one_filter` switch). It pages
like every v1 list, the filters carried in `meta`'s links.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sandbox.emulators.core import Request, Response, Router
from sandbox.emulators.twilio import render
from sandbox.emulators.twilio.errors import bad_request, not_found
from sandbox.emulators.twilio.inputs import Params, one
from sandbox.emulators.twilio.monitor import MonitorEvent
from sandbox.emulators.twilio.paging import paginate, v1_envelope
from sandbox.emulators.twilio.routes import StateHost
from sandbox.emulators.twilio.state import TwilioState

EVENTS = "/v1/Events"
ALERTS = "/v1/Alerts"
LOG_LEVELS = ("error", "warning", "notice", "debug")
FILTERS = ("EventType", "ResourceSid", "ActorSid", "SourceIpAddress")
DATES = ("StartDate", "EndDate")
# The spec's ActorSid pattern is US...; its own `actor_sid` description (and the page's
# source/actor table) says an API change is the account's, AC...: both are accepted.
SID_PATTERNS = {
    "ResourceSid": re.compile(r"^[a-zA-Z]{2}[0-9a-fA-F]{32}$"),
    "ActorSid": re.compile(r"^(US|AC)[0-9a-fA-F]{32}$"),
}


class MonitorRoutes:
    def __init__(self, host: StateHost) -> None:
        self.host = host

    @property
    def state(self) -> TwilioState:
        return self.host.state

    def register(self, r: Router) -> None:
        r.add("GET", EVENTS, self._locked(self.list_events))
        r.add("GET", EVENTS + "/{Sid}", self._locked(self.fetch_event))
        r.add("GET", ALERTS, self._locked(self.list_alerts))
        r.add("GET", ALERTS + "/{Sid}", self._locked(self.fetch_alert))

    def _locked(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            with self.host.lock:
                return handler(request)

        return run

    def _kept(self) -> list[MonitorEvent]:
        """Events still within the account's retention, oldest first."""
        days = self.state.scenario.monitor_events_retention_days
        oldest = self.state.clock() - timedelta(days=days)
        return [e for e in self.state.monitor.events if e.event_date >= oldest]

    def list_events(self, request: Request) -> Response:
        q = request.query
        filters = {name: value for name in FILTERS if (value := one(q, name)) is not None}
        for name, pattern in SID_PATTERNS.items():
            if name in filters and not pattern.match(filters[name]):
                raise bad_request(f"{name} {filters[name]!r} is not a valid SID")
        if self.state.scenario.monitor_events_one_filter and len(filters) > 1:
            raise bad_request(
                "Filtering on more than one of EventType, ResourceSid, ActorSid and "
                f"SourceIpAddress is not supported (got {', '.join(filters)})"
            )
        start = _date(q, "StartDate", end_of_day=False)
        end = _date(q, "EndDate", end_of_day=True)
        matching = [
            e
            for e in self._kept()
            if (start is None or e.event_date >= start)
            and (end is None or e.event_date <= end)
            and filters.get("EventType", e.event_type) == e.event_type
            and filters.get("ResourceSid", e.resource_sid) == e.resource_sid
            and filters.get("ActorSid", e.actor.actor_sid) == e.actor.actor_sid
            and filters.get("SourceIpAddress", e.actor.ip_address) == e.actor.ip_address
        ]
        newest_first = self.state.scenario.monitor_events_order == "newest_first"
        if newest_first:
            matching.reverse()
        page = paginate(matching, q, newest_first=newest_first)
        account_sid = self.state.account_sid
        records = [render.monitor_event(e, account_sid) for e in page.items]
        echoed = {name: v for name in (*DATES, *FILTERS) if (v := one(q, name)) is not None}
        url = render.MONITOR_HOST + EVENTS
        return Response(200, v1_envelope("events", records, page, url, echoed))

    def fetch_event(self, request: Request) -> Response:
        sid = request.params["Sid"]
        found = next((e for e in self._kept() if e.sid == sid), None)
        if found is None:
            raise not_found(request.path)
        return Response(200, render.monitor_event(found, self.state.account_sid))

    def list_alerts(self, request: Request) -> Response:
        """The account's alerts, newest first (Twilio's order is unstated: the less
        convenient one), filtered by `LogLevel` and the date-time window."""
        q = request.query
        level = one(q, "LogLevel")
        if level is not None and level not in LOG_LEVELS:
            raise bad_request(f"LogLevel {level!r} is not one of {', '.join(LOG_LEVELS)}")
        start = _date(q, "StartDate", end_of_day=False)
        end = _date(q, "EndDate", end_of_day=True)
        matching = [
            a
            for a in self.state.monitor.alerts
            if (level is None or a.log_level == level)
            and (start is None or a.date_generated >= start)
            and (end is None or a.date_generated <= end)
        ]
        matching.reverse()
        page = paginate(matching, q, newest_first=True)
        account_sid = self.state.account_sid
        records = [render.monitor_alert(a, account_sid) for a in page.items]
        echoed = {n: v for n in ("LogLevel", *DATES) if (v := one(q, n)) is not None}
        url = render.MONITOR_HOST + ALERTS
        return Response(200, v1_envelope("alerts", records, page, url, echoed))

    def fetch_alert(self, request: Request) -> Response:
        sid = request.params["Sid"]
        found = next((a for a in self.state.monitor.alerts if a.sid == sid), None)
        if found is None:
            raise not_found(request.path)
        record = render.monitor_alert(found, self.state.account_sid)
        record.update(
            request_variables=None, response_body=None, response_headers=None, request_headers=None
        )
        return Response(200, record)


def _date(query: Params, name: str, *, end_of_day: bool) -> datetime | None:
    """An ISO 8601 date-time in GMT (`2015-07-30T20:00:00Z`) or a date (`2016-07-31`, the
    whole day: an `EndDate` date includes it)."""
    value = one(query, name)
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"{name} {value!r} is not an ISO 8601 date or date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
