"""Adapters to the vendors: the only code that talks to Twilio and Genesys Cloud.

Each adapter wraps an official SDK client, runs every call through the one `RetryPolicy`
(Genesys calls also through the `RequestBudget`), and returns `shared.model` values.
`build_adapters` wires them from settings the same way in Azure and in the sandbox.
"""

from __future__ import annotations

from shared.adapters.budget import RequestBudget
from shared.adapters.errors import (
    AdapterError,
    IncompleteListingError,
    OwnershipError,
    RetriesExhausted,
    SnapshotReadError,
    TerminalVendorError,
)
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.adapters.snapshot import read_snapshot
from shared.adapters.twilio import AvailableNumber, TwilioAdapter
from shared.settings import Settings
from shared.vendor_clients import genesys_api_client, twilio_client


def build_adapters(settings: Settings) -> tuple[TwilioAdapter, GenesysAdapter]:
    """Both adapters from settings: SDK clients, one retry policy, the Genesys budget."""
    retry = RetryPolicy.from_settings(settings)
    twilio = TwilioAdapter(twilio_client(settings), retry)
    genesys = GenesysAdapter(
        genesys_api_client(settings), retry, RequestBudget.from_settings(settings)
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
