"""`byoc-sync sandbox …`: the emulators, broker and local Functions host on loopback; a tour."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from cli.typer_app import App
from sandbox.runner import DEFAULT_POLICY, HostOptions, Sandbox
from sandbox.scenario import load_scenario
from sandbox.shell_env import (
    SettingsLineError,
    export_lines,
    settings_from_file,
    settings_from_lines,
)
from shared import bootstrap
from shared.domain.yaml_source import SourceError

app = App(
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
    host: Annotated[
        bool,
        typer.Option(
            "--host/--no-host",
            help="Also run the Service Bus broker and the local Functions host (function_app.py).",
        ),
    ] = True,
    host_port: Annotated[int, typer.Option(help="Local Functions host port; 0 = any free.")] = 0,
    policy: Annotated[
        Path | None, typer.Option(help="Policy the functions use (default: examples/policy.yaml).")
    ] = None,
    reconcile_schedule: Annotated[
        str, typer.Option(help="NCRONTAB schedule of the reconcile timer.")
    ] = "0 */15 * * * *",
    health_check_schedule: Annotated[
        str, typer.Option(help="NCRONTAB schedule of the health-check timer.")
    ] = "0 */1 * * * *",
) -> None:
    """Serve the emulators (and the local Functions host) until Ctrl-C, SIGTERM or SIGHUP.

    Once ready, prints ONE JSON line on stdout whose keys are the settings a client needs
    (TWILIO_API_BASE_URL, TWILIO_ACCOUNT_SID, …; with the host also BYOC_FUNCTIONS_URL,
    BYOC_FUNCTION_KEY, BYOC_GENESYS_EVENT_API_KEYS, ServiceBusConnection, AzureWebJobsStorage
    (Azurite) and BYOC_POLICY_PATH (the policy with probes on the sandbox SBCs)); export them
    to attach any tool. Function logs go to stderr, as does the status page's address (with
    the function key as `?code=`, ready to open in a browser).
    """
    try:
        loaded = load_scenario(scenario)
    except (SourceError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        # SIGHUP (its terminal closed) stops it as cleanly as Ctrl-C, Azurite included,
        # unless it was started to ignore it (nohup). SIGKILL and crashes are left to the
        # watchdog (sandbox/watchdog.py), which ends Azurite and removes the temp folder.
        if signum != signal.SIGHUP or signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, lambda *_: stop.set())
    options = (
        HostOptions(
            policy_path=(policy or DEFAULT_POLICY).resolve(),
            port=host_port,
            reconcile_schedule=reconcile_schedule,
            health_check_schedule=health_check_schedule,
        )
        if host
        else None
    )
    if host:
        _log_functions_to_stderr()
    sandbox = Sandbox(loaded, twilio_port=twilio_port, genesys_port=genesys_port, host=options)
    try:
        sandbox.start()
    except OSError as error:
        typer.echo(f"error: cannot listen: {error}", err=True)
        raise typer.Exit(1) from error
    except Exception as error:  # an app the local host cannot index or configure
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    try:
        printed = sandbox.client_settings()
        if host:
            printed |= sandbox.host_endpoints()
        typer.echo(json.dumps(printed))
        sys.stdout.flush()
        where = f"Twilio {sandbox.twilio.base_url}, Genesys {sandbox.genesys.base_url}"
        if sandbox.functions is not None:
            where += f", functions {sandbox.functions.base_url}/api"
        typer.echo(
            f"sandbox ready — {where} (admin API under /__admin/). Ctrl-C to stop.", err=True
        )
        if sandbox.functions is not None:
            typer.echo(f"status page: {sandbox.status_page_url()}", err=True)
        stop.wait()
    finally:
        sandbox.stop()
        typer.echo("sandbox stopped", err=True)


def _log_functions_to_stderr() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in (
        "azure",
        "urllib3",
        "twilio",
        "PureCloudPlatformClientV2",
        "sandbox.emulators.core",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command("tour")
def tour(
    area_code: Annotated[str, typer.Option(help="Area code to buy a number in.")] = "202",
) -> None:
    """Walk the sandbox through the official SDKs: list numbers, buy one, list DID pools.

    Reads the same settings as the product (export the JSON line of `sandbox serve`).
    Refuses to run without TWILIO_API_BASE_URL, because against real Twilio it would buy
    a number.
    """
    # The tour drives both SDKs directly: loaded here, so other commands start at once.
    from sandbox.tour import run_tour  # noqa: PLC0415

    settings = bootstrap.app().settings
    if not settings.twilio_api_base_url or not settings.genesyscloud_api_host:
        typer.echo(
            "error: TWILIO_API_BASE_URL and GENESYSCLOUD_API_HOST must point at a sandbox "
            "(run `byoc-sync sandbox serve` and export its JSON line); the tour buys a number.",
            err=True,
        )
        raise typer.Exit(1)
    run_tour(settings, area_code=area_code)


@app.command("env")
def env(
    file: Annotated[
        Path | None,
        typer.Argument(help="File holding `sandbox serve`'s output; omitted or -: stdin."),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(help="Seconds to wait for a starting sandbox to write its settings to FILE."),
    ] = 0,
) -> None:
    """Print a running sandbox's settings as `export` lines, for `eval`.

    Start the sandbox with its output in a file, then attach a shell:
      byoc-sync sandbox serve > sandbox.json &
      eval "$(byoc-sync sandbox env sandbox.json --wait 60)"
    Values are shell-quoted, so connection strings (`;`, `=`) survive `eval` intact.
    """
    try:
        if file is not None and str(file) != "-":
            settings = settings_from_file(file, wait_s=wait)
        elif sys.stdin.isatty():
            typer.echo("error: give the file `sandbox serve` wrote, or pipe it in", err=True)
            raise typer.Exit(1)
        else:
            settings = settings_from_lines(sys.stdin)
        exports = export_lines(settings)
    except SettingsLineError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo("\n".join(exports))
