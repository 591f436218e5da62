"""Writes are idempotent read-modify-writes: a second identical command sends nothing, a
version conflict is re-read and re-applied without losing the other writer's entries, and
ownership is checked again right before a delete."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as genesys_sdk
import pytest
import requests

from sandbox.emulators.core import FaultConfig
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.genesys.inputs import DidPoolBody
from sandbox.emulators.twilio import TwilioEmulator
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.twilio import TwilioAdapter
from shared.adapters.vendor_clients import genesys_api_client, genesys_token_refresher
from shared.domain.model import Ivr
from shared.ports import OwnershipError, RetriesExhausted, TerminalVendorError
from shared.settings import Settings
from tests.integration.conftest import MAX_ATTEMPTS, genesys_adapter

ARCHITECT = "/api/v2/architect/ivrs"
EDGES = "/api/v2/telephony/providers/edges"
IVR_PUT = f"PUT {ARCHITECT}/{{ivrId}}"
POOL_POST = f"POST {EDGES}/didpools"
TRUNK_NUMBERS_POST = "POST /v1/Trunks/{TrunkSid}/PhoneNumbers"


def ivr_named(adapter: GenesysAdapter, name: str) -> Ivr:
    return next(i for i in adapter.list_ivrs() if i.name == name)


# ---------------------------------------------------------------- IVR DNIS
def test_update_ivr_dnis_adds_and_removes_in_one_put(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    main = ivr_named(genesys, "Main IVR")
    updated = genesys.update_ivr_dnis(main.id, add=["+12025550102"], remove=["2025550100"])
    assert updated.dnis == ("+12025550101", "+12025550102")
    assert updated.version == main.version + 1
    assert genesys_emu.log.count(endpoint=IVR_PUT) == 1


def test_dnis_go_in_writes_of_50_and_a_failed_write_keeps_what_earlier_ones_added(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    """70 numbers: the first write adds 50, the second is refused (its numbers are in no DID
    pool). Nothing the first added, and nothing the IVR held before, is lost."""
    with genesys_emu.lock:
        genesys_emu.state.create_pool(
            DidPoolBody(start_phone_number="+14155550100", end_phone_number="+14155550149")
        )
        genesys_emu.state.propagate_pools()
    main = ivr_named(genesys, "Main IVR")
    covered = [f"+141555501{n:02d}" for n in range(50)]
    uncovered = [f"+141555502{n:02d}" for n in range(20)]
    with pytest.raises(TerminalVendorError) as refused:
        genesys.update_ivr_dnis(main.id, add=covered + uncovered)
    assert refused.value.status == 400
    after = ivr_named(genesys, "Main IVR")
    assert after.dnis == (*main.dnis, *covered)
    assert genesys_emu.log.count(endpoint=IVR_PUT) == 2


def test_update_ivr_dnis_with_nothing_to_change_sends_no_put(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    main = ivr_named(genesys, "Main IVR")
    # Present in another spelling, and absent: both are no-ops.
    same = genesys.update_ivr_dnis(main.id, add=["(202) 555-0100"], remove=["+12025550109"])
    assert same.dnis == main.dnis
    assert genesys_emu.log.writes() == []


def test_a_concurrent_writers_dnis_survive_the_conflict(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another client adds a DNIS between our GET and our PUT: our PUT gets 409, we re-read
    and re-apply our delta, and both additions end up on the IVR."""
    main = ivr_named(genesys, "Main IVR")
    other = genesys_adapter(genesys_emu, RetryPolicy())
    architect: Any = genesys._architect
    real_get = architect.get_architect_ivr
    interfered: list[bool] = []

    def get_then_someone_else_writes(ivr_id: str) -> Any:
        entity = real_get(ivr_id)
        if not interfered:
            interfered.append(True)
            other.update_ivr_dnis(ivr_id, add=["+12025550103"])
        return entity

    monkeypatch.setattr(architect, "get_architect_ivr", get_then_someone_else_writes)
    updated = genesys.update_ivr_dnis(main.id, add=["+12025550102"])
    assert updated.dnis == ("+12025550100", "+12025550101", "+12025550103", "+12025550102")
    puts = [(e.status, e.fault) for e in genesys_emu.log.entries() if e.method == "PUT"]
    assert puts == [(200, None), (409, None), (200, None)]  # theirs, our stale one, ours


