"""Shared machinery of the vendor emulators: HTTP server, routing, faults, request log."""

from sandbox.emulators.core.emulator import ADMIN_PREFIX, Emulator, Outcome
from sandbox.emulators.core.faults import (
    ConcurrencyLimit,
    FaultConfig,
    FaultInjector,
    FaultKind,
    SlidingWindowBudget,
)
from sandbox.emulators.core.request_log import LoggedRequest, RequestLog
from sandbox.emulators.core.routing import Request, Response, Route, Router, VendorError

__all__ = [
    "ADMIN_PREFIX",
    "ConcurrencyLimit",
    "Emulator",
    "FaultConfig",
    "FaultInjector",
    "FaultKind",
    "LoggedRequest",
    "Outcome",
    "Request",
    "RequestLog",
    "Response",
    "Route",
    "Router",
    "SlidingWindowBudget",
    "VendorError",
]
