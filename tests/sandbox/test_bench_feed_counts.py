"""The change feeds' and the health check's call counts, pinned at two estate sizes: a poll,
a change handled through its feed and a health check cost the same calls at 1,000 numbers
as at 10,000 (issue #21). Counts come from the emulators' request logs with the budget
lifted and no latency, so they do not depend on timing (see test_bench_counts.py).
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench.failover_latency import health_check_calls
from bench.feeds import FeedRun, feeds

pytestmark = pytest.mark.slow

ACCOUNT = "/2010-04-01/Accounts/{AccountSid}"
EDGES = "/api/v2/telephony/providers/edges"
IVR = "/api/v2/architect/ivrs/{ivrId}"

# One realtime audit query per entity type (IVR, DIDPool, DID), one page each.
AUDIT_POLL = {"POST /api/v2/audits/query/realtime": 3}
ALERT_POLL = {"GET /v1/Alerts": 1}
CHANGE_POLL = {"GET /v1/Events": 3}  # one per event type: created, updated, deleted
# A changed number's event names its SID: the poll fetches it for its E.164 value.
FETCH_BY_SID = {f"GET {ACCOUNT}/IncomingPhoneNumbers/{{Sid}}.json": 1}

# The worker's reconcile of one number in a fresh process: the number by its PhoneNumber
# filter, the cache filled (Twilio trunks and their origination URLs, the IVR list), the
# number's pool entry, then the IVR's read-modify-write.
SCOPED_TWILIO = {
    f"GET {ACCOUNT}/IncomingPhoneNumbers.json": 1,
    "GET /v1/Trunks": 1,
    "GET /v1/Trunks/{TrunkSid}/OriginationUrls": 2,
}
SCOPED_GENESYS = {f"GET {EDGES}/didpools/dids": 1, "GET /api/v2/architect/ivrs": 1}
IVR_WRITE = {f"GET {IVR}": 1, f"PUT {IVR}": 1}


@pytest.fixture(scope="module", params=[1000, 10000], ids=lambda n: f"{n}-numbers")
def runs(request: pytest.FixtureRequest) -> dict[str, FeedRun]:
    """Every feed, followed at an estate of N numbers (seeded once per size)."""
    return {run.feed: run for run in feeds(request.param, latency_ms=0, budget=0)}


def test_a_feed_poll_costs_the_same_calls_at_any_estate_size(runs: dict[str, FeedRun]) -> None:
    audits, alerts, changes = (
        runs[f] for f in ("Genesys audits", "Twilio alerts", "Twilio changes")
    )

    for run in (audits, alerts, changes):
        assert run.idle.throttled == run.changed.throttled == 0
    assert (audits.idle.genesys_calls, audits.idle.twilio_calls) == (Counter(AUDIT_POLL), {})
    assert (audits.changed.genesys_calls, audits.changed.twilio_calls) == (Counter(AUDIT_POLL), {})
    assert (alerts.idle.twilio_calls, alerts.idle.genesys_calls) == (Counter(ALERT_POLL), {})
    assert alerts.changed.twilio_calls == Counter(ALERT_POLL)
    assert (changes.idle.twilio_calls, changes.idle.genesys_calls) == (Counter(CHANGE_POLL), {})
    assert changes.changed.twilio_calls == Counter(CHANGE_POLL) + Counter(FETCH_BY_SID)


def test_a_console_purchase_is_routable_through_the_feed_at_a_constant_cost(
    runs: dict[str, FeedRun],
) -> None:
    changes = runs["Twilio changes"]

    assert changes.repaired is not None and changes.status is not None
    # Attached to its trunk, its DID pool created, added to its IVR: nothing else written.
    assert changes.repaired.twilio_calls == Counter(SCOPED_TWILIO) + Counter(
        {"POST /v1/Trunks/{TrunkSid}/PhoneNumbers": 1}
    )
    assert changes.repaired.genesys_calls == Counter(SCOPED_GENESYS) + Counter(
        {f"POST {EDGES}/didpools": 1, **IVR_WRITE}
    )
    assert changes.repaired.genesys_writes == 2
    assert changes.processing_calls == 4 + 10
    # The status read that found it in sync: the number, its pool entry and its pool.
    assert changes.status.calls == 3


def test_an_ivr_edited_by_hand_is_repaired_through_the_audit_feed_at_a_constant_cost(
    runs: dict[str, FeedRun],
) -> None:
    audits = runs["Genesys audits"]

    assert audits.repaired is not None and audits.status is not None
    assert audits.repaired.twilio_calls == Counter(SCOPED_TWILIO)
    assert audits.repaired.genesys_calls == Counter(SCOPED_GENESYS) + Counter(
        {f"GET {EDGES}/didpools/{{didPoolId}}": 1, **IVR_WRITE}
    )
    assert audits.repaired.genesys_writes == 1  # the number put back in its IVR
    assert audits.processing_calls == 3 + 9
    assert audits.status.calls == 3


# A scheduled health check queues one evaluation per trunk group (2); each reads the Twilio
# trunks with their origination URLs, the Genesys trunks and trunk bases, and the outbound
# routes of every site (2 groups' sites and the managed one): nothing per number.
GROUPS = 2
HEALTH_TWILIO = {"GET /v1/Trunks": GROUPS, "GET /v1/Trunks/{TrunkSid}/OriginationUrls": 2 * GROUPS}
HEALTH_GENESYS = {
    f"GET {EDGES}/trunks": GROUPS,
    f"GET {EDGES}/trunkbasesettings": GROUPS,
    f"GET {EDGES}/sites": GROUPS,
    f"GET {EDGES}/sites/{{siteId}}/outboundroutes": 3 * GROUPS,
}


@pytest.mark.parametrize("n", [1000, 10000])
def test_a_health_check_costs_the_same_calls_at_any_estate_size(n: int) -> None:
    meter = health_check_calls(n, latency_ms=0, budget=0)

    assert meter.twilio_calls == Counter(HEALTH_TWILIO)
    assert meter.genesys_calls == Counter(HEALTH_GENESYS)
    assert meter.genesys_writes == 0
