"""How many calls and how long it takes to read N numbers through the official SDKs.

Reads every Twilio IncomingPhoneNumber and every Genesys DID from the sandbox emulators at
the SDK's default page size and at the vendor's maximum, with optional emulated latency
per call. Call counts come from the emulators' request logs, so they are exact; wall time
is what this machine measured. This is the baseline the reconciler's snapshot (which must
read at the maximum page size) is judged against.

    python -m bench.sdk_paging --numbers 1000 5000 --latency-ms 20
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import PureCloudPlatformClientV2 as genesys
from rich.console import Console
from rich.table import Table

from bench.estate import IVRS, fictional_numbers
from sandbox.emulators.core import Emulator, FaultConfig
from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from shared.adapters.vendor_clients import genesys_api_client, twilio_client
from shared.settings import Settings

TWILIO_MAX_PAGE = 1000
GENESYS_MAX_PAGE = 100


@dataclass(frozen=True)
class Measurement:
    collection: str
    numbers: int
    page_size: int
    read: int
    calls: int
    wall_s: float


def measure(
    emulator: Emulator, collection: str, n: int, size: int, read: Callable[[], int]
) -> Measurement:
    emulator.log.clear()
    started = time.perf_counter()
    count = read()
    wall = time.perf_counter() - started
    calls = sum(1 for e in emulator.log.entries() if e.method == "GET")
    return Measurement(collection, n, size, count, calls, wall)


def bench_twilio(n: int, latency_ms: float) -> list[Measurement]:
    scenario = TwilioScenario.model_validate(
        {"incoming_numbers": [{"phone_number": p} for p in fictional_numbers(n)]}
    )
    with TwilioEmulator(scenario) as emulator:
        settings = Settings(
            twilio_account_sid=emulator.account_sid,
            twilio_auth_token=emulator.auth_token,
            twilio_api_base_url=emulator.base_url,
        )
        numbers = (
            twilio_client(settings).api.v2010.accounts(emulator.account_sid).incoming_phone_numbers
        )
        emulator.faults.configure(FaultConfig(latency_ms=latency_ms))
        return [
            measure(
                emulator,
                "Twilio numbers",
                n,
                size,
                lambda size=size: sum(1 for _ in numbers.stream(page_size=size)),  # type: ignore[misc]
            )
            for size in (50, TWILIO_MAX_PAGE)
        ]


def bench_genesys(n: int, latency_ms: float) -> list[Measurement]:
    phones = fictional_numbers(n)
    per_ivr = math.ceil(n / IVRS)
    scenario = GenesysScenario.model_validate(
        {
            "requests_per_minute": 0,  # the budget is issue 9's subject; here: raw paging
            "did_pools": [{"start_phone_number": p, "end_phone_number": p} for p in phones],
            "ivrs": [
                {"name": f"IVR {i:02d}", "dnis": phones[i * per_ivr : (i + 1) * per_ivr]}
                for i in range(IVRS)
            ],
        }
    )
    with GenesysEmulator(scenario) as emulator:
        client = scenario.oauth_clients[0]
        settings = Settings(
            genesyscloud_oauthclient_id=client.client_id,
            genesyscloud_oauthclient_secret=client.client_secret,
            genesyscloud_api_host=emulator.base_url,
        )
        edge = genesys.TelephonyProvidersEdgeApi(genesys_api_client(settings))
        emulator.faults.configure(FaultConfig(latency_ms=latency_ms))

        def read_dids(size: int) -> int:
            total, page = 0, 1
            while True:
                listing = edge.get_telephony_providers_edges_dids(page_size=size, page_number=page)
                total += len(listing.entities or [])
                if page >= (listing.page_count or 0):
                    return total
                page += 1

        return [
            measure(emulator, "Genesys DIDs", n, size, lambda size=size: read_dids(size))  # type: ignore[misc]
            for size in (25, GENESYS_MAX_PAGE)
        ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--numbers", type=int, nargs="+", default=[1000, 5000], metavar="N")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="emulated latency per call")
    args = parser.parse_args(argv)
    console = Console()
    table = Table(
        "collection",
        "N",
        "page size",
        "read",
        "GET calls",
        "ceil(N/page)",
        "wall s",
        title=f"Full read through the SDKs (emulated latency {args.latency_ms:g} ms/call)",
    )
    for n in args.numbers:
        console.print(f"[dim]seeding and reading {n} numbers…[/dim]")
        for m in [*bench_twilio(n, args.latency_ms), *bench_genesys(n, args.latency_ms)]:
            table.add_row(
                m.collection,
                str(m.numbers),
                str(m.page_size),
                str(m.read),
                str(m.calls),
                str(math.ceil(m.numbers / m.page_size)),
                f"{m.wall_s:.2f}",
            )
    console.print(table)


if __name__ == "__main__":
    main()
