"""`make demo` end to end: the sandbox in its own process, the tour attached to it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow
BYOC_SYNC = str(Path(sys.executable).parent / "byoc-sync")
GROUP, PRIMARY, BACKUP = "TG-Direct", "BYOC-Direct-Primary", "BYOC-Direct-Failover"


def run_demo(home: Path, summary: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox.demo", "--summary", str(summary)],
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard: a run takes about 1 min, 2 on a loaded machine
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(home)},
    )


def test_demo_shows_the_event_driven_product_end_to_end_and_runs_twice(tmp_path: Path) -> None:
    for run in range(2):  # `make demo` twice in a row
        summary_path = tmp_path / f"summary-{run}.json"
        result = run_demo(tmp_path, summary_path)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # What each step observed, as the demo recorded it: the health timer keeps rewriting the
    # group's latest verdict (what `byoc-sync health` prints), never its last switch.
    summary = json.loads(summary_path.read_text())
    assert summary["ok"]
    steps: dict[str, dict[str, Any]] = {s["title"]: s["observed"] for s in summary["steps"]}
    assert list(steps) == [
        "build trunk groups",
        "buy over the API",
        "hand-bought number",
        "failover",
        "recovery",
        "operator view",
        "status page",
    ]
    codes = steps["build trunk groups"]["exit_codes"]  # 0: built from an empty org
    assert codes == {"plan": 2, "apply": 0, "plan again": 0, "audit": 0}
    bought = steps["buy over the API"]  # 1: bought over the API, routable
    assert bought["status_code"] == 202 and "Main IVR" in bought["in_sync"]["ivrs"]
    assert steps["hand-bought number"]["in_sync"]["ivrs"] == ["Support IVR"]  # 2
    failover, recovery = steps["failover"], steps["recovery"]
    assert failover["event_status_code"] == 202  # 3
    assert failover["genesys_first"] == failover["twilio_first"] == BACKUP
    assert f"prefer {BACKUP}: failover" in failover["decision"]
    assert recovery["genesys_first"] == recovery["twilio_first"] == PRIMARY  # 4
    assert f"prefer {PRIMARY}: recovery" in recovery["decision"]
    health = steps["operator view"]["health"]  # 5
    switch = health["last_switch"][GROUP]
    assert (switch["from_member"], switch["to_member"]) == (BACKUP, PRIMARY)
    assert switch["reason"].startswith(f"recovery: {PRIMARY} is up again")
    route_switch = health["last_route_switch"][GROUP]
    assert (route_switch["from_member"], route_switch["to_member"]) == (BACKUP, PRIMARY)
    assert route_switch["trigger"] in ("timer", "event")
    active = {row["member"] for row in health["members"] if row["active"]}
    assert active == {PRIMARY, "BYOC-SBC-East"}  # each group's preferred member
    assert steps["status page"] == {"status_code": 200, "missing": []}  # 6

    # The narration a telephony engineer reads shows the same.
    out = result.stdout
    assert "BYOC_FUNCTIONS_URL=http://127.0.0.1:" in out
    assert re.search(r"status page .*: http://127\.0\.0\.1:\d+/api/status\?code=\S+", out)
    built = out.split("0 · ", 1)[1].split("1 · ", 1)[0]
    assert "+ create Twilio trunk BYOC-Direct" in built and "(secret set)" in built
    assert "POST /api/numbers → 202" in out
    # The answer's fields, each whole, not a cut raw body.
    assert f"  command    {bought['command_id']}\n" in out
    assert f"  number     {bought['number']}\n" in out
    assert f"  status URL {bought['status_url']}\n" in out
    # Host lines are wrapped to the terminal (COLUMNS), not cut; polling the status URL of a
    # number still being bought is an ordinary 404, logged at INFO, not a warning.
    host_lines = [line for line in out.splitlines() if line.startswith("  host │")]
    assert host_lines and all(len(line) <= 200 for line in host_lines)
    assert not any(line.endswith("...") for line in host_lines)
    assert "W byoc_sync.http" not in out
    assert "POST /api/genesys/events (EventBridge envelope) → 202" in out
    narrated_failover, narrated_recovery = out.split("3 · ", 1)[1].split("4 · ", 1)
    after = "after: Genesys route: {0} → {1}; Twilio priorities: {0} 10, {1} 20"
    assert after.format(BACKUP, PRIMARY) in narrated_failover
    assert after.format(PRIMARY, BACKUP) in narrated_recovery
    # health's last switch, from the journal: from → to, why
    assert f"{BACKUP} → {PRIMARY}: recovery: {PRIMARY} is up again" in " ".join(out.split())
    assert re.search(r"^\+1\d{10} .* in sync$", out, re.MULTILINE)  # numbers list
    assert "byoc-sync demo — summary" in out and "✗" not in out


def test_tour_refuses_to_run_against_real_vendors() -> None:
    result = subprocess.run(
        [BYOC_SYNC, "sandbox", "tour"],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "TWILIO_ACCOUNT_SID": "ACreal", "TWILIO_AUTH_TOKEN": "x"},
    )
    assert result.returncode == 1
    assert "must point at a sandbox" in result.stderr
