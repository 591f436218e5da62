"""The snapshot reads exactly what the vendors hold, at the cost of ceil(N/page) list calls
per collection, and writes nothing."""

from __future__ import annotations

import math
from collections import Counter

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.genesys.scenario import MANAGED_SITE_NAME as MANAGED
from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.twilio import TwilioAdapter
from shared.bootstrap import build_adapters
from shared.domain.model import OriginationUrl
from shared.reconcile.snapshot import read_snapshot
from shared.settings import Settings
from tests.integration.conftest import genesys_adapter, twilio_adapter


def test_snapshot_of_the_default_scenario_is_what_the_scenario_holds(
    twilio: TwilioAdapter,
    genesys: GenesysAdapter,
    default_scenario: tuple[TwilioScenario, GenesysScenario],
) -> None:
    seed_twilio, seed_genesys = default_scenario
    snapshot = read_snapshot(twilio, genesys)

    trunk_sids = {t.friendly_name: t.sid for t in snapshot.twilio_trunks}
    assert {(n.phone_number, n.friendly_name, n.trunk_sid) for n in snapshot.twilio_numbers} == {
        (n.phone_number, n.friendly_name or "", trunk_sids.get(n.trunk) if n.trunk else None)
        for n in seed_twilio.incoming_numbers
    }
    assert all(n.sid.startswith("PN") for n in snapshot.twilio_numbers)
    (trunk,) = snapshot.twilio_trunks
    assert trunk.friendly_name == "BYOC-Primary-Failover"
    assert [
        (u.sip_url, u.priority, u.weight, u.enabled, u.friendly_name)
        for u in trunk.origination_urls
    ] == [
        (u.sip_url, u.priority, u.weight, u.enabled, u.friendly_name or "")
        for u in seed_twilio.trunks[0].origination_urls
    ]
    assert all(isinstance(u, OriginationUrl) for u in trunk.origination_urls)

    # The scenario's soft-deleted leftovers are listed by Genesys and left out of the snapshot.
    assert {(p.start, p.end, p.description, p.provider) for p in snapshot.did_pools} == {
        (p.start_phone_number, p.end_phone_number, p.description, p.provider)
        for p in seed_genesys.did_pools
        if not p.deleted
    }
    assert any(p.deleted for p in seed_genesys.did_pools)
    assert not any(p.owned for p in snapshot.did_pools)
    assert {i.name: i.dnis for i in snapshot.ivrs} == {
        i.name: tuple(i.dnis) for i in seed_genesys.ivrs if not i.deleted
    }
    assert any(i.deleted for i in seed_genesys.ivrs)
    bases = {b.id: b.name for b in snapshot.trunk_bases}
    # Every org also holds Genesys Cloud Voice's managed base, site and route.
    assert set(bases.values()) == {"BYOC-Primary-Twilio", "BYOC-Failover-Twilio", MANAGED}
    assert {b.name for b in snapshot.trunk_bases if b.managed} == {MANAGED}
    primary = next(b for b in snapshot.trunk_bases if b.name == "BYOC-Primary-Twilio")
    assert primary.sip_servers == ("byoc-example.pstn.twilio.com",)
    assert (primary.inbound_identifier, primary.transport, primary.enabled) == (
        "byoc-primary.example",
        "tls",
        True,
    )
    instances = Counter(bases[t.trunk_base_id or ""] for t in snapshot.trunks)
    assert instances == {"BYOC-Primary-Twilio": 2, "BYOC-Failover-Twilio": 2, MANAGED: 2}
    assert all(t.connected and t.in_service for t in snapshot.trunks)
    assert all(t.name != bases[t.trunk_base_id or ""] for t in snapshot.trunks)
    (route,) = [r for r in snapshot.outbound_routes if not r.site_managed]
    assert {r.site_name for r in snapshot.outbound_routes if r.site_managed} == {MANAGED}
    assert (route.site_name, route.name, route.distribution) == (
        "HQ",
        "TG-BYOC-Primary-Failover",
        "SEQUENTIAL",
    )
    assert [bases[b] for b in route.external_trunk_base_ids] == [
        "BYOC-Primary-Twilio",
        "BYOC-Failover-Twilio",
    ]


