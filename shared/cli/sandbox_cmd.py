"""`byoc-sync sandbox …`: the embedded default — emulators on loopback, and a tour."""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Annotated

import typer

app = typer.Typer(
    help="Run the local Twilio and Genesys Cloud emulators (no accounts needed).",
    no_args_is_help=True,
)


@app.command("serve")
def serve(
    twilio_port: Annotated[int, typer.Option(help="Twilio emulator port; 0 = any free.")] = 0,
    genesys_port: Annotated[int, typer.Option(help="Genesys emulator port; 0 = any free.")] = 0,
    scenario: Annotated[
        str, typer.Option(help="Scenario YAML file, or a bundled scenario name.")
    ] = "default",
) -> None:
    """Serve both emulators in the foreground until Ctrl-C or SIGTERM.

    Once ready, prints ONE JSON line on stdout whose keys are the settings a client needs
    (TWILIO_API_BASE_URL, TWILIO_ACCOUNT_SID, …); export them to attach any tool.
    """
    from sandbox.runner import Sandbox
    from sandbox.scenario import load_scenario
    from shared.yaml_source import SourceError

    try:
        loaded = load_scenario(scenario)
    except (SourceError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    sandbox = Sandbox(loaded, twilio_port=twilio_port, genesys_port=genesys_port)
    try:
        sandbox.start()
    except OSError as error:
        typer.echo(f"error: cannot listen: {error}", err=True)
        raise typer.Exit(1) from error
    try:
        typer.echo(json.dumps(sandbox.client_settings()))
        sys.stdout.flush()
        typer.echo(
            f"sandbox ready — Twilio {sandbox.twilio.base_url}, Genesys {sandbox.genesys.base_url}"
            f" (admin API under /__admin/). Ctrl-C to stop.",
            err=True,
        )
        stop.wait()
    finally:
        sandbox.stop()
        typer.echo("sandbox stopped", err=True)


@app.command("tour")
def tour(
    area_code: Annotated[str, typer.Option(help="Area code to buy a number in.")] = "202",
) -> None:
    """Walk the sandbox through the official SDKs: list numbers, buy one, list DID pools.

    Reads the same settings as the product (export the JSON line of `sandbox serve`).
    Refuses to run without TWILIO_API_BASE_URL, because against real Twilio it would buy
    a number.
    """
    from sandbox.tour import run_tour
    from shared.settings import Settings

    settings = Settings()
    if not settings.twilio_api_base_url or not settings.genesyscloud_api_host:
        typer.echo(
            "error: TWILIO_API_BASE_URL and GENESYSCLOUD_API_HOST must point at a sandbox "
            "(run `byoc-sync sandbox serve` and export its JSON line); the tour buys a number.",
            err=True,
        )
        raise typer.Exit(1)
    run_tour(settings, area_code=area_code)
