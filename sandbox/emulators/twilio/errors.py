"""Twilio's error vocabulary: one exception type carrying Twilio's numeric error codes.

Twilio answers every failure with `{"code", "message", "more_info", "status"}`; the code is
what clients branch on, so the emulator must use the real codes, not just the statuses.
"""

from __future__ import annotations

from sandbox.emulators.core import VendorError

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"

# Codes documented on twilio.com/docs/errors/<code>.
BAD_REQUEST = 20001  # generic "Missing required parameter X" / invalid parameter
INVALID_PAGE_TOKEN = 21481  # "Invalid PageToken" (Twilio's error dictionary)
INVALID_URL = 21402  # "Invalid Url"
INVALID_METHOD = 21403  # "Invalid Method"
AUTHENTICATE = 20003
METHOD_NOT_ALLOWED = 20004
NOT_FOUND = 20404
TOO_MANY_REQUESTS = 20429
INTERNAL_ERROR = 20500
SERVICE_UNAVAILABLE = 20503
PHONE_NUMBER_INVALID = 21421
PHONE_NUMBER_NOT_AVAILABLE = 21422
INVALID_AREA_CODE = 21451
NO_NUMBERS_IN_AREA_CODE = 21452
CONFLICT = 20409
MAX_TRUNKS_REACHED = 21244
TRUNK_VALIDATION_ERROR = 21245  # e.g. "Credential List or IP-ACL already associated with Trunk"
TRUNK_DOMAIN_TAKEN = 21248
MAX_ORIGINATION_URIS_REACHED = 21249

# Status -> code when an error is raised without one (core routing, injected faults).
DEFAULT_CODES: dict[int, int] = {
    400: BAD_REQUEST,
    401: AUTHENTICATE,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    409: CONFLICT,
    429: TOO_MANY_REQUESTS,
    500: INTERNAL_ERROR,
    502: INTERNAL_ERROR,
    503: SERVICE_UNAVAILABLE,
}


class TwilioError(VendorError):
    """A failure with Twilio's status and error code; raised by state and handlers alike."""

    def __init__(
        self, status: int, code: int, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, message, code, headers)


def not_found(path: str) -> TwilioError:
    """Twilio's wording for any unknown resource, including another account's paths."""
    return TwilioError(404, NOT_FOUND, f"The requested resource {path} was not found")


def bad_request(message: str, code: int = BAD_REQUEST) -> TwilioError:
    return TwilioError(400, code, message)


def missing(name: str) -> TwilioError:
    return bad_request(f"Missing required parameter {name} in the post body")


def error_body(status: int, code: int | None, message: str) -> dict[str, object]:
    """The JSON body Twilio sends with every error."""
    resolved = code if code is not None else DEFAULT_CODES.get(status, status)
    return {
        "code": resolved,
        "message": message,
        "more_info": MORE_INFO.format(code=resolved),
        "status": status,
    }
