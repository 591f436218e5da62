"""Carrier-side alerts: what Twilio reported refusing on each trunk, kept for the audit.

A termination-side Elastic SIP Trunking error (calls per second, caller ID, ACL or
credentials, geographic permissions) means Twilio refused an outbound call from Genesys.
Failing over would not help — the other member's calls go through the same Twilio trunk
and are refused the same way — so the Twilio events function only records it: one record
per trunk (the alert's TK SID, or `account` when it names none) in the state table
(`BYOC_HEALTH_TABLE`, partition `carrier-alert`), holding per code how often it came, when
first and last. The audit's carrier-side rule reports the codes seen in the last
`WINDOW` on each trunk-group trunk.

The counting is pure (`fold`); `record` and `read` are the I/O, through the StateStore port,
saved with the ETag it was read with. A redelivered alert (same event id) is counted once:
each record remembers the last `RECENT` event keys. A code quiet for longer than `WINDOW`
starts counting again from one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.ports import StateConflictError, StateStore, StateStoreError

log = logging.getLogger(__name__)

PARTITION = "carrier-alert"
ACCOUNT = "account"  # the record of alerts that named no trunk
WINDOW = timedelta(days=7)
RECENT = 50
_ATTEMPTS = 3  # a conflict means another request recorded an alert for this trunk meanwhile


class Alert(BaseModel):
    """One alert to count (what the events function hands over)."""

    model_config = ConfigDict(frozen=True)

    code: int
    meaning: str
    twilio_trunk_sid: str | None
    at: datetime
    event_key: str


class CodeCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: int
    meaning: str
    count: int
    first_at: datetime
    last_at: datetime


class TrunkAlerts(BaseModel):
    """The record of one trunk (or of the account)."""

    model_config = ConfigDict(frozen=True)

    twilio_trunk_sid: str | None = None
    codes: dict[str, CodeCount] = {}
    recent_events: tuple[str, ...] = ()

    def within(self, now: datetime, window: timedelta = WINDOW) -> list[CodeCount]:
        """The codes seen in the `window` before `now`, by code."""
        return sorted(
            (c for c in self.codes.values() if now - c.last_at <= window), key=lambda c: c.code
        )


def record_key(trunk_sid: str | None) -> str:
    return trunk_sid or ACCOUNT


def fold(record: TrunkAlerts | None, alerts: Iterable[Alert]) -> TrunkAlerts | None:
    """`record` with `alerts` (all of one trunk) counted in; None when nothing is new."""
    current = record or TrunkAlerts()
    codes = dict(current.codes)
    recent = list(current.recent_events)
    changed = False
    for alert in alerts:
        if alert.event_key in recent:
            continue  # Twilio's redelivery of an alert already counted
        recent.append(alert.event_key)
        changed = True
        seen = codes.get(str(alert.code))
        if seen is None or alert.at - seen.last_at > WINDOW:
            seen = CodeCount(
                code=alert.code,
                meaning=alert.meaning,
                count=1,
                first_at=alert.at,
                last_at=alert.at,
            )
        else:
            seen = seen.model_copy(
                update={
                    "count": seen.count + 1,
                    "meaning": alert.meaning,
                    "first_at": min(seen.first_at, alert.at),
                    "last_at": max(seen.last_at, alert.at),
                }
            )
        codes[str(alert.code)] = seen
        current = current.model_copy(update={"twilio_trunk_sid": alert.twilio_trunk_sid})
    if not changed:
        return None
    return current.model_copy(update={"codes": codes, "recent_events": tuple(recent[-RECENT:])})


def record(store: StateStore, alerts: Sequence[Alert]) -> None:
    """Count `alerts` into their trunks' records: one read and one write per trunk."""
    by_trunk: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_trunk[record_key(alert.twilio_trunk_sid)].append(alert)
    for key, of_trunk in by_trunk.items():
        _record_trunk(store, key, of_trunk)


def _record_trunk(store: StateStore, key: str, alerts: list[Alert]) -> None:
    for _ in range(_ATTEMPTS):
        stored = store.load(key)
        updated = fold(_parse(key, stored.data) if stored else None, alerts)
        if updated is None:
            return
        try:
            store.save(key, updated.model_dump(mode="json"), stored.etag if stored else None)
        except StateConflictError:
            continue
        return
    raise StateStoreError(f"{key}: the carrier-side alert record kept changing while written")


def read(store: StateStore, trunk_sids: Iterable[str]) -> dict[str, TrunkAlerts]:
    """The records of these trunks and of the account, by record key; none where nothing
    was recorded."""
    found: dict[str, TrunkAlerts] = {}
    for key in [*dict.fromkeys(trunk_sids), ACCOUNT]:
        stored = store.load(key)
        if stored is not None and (parsed := _parse(key, stored.data)) is not None:
            found[key] = parsed
    return found


def _parse(key: str, data: dict[str, object]) -> TrunkAlerts | None:
    try:
        return TrunkAlerts.model_validate(data)
    except ValidationError as error:
        # Not ours to repair: it is rewritten from scratch by the next alert for the trunk.
        log.warning("carrier-side alert record %s is unreadable, starting over: %s", key, error)
        return None
