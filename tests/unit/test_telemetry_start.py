"""Where a process's telemetry goes: Azure Monitor with the app's identity when Application
Insights is configured, the console when the sandbox asks for it, nowhere otherwise — decided
once. The Azure exporter is never configured here: `configure_azure_monitor` is replaced by a
recorder, and the console exporters run in a process of their own."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

import pytest
from azure.identity import DefaultAzureCredential

from functions._startup import AZURE_HTTP_LOGGER, invocation_setup
from shared import bootstrap
from shared.telemetry import console

CONNECTION = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/"


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has not decided yet."""
    monkeypatch.setattr(bootstrap, "_telemetry_exporter", None)


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import azure.monitor.opentelemetry as distro

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(distro, "configure_azure_monitor", lambda **kwargs: calls.append(kwargs))
    return calls


@pytest.mark.usefixtures("fresh")
def test_application_insights_is_exported_to_with_the_app_s_identity(
    monkeypatch: pytest.MonkeyPatch, configured: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("APPLICATIONINSIGHTS_CONNECTION_STRING", CONNECTION)
    monkeypatch.setenv("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("BYOC_TELEMETRY_CONSOLE", "true")  # Azure wins
    assert bootstrap.start_telemetry() == "azure-monitor"
    assert bootstrap.start_telemetry() == "azure-monitor"  # once per process
    (kwargs,) = configured
    assert kwargs["connection_string"] == CONNECTION
    assert isinstance(kwargs["credential"], DefaultAzureCredential)
    options = kwargs["instrumentation_options"]
    assert {name for name, o in options.items() if o == {"enabled": False}} == {
        "requests",
        "urllib",
        "urllib3",
        "httpx",
    }
    assert "azure_sdk" not in options  # Service Bus and Tables stay instrumented


@pytest.mark.usefixtures("fresh")
def test_the_sandbox_prints_to_the_console_when_asked(
    monkeypatch: pytest.MonkeyPatch, configured: list[dict[str, Any]]
) -> None:
    installed: list[bool] = []
    monkeypatch.setattr(console, "install_console", lambda: installed.append(True))
    monkeypatch.setenv("BYOC_TELEMETRY_CONSOLE", "true")
    assert bootstrap.start_telemetry() == "console"
    assert installed == [True] and configured == []


@pytest.mark.usefixtures("fresh")
def test_otherwise_nothing_is_exported(configured: list[dict[str, Any]]) -> None:
    assert bootstrap.start_telemetry() == "off"
    assert configured == []


CONSOLE_RUN = """
import sys
from opentelemetry import metrics, trace
from shared import telemetry
from shared.telemetry.console import install_console

install_console(out=sys.stdout, interval_s=3600)
with telemetry.timer_run("reconcile_timer"):
    with telemetry.span("inner", {"byoc.trunk_group": "TG"}):
        pass
trace.get_tracer_provider().shutdown()
metrics.get_meter_provider().shutdown()
"""


def test_the_console_prints_a_line_per_span_and_per_metric_point() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CONSOLE_RUN], capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    spans = [line for line in lines if line.startswith("span ")]
    assert len(spans) == 2
    inner, timer = spans
    assert "INTERNAL 'inner'" in inner and "byoc.trunk_group=TG" in inner
    assert "SERVER 'timer reconcile_timer'" in timer and "parent=-" in timer
    timer_span_id = timer.split("span=")[1].split()[0]
    assert f"parent={timer_span_id}" in inner
    assert "metric byoc.timer.runs{outcome=ok,timer=reconcile_timer} 1" in lines


def test_the_azure_sdks_per_request_log_lines_stay_out_of_the_app_s_logs() -> None:
    logger = logging.getLogger(AZURE_HTTP_LOGGER)
    logger.setLevel(logging.NOTSET)
    invocation_setup()
    assert not logger.isEnabledFor(logging.INFO) and logger.isEnabledFor(logging.WARNING)