def test_injected_conflicts_still_converge(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    main = ivr_named(genesys, "Main IVR")
    genesys_emu.faults.configure(FaultConfig(conflict_rate=0.5, seed=3))
    for number in ("+12025550102", "+12025550103", "+12025550104", "+12025550105"):
        genesys.update_ivr_dnis(main.id, add=[number])
    genesys_emu.faults.configure(FaultConfig())
    assert ivr_named(genesys, "Main IVR").dnis == tuple(f"+1202555010{i}" for i in range(6))
    conflicts = [e for e in genesys_emu.log.entries() if e.fault == "conflict"]
    assert conflicts, "the seed should have produced at least one injected 409"


def test_endless_conflicts_give_up_after_max_attempts(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    main = ivr_named(genesys, "Main IVR")
    genesys_emu.faults.configure(FaultConfig(conflict_rate=1.0))
    with pytest.raises(RetriesExhausted) as gave_up:
        genesys.update_ivr_dnis(main.id, add=["+12025550102"])
    assert "409" in gave_up.value.reason
    assert genesys_emu.log.count(endpoint=IVR_PUT) == MAX_ATTEMPTS


@pytest.mark.parametrize("conflict_status", [409, 400])
def test_a_stale_read_right_after_a_write_is_waited_out(
    default_scenario: tuple[Any, GenesysScenario], conflict_status: int
) -> None:
    """Right after a write a Genesys replica may still answer the old version, so the next
    read-modify-write meets a conflict (409, or a 400 "does not match the current version")
    and an immediate re-read would fetch the same stale copy. The adapter pauses before
    re-reading; here the pause moves the emulated clock past the lag."""
    scenario = default_scenario[1].model_copy(
        update={"replica_lag_s": 2.0, "version_conflict_status": conflict_status}
    )
    emulated_now = [0.0]

    def pause(seconds: float) -> None:
        emulated_now[0] += seconds

    with GenesysEmulator(scenario) as emu:
        emu.state.clock = lambda: emulated_now[0]
        retry = RetryPolicy(max_attempts=MAX_ATTEMPTS, base_wait_s=1.0, sleep=pause)
        adapter = genesys_adapter(emu, retry)
        main = ivr_named(adapter, "Main IVR")
        adapter.update_ivr_dnis(main.id, remove=["+12025550100"])
        updated = adapter.update_ivr_dnis(main.id, remove=["+12025550101"])
        assert updated.dnis == ()
        refused = [e for e in emu.log.entries() if e.endpoint == IVR_PUT and e.status != 200]
        assert {e.status for e in refused} == {conflict_status}
        assert emulated_now[0] >= 2.0  # it waited the lag out rather than spend its attempts


# ---------------------------------------------------------------- outbound routes
def test_outbound_route_trunks_are_reordered_once(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    (route,) = [r for r in genesys.list_outbound_routes() if not r.site_managed]
    swapped = list(reversed(route.external_trunk_base_ids))
    updated = genesys.update_outbound_route_trunks(route, swapped)
    assert list(updated.external_trunk_base_ids) == swapped
    assert genesys.update_outbound_route_trunks(updated, swapped) == updated
    assert len(genesys_emu.log.writes()) == 1


def test_outbound_route_reorder_survives_a_conflict(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    (route,) = [r for r in genesys.list_outbound_routes() if not r.site_managed]
    swapped = list(reversed(route.external_trunk_base_ids))
    genesys_emu.faults.configure(FaultConfig(conflict_rate=0.5, methods=["PUT"], seed=1))
    updated = genesys.update_outbound_route_trunks(route, swapped)
    assert list(updated.external_trunk_base_ids) == swapped
    assert any(e.fault == "conflict" for e in genesys_emu.log.entries())


# ---------------------------------------------------------------- DID pools
def test_a_soft_deleted_pool_is_gone_for_the_adapter(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    """Genesys keeps answering a deleted pool (state: deleted) from GET and lists; the
    adapter treats it as gone, so it neither covers a number nor gets deleted twice."""
    pool = genesys.create_did_pool("+13125550101", "PURE_CLOUD")
    assert genesys.delete_did_pool(pool.id) is True
    raw = requests.get(f"{genesys_emu.base_url}/__admin/state", timeout=5).json()
    assert {p["id"]: p["state"] for p in raw["didPools"]}.get(pool.id) is None  # live only
    assert genesys_emu.state.deleted[pool.id].state == "deleted"
    assert genesys.get_did_pool(pool.id) is None
    assert pool.id not in {p.id for p in genesys.list_did_pools()}
    assert genesys.delete_did_pool(pool.id) is False
    again = genesys.create_did_pool("+13125550101", "PURE_CLOUD")
    assert again.id != pool.id and again.owned


def test_create_did_pool_twice_makes_one_pool_with_one_post(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    first = genesys.create_did_pool("+13125550101", "PURE_CLOUD")
    again = genesys.create_did_pool("+13125550101", "PURE_CLOUD")
    assert first.owned and (first.start, first.end) == ("+13125550101", "+13125550101")
    assert again.id == first.id
    assert genesys_emu.log.count(endpoint=POOL_POST) == 1
    assert sum(p.contains("+13125550101") for p in genesys.list_did_pools()) == 1


@pytest.mark.parametrize("overlap_status", [400, 409])
def test_a_fresh_adapter_finds_the_pool_an_earlier_run_created(
    default_scenario: tuple[Any, GenesysScenario], overlap_status: int
) -> None:
    """No memory of it (a new run, or a create whose answer was lost): the refused POST
    (400 or 409: Genesys does not document which) leads to a look-up, and the owned pool
    is returned instead of an error."""
    scenario = default_scenario[1].model_copy(update={"pool_overlap_status": overlap_status})
    with GenesysEmulator(scenario) as genesys_emu:
        first = genesys_adapter(genesys_emu, RetryPolicy()).create_did_pool(
            "+13125550101", "PURE_CLOUD"
        )
        fresh = genesys_adapter(genesys_emu, RetryPolicy())
        assert fresh.create_did_pool("+13125550101", "PURE_CLOUD").id == first.id
        assert sum(p.contains("+13125550101") for p in fresh.list_did_pools()) == 1
        assert genesys_emu.log.count(endpoint=POOL_POST) == 2


def test_a_number_in_someone_elses_pool_is_used_as_it_is_never_taken_over(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    """Routable either way: the hand-made pool is returned, nothing is created or changed."""
    hand_made = genesys.create_did_pool("+12025550105", "PURE_CLOUD")
    assert (hand_made.start, hand_made.end, hand_made.owned) == (
        "+12025550100",
        "+12025550109",
        False,
    )
    genesys.list_did_pools()  # now known: answered with one GET, no POST tried
    genesys_emu.log.clear()
    assert genesys.create_did_pool("+12025550105", "PURE_CLOUD").id == hand_made.id
    assert genesys_emu.log.writes() == []


def test_deleting_an_unowned_pool_is_refused_and_nothing_is_deleted(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    hand_made = next(p for p in genesys.list_did_pools() if p.start == "+13125550100")
    with pytest.raises(OwnershipError, match="ownership marker"):
        genesys.delete_did_pool(hand_made.id)
    assert genesys_emu.log.writes() == []
    assert hand_made.id in {p.id for p in genesys.list_did_pools()}


def test_ownership_is_checked_again_when_deleting(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    """Planned while owned, then someone took the pool over (removed the marker)."""
    pool = genesys.create_did_pool("+13125550101", "PURE_CLOUD")
    edge: Any = genesys._edge
    body = edge.get_telephony_providers_edges_didpool(pool.id)
    body.comments = "taken over by the telephony team"
    edge.put_telephony_providers_edges_didpool(pool.id, body)
    with pytest.raises(OwnershipError):
        genesys.delete_did_pool(pool.id)
    assert [e.method for e in genesys_emu.log.writes()] == ["POST", "PUT"]


def test_an_owned_pool_is_deleted_once(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    pool = genesys.create_did_pool("+13125550101", "PURE_CLOUD")
    assert genesys.delete_did_pool(pool.id) is True
    assert genesys.delete_did_pool(pool.id) is False
    assert [e.method for e in genesys_emu.log.writes()] == ["POST", "DELETE"]


# ---------------------------------------------------------------- Twilio
def test_attaching_a_number_is_one_post_and_repeating_it_leaves_one_association(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator
) -> None:
    (trunk,) = twilio.list_trunks()
    loose = next(n for n in twilio.list_numbers() if n.trunk_sid is None)
    twilio_emu.log.clear()
    attached = twilio.attach_number(loose.sid, trunk.sid)
    assert (attached.sid, attached.phone_number, attached.trunk_sid) == (
        loose.sid,
        loose.phone_number,
        trunk.sid,
    )
    assert [e.endpoint for e in twilio_emu.log.entries()] == [TRUNK_NUMBERS_POST]
    assert twilio.attach_number(loose.sid, trunk.sid).trunk_sid == trunk.sid
    assert twilio.fetch_number(loose.sid).trunk_sid == trunk.sid
    on_trunk = [n for n in twilio.list_numbers() if n.sid == loose.sid]
    assert [n.trunk_sid for n in on_trunk] == [trunk.sid]


def test_an_attach_twilio_refuses_counts_as_done_when_the_number_is_already_there(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator
) -> None:
    (trunk,) = twilio.list_trunks()
    on_trunk = next(n for n in twilio.list_numbers() if n.trunk_sid == trunk.sid)
    loose = next(n for n in twilio.list_numbers() if n.trunk_sid is None)
    refuse_attach = FaultConfig(
        server_error_rate=1.0,
        server_error_statuses=[409],
        path_pattern=r"/v1/Trunks/[^/]+/PhoneNumbers$",
        methods=["POST"],
    )
    twilio_emu.faults.configure(refuse_attach)

    assert twilio.attach_number(on_trunk.sid, trunk.sid).trunk_sid == trunk.sid
    with pytest.raises(TerminalVendorError) as refused:
        twilio.attach_number(loose.sid, trunk.sid)
    assert refused.value.status == 409
    assert twilio.fetch_number(loose.sid).trunk_sid is None


def test_detach_number_is_idempotent(twilio: TwilioAdapter, twilio_emu: TwilioEmulator) -> None:
    (trunk,) = twilio.list_trunks()
    on_trunk = next(n for n in twilio.list_numbers() if n.trunk_sid == trunk.sid)
    assert twilio.detach_number(on_trunk.sid, trunk.sid).trunk_sid is None
    assert twilio.detach_number(on_trunk.sid, trunk.sid).trunk_sid is None
    assert len(twilio_emu.log.writes()) == 1


def test_search_purchase_and_release(twilio: TwilioAdapter, twilio_emu: TwilioEmulator) -> None:
    found = twilio.search_available(area_code="202", limit=3)
    assert len(found) == 3 and all(n.phone_number.startswith("+1202") for n in found)
    toll_free = twilio.search_available(kind="toll-free", contains="888")
    assert [n.phone_number for n in toll_free] == ["+18885550123"]
    bought = twilio.purchase(found[0].phone_number, "Main line route:main")
    assert (bought.phone_number, bought.friendly_name) == (
        found[0].phone_number,
        "Main line route:main",
    )
    assert bought.sid in {n.sid for n in twilio.list_numbers()}
    assert twilio.release(bought.sid) is True
    assert twilio.release(bought.sid) is False


def test_a_purchase_retried_after_a_reset_buys_once(
    twilio: TwilioAdapter, twilio_emu: TwilioEmulator, sleeps: Any
) -> None:
    (number,) = twilio.search_available(area_code="312", limit=1)
    twilio_emu.faults.configure(FaultConfig(reset_rate=1.0, methods=["POST"]))
    sleeps.then(1, lambda: twilio_emu.faults.configure(FaultConfig()))
    bought = twilio.purchase(number.phone_number)
    assert bought.phone_number == number.phone_number
    assert [n.phone_number for n in twilio.list_numbers()].count(number.phone_number) == 1


def test_update_origination_url_sets_priority_and_weight(twilio: TwilioAdapter) -> None:
    (trunk,) = twilio.list_trunks()
    failover = trunk.origination_urls[1]
    updated = twilio.update_origination_url(trunk.sid, failover.sid, priority=1, weight=20)
    assert (updated.priority, updated.weight, updated.enabled) == (1, 20, True)
    (after,) = twilio.list_trunks()
    assert after.origination_urls[1].priority == 1


def test_genesys_sdk_model_is_what_the_adapter_sends() -> None:
    """The pool body carries the ownership marker the delete check relies on."""
    from shared.adapters.genesys_models import new_did_pool_body
    from shared.domain.ownership import OWNERSHIP_MARKER

    body = new_did_pool_body("+13125550101", "PURE_CLOUD")
    assert isinstance(body, genesys_sdk.DIDPool)
    assert body.comments == OWNERSHIP_MARKER


def test_an_expired_genesys_token_is_renewed_once_and_the_call_goes_through(
    genesys_emu: GenesysEmulator,
) -> None:
    client = genesys_emu.scenario.oauth_clients[0]
    settings = Settings(
        genesyscloud_oauthclient_id=client.client_id,
        genesyscloud_oauthclient_secret=client.client_secret,
        genesyscloud_api_host=genesys_emu.base_url,
    )
    api_client = genesys_api_client(settings)
    adapter = GenesysAdapter(
        api_client, RetryPolicy(), reauthenticate=genesys_token_refresher(settings, api_client)
    )
    requests.post(f"{genesys_emu.base_url}/__admin/tokens/expire", timeout=5)
    genesys_emu.log.clear()
    assert [i.name for i in adapter.list_ivrs()] == ["Main IVR", "Support IVR"]
    statuses = [(e.endpoint, e.status) for e in genesys_emu.log.entries()]
    assert statuses == [
        ("GET /api/v2/architect/ivrs", 401),
        ("POST /oauth/token", 200),
        ("GET /api/v2/architect/ivrs", 200),
    ]


def test_without_a_way_to_renew_an_expired_token_is_a_terminal_error(
    genesys: GenesysAdapter, genesys_emu: GenesysEmulator
) -> None:
    requests.post(f"{genesys_emu.base_url}/__admin/tokens/expire", timeout=5)
    with pytest.raises(TerminalVendorError, match="HTTP 401"):
        genesys.list_ivrs()
