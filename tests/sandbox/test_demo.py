"""`make demo` end to end: the sandbox in its own process, the tour attached to it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

BYOC_SYNC = str(Path(sys.executable).parent / "byoc-sync")


def run_demo(home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox.demo"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(home)},
    )


def test_demo_shows_the_event_driven_product_end_to_end_and_runs_twice(tmp_path: Path) -> None:
    for _ in range(2):  # `make demo` twice in a row
        result = run_demo(tmp_path)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "BYOC_FUNCTIONS_URL=http://127.0.0.1:" in out
    assert "POST /api/numbers → 202" in out
    assert "on Main IVR" in out  # 1: bought over the API, routable
    assert "provisioned by the reconcile timer onto Support IVR" in out  # 2
    assert "POST /api/genesys/events (EventBridge envelope) → 202" in out  # 3
    failover, recovery = out.split("3 · ", 1)[1].split("4 · ", 1)
    after = "after: Genesys route: {0} → {1}; Twilio priorities: {0} 10, {1} 20"
    assert after.format("BYOC-Failover-Twilio", "BYOC-Primary-Twilio") in failover  # 3
    assert "prefer BYOC-Failover-Twilio: failover" in failover
    assert after.format("BYOC-Primary-Twilio", "BYOC-Failover-Twilio") in recovery  # 4
    assert "prefer BYOC-Primary-Twilio: recovery" in recovery
    assert "TG-BYOC-Primary-Failover: recovery: BYOC-Primary-Twilio is up again" in out  # 5
    assert "│ in sync │" in out
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
