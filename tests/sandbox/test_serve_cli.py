"""`byoc-sync sandbox serve` as an operator runs it: its own process, one JSON line of
settings on stdout, the official SDKs attach with exactly those settings, SIGTERM or SIGHUP
stops it, and nothing it started outlives it, SIGKILL included."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import PureCloudPlatformClientV2 as genesys
import pytest

from shared.adapters.vendor_clients import genesys_api_client, twilio_client
from shared.settings import Settings
from tests.support.leftovers import command_line, descendants, running
from tests.support.wait import wait_until

BYOC_SYNC = str(Path(sys.executable).parent / "byoc-sync")
CLIENT_SETTINGS = {
    "TWILIO_API_BASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "GENESYSCLOUD_API_HOST",
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
}
HOST_ENDPOINTS = {
    "BYOC_FUNCTIONS_URL",
    "BYOC_FUNCTION_KEY",
    "BYOC_GENESYS_EVENT_API_KEYS",
    "ServiceBusConnection",
    "AzureWebJobsStorage",
    "BYOC_POLICY_PATH",
}


def _hangup_as_from_a_terminal() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    process = subprocess.Popen(
        [BYOC_SYNC, "sandbox", "serve", "--scenario", "default"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Started from a terminal, as an operator does: a test run launched under nohup
        # would hand its ignored SIGHUP down, and serve rightly keeps ignoring it then.
        preexec_fn=_hangup_as_from_a_terminal,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else "no output"
        yield process, json.loads(line)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_serve_prints_exactly_the_client_settings_and_the_sdks_attach(
    served: tuple[subprocess.Popen[str], dict[str, str]],
) -> None:
    _, printed = served
    assert set(printed) == CLIENT_SETTINGS | HOST_ENDPOINTS
    settings = Settings(**{key.lower(): value for key, value in printed.items()})  # type: ignore[arg-type]
    twilio = twilio_client(settings)
    numbers = twilio.api.v2010.accounts(settings.twilio_account_sid).incoming_phone_numbers.list()
    assert numbers, "the default scenario seeds Twilio numbers"
    edge = genesys.TelephonyProvidersEdgeApi(genesys_api_client(settings))
    assert edge.get_telephony_providers_edges_trunks().entities


def test_serve_runs_the_local_functions_host_behind_a_function_key(
    served: tuple[subprocess.Popen[str], dict[str, str]],
) -> None:
    import requests

    _, printed = served
    url = printed["BYOC_FUNCTIONS_URL"] + "/api/numbers/%2B12025550100"
    assert requests.get(url, timeout=30).status_code == 401
    answer = requests.get(
        url, headers={"x-functions-key": printed["BYOC_FUNCTION_KEY"]}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["number"]["status"] == "in sync"


def _children(process: subprocess.Popen[str]) -> list[int]:
    """What `serve` started (Azurite, its watchdog), found before it goes."""
    pids = [p.pid for p in descendants(process.pid) if p.running]
    assert any("azurite-table" in command_line(pid) for pid in pids), pids
    return pids


def _all_gone(pids: list[int], work_dir: Path) -> bool:
    return not any(running(pid) for pid in pids) and not work_dir.exists()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_the_sandbox_cleanly(
    served: tuple[subprocess.Popen[str], dict[str, str]], signum: int
) -> None:
    process, printed = served
    children = _children(process)
    process.send_signal(signum)
    assert process.wait(timeout=30) == 0
    assert process.stderr is not None
    assert "sandbox stopped" in process.stderr.read()
    work_dir = Path(printed["BYOC_POLICY_PATH"]).parent
    wait_until(lambda: _all_gone(children, work_dir), timeout=10, what="Azurite and its folder")


@pytest.mark.slow
def test_sigkill_leaves_no_child_and_no_temp_folder_behind(
    served: tuple[subprocess.Popen[str], dict[str, str]],
) -> None:
    """SIGKILL runs none of `serve`'s code: its watchdog ends Azurite and removes the
    sandbox's temp folder (Azurite's data and the derived policy)."""
    process, printed = served
    children = _children(process)
    work_dir = Path(printed["BYOC_POLICY_PATH"]).parent
    assert work_dir.name.startswith("byoc-sandbox-") and (work_dir / "azurite").is_dir()
    process.kill()
    process.wait(timeout=10)
    wait_until(lambda: _all_gone(children, work_dir), timeout=10, what="Azurite and its folder")


def test_a_bad_scenario_is_refused_with_its_line(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("twilio:\n  colour: blue\n")
    result = subprocess.run(
        [BYOC_SYNC, "sandbox", "serve", "--scenario", str(scenario)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "line 2" in result.stderr and "twilio.colour" in result.stderr
    assert result.stdout == ""


def test_an_unknown_scenario_name_lists_the_bundled_ones() -> None:
    result = subprocess.run(
        [BYOC_SYNC, "sandbox", "serve", "--scenario", "no-such-scenario"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "bundled: " in result.stderr and "default" in result.stderr
