"""`make demo` end to end: the sandbox in its own process, the tour attached to it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

BYOC_SYNC = str(Path(sys.executable).parent / "byoc-sync")


def test_demo_tours_the_sandbox_then_reconciles_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.demo"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "TWILIO_API_BASE_URL=http://127.0.0.1:" in out
    assert "bought +1202" in out
    assert "attached to trunk" in out
    for heading in ("DID pools", "IVR configurations", "outbound route", "Calls the emulators"):
        assert heading in out
    assert "POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json" in out
    # then byoc-sync provisions the hand-bought number and the one the tour bought
    assert "+13125550101 → BYOC-Primary-Failover" in out
    assert "Main IVR: +12025550102" in out
    assert "4 done, 0 skipped, 0 failed" in out
    assert "No changes: Twilio and Genesys match the policy." in out
    assert out.count("│ in sync │") == 5  # every number of the estate


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
