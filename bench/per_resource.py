"""The comparison strategy: one GET per resource, as a per-resource IaC tool refreshes.

Terraform-style providers model every DID pool, every trunk attachment, every IVR as a
resource of its own. Before a plan they refresh state by reading each resource by id
(`terraform plan` runs 10 at a time by default), and after creating a resource they read
it back. This module does exactly that, through the same official SDKs, against the same
emulators and under the same Genesys request budget as byoc-sync, so one harness measures
both and the ratio means something.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

import PureCloudPlatformClientV2 as genesys

from shared.adapters import genesys_models as convert
from shared.adapters.budget import RequestBudget
from shared.adapters.vendor_clients import genesys_api_client, twilio_client
from shared.domain.model import Snapshot
from shared.reconcile.changes import AddDnis, AttachNumberToTrunk, CreateDidPool, Plan
from shared.settings import Settings

PARALLELISM = 10  # terraform's default -parallelism
DNIS_PER_REQUEST = 50  # CX as Code's maxDnisPerRequest


@dataclass(frozen=True)
class ResourceIds:
    """What a per-resource tool keeps in its state file: one id per managed resource."""

    numbers: tuple[str, ...]
    attachments: tuple[tuple[str, str], ...]  # (trunk sid, number sid)
    trunks: tuple[str, ...]
    origination_urls: tuple[tuple[str, str], ...]  # (trunk sid, origination URL sid)
    did_pools: tuple[str, ...]
    ivrs: tuple[str, ...]
    trunk_bases: tuple[str, ...]
    genesys_trunks: tuple[str, ...]
    outbound_routes: tuple[tuple[str, str], ...]  # (site id, route id)

    @classmethod
    def of(cls, snapshot: Snapshot) -> ResourceIds:
        return cls(
            numbers=tuple(n.sid for n in snapshot.twilio_numbers),
            attachments=tuple((n.trunk_sid, n.sid) for n in snapshot.twilio_numbers if n.trunk_sid),
            trunks=tuple(t.sid for t in snapshot.twilio_trunks),
            origination_urls=tuple(
                (t.sid, u.sid) for t in snapshot.twilio_trunks for u in t.origination_urls
            ),
            did_pools=tuple(p.id for p in snapshot.did_pools),
            ivrs=tuple(i.id for i in snapshot.ivrs),
            trunk_bases=tuple(b.id for b in snapshot.trunk_bases),
            genesys_trunks=tuple(t.id for t in snapshot.trunks),
            outbound_routes=tuple((r.site_id, r.id) for r in snapshot.outbound_routes),
        )


class PerResourceTool:
    """Refresh and create the way a per-resource IaC provider does (no batching, no lists)."""

    def __init__(self, settings: Settings, budget: RequestBudget) -> None:
        assert settings.twilio_account_sid is not None
        self._twilio = twilio_client(settings)
        self._account = self._twilio.api.v2010.accounts(settings.twilio_account_sid)
        api_client = genesys_api_client(settings)
        self._edge = genesys.TelephonyProvidersEdgeApi(api_client)
        self._architect = genesys.ArchitectApi(api_client)
        self._budget = budget  # Genesys calls wait for it, as byoc-sync's do

    def _genesys(self, call: Callable[[], Any]) -> Callable[[], Any]:
        def budgeted() -> Any:
            self._budget.acquire()
            return call()

        return budgeted

    @staticmethod
    def _run(calls: list[Callable[[], Any]]) -> list[Any]:
        with ThreadPoolExecutor(PARALLELISM) as workers:
            return list(workers.map(lambda call: call(), calls))

    # ------------------------------------------------------------------ refresh
    def refresh_calls(self, ids: ResourceIds) -> list[Callable[[], Any]]:
        trunking = self._twilio.trunking.v1
        edge, architect, g = self._edge, self._architect, self._genesys
        return [
            *(self._account.incoming_phone_numbers(sid).fetch for sid in ids.numbers),
            *(trunking.trunks(t).phone_numbers(n).fetch for t, n in ids.attachments),
            *(trunking.trunks(sid).fetch for sid in ids.trunks),
            *(trunking.trunks(t).origination_urls(u).fetch for t, u in ids.origination_urls),
            *(g(partial(edge.get_telephony_providers_edges_didpool, i)) for i in ids.did_pools),
            *(g(partial(architect.get_architect_ivr, i)) for i in ids.ivrs),
            *(
                g(partial(edge.get_telephony_providers_edges_trunkbasesetting, i))
                for i in ids.trunk_bases
            ),
            *(g(partial(edge.get_telephony_providers_edges_trunk, i)) for i in ids.genesys_trunks),
            *(
                g(partial(edge.get_telephony_providers_edges_site_outboundroute, s, r))
                for s, r in ids.outbound_routes
            ),
        ]

    def refresh(self, ids: ResourceIds) -> int:
        """Read every resource by id; the number of resources read."""
        return len(self._run(self.refresh_calls(ids)))

    # ------------------------------------------------------------------ apply
    def apply(self, plan: Plan, ids: ResourceIds) -> None:
        """Refresh, then create each resource and read it back, IVRs last (they depend on
        the pools); each IVR is one resource holding its whole DNIS list."""
        self.refresh(ids)
        creates: list[Callable[[], Any]] = []
        for change in plan.changes:
            if isinstance(change, AttachNumberToTrunk):
                creates.append(self._attach_and_read(change))
            elif isinstance(change, CreateDidPool):
                creates.append(self._genesys_create_and_read(change))
        self._run(creates)
        adds = [c for c in plan.changes if isinstance(c, AddDnis)]
        self._run([self._ivr_put_and_read(c) for c in adds])

    def _attach_and_read(self, change: AttachNumberToTrunk) -> Callable[[], Any]:
        numbers = self._twilio.trunking.v1.trunks(change.trunk_sid).phone_numbers

        def attach() -> Any:
            created = numbers.create(phone_number_sid=change.number_sid)
            return numbers(created.sid).fetch()

        return attach

    def _genesys_create_and_read(self, change: CreateDidPool) -> Callable[[], Any]:
        edge, g = self._edge, self._genesys
        body = convert.new_did_pool_body(change.phone_number, change.provider)

        def create() -> Any:
            created = g(lambda: edge.post_telephony_providers_edges_didpools(body))()
            return g(lambda: edge.get_telephony_providers_edges_didpool(created.id))()

        return create

    def _ivr_put_and_read(self, change: AddDnis) -> Callable[[], Any]:
        """CX as Code adds an IVR's DNIS 50 at a time, each chunk a GET and a PUT, then
        reads the IVR back."""
        architect, g = self._architect, self._genesys
        numbers = list(change.numbers)
        chunks = [
            numbers[i : i + DNIS_PER_REQUEST] for i in range(0, len(numbers), DNIS_PER_REQUEST)
        ]

        def update() -> Any:
            for chunk in chunks:
                entity = g(lambda: architect.get_architect_ivr(change.ivr_id))()
                entity.dnis = [*(entity.dnis or ()), *chunk]
                g(partial(architect.put_architect_ivr, change.ivr_id, entity))()
            return g(lambda: architect.get_architect_ivr(change.ivr_id))()

        return update
