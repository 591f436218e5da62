"""Genesys' audit log of configuration changes, as the realtime audit query serves it.

Genesys audits the changes people make in the admin UI and the changes API clients make
alike (developer.genesys.cloud: "Audit Viewer" and `POST /api/v2/audits/query/realtime`).
The emulator records the changes made through its API routes and its admin console routes
to DID pools and IVR configurations; each entry names the entity (type, id, name), the
action, who made it (an OAuth client over the API, a user in the console) and the
properties that changed, old and new values in full.

Two behaviours are assumed, each the less convenient way (docs/fidelity.md):
- an entry is answered only `audit_delay_s` after the change (audits are indexed
  asynchronously), so a reader must look back over a margin and skip what it has seen;
- without `sort` the query answers newest first, so a reader must ask for its order.
DIDs change when pools and IVRs do, but the emulator records no `DID` entries: a reader
that needed them would miss changes.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from sandbox.emulators.core import Request, Response, Router
from sandbox.emulators.genesys.errors import bad_request

REALTIME = "/api/v2/audits/query/realtime"
SERVICE_MAPPING = REALTIME + "/servicemapping"
# Which audit service logs which entity type. Assumed (docs/fidelity.md): the emulator puts
# IVR configurations under Architect and the edge objects under Telephony, so a reader that
# hard-coded one service for all three would miss changes.
SERVICES: dict[str, dict[str, tuple[str, ...]]] = {
    "Architect": {"IVR": ("Create", "Update", "Delete")},
    "Telephony": {
        "DIDPool": ("Create", "Update", "Delete"),
        "DID": ("Create", "Update", "Delete", "Assign", "Unassign"),
    },
}
SERVICE_OF = {entity: service for service, ents in SERVICES.items() for entity in ents}
# SDK `AuditQueryFilter.name` allowed values.
FILTER_PROPERTIES = (
    "UserId",
    "TrusteeOrganizationId",
    "ClientId",
    "Action",
    "EntityType",
    "EntityId",
)
MAX_PAGE_SIZE = 500  # assumed: no documented maximum
DEFAULT_PAGE_SIZE = 25
# Rendered fields an audit does not report as property changes.
_BOOKKEEPING = frozenset({"id", "version", "dateCreated", "dateModified", "selfUri", "state"})


@dataclass(frozen=True)
class AuditActor:
    """Who made a change: an OAuth client over the API, or a person in the admin UI."""

    client_id: str | None
    user_id: str | None = None
    user_name: str | None = None
    remote_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class AuditEntry:
    id: str
    seq: int
    event_date: datetime
    visible_at: float  # monotonic time from which the query answers it
    service_name: str
    entity_type: str
    entity_id: str
    entity_name: str | None
    action: str
    actor: AuditActor
    property_changes: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = field(default=())


def _values(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v.get("id", v)) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dict):
        return (str(value.get("id", value)),)
    return (str(value),)


def property_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """The rendered properties whose value differs, old and new values in full (a list is
    reported whole, not as the entries added and removed)."""
    old, new = before or {}, after or {}
    names = sorted((set(old) | set(new)) - _BOOKKEEPING)
    return tuple(
        (name, _values(old.get(name)), _values(new.get(name)))
        for name in names
        if old.get(name) != new.get(name)
    )


class AuditLog:
    """Every audited change of the org, in the order it happened."""

    def __init__(self, clock: Callable[[], float], delay_s: Callable[[], float]) -> None:
        self._clock = clock
        self._delay_s = delay_s
        self._seq = itertools.count(1)
        self.entries: list[AuditEntry] = []

    def record(
        self,
        actor: AuditActor,
        entity_type: str,
        action: str,
        entity: Mapping[str, Any],
        *,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        now: datetime,
    ) -> AuditEntry:
        entry = AuditEntry(
            id=str(uuid.uuid4()),
            seq=next(self._seq),
            event_date=now,
            visible_at=self._clock() + self._delay_s(),
            service_name=SERVICE_OF[entity_type],
            entity_type=entity_type,
            entity_id=str(entity["id"]),
            entity_name=entity.get("name"),
            action=action,
            actor=actor,
            property_changes=property_changes(before, after),
        )
        self.entries.append(entry)
        return entry

    def visible(self) -> list[AuditEntry]:
        now = self._clock()
        return [e for e in self.entries if e.visible_at <= now]


# ---------------------------------------------------------------------------- the query


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class QueryFilter(_Body):
    property: Literal[
        "UserId", "TrusteeOrganizationId", "ClientId", "Action", "EntityType", "EntityId"
    ]
    value: str


class QuerySort(_Body):
    name: Literal["Timestamp"]
    sort_order: Literal["ascending", "descending"] = "ascending"


class RealtimeQuery(_Body):
    interval: str
    service_name: str
    filters: list[QueryFilter] = Field(default_factory=list)
    sort: list[QuerySort] = Field(default_factory=list)
    page_number: int = Field(1, ge=1)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("service_name")
    @classmethod
    def _known_service(cls, value: str) -> str:
        if value not in SERVICES:
            raise ValueError(f"serviceName {value!r} is not one of {sorted(SERVICES)}")
        return value

    def window(self) -> tuple[datetime, datetime]:
        start, _, end = self.interval.partition("/")
        refused = bad_request(
            f"interval {self.interval!r} is not an ISO-8601 'start/end' with start <= end"
        )
        try:
            lo, hi = _instant(start), _instant(end)
        except ValueError:
            raise refused from None
        if hi < lo:
            raise refused
        return lo, hi


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment


def _matches(entry: AuditEntry, flt: QueryFilter) -> bool:
    value = {
        "UserId": entry.actor.user_id,
        "ClientId": entry.actor.client_id,
        "Action": entry.action,
        "EntityType": entry.entity_type,
        "EntityId": entry.entity_id,
        "TrusteeOrganizationId": None,
    }[flt.property]
    return value is not None and value.lower() == flt.value.lower()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def render_entry(entry: AuditEntry, org_id: str) -> dict[str, Any]:
    """An `AuditLogMessage` (SDK model), the fields the emulator knows."""
    out: dict[str, Any] = {
        "id": entry.id,
        "userHomeOrgId": org_id,
        "remoteIp": [entry.actor.remote_ip],
        "serviceName": entry.service_name,
        "level": "USER",
        "eventDate": _iso(entry.event_date),
        "action": entry.action,
        "entity": {"id": entry.entity_id, "name": entry.entity_name},
        "entityType": entry.entity_type,
        "status": "SUCCESS",
        "propertyChanges": [
            {"property": name, "oldValues": list(old), "newValues": list(new)}
            for name, old, new in entry.property_changes
        ],
        "context": {},
    }
    if entry.actor.user_id is not None:
        out["user"] = {"id": entry.actor.user_id, "name": entry.actor.user_name}
    if entry.actor.client_id is not None:
        out["client"] = {"id": entry.actor.client_id}
    return out


class AuditRoutes:
    """`POST /audits/query/realtime` and its service mapping, over one `AuditLog`."""

    def __init__(self, log: Callable[[], AuditLog], lock: Any, org_id: str) -> None:
        self._log = log
        self._lock = lock
        self._org_id = org_id

    def register(self, router: Router) -> None:
        router.add("GET", SERVICE_MAPPING, self.service_mapping)
        router.add("POST", REALTIME, self.query)

    def service_mapping(self, request: Request) -> Response:
        services = [
            {
                "name": service,
                "entities": [
                    {"name": name, "actions": list(actions)} for name, actions in entities.items()
                ],
            }
            for service, entities in SERVICES.items()
        ]
        return Response(200, {"services": services})

    def query(self, request: Request) -> Response:
        try:
            body = RealtimeQuery.model_validate(request.json())
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(map(str, first["loc"])) or "body"
            raise bad_request(f"{where}: {first['msg']}") from error
        lo, hi = body.window()
        with self._lock:
            found = [
                e
                for e in self._log().visible()
                if e.service_name == body.service_name
                and lo <= e.event_date < hi
                and all(_matches(e, f) for f in body.filters)
            ]
        descending = not body.sort or body.sort[0].sort_order == "descending"
        found.sort(key=lambda e: e.seq, reverse=descending)
        size, number = body.page_size, body.page_number
        page_count = (len(found) + size - 1) // size
        chosen = found[(number - 1) * size : number * size]
        return Response(
            200,
            {
                "entities": [render_entry(e, self._org_id) for e in chosen],
                "pageSize": size,
                "pageNumber": number,
                "total": len(found),
                "pageCount": page_count,
            },
        )
