"""The CLI starts without loading the vendor SDKs (the Genesys SDK alone takes seconds):
commands that never call a vendor, like `policy check`, must answer at once."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_cli_loads_no_vendor_sdk() -> None:
    probe = (
        "import sys, cli.main; "
        "loaded = [m for m in ('PureCloudPlatformClientV2', 'twilio.rest') if m in sys.modules]; "
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
