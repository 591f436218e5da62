"""`ScopedReader.read` through the official SDKs returns, for the numbers asked about, exactly
what `scoped_view` takes from a full read: the shape the property test plans with
(tests/unit/test_scoped_reads.py). Also what it costs, and what its cache keeps."""

from __future__ import annotations

import pytest

from sandbox.emulators.genesys import GenesysEmulator
from sandbox.emulators.twilio import TwilioEmulator
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.twilio import TwilioAdapter
from shared.domain.model import Snapshot
from shared.reconcile.scoped import ScopedReader, scoped_view
from shared.reconcile.snapshot import read_snapshot

# The default scenario: numbers on their trunk and IVR, one bought by hand and in no pool
# (a deleted pool and IVR once held it), one in a range pool, one on no account at all.
NUMBERS = ["+12025550100", "+12025550101", "+13125550100", "+13125550101", "+12025550107"]


def comparable(snapshot: Snapshot) -> Snapshot:
    """IVR entries in a stable order (a scoped read lists the fresh assignment first)."""
    return snapshot.model_copy(
        update={
            "ivrs": tuple(
                i.model_copy(update={"dnis": tuple(sorted(i.dnis))}) for i in snapshot.ivrs
            )
        }
    )


@pytest.mark.parametrize("number", NUMBERS)
def test_a_scoped_read_is_the_full_read_cut_to_the_number(
    twilio: TwilioAdapter, genesys: GenesysAdapter, number: str
) -> None:
    full = read_snapshot(twilio, genesys)
    scoped = ScopedReader(twilio, genesys).read([number])
    assert comparable(scoped) == comparable(scoped_view(full, [number]))


def test_a_number_costs_the_same_calls_whatever_else_the_estate_holds(
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    twilio_emu: TwilioEmulator,
    genesys_emu: GenesysEmulator,
) -> None:
    reader = ScopedReader(twilio, genesys)
    reader.read(["+12025550100"])  # fills the cache
    twilio_emu.log.clear()
    genesys_emu.log.clear()
    reader.read(["+12025550100"])
    assert [e.endpoint for e in twilio_emu.log.entries()] == [
        "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
    ]
    assert [e.endpoint for e in genesys_emu.log.entries()] == [
        "GET /api/v2/telephony/providers/edges/didpools/dids",
        "GET /api/v2/telephony/providers/edges/didpools/{didPoolId}",
    ]


def test_the_few_collections_are_read_again_once_the_cache_is_old(
    twilio: TwilioAdapter, genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    now = [0.0]
    reader = ScopedReader(twilio, genesys, max_age_s=30, clock=lambda: now[0])
    reader.read(["+12025550100"])
    genesys_emu.log.clear()
    now[0] = 31.0
    reader.read(["+12025550100"])
    endpoints = [e.endpoint for e in genesys_emu.log.entries()]
    assert endpoints.count("GET /api/v2/architect/ivrs") == 1
