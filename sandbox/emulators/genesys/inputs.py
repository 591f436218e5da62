"""Request bodies as the SDK sends them (camelCase, whole entities on PUT).

Unknown fields are ignored because the SDK round-trips full entities (ids, dates, selfUri);
what matters is validated here, so a bad body becomes a 400 and never a 500.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from sandbox.emulators.genesys.scenario import Distribution, NumberPlanSeed, check_e164


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


class Ref(_Body):
    id: str | None = None
    name: str | None = None


class DidPoolBody(_Body):
    name: str | None = None
    description: str | None = None
    comments: str | None = None
    start_phone_number: str
    end_phone_number: str
    provider: Literal["PURE_CLOUD", "PURE_CLOUD_VOICE"] | None = None
    version: int | None = None

    _e164 = field_validator("start_phone_number", "end_phone_number")(check_e164)


class IvrBody(_Body):
    name: str = Field(min_length=1)
    description: str | None = None
    dnis: list[str] = Field(default_factory=list)
    open_hours_flow: Ref | None = None
    closed_hours_flow: Ref | None = None
    holiday_hours_flow: Ref | None = None
    schedule_group: Ref | None = None
    version: int | None = None

    @field_validator("dnis")
    @classmethod
    def _dnis_e164(cls, value: list[str]) -> list[str]:
        return [check_e164(v) for v in value]


class TrunkBaseBody(_Body):
    name: str = Field(min_length=1)
    description: str | None = None
    trunk_type: Literal["EXTERNAL", "PHONE", "EDGE"] = "EXTERNAL"
    trunk_metabase: Ref | None = None
    properties: dict[str, Any] | None = None
    managed: bool | None = None
    site: Ref | None = None
    inbound_site: Ref | None = None
    version: int | None = None


class OutboundRouteBody(_Body):
    """`name` and `classificationTypes` are required (the SDK's OutboundRouteBase marks them
    so); the state refuses their absence in Genesys' REQUIRED_FIELD_MISSING terms."""

    name: str | None = None
    description: str | None = None
    classification_types: list[str] | None = None
    enabled: bool = True
    distribution: Distribution = "SEQUENTIAL"
    external_trunk_bases: list[Ref] = Field(default_factory=list)
    version: int | None = None


class NumberPlanBody(NumberPlanSeed):
    """One element of PUT .../sites/{siteId}/numberplans (the whole list is replaced)."""

    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)

    id: str | None = None


class TrunkControl(_Body):
    """Admin body that takes a trunk down or up (the carrier side failing)."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)

    connected: bool | None = None
    in_service: bool | None = None
    enabled: bool | None = None
    options_status: Literal["UP", "DOWN"] | None = None
    registers_status: Literal["UP", "DOWN"] | None = None
    proxy_address: str | None = Field(None, min_length=1)
    inbound_call_count: int | None = Field(None, ge=0)
    outbound_call_count: int | None = Field(None, ge=0)
