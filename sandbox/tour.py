"""A scripted walk through the sandbox with the official SDKs, for `make demo`.

It shows what byoc-sync will automate, done by hand through the same SDK calls: what
Twilio holds, buying a DID and attaching it to the Elastic SIP trunk, and what Genesys
holds (DID pools, call routes, trunks and the trunk group's outbound route).
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import PureCloudPlatformClientV2 as genesys
from rich.console import Console
from rich.table import Table

from shared.adapters.vendor_clients import genesys_api_client, twilio_client
from shared.settings import Settings

DEMO_TAG = "route:main bought by the sandbox tour"


def _request_counts(base_url: str) -> dict[str, int]:
    """Calls the emulator served, by endpoint (sandbox admin API, not a vendor API)."""
    with urllib.request.urlopen(f"{base_url}/__admin/requests", timeout=10) as response:
        payload: dict[str, Any] = json.load(response)
    return dict(payload["by_endpoint"])


def run_tour(settings: Settings, *, area_code: str = "202", console: Console | None = None) -> None:
    out = console or Console()
    twilio = twilio_client(settings)
    account = twilio.api.v2010.accounts(settings.twilio_account_sid)

    out.rule("[bold]Twilio[/bold] — numbers on the account (IncomingPhoneNumbers, paged)")
    trunks = {t.sid: t.friendly_name for t in twilio.trunking.v1.trunks.list()}
    numbers = Table("number", "friendly name", "Elastic SIP trunk")
    for number in account.incoming_phone_numbers.list(page_size=50):
        numbers.add_row(
            number.phone_number, number.friendly_name, trunks.get(number.trunk_sid or "", "—")
        )
    out.print(numbers)

    out.rule("[bold]Twilio[/bold] — Elastic SIP trunks and origination URLs")
    origination = Table("trunk", "origination URL", "priority", "weight", "enabled")
    for sid, name in trunks.items():
        for url in twilio.trunking.v1.trunks(sid).origination_urls.list():
            origination.add_row(
                name, url.sip_url, str(url.priority), str(url.weight), str(url.enabled)
            )
    out.print(origination)

    out.rule(f"[bold]Twilio[/bold] — buy a number in area code {area_code} and attach it")
    available = account.available_phone_numbers("US").local.list(area_code=area_code, limit=3)
    bought_number: str | None = None
    if not available:
        out.print(f"[yellow]no numbers available in area code {area_code}[/yellow]")
    else:
        out.print("available: " + ", ".join(a.phone_number for a in available))
        bought = account.incoming_phone_numbers.create(
            phone_number=available[0].phone_number, friendly_name=DEMO_TAG
        )
        bought_number = bought.phone_number
        out.print(f"bought [green]{bought.phone_number}[/green] ({bought.sid})")
        if trunks:
            trunk_sid, trunk_name = next(iter(trunks.items()))
            twilio.trunking.v1.trunks(trunk_sid).phone_numbers.create(phone_number_sid=bought.sid)
            attached = account.incoming_phone_numbers(bought.sid).fetch()
            out.print(
                f"attached to trunk [green]{trunk_name}[/green] — "
                f"IncomingPhoneNumber.trunk_sid is now {attached.trunk_sid}"
            )

    api_client = genesys_api_client(settings)
    edge = genesys.TelephonyProvidersEdgeApi(api_client)
    architect = genesys.ArchitectApi(api_client)

    out.rule("[bold]Genesys Cloud[/bold] — DID pools")
    pools = Table("name", "start", "end", "provider", "comments")
    for pool in edge.get_telephony_providers_edges_didpools(page_size=100).entities or []:
        pools.add_row(
            pool.name or "",
            pool.start_phone_number,
            pool.end_phone_number,
            pool.provider or "",
            pool.comments or "",
        )
    out.print(pools)

    out.rule("[bold]Genesys Cloud[/bold] — call routes (IVR configurations) and their DNIS")
    ivrs = Table("IVR configuration", "version", "DNIS")
    for ivr in architect.get_architect_ivrs(page_size=100).entities or []:
        ivrs.add_row(ivr.name, str(ivr.version), ", ".join(ivr.dnis or []) or "—")
    out.print(ivrs)

    out.rule("[bold]Genesys Cloud[/bold] — BYOC trunks and the trunk group's outbound route")
    trunk_table = Table("trunk", "connected", "in service", "enabled")
    for trunk in edge.get_telephony_providers_edges_trunks(page_size=100).entities or []:
        connected = trunk.connected_status.connected if trunk.connected_status else None
        trunk_table.add_row(trunk.name, str(connected), str(trunk.in_service), str(trunk.enabled))
    out.print(trunk_table)
    routes = Table("site", "outbound route", "distribution", "external trunks, in order")
    for site in edge.get_telephony_providers_edges_sites(page_size=100).entities or []:
        listing = edge.get_telephony_providers_edges_site_outboundroutes(site.id, page_size=100)
        for route in listing.entities or []:
            order = " → ".join(ref.name or ref.id for ref in route.external_trunk_bases or [])
            routes.add_row(site.name, route.name, route.distribution or "", order)
    out.print(routes)

    out.rule("Calls the emulators served (from their request logs)")
    calls = Table("emulator", "calls")
    calls.add_column("endpoint", overflow="fold")
    for label, base in (
        ("Twilio", settings.twilio_api_base_url),
        ("Genesys", settings.genesyscloud_api_host),
    ):
        assert base is not None
        for endpoint, count in sorted(_request_counts(base).items()):
            calls.add_row(label, str(count), endpoint)
    out.print(calls)
    if bought_number:
        out.print(
            f"\n[bold]{bought_number}[/bold] is on the Twilio trunk but in no Genesys DID pool "
            "and on no call route: that gap is what byoc-sync closes."
        )
