"""Genesys' audit log through the SDK's realtime audit query.

The query takes one audit service at a time, and which service logs an entity type is
Genesys' business, not ours: the service mapping (`GET /audits/query/realtime/servicemapping`)
is read once per process and every entity type is asked of each service that lists it. The
realtime query answers only recent audits (the SDK: 14 days for some services); callers
keep their windows short.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import PureCloudPlatformClientV2 as genesys

from shared.domain.model import AuditedChange, GenesysAudit

T = TypeVar("T")
AUDIT_PAGE_SIZE = 100


def _interval(start: datetime, end: datetime) -> str:
    def fmt(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{moment.microsecond // 1000:03d}Z"
        )

    return f"{fmt(start)}/{fmt(end)}"


def _model(cls: Any, **attrs: Any) -> Any:
    instance = cls()
    for name, value in attrs.items():
        setattr(instance, name, value)
    return instance


def _audit(item: Any) -> GenesysAudit:
    entity = item.entity
    return GenesysAudit(
        id=item.id,
        event_date=item.event_date,
        entity_type=item.entity_type or "",
        entity_id=entity.id if entity else "",
        entity_name=entity.name if entity else None,
        action=item.action,
        client_id=item.client.id if item.client else None,
        property_changes=tuple(
            AuditedChange(
                name=change.pcProperty or "",
                old_values=tuple(change.old_values or ()),
                new_values=tuple(change.new_values or ()),
            )
            for change in item.property_changes or ()
        ),
    )


class GenesysAuditReads:
    """Mixed into the Genesys adapter, which provides `_call` (budget and retries)."""

    _audit_api: Any
    _audit_services: dict[str, tuple[str, ...]] | None
    _call: Callable[..., Any]

    def _services_of(self, entity_type: str) -> tuple[str, ...]:
        if self._audit_services is None:
            mapping = self._call(
                "read the audit service mapping",
                self._audit_api.get_audits_query_realtime_servicemapping,
            )
            services: dict[str, list[str]] = {}
            for service in mapping.services or ():
                for entity in service.entities or ():
                    services.setdefault(entity.name.lower(), []).append(service.name)
            self._audit_services = {k: tuple(v) for k, v in services.items()}
        return self._audit_services.get(entity_type.lower(), ())

    def audits(self, entity_type: str, start: datetime, end: datetime) -> list[GenesysAudit]:
        found: dict[str, GenesysAudit] = {}
        for service in self._services_of(entity_type):
            page_number = 1
            while True:
                query = _model(
                    genesys.AuditRealtimeQueryRequest,
                    interval=_interval(start, end),
                    service_name=service,
                    filters=[
                        _model(genesys.AuditQueryFilter, pcProperty="EntityType", value=entity_type)
                    ],
                    sort=[_model(genesys.AuditQuerySort, name="Timestamp", sort_order="ascending")],
                    page_number=page_number,
                    page_size=AUDIT_PAGE_SIZE,
                )
                answer = self._call(
                    f"query {service} audits of {entity_type} (page {page_number})",
                    functools.partial(self._audit_api.post_audits_query_realtime, query),
                )
                for item in answer.entities or ():
                    found.setdefault(item.id, _audit(item))
                if page_number >= (answer.page_count or 0):
                    break
                page_number += 1
        return sorted(found.values(), key=lambda a: (a.event_date, a.id))
