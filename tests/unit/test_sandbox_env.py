"""`byoc-sync sandbox env`: the settings line of `sandbox serve` as `eval`-able exports."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from sandbox.shell_env import SettingsLineError, export_lines, settings_from_lines
from tests.conftest import REPO_ROOT

# What a connection string looks like: `;` would end an unquoted assignment, `=` inside a
# value is where naive KEY=VALUE splitting breaks, and a quote must survive quoting.
SETTINGS = {
    "TWILIO_API_BASE_URL": "http://127.0.0.1:40123",
    "ServiceBusConnection": (
        "Endpoint=sb://127.0.0.1:5672/;SharedAccessKeyName=Root;"
        "SharedAccessKey=abc/def+g==;UseDevelopmentEmulator=true"
    ),
    "BYOC_POLICY_PATH": "/tmp/it's here/policy.yaml",
    "BYOC_FUNCTION_KEY": "$(touch ran) `touch ran`",  # must stay text, never run
}
LINE = json.dumps(SETTINGS)

runner = CliRunner()


def test_each_setting_becomes_one_quoted_export_line() -> None:
    lines = export_lines(settings_from_lines([LINE + "\n"]))
    assert lines[0] == "export TWILIO_API_BASE_URL=http://127.0.0.1:40123"
    assert lines[1] == f"export ServiceBusConnection='{SETTINGS['ServiceBusConnection']}'"
    assert lines[2] == "export BYOC_POLICY_PATH='/tmp/it'\"'\"'s here/policy.yaml'"
    assert len(lines) == len(SETTINGS)


def test_log_lines_before_the_settings_line_are_skipped() -> None:
    lines = ["12:00:00 INFO host: starting\n", "{not json\n", LINE + "\n", '{"LATER": "x"}\n']
    assert settings_from_lines(lines) == SETTINGS


def test_no_settings_line_is_an_error() -> None:
    with pytest.raises(SettingsLineError, match="no settings line"):
        settings_from_lines(["sandbox stopped\n", "[1, 2]\n"])


def test_a_name_the_shell_would_run_is_refused() -> None:
    with pytest.raises(SettingsLineError, match="not a shell variable name"):
        export_lines({"X; rm -rf ~": "1"})


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash to eval the output")
def test_eval_in_a_shell_restores_every_value_exactly(tmp_path: Path) -> None:
    """The recipe itself: the real command's output, eval'd by bash, gives back each value."""
    saved = tmp_path / "sandbox.json"
    saved.write_text(LINE + "\n")
    command = REPO_ROOT / ".venv" / "bin" / "byoc-sync"
    script = (
        f'eval "$({command} sandbox env {saved})" && '
        'printf \'%s\\n\' "$TWILIO_API_BASE_URL" "$ServiceBusConnection" '
        '"$BYOC_POLICY_PATH" "$BYOC_FUNCTION_KEY"'
    )
    shown = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert shown.stdout.splitlines() == list(SETTINGS.values())
    assert not (tmp_path / "ran").exists()


def test_cli_reads_the_settings_line_from_stdin() -> None:
    result = runner.invoke(app, ["sandbox", "env"], input=f"log line\n{LINE}\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == export_lines(SETTINGS)


def test_cli_reports_a_file_without_settings(tmp_path: Path) -> None:
    empty = tmp_path / "sandbox.json"
    empty.write_text("")
    result = runner.invoke(app, ["sandbox", "env", str(empty)])
    assert result.exit_code == 1
    assert f"error: {empty}: no settings line" in result.output


def test_cli_reports_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sandbox", "env", str(tmp_path / "nope.json")])
    assert result.exit_code == 1
    assert "No such file or directory" in result.output


def test_cli_waits_for_a_starting_sandbox_to_write_its_line(tmp_path: Path) -> None:
    """Whether the line lands before or after the command first looks, it is found."""
    saved = tmp_path / "sandbox.json"
    saved.write_text("")  # what `serve > sandbox.json &` leaves until it is ready
    writer = threading.Thread(target=lambda: saved.write_text(LINE + "\n"))
    writer.start()
    try:
        result = runner.invoke(app, ["sandbox", "env", str(saved), "--wait", "30"])
    finally:
        writer.join()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == export_lines(SETTINGS)
