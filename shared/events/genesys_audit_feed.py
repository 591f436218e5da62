"""Genesys' change feed: a hand edit of an IVR's DNIS or a DID pool is reconciled for the
numbers it touched, within one feed interval, without waiting for the full reconcile.

Genesys has no notification topic for IVR configurations, DIDs or DID pools; their changes
are in the audit log. A timer reads the audits of those entity types since its watermark,
kept in the state table, maps each the way an audit notification is mapped
(`genesys_events.map_audit`) and queues the commands. Audits are indexed asynchronously, so
an audit can turn up after a later poll has passed its date: each poll looks back
`lag` before its watermark and skips the audits it has already seen (their ids are kept for
the look-back). The watermark is saved only after the commands are queued, so a restart
repeats at most one window — harmless, commands are idempotent — and never skips one.

byoc-sync's own writes are audited too, under its OAuth client: those are left out, as the
command that made them already reconciled their numbers. The realtime query answers only
the last 14 days; a feed stopped for longer queues one reconcile of every number and
starts again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.domain.commands import AnyCommand, CommandEnvelope, ReconcileNumbers, envelope
from shared.domain.journal import Trigger
from shared.domain.model import GenesysAudit
from shared.events.feeds import save_watermark
from shared.events.genesys_events import AuditEvent, PropertyChange, map_audit
from shared.ports import GenesysPort, StateStore

log = logging.getLogger(__name__)

PARTITION = "feeds"
KEY = "genesys-audit"
ENTITY_TYPES = ("IVR", "DIDPool", "DID")
# What the realtime audit query answers (the SDK's post_audits_query_realtime docs).
REALTIME_HORIZON = timedelta(days=14)


@dataclass(frozen=True)
class AuditWatermark:
    """Audits are read up to `since`; those dated in the look-back before it are in `seen`."""

    since: datetime
    seen: dict[str, datetime] = field(default_factory=dict)

    def to_record(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat(),
            "seen": {audit_id: date.isoformat() for audit_id, date in sorted(self.seen.items())},
        }

    @classmethod
    def from_record(cls, data: dict[str, object]) -> AuditWatermark:
        seen = data.get("seen")
        return cls(
            since=datetime.fromisoformat(str(data["since"])),
            seen={str(k): datetime.fromisoformat(str(v)) for k, v in seen.items()}
            if isinstance(seen, dict)
            else {},
        )


@dataclass(frozen=True)
class AuditPoll:
    """One poll's outcome: the commands to queue, then the watermark to save."""

    commands: list[CommandEnvelope]
    watermark: AuditWatermark
    changes: int  # audits not seen before, byoc-sync's own included
    own: int  # of those, byoc-sync's own writes
    ignored: tuple[str, ...]  # why an audit asked for nothing
    stored_etag: str | None
    newest: datetime | None = None  # the date of the newest audit handled


def as_event(audit: GenesysAudit) -> AuditEvent:
    return AuditEvent(
        entity_type=audit.entity_type,
        entity_id=audit.entity_id,
        entity_name=audit.entity_name,
        action=audit.action,
        property_changes=tuple(
            PropertyChange(c.name, c.old_values, c.new_values) for c in audit.property_changes
        ),
    )


def commands_for(audits: Sequence[GenesysAudit]) -> tuple[list[AnyCommand], list[str]]:
    """The commands the audits ask for, numbers merged into one reconcile, each other
    command once; and why the rest ask for nothing."""
    numbers: dict[str, None] = {}
    others: dict[str, AnyCommand] = {}
    ignored: list[str] = []
    for audit in audits:
        mapped = map_audit(as_event(audit))
        if isinstance(mapped, str):
            ignored.append(f"{audit.entity_type} {audit.entity_id}: {mapped}")
        elif isinstance(mapped, ReconcileNumbers) and mapped.numbers_only:
            numbers.update(dict.fromkeys(mapped.phone_numbers))
        else:
            others.setdefault(mapped.model_dump_json(exclude={"reason"}), mapped)
    commands: list[AnyCommand] = []
    if numbers:
        commands.append(
            ReconcileNumbers(
                phone_numbers=tuple(sorted(numbers)), reason="Genesys audit feed: DNIS edited"
            )
        )
    commands.extend(others.values())
    return commands, ignored


def poll(
    genesys: GenesysPort,
    store: StateStore,
    now: datetime,
    correlation_id: str,
    *,
    lag: timedelta,
    own_client_id: str | None,
) -> AuditPoll | None:
    """Read the audits since the watermark; None on the first poll, which only starts it
    (the changes before it are the full reconcile's)."""
    stored = store.load(KEY)
    if stored is None:
        store.save(KEY, AuditWatermark(now).to_record(), None)
        log.info("Genesys audit feed: starts at %s", now.isoformat())
        return None
    mark = AuditWatermark.from_record(stored.data)
    key_base = f"audit:{mark.since.isoformat()}"
    if now - mark.since > REALTIME_HORIZON - lag:
        command = ReconcileNumbers(
            reason="Genesys audit feed: stopped for longer than the audit query reaches back"
        )
        restart = envelope(
            command, correlation_id=correlation_id, trigger=Trigger.FEED, idempotency_key=key_base
        )
        return AuditPoll([restart], AuditWatermark(now), 0, 0, (), stored.etag)
    start = mark.since - lag
    read = [a for kind in ENTITY_TYPES for a in genesys.audits(kind, start, now)]
    fresh = [a for a in read if a.id not in mark.seen]
    own = {a.id for a in fresh if own_client_id is not None and a.client_id == own_client_id}
    theirs = [a for a in fresh if a.id not in own]
    commands, ignored = commands_for(theirs)
    digest = hashlib.sha256(",".join(sorted(a.id for a in theirs)).encode()).hexdigest()[:24]
    queued = [
        envelope(
            c,
            correlation_id=correlation_id,
            trigger=Trigger.FEED,
            idempotency_key=f"audit:{digest}:{i}",
        )
        for i, c in enumerate(commands)
    ]
    keep_from = now - lag
    seen = {k: v for k, v in mark.seen.items() if v >= keep_from}
    seen.update({a.id: a.event_date for a in read if a.event_date >= keep_from})
    newest = max((a.event_date for a in fresh), default=None)
    return AuditPoll(
        queued, AuditWatermark(now, seen), len(fresh), len(own), tuple(ignored), stored.etag, newest
    )


def commit(store: StateStore, result: AuditPoll) -> None:
    """Save the watermark once the commands are queued (see `feeds.save_watermark`)."""
    save_watermark(store, KEY, result.watermark.to_record(), result.stored_etag, "Genesys audit")