def fictional_numbers(count: int) -> list[str]:
    """Distinct valid US numbers in area code 202 (as bench/sdk_paging.py seeds them)."""
    return [f"+1202{200 + i // 10_000:03d}{i % 10_000:04d}" for i in range(count)]


N = 2000
IVRS = 20


def test_a_full_read_of_thousands_costs_ceil_n_over_page_list_calls_and_no_writes(
    retry: RetryPolicy,
) -> None:
    phones = fictional_numbers(N)
    per_ivr = N // IVRS
    twilio_seed = TwilioScenario.model_validate(
        {
            "trunks": [
                {
                    "friendly_name": "BYOC",
                    "origination_urls": [{"sip_url": "sip:primary.example.com"}],
                }
            ],
            "incoming_numbers": [{"phone_number": p, "trunk": "BYOC"} for p in phones],
        }
    )
    genesys_seed = GenesysScenario.model_validate(
        {
            "requests_per_minute": 0,
            "did_pools": [{"start_phone_number": p, "end_phone_number": p} for p in phones],
            "ivrs": [
                {"name": f"IVR {i:02d}", "dnis": phones[i * per_ivr : (i + 1) * per_ivr]}
                for i in range(IVRS)
            ],
            "trunk_base_settings": [{"name": "BYOC-Primary-Twilio"}],
            "trunks": [{"trunk_base": "BYOC-Primary-Twilio"}],
            "sites": [
                {
                    "name": "HQ",
                    "outbound_routes": [
                        {"name": "TG", "external_trunk_bases": ["BYOC-Primary-Twilio"]}
                    ],
                }
            ],
        }
    )
    with TwilioEmulator(twilio_seed) as t_emu, GenesysEmulator(genesys_seed) as g_emu:
        twilio = twilio_adapter(t_emu, retry)
        genesys = genesys_adapter(g_emu, retry)
        g_emu.log.clear()

        snapshot = read_snapshot(twilio, genesys)

        assert len(snapshot.twilio_numbers) == N
        assert len(snapshot.did_pools) == N
        assert sum(len(i.dnis) for i in snapshot.ivrs) == N
        t_calls = t_emu.log.count_by_endpoint()
        g_calls = g_emu.log.count_by_endpoint()
        account = "/2010-04-01/Accounts/{AccountSid}"
        assert t_calls == {
            f"GET {account}/IncomingPhoneNumbers.json": math.ceil(N / 1000),
            "GET /v1/Trunks": 1,
            "GET /v1/Trunks/{TrunkSid}/OriginationUrls": 1,
        }, t_calls
        edges = "GET /api/v2/telephony/providers/edges"
        assert g_calls == {
            f"{edges}/didpools": math.ceil(N / 100),
            "GET /api/v2/architect/ivrs": 1,
            f"{edges}/trunkbasesettings": 1,
            f"{edges}/trunks": 1,
            f"{edges}/sites": 1,
            f"{edges}/sites/{{siteId}}/outboundroutes": 2,  # HQ and the managed site
        }, g_calls
        assert t_emu.log.writes() == [] and g_emu.log.writes() == []


def test_build_adapters_wires_both_vendors_from_settings(
    twilio_emu: TwilioEmulator, genesys_emu: GenesysEmulator
) -> None:
    client = genesys_emu.scenario.oauth_clients[0]
    settings = Settings(
        twilio_account_sid=twilio_emu.account_sid,
        twilio_auth_token=twilio_emu.auth_token,
        twilio_api_base_url=twilio_emu.base_url,
        genesyscloud_oauthclient_id=client.client_id,
        genesyscloud_oauthclient_secret=client.client_secret,
        genesyscloud_api_host=genesys_emu.base_url,
        byoc_genesys_requests_per_minute=250,
    )
    twilio, genesys = build_adapters(settings)
    snapshot = read_snapshot(twilio, genesys)
    assert len(snapshot.twilio_numbers) == 4 and len(snapshot.ivrs) == 2
