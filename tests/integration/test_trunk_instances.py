"""Trunk instances against trunk bases: a policy member is a base, Genesys reports and
notifies about instances (several per base, named differently)."""

from __future__ import annotations

from sandbox.emulators.genesys import GenesysEmulator
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.domain.trunks import base_name, instances_of
from tests.integration.conftest import genesys_adapter

PRIMARY = "BYOC-Primary-Twilio"
TRUNK_GET = "GET /api/v2/telephony/providers/edges/trunks/{trunkId}"


def test_members_find_every_instance_of_their_base_by_id_not_name(
    genesys: GenesysAdapter,
) -> None:
    bases, trunks = genesys.list_trunk_bases(), genesys.list_trunks()
    found = instances_of(PRIMARY, bases, trunks)
    assert len(found) == 2 and all(t.name != PRIMARY for t in found)
    assert {base_name(t.trunk_base_id, bases) for t in found} == {PRIMARY}


def test_an_instance_id_resolves_to_its_base_from_the_listing_else_one_get(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    trunks = genesys.list_trunks()
    instance = next(t for t in trunks if t.trunk_base_id)
    assert genesys.trunk_base_id_of(instance.id) == instance.trunk_base_id
    assert genesys_emu.log.count(endpoint=TRUNK_GET) == 0  # known from the listing

    fresh = genesys_adapter_like(genesys_emu)
    assert fresh.trunk_base_id_of(instance.id) == instance.trunk_base_id
    assert fresh.trunk_base_id_of(instance.id) == instance.trunk_base_id
    assert genesys_emu.log.count(endpoint=TRUNK_GET) == 1  # then remembered
    assert fresh.trunk_base_id_of("no-such-trunk") is None


def genesys_adapter_like(emu: GenesysEmulator) -> GenesysAdapter:
    return genesys_adapter(emu, RetryPolicy(max_attempts=2, sleep=lambda _: None))
