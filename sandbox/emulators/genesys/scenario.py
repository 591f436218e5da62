"""What a Genesys emulator starts from (OAuth clients, quirks, the BYOC configuration), and
`seed`, which builds its state, resolving the names seeds use to deterministic UUIDs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import properties
from sandbox.emulators.genesys.ids import entity_id

if TYPE_CHECKING:
    from sandbox.emulators.genesys.state import GenesysState, NumberPlan

E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")
DEFAULT_CLIENT_ID = "byoc-sync-sandbox-client"
DEFAULT_CLIENT_SECRET = "byoc-sync-sandbox-secret"
BYOC_CARRIER_METABASE_ID = "external_sip_pcv_byoc_carrier.json"
# Every Genesys Cloud Voice org has this managed site and trunk base; their routes are
# read-only (the API refuses writes), and an integration must leave them alone.
MANAGED_SITE_NAME = "PureCloud Voice - AWS"
MANAGED_METABASE_ID = "external_sip_pcv_aws.json"
MAX_NUMBER_PLANS_PER_SITE = 200

Distribution = Literal["SEQUENTIAL", "RANDOM"]
OptionsStatus = Literal["UP", "DOWN"]


def check_e164(value: str) -> str:
    """Genesys stores DID pool bounds and DNIS in E.164; anything else is a 400."""
    if not E164_RE.match(value):
        raise ValueError(f"{value!r} is not an E.164 phone number (+<country><number>)")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OAuthClient(_Model):
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)


class DidPoolSeed(_Model):
    start_phone_number: str
    end_phone_number: str
    name: str | None = Field(None, description="Defaults to '<start> - <end>'.")
    description: str | None = None
    comments: str | None = None
    provider: Literal["PURE_CLOUD", "PURE_CLOUD_VOICE"] | None = Field(
        None, description="Genesys-provided numbers only; BYOC carrier pools leave it unset."
    )
    deleted: bool = Field(
        False, description="A leftover Genesys still answers with state 'deleted' (soft delete)."
    )

    _e164 = field_validator("start_phone_number", "end_phone_number")(check_e164)

    @model_validator(mode="after")
    def _ordered(self) -> DidPoolSeed:
        if len(self.start_phone_number) != len(self.end_phone_number) or int(
            self.start_phone_number[1:]
        ) > int(self.end_phone_number[1:]):
            raise ValueError("start_phone_number must not be after end_phone_number")
        return self


class IvrSeed(_Model):
    name: str = Field(min_length=1)
    description: str | None = None
    dnis: list[str] = Field(default_factory=list)
    open_hours_flow: str | None = Field(None, description="Inbound call flow name.")
    closed_hours_flow: str | None = None
    holiday_hours_flow: str | None = None
    schedule_group: str | None = Field(None, description="Schedule group name.")
    deleted: bool = Field(
        False, description="A leftover Genesys still answers with state 'deleted' (soft delete)."
    )

    @field_validator("dnis")
    @classmethod
    def _dnis_e164(cls, value: list[str]) -> list[str]:
        return [check_e164(v) for v in value]


class TrunkBaseSeed(_Model):
    name: str = Field(min_length=1)
    description: str | None = None
    trunk_type: Literal["EXTERNAL"] = "EXTERNAL"
    trunk_metabase_id: str = BYOC_CARRIER_METABASE_ID
    managed: bool = False
    inbound_site: str | None = Field(
        None, description="Site name for inbound calls; defaults to the first site."
    )
    deleted: bool = Field(
        False, description="A leftover Genesys still answers with state 'deleted' (soft delete)."
    )
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="Property key -> its instance value (e.g. trunk_transport_serverProxyList: "
        "[host]); seeding wraps each in Genesys' {value: {instance, default}, type} shape.",
    )


class TrunkSeed(_Model):
    """Runtime status of the trunk instances Genesys runs for an EXTERNAL trunk base setting
    (every instance of the base, unless `instance` picks one)."""

    trunk_base: str = Field(description="Trunk base setting name.")
    instance: int | None = Field(None, ge=1, description="1-based instance; unset: all of them.")
    connected: bool = True
    in_service: bool = Field(
        True, description="False writes the base's trunk_enabled property (all instances)."
    )
    enabled: bool = True
    options_status: OptionsStatus = "UP"
    registers_status: OptionsStatus | None = Field(
        None,
        description="SIP registration state for a trunk in registration mode (the BYOC guide's); "
        "unset: the trunk does not register.",
    )
    proxy_address: str | None = None
    inbound_call_count: int = Field(0, ge=0)
    outbound_call_count: int = Field(0, ge=0)


class OutboundRouteSeed(_Model):
    name: str = Field(min_length=1)
    description: str | None = None
    classification_types: list[str] = Field(default_factory=lambda: ["National", "International"])
    distribution: Distribution = "SEQUENTIAL"
    external_trunk_bases: list[str] = Field(
        default_factory=list, description="Trunk base setting names, in order."
    )
    enabled: bool = True


NumberPlanMatchType = Literal[
    "digitLength", "e164NumberList", "interCountryCode", "intraCountryCode", "numberList", "regex"
]


class NumberRange(_Model):
    """A `numbers` entry of a number plan: one number, or a range of equal-length numbers."""

    start: str = Field(min_length=1)
    end: str | None = None


class DigitLengthRange(_Model):
    start: str = Field(pattern=r"^\d{1,2}$")
    end: str = Field(pattern=r"^\d{1,2}$")


def _check_ranges(match_type: str, numbers: list[NumberRange]) -> None:
    if not numbers:
        raise ValueError(f"a {match_type} number plan needs numbers")
    for entry in numbers:
        end = entry.end or entry.start
        if match_type == "e164NumberList":
            check_e164(entry.start)
            check_e164(end)
        elif not re.fullmatch(r"\d{2,9}", entry.start) or not re.fullmatch(r"\d{2,9}", end):
            raise ValueError(f"numberList numbers must be 2-9 digits: {entry.start!r}")
        if len(end) != len(entry.start) or end < entry.start:
            raise ValueError(f"number range {entry.start}-{end} is not ordered")


class NumberPlanSeed(_Model):
    """A site number plan: how Genesys classifies a dialed number before choosing a route.

    Genesys tries the plans in priority order and the first match classifies the number;
    outbound routes then serve classifications, not patterns.
    """

    name: str = Field(min_length=1)
    classification: str = Field(min_length=1)
    match_type: NumberPlanMatchType
    match: str | None = Field(None, description="The regular expression (regex plans).")
    normalized_format: str | None = None
    priority: int | None = Field(None, ge=0)
    numbers: list[NumberRange] = Field(default_factory=list)
    digit_length: DigitLengthRange | None = None
    state: Literal["active", "inactive"] = "active"

    @model_validator(mode="after")
    def _fits_match_type(self) -> NumberPlanSeed:
        kind = self.match_type
        if kind in ("numberList", "e164NumberList"):
            _check_ranges(kind, self.numbers)
        elif kind == "digitLength":
            lengths = self.digit_length
            if lengths is None or int(lengths.start) > int(lengths.end):
                raise ValueError("a digitLength number plan needs digitLength start <= end")
        elif kind == "regex":
            if not self.match:
                raise ValueError("a regex number plan needs match")
            try:
                re.compile(self.match)
            except re.error as error:
                raise ValueError(f"match is not a regular expression: {error}") from None
        return self


def default_number_plans() -> list[NumberPlanSeed]:
    """The plans Genesys creates with a site in the US (Admin > Telephony > Sites)."""
    return [
        NumberPlanSeed.model_validate(plan)
        for plan in (
            {
                "name": "Emergency",
                "classification": "Emergency",
                "match_type": "numberList",
                "numbers": [{"start": "911"}, {"start": "933"}],
                "priority": 1,
            },
            {
                "name": "Extension",
                "classification": "Extension",
                "match_type": "digitLength",
                "digit_length": {"start": "4", "end": "6"},
                "priority": 2,
            },
            {
                "name": "Network",
                "classification": "Network",
                "match_type": "regex",
                "match": r"^([^@\:]+@)([^@ ]+)?$",
                "normalized_format": "sip:$1$2",
                "priority": 3,
            },
            {
                "name": "National",
                "classification": "National",
                "match_type": "intraCountryCode",
                "priority": 4,
            },
            {
                "name": "International",
                "classification": "International",
                "match_type": "interCountryCode",
                "priority": 5,
            },
            {
                "name": "Suicide Prevention",
                "classification": "Suicide Prevention",
                "match_type": "regex",
                "match": r"^988$",
                "normalized_format": "+18002738255",
                "priority": 6,
            },
        )
    ]


def check_number_plans(plans: list[NumberPlanSeed]) -> list[NumberPlanSeed]:
    """What Genesys refuses in a site's whole set of plans: repeated names, more than 200."""
    if len(plans) > MAX_NUMBER_PLANS_PER_SITE:
        raise ValueError(f"a site holds at most {MAX_NUMBER_PLANS_PER_SITE} number plans")
    names = [plan.name.lower() for plan in plans]
    if len(set(names)) != len(names):
        raise ValueError("number plan names must be unique within a site")
    return plans


