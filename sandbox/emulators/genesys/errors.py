"""Genesys error values: every failure the state raises carries the status and code Genesys uses.

Kept apart from HTTP rendering so the pure state module can raise them; the emulator turns
them into Genesys' `ErrorBody` JSON.
"""

from __future__ import annotations

from sandbox.emulators.core import VendorError

BAD_REQUEST = "bad.request"
NOT_FOUND = "not.found"
CONFLICT = "general.conflict"
TOO_MANY_REQUESTS = "too.many.requests"
BAD_CREDENTIALS = "bad.credentials"
AUTH_REQUIRED = "authentication.required"

DEFAULT_CODES = {
    400: BAD_REQUEST,
    401: BAD_CREDENTIALS,
    403: "missing.permissions",
    404: NOT_FOUND,
    405: "method.not.allowed",
    409: CONFLICT,
    429: TOO_MANY_REQUESTS,
    500: "internal.server.error",
    502: "bad.gateway",
    503: "service.unavailable",
}


def bad_request(message: str) -> VendorError:
    return VendorError(400, message, BAD_REQUEST)


def not_found(kind: str, entity_id: str) -> VendorError:
    return VendorError(404, f"{kind} {entity_id} not found", NOT_FOUND)


def stale_version(kind: str, given: int, current: int) -> VendorError:
    return VendorError(
        409,
        f"The {kind} version {given} does not match the current version {current}; "
        "fetch it again and retry.",
        CONFLICT,
    )
