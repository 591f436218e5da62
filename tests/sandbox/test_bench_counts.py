"""The benchmarks' call counts for N = 2,000, pinned: a regression in how many calls a
reconcile, a provisioning run or a purchase makes fails here, not only in a printed table.

Counts are exact because they come from the emulators' request logs and do not depend on
timing (the budget is lifted: it changes when calls are sent, never how many). Only the
purchase's critical path depends on calls overlapping in time, so it runs with a latency
long enough that side-by-side calls always overlap.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest

from bench.estate import IVRS
from bench.number_event import number_event
from bench.provisioning import PER_RESOURCE as PROVISION_PER_RESOURCE
from bench.provisioning import provisioning
from bench.purchase import PER_RESOURCE as PURCHASE_PER_RESOURCE
from bench.purchase import TARGET_ROUND_TRIPS, purchase
from bench.steady_state import PER_RESOURCE, read_target, steady_state
from shared.adapters.genesys import DEFAULT_DNIS_PER_WRITE

pytestmark = pytest.mark.slow

N = 2000
ACCOUNT = "/2010-04-01/Accounts/{AccountSid}"
EDGES = "/api/v2/telephony/providers/edges"

SNAPSHOT_TWILIO = {
    f"GET {ACCOUNT}/IncomingPhoneNumbers.json": math.ceil(N / 1000),
    "GET /v1/Trunks": 1,
    "GET /v1/Trunks/{TrunkSid}/OriginationUrls": 2,  # one per trunk
}
# A per-resource refresh beyond numbers and IVRs: 2 Twilio trunks, 4 origination URLs, 5
# trunk bases (4 BYOC + the managed one), 10 trunk instances (2 per base), 3 site routes.
REFRESH_CONSTANT = 2 + 4 + 5 + 10 + 3
SNAPSHOT_GENESYS_CONSTANT = {
    "GET /api/v2/architect/ivrs": 1,  # 20 IVRs: one page
    f"GET {EDGES}/trunkbasesettings": 1,
    f"GET {EDGES}/trunks": 1,
    f"GET {EDGES}/sites": 1,
    f"GET {EDGES}/sites/{{siteId}}/outboundroutes": 3,  # one per site, the managed one too
}


def test_a_steady_state_reconcile_of_2000_numbers_reads_a_page_per_collection() -> None:
    ours, theirs = steady_state(N, latency_ms=0, budget=0)

    assert ours.meter.twilio_calls == Counter(SNAPSHOT_TWILIO)
    assert ours.meter.genesys_calls == Counter(
        {f"GET {EDGES}/didpools": math.ceil(N / 100), **SNAPSHOT_GENESYS_CONSTANT}
    )
    constant = sum(SNAPSHOT_GENESYS_CONSTANT.values()) + sum(SNAPSHOT_TWILIO.values()) - 2
    assert ours.meter.calls == read_target(N) + constant == 32
    assert ours.meter.genesys_writes == 0

    # One GET per resource: every number, its trunk attachment and its DID pool, plus
    # the IVRs, trunks, origination URLs, trunk bases and routes one by one.
    assert theirs.strategy == PER_RESOURCE
    assert theirs.meter.calls == 3 * N + IVRS + REFRESH_CONSTANT
    assert theirs.meter.twilio_calls[f"GET {ACCOUNT}/IncomingPhoneNumbers/{{Sid}}.json"] == N
    assert theirs.meter.genesys_calls[f"GET {EDGES}/didpools/{{didPoolId}}"] == N


def test_first_time_provisioning_of_2000_numbers_writes_a_pool_each_and_an_ivr_batch() -> None:
    ours, theirs = provisioning(N, latency_ms=0, budget=0)

    per_ivr = math.ceil(N / IVRS)
    # 100 numbers per IVR, at most 50 added per write (the emulator refuses more): 2 each.
    ivr_writes = IVRS * math.ceil(per_ivr / DEFAULT_DNIS_PER_WRITE)
    assert ivr_writes == 40
    assert ours.failed == 0
    assert ours.meter.genesys_calls == Counter(
        {
            f"POST {EDGES}/didpools": N,
            "GET /api/v2/architect/ivrs/{ivrId}": ivr_writes,  # read-modify-write
            "PUT /api/v2/architect/ivrs/{ivrId}": ivr_writes,
            f"GET {EDGES}/didpools": 1,  # the snapshot: none yet
            **SNAPSHOT_GENESYS_CONSTANT,
        }
    )
    assert ours.meter.genesys_writes == N + ivr_writes == ours.least_writes == 2040
    # The bound N + 2·ceil(N/batch) = 2,080 counts a GET and a PUT per batch of 50.
    assert ours.writes_target == 2080
    # One attach per number, no read before it: the snapshot saw the number off the trunk.
    assert ours.meter.twilio_calls == Counter(
        {"POST /v1/Trunks/{TrunkSid}/PhoneNumbers": N, **SNAPSHOT_TWILIO}
    )
    assert ours.meter.throttled == 0

    # Creating each resource and reading it back doubles the Genesys calls for the same writes.
    assert theirs.strategy == PROVISION_PER_RESOURCE
    assert theirs.meter.genesys_writes == ours.meter.genesys_writes
    # Per IVR two chunks of 50 (a GET and a PUT each) and a read-back: 5 calls.
    assert theirs.meter.genesys_total == 2 * N + 5 * IVRS + IVRS + 5 + 10 + 3


LATENCY_MS = 250  # side-by-side calls overlap by far more than thread start-up takes


def test_a_purchase_is_routable_three_round_trips_after_twilio_sold_it() -> None:
    [ours] = purchase(latency_ms=LATENCY_MS, budget=0, estate=N, per_resource=False)

    assert ours.routable
    # Trunk attachment and DID pool side by side, then the IVR's read-modify-write.
    assert ours.after == TARGET_ROUND_TRIPS
    assert ours.calls_after == 4


def test_a_per_resource_purchase_refreshes_the_whole_estate_before_it_is_routable() -> None:
    estate = 20
    [theirs] = [
        r
        for r in purchase(latency_ms=LATENCY_MS, budget=0, estate=estate)
        if r.strategy == PURCHASE_PER_RESOURCE
    ]

    assert theirs.routable
    refresh = 3 * estate + IVRS + REFRESH_CONSTANT
    assert theirs.calls_after == refresh + 2 * 2 + 3
    assert theirs.after > TARGET_ROUND_TRIPS


PER_NUMBER_TWILIO = {f"GET {ACCOUNT}/IncomingPhoneNumbers.json": 1}
PER_NUMBER_GENESYS = {f"GET {EDGES}/didpools/dids": 1, f"GET {EDGES}/didpools/{{didPoolId}}": 1}
# The first event a process sees also fills the cache: the Twilio trunks (2) and their
# origination URLs, and the IVR configurations (20: one page).
CACHE_FILL_TWILIO = {"GET /v1/Trunks": 1, "GET /v1/Trunks/{TrunkSid}/OriginationUrls": 2}
CACHE_FILL_GENESYS = {"GET /api/v2/architect/ivrs": 1}


@pytest.mark.parametrize("n", [1000, 10000])
def test_a_number_event_and_a_status_request_cost_the_same_at_any_estate_size(n: int) -> None:
    cold, warm, status, full = number_event(n, latency_ms=0, budget=0)

    assert warm.meter.twilio_calls == Counter(PER_NUMBER_TWILIO)
    assert warm.meter.genesys_calls == Counter(PER_NUMBER_GENESYS)
    assert status.meter.twilio_calls == warm.meter.twilio_calls
    assert status.meter.genesys_calls == warm.meter.genesys_calls
    assert cold.meter.twilio_calls == Counter(PER_NUMBER_TWILIO) + Counter(CACHE_FILL_TWILIO)
    assert cold.meter.genesys_calls == Counter(PER_NUMBER_GENESYS) + Counter(CACHE_FILL_GENESYS)
    assert warm.meter.genesys_writes == 0
    # What the same event cost before: a page per collection, growing with the estate.
    assert full.meter.calls == read_target(n) + 10  # + trunks, URLs, IVRs, bases, sites
