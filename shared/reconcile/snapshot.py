"""Reading the whole observed state, completely or not at all.

A snapshot is what `plan()` compares the policy with; anything missing from it would look
like "gone" and could turn into deletions. So every collection is read in full at the
vendors' maximum page size, and any failure — a vendor error after retries, a list whose
pages do not add up — raises `SnapshotReadError` with the reason instead of returning
what was read so far. Cost: ceil(N/page) list calls per collection, plus one origination
URL list per Twilio trunk and one outbound route list per Genesys site; never a call per
number.
"""

from __future__ import annotations

import logging

from shared.domain.model import Snapshot
from shared.ports import AdapterError, GenesysPort, SnapshotReadError, TwilioPort

log = logging.getLogger(__name__)


def read_snapshot(twilio: TwilioPort, genesys: GenesysPort) -> Snapshot:
    """Everything observed now, or `SnapshotReadError`; never a partial snapshot."""
    try:
        snapshot = Snapshot(
            twilio_numbers=tuple(twilio.list_numbers()),
            twilio_trunks=tuple(twilio.list_trunks()),
            did_pools=tuple(genesys.list_did_pools()),
            ivrs=tuple(genesys.list_ivrs()),
            trunk_bases=tuple(genesys.list_trunk_bases()),
            trunks=tuple(genesys.list_trunks()),
            outbound_routes=tuple(genesys.list_outbound_routes()),
        )
    except AdapterError as exc:
        raise SnapshotReadError(f"snapshot read aborted: {exc.reason}") from exc
    log.info(
        "snapshot read: %d Twilio numbers, %d trunks, %d DID pools, %d IVRs, %d outbound routes",
        len(snapshot.twilio_numbers),
        len(snapshot.twilio_trunks),
        len(snapshot.did_pools),
        len(snapshot.ivrs),
        len(snapshot.outbound_routes),
    )
    return snapshot
