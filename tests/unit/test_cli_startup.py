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


def test_importing_every_service_and_trigger_loads_no_vendor_sdk() -> None:
    """Services are typed against ports; only the composition root builds the SDK-backed
    adapters, on first use. So the whole core imports without a vendor SDK."""
    probe = (
        "import sys, pkgutil, importlib, shared, functions; "
        "[importlib.import_module(m.name) for p in (shared, functions) "
        " for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.') "
        " if not m.name.startswith('shared.adapters')]; "
        "import function_app; "
        "loaded = [m for m in ('PureCloudPlatformClientV2', 'twilio.rest', 'azure.servicebus', "
        "'azure.data.tables') if m in sys.modules]; "
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
