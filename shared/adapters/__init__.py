"""Adapters to the vendors: the only code that talks to Twilio and Genesys Cloud.

Each adapter wraps an official SDK client, runs every call through the one `RetryPolicy`
(Genesys calls also through the `RequestBudget`), and returns `shared.domain.model` values.
`build_adapters` wires them from settings the same way in Azure and in the sandbox.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from shared.adapters.budget import RequestBudget
from shared.adapters.retry import RetryPolicy
from shared.ports import (
    AdapterError,
    IncompleteListingError,
    OwnershipError,
    RetriesExhausted,
    SnapshotReadError,
    TerminalVendorError,
)
from shared.settings import Settings

if TYPE_CHECKING:
    from shared.adapters.genesys import GenesysAdapter
    from shared.adapters.twilio import AvailableNumber, TwilioAdapter
    from shared.reconcile.snapshot import read_snapshot

# The vendor SDKs take seconds to import (Genesys' ships thousands of model classes).
# These names load on first use, so commands that never call a vendor start at once.
_LAZY = {
    "GenesysAdapter": "shared.adapters.genesys",
    "TwilioAdapter": "shared.adapters.twilio",
    "AvailableNumber": "shared.adapters.twilio",
    "read_snapshot": "shared.reconcile.snapshot",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def build_adapters(settings: Settings) -> tuple[TwilioAdapter, GenesysAdapter]:
    """Both adapters from settings: SDK clients, one retry policy, the Genesys budget."""
    from shared.adapters.genesys import GenesysAdapter
    from shared.adapters.twilio import TwilioAdapter
    from shared.adapters.vendor_clients import (
        genesys_api_client,
        genesys_token_refresher,
        twilio_client,
    )

    retry = RetryPolicy.from_settings(settings)
    twilio = TwilioAdapter(twilio_client(settings), retry)
    api_client = genesys_api_client(settings)
    genesys = GenesysAdapter(
        api_client,
        retry,
        RequestBudget.from_settings(settings),
        reauthenticate=genesys_token_refresher(settings, api_client),
    )
    return twilio, genesys


__all__ = [
    "AdapterError",
    "AvailableNumber",
    "GenesysAdapter",
    "IncompleteListingError",
    "OwnershipError",
    "RequestBudget",
    "RetriesExhausted",
    "RetryPolicy",
    "SnapshotReadError",
    "TerminalVendorError",
    "TwilioAdapter",
    "build_adapters",
    "read_snapshot",
]