class SiteSeed(_Model):
    name: str = Field(min_length=1)
    description: str | None = None
    country: str = Field(
        "US", pattern=r"^[A-Z]{2}$", description="ISO 3166 country of the site's location."
    )
    number_plans: list[NumberPlanSeed] = Field(default_factory=default_number_plans)
    outbound_routes: list[OutboundRouteSeed] = Field(default_factory=list)

    _plans = field_validator("number_plans")(check_number_plans)


class GenesysScenario(_Model):
    """Everything a Genesys emulator starts from; `GenesysScenario()` is a valid empty org."""

    oauth_clients: list[OAuthClient] = Field(
        default_factory=lambda: [
            OAuthClient(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
        ],
        min_length=1,
    )
    token_ttl_s: int = Field(86400, gt=0, description="Client-credentials token lifetime.")
    requests_per_minute: int = Field(
        300, ge=0, description="Requests per minute per access token; 0 = off."
    )
    ratelimit_headers: bool = Field(
        False,
        description="Send inin-ratelimit-allowed/count/reset on every answer, as Genesys did "
        "until it removed them in 2021.",
    )
    faults: FaultConfig = Field(default_factory=FaultConfig)
    did_pool_propagation_delay_s: float = Field(
        3.0, ge=0, description="A new DID pool accepts DNIS assignments only after this delay."
    )
    reject_duplicate_dnis: bool = Field(
        True, description="A DNIS already on another IVR configuration is a 400."
    )
    max_dnis_added_per_put: int | None = Field(
        50, ge=1, description="An IVR write adding more new DNIS than this is a 400; unset: no cap."
    )
    trunk_instances_per_base: int = Field(
        2, ge=1, description="Trunk instances Genesys runs for each EXTERNAL trunk base."
    )
    trunk_instance_names: Literal["suffixed", "base"] = Field(
        "suffixed",
        description="'suffixed': '<base name>_<uuid>' per instance; 'base': the base's name.",
    )
    soft_delete: bool = Field(
        True,
        description="Deleted DID pools, IVRs, trunk bases and trunks stay readable, and listed, "
        "with state 'deleted'.",
    )
    version_conflict_status: Literal[409, 400] = Field(
        409,
        description="A stale version answers 409, or 400 '... does not match the current version'.",
    )
    replica_lag_s: float = Field(
        0.0,
        ge=0,
        description="For this long after a write, GET of that object still answers what it was "
        "before (eventual consistency).",
    )
    audit_delay_s: float = Field(
        2.0,
        ge=0,
        description="An audited change is answered by the realtime audit query only this long "
        "after it was made (audits are indexed asynchronously).",
    )
    console_user_id: str = Field(
        "4f1c2d3e-0000-4000-8000-00000000c0de",
        description="The user the admin console routes act as (audits name them).",
    )
    pool_overlap_status: Literal[400, 409] = Field(
        400, description="Status of a DID pool create or update whose range overlaps another."
    )
    managed_site: bool = Field(
        True, description="Seed the managed 'PureCloud Voice - AWS' site with its default route."
    )
    require_trunk_properties: bool = Field(
        True,
        description="A BYOC carrier trunk base written without a setting its metabase marks "
        "required (trunk_transport_serverProxyList) is a 400 REQUIRED_FIELD_MISSING.",
    )
    reject_unknown_trunk_properties: bool = Field(
        True,
        description="A BYOC carrier trunk base written with a property its metabase does not "
        "know is a 400; off: stored as written.",
    )
    max_page_size: int = Field(100, ge=1)
    did_number_match: Literal["substring", "exact"] = Field(
        "substring",
        description="How `numberMatch` of GET /edges/didpools/dids picks numbers: 'substring' "
        "(every number containing it, so a caller must filter exactly) or 'exact'.",
    )
    did_pools: list[DidPoolSeed] = Field(default_factory=list)
    ivrs: list[IvrSeed] = Field(default_factory=list)
    trunk_base_settings: list[TrunkBaseSeed] = Field(default_factory=list)
    trunks: list[TrunkSeed] = Field(default_factory=list)
    sites: list[SiteSeed] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> GenesysScenario:
        live = [b for b in self.trunk_base_settings if not b.deleted]
        bases = {b.name for b in live}
        if len(bases) != len(live):
            raise ValueError("trunk base setting names must be unique")
        for trunk in self.trunks:
            if trunk.trunk_base not in bases:
                raise ValueError(f"trunk refers to unknown trunk base {trunk.trunk_base!r}")
            if trunk.instance is not None and trunk.instance > self.trunk_instances_per_base:
                raise ValueError(
                    f"trunk of {trunk.trunk_base!r}: instance {trunk.instance} of "
                    f"{self.trunk_instances_per_base}"
                )
        sites = {s.name for s in self.sites}
        for base in self.trunk_base_settings:
            if base.inbound_site is not None and base.inbound_site not in sites:
                raise ValueError(f"trunk base {base.name!r}: unknown inbound site")
        for site in self.sites:
            for route in site.outbound_routes:
                for name in route.external_trunk_bases:
                    if name not in bases:
                        raise ValueError(
                            f"outbound route {route.name!r} refers to unknown trunk base {name!r}"
                        )
        live_ivrs = [i for i in self.ivrs if not i.deleted]
        if len({i.name.lower() for i in live_ivrs}) != len(live_ivrs):
            raise ValueError("IVR names must be unique")
        return self


def seed(state: GenesysState, scenario: GenesysScenario) -> None:
    """Fill a new, empty state with the scenario's objects, names resolved to their ids."""
    # Imported here, not at the top: state.py imports this module (the seed models and this
    # function), so a module-level import of state.py would be circular.
    from sandbox.emulators.genesys.state import (  # noqa: PLC0415
        SEED_TIME,
        DidPool,
        Ivr,
        OutboundRoute,
        Site,
        TrunkBase,
    )

    for p in scenario.did_pools:
        pool = DidPool(
            id=entity_id("didpool", _key(p.start_phone_number, p.deleted)),
            name=p.name or f"{p.start_phone_number} - {p.end_phone_number}",
            description=p.description,
            created=SEED_TIME,
            modified=SEED_TIME,
            start=p.start_phone_number,
            end=p.end_phone_number,
            provider=p.provider,
            comments=p.comments,
        )
        if p.deleted:
            _leave_deleted(state, pool)
            continue
        overlap = state._pool_ranges.overlapping(pool.start, pool.end)
        if overlap is not None:
            raise ValueError(
                f"seeded DID pool {pool.name!r} overlaps {state.pools[overlap].name!r}"
            )
        state._store_pool(pool)
    for i in scenario.ivrs:
        ivr = Ivr(
            id=entity_id("ivr", _key(i.name, i.deleted)),
            name=i.name,
            description=i.description,
            created=SEED_TIME,
            modified=SEED_TIME,
            open_hours_flow=_flow_by_name(state, i.open_hours_flow),
            closed_hours_flow=_flow_by_name(state, i.closed_hours_flow),
            holiday_hours_flow=_flow_by_name(state, i.holiday_hours_flow),
            schedule_group=_schedule_group_by_name(state, i.schedule_group),
        )
        if i.deleted:  # the record keeps its DNIS; they are assigned to nothing
            ivr.dnis = list(i.dnis)
            _leave_deleted(state, ivr)
            continue
        state.ivrs[ivr.id] = ivr
        state._set_dnis(ivr, i.dnis)  # seeds may hold drift (duplicates, out-of-pool numbers)
    for site_seed in scenario.sites:
        site = Site(
            id=entity_id("site", site_seed.name),
            name=site_seed.name,
            description=site_seed.description,
            created=SEED_TIME,
            modified=SEED_TIME,
            country=site_seed.country,
        )
        site.number_plans = _seed_plans(site.name, site_seed.number_plans)
        state.sites[site.id] = site
    if scenario.managed_site:
        _seed_managed_site(state)
    first_site = next((s.id for s in state.sites.values() if not s.managed), None)
    for b in scenario.trunk_base_settings:
        base = TrunkBase(
            id=entity_id("trunkbase", _key(b.name, b.deleted)),
            name=b.name,
            description=b.description,
            created=SEED_TIME,
            modified=SEED_TIME,
            trunk_type=b.trunk_type,
            trunk_metabase_id=b.trunk_metabase_id,
            managed=b.managed,
            properties=properties.wrap(b.properties),
            inbound_site_id=entity_id("site", b.inbound_site) if b.inbound_site else first_site,
        )
        state.trunk_bases[base.id] = base
        state.add_instances(base, SEED_TIME, seeded=True)
        if b.deleted:
            state.delete_trunk_base(base.id)
            base.modified = SEED_TIME
    for trunk_seed in scenario.trunks:
        base = state.trunk_bases[entity_id("trunkbase", trunk_seed.trunk_base)]
        if not trunk_seed.in_service:
            base.properties.update(properties.wrap({properties.TRUNK_ENABLED: False}))
        for trunk in state.instances_of(base.id):
            if trunk_seed.instance not in (None, trunk.instance):
                continue
            trunk.connected = trunk_seed.connected
            trunk.enabled = trunk_seed.enabled
            trunk.options_up = trunk_seed.options_status == "UP"
            if trunk_seed.registers_status is not None:
                trunk.registered = trunk_seed.registers_status == "UP"
            trunk.proxy_address = trunk_seed.proxy_address
            trunk.inbound_calls = trunk_seed.inbound_call_count
            trunk.outbound_calls = trunk_seed.outbound_call_count
    for site_seed in scenario.sites:
        site = state.sites[entity_id("site", site_seed.name)]
        for r in site_seed.outbound_routes:
            route = OutboundRoute(
                id=entity_id("outboundroute", f"{site_seed.name}/{r.name}"),
                name=r.name,
                description=r.description,
                created=SEED_TIME,
                modified=SEED_TIME,
                site_id=site.id,
                classification_types=list(r.classification_types),
                enabled=r.enabled,
                distribution=r.distribution,
                external_trunk_base_ids=[
                    entity_id("trunkbase", name) for name in r.external_trunk_bases
                ],
            )
            site.outbound_routes[route.id] = route


def _seed_plans(site_name: str, specs: list[NumberPlanSeed]) -> list[NumberPlan]:
    from sandbox.emulators.genesys.state import (  # noqa: PLC0415 (cycle, see seed)
        SEED_TIME,
        NumberPlan,
        by_priority,
        with_priority,
    )

    return by_priority(
        [
            NumberPlan(
                id=entity_id("numberplan", f"{site_name}/{spec.name}"),
                name=spec.name,
                description=None,
                created=SEED_TIME,
                modified=SEED_TIME,
                spec=with_priority(spec, position),
            )
            for position, spec in enumerate(specs, start=1)
        ]
    )


def _seed_managed_site(state: GenesysState) -> None:
    """The Genesys Cloud Voice site, trunk base and default route every org has."""
    from sandbox.emulators.genesys.state import (  # noqa: PLC0415 (cycle, see seed)
        SEED_TIME,
        OutboundRoute,
        Site,
        TrunkBase,
    )

    site = Site(
        id=entity_id("site", MANAGED_SITE_NAME),
        name=MANAGED_SITE_NAME,
        description=None,
        created=SEED_TIME,
        modified=SEED_TIME,
        managed=True,
    )
    site.number_plans = _seed_plans(site.name, default_number_plans())
    base = TrunkBase(
        id=entity_id("trunkbase", MANAGED_SITE_NAME),
        name=MANAGED_SITE_NAME,
        description=None,
        created=SEED_TIME,
        modified=SEED_TIME,
        trunk_metabase_id=MANAGED_METABASE_ID,
        managed=True,
        properties=properties.wrap({properties.TRUNK_ENABLED: True}),
        site_id=site.id,
        inbound_site_id=site.id,
    )
    route = OutboundRoute(
        id=entity_id("outboundroute", f"{MANAGED_SITE_NAME}/Default Outbound Route"),
        name="Default Outbound Route",
        description=None,
        created=SEED_TIME,
        modified=SEED_TIME,
        site_id=site.id,
        classification_types=["National", "International"],
        external_trunk_base_ids=[base.id],
    )
    site.outbound_routes[route.id] = route
    state.sites[site.id] = site
    state.trunk_bases[base.id] = base
    state.add_instances(base, SEED_TIME, seeded=True)


def _key(natural: str, deleted: bool) -> str:
    """Seeded ids come from natural keys; a deleted leftover may share one with a live object."""
    return f"{natural} (deleted)" if deleted else natural


def _leave_deleted(state: GenesysState, entity: Any) -> None:
    if state.scenario.soft_delete:  # else a deleted object is simply gone
        entity.state = "deleted"
        state.deleted[entity.id] = entity


def _flow_by_name(state: GenesysState, name: str | None) -> str | None:
    if name is None:
        return None
    flow_id = entity_id("flow", name)
    state.flows[flow_id] = name
    return flow_id


def _schedule_group_by_name(state: GenesysState, name: str | None) -> str | None:
    if name is None:
        return None
    group_id = entity_id("schedulegroup", name)
    state.schedule_groups[group_id] = name
    return group_id
