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
from collections.abc import Collection

from shared.domain.model import CarrierSide, Snapshot
from shared.ports import AdapterError, GenesysPort, SnapshotReadError, TwilioPort

log = logging.getLogger(__name__)


def read_snapshot(
    twilio: TwilioPort, genesys: GenesysPort, *, built_trunks: Collection[str] | None = None
) -> Snapshot:
    """Everything observed now, or `SnapshotReadError`; never a partial snapshot.

    `built_trunks` (the Twilio trunks of groups byoc-sync builds) adds the carrier side and
    the sites: the credential lists and IP ACLs with their entries, and which of them those
    trunks use — a handful of calls more, only when the policy builds a group."""
    try:
        numbers = tuple(twilio.list_numbers())
        trunks = tuple(twilio.list_trunks())
        carrier = sites = None
        if built_trunks is not None:
            sites = tuple(genesys.list_sites())
            carrier = CarrierSide(
                credential_lists=tuple(twilio.list_credential_lists()),
                ip_acls=tuple(twilio.list_ip_acls()),
                associations=tuple(
                    twilio.trunk_associations(trunk.sid)
                    for trunk in trunks
                    if trunk.friendly_name in built_trunks
                ),
            )
        snapshot = Snapshot(
            twilio_numbers=numbers,
            twilio_trunks=trunks,
            did_pools=tuple(genesys.list_did_pools()),
            ivrs=tuple(genesys.list_ivrs()),
            trunk_bases=tuple(genesys.list_trunk_bases()),
            trunks=tuple(genesys.list_trunks()),
            outbound_routes=tuple(genesys.list_outbound_routes()),
            sites=sites or (),
            carrier=carrier,
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
