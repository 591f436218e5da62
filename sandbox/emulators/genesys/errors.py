"""Genesys error values: every failure the state raises carries the status and code Genesys uses.

Kept apart from HTTP rendering so the pure state module can raise them; the emulator turns
them into Genesys' `ErrorBody` JSON.
"""

from __future__ import annotations

from sandbox.emulators.core import VendorError

REQUIRED_FIELD_MISSING = "REQUIRED_FIELD_MISSING"

BAD_REQUEST = "bad.request"
NOT_FOUND = "not.found"
CONFLICT = "general.conflict"
# Every 429 has carried this code since November 2021 (Genesys developer forum,
# "Normalized Platform API 429 responses").
TOO_MANY_REQUESTS = "too.many.requests.retry.after"
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


class DetailedError(VendorError):
    """A Genesys error with `details` entries (ErrorBody.details: `errorCode`, `fieldName`,
    `entityId`, `entityName`), e.g. which field of a request body was missing."""

    def __init__(self, status: int, message: str, code: str, details: list[dict[str, str]]) -> None:
        super().__init__(status, message, code)
        self.details = details


def required_field(field: str) -> VendorError:
    """400 for a field Genesys requires or must resolve and cannot, in Genesys' own words:
    e.g. `didPoolId` for a DNIS no (propagated) DID pool covers, `inboundSiteId` for a BYOC
    trunk base without an inbound site."""
    return DetailedError(
        400,
        f"Field '{field}' is required and cannot be empty.",
        BAD_REQUEST,
        [{"errorCode": REQUIRED_FIELD_MISSING, "fieldName": field}],
    )


def bad_request(message: str) -> VendorError:
    return VendorError(400, message, BAD_REQUEST)


def not_found(kind: str, entity_id: str) -> VendorError:
    return VendorError(404, f"{kind} {entity_id} not found", NOT_FOUND)


def stale_version(kind: str, given: int, current: int, *, status: int = 409) -> VendorError:
    """A write carrying an old `version`. Genesys mostly answers 409; CX as Code also meets
    400s whose message says the version "does not match the current version"."""
    return VendorError(
        status,
        f"The {kind} version {given} does not match the current version {current}; "
        "fetch it again and retry.",
        CONFLICT if status == 409 else BAD_REQUEST,
    )
