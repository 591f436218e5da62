"""What a failed vendor call means: retry it (and when), or give up with a reason.

Both SDKs surface failures in several shapes, and the retry policy must see through all of
them to the HTTP status:
- Twilio instance calls raise `TwilioRestException` (`.status`, `.code`, `.msg`) or, for
  RFC 9457 bodies, `TwilioServiceException` (`.status`, `.code`, `.detail`);
- Twilio *list pages* raise a plain `TwilioException("Unable to fetch page", response)`:
  the status, headers and error body are on the `twilio.http.response.Response` passed as
  the exception's second argument;
- Genesys raises `ApiException` (`.status`, `.headers`, `.body` with `code`/`message`, or
  for its login service OAuth's `error`/`error_description`);
- transport failures come from requests (Twilio) or urllib3 (Genesys, whose hidden
  retries are off, so the raw `ProtocolError`/`ReadTimeoutError`/`NewConnectionError`
  arrives here).
Anything else is a programming error and is not classified at all (None): it propagates.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3.exceptions
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException

# 409 is deliberately absent: a version conflict is resolved by re-reading (see genesys.py),
# never by re-sending the same stale body.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
_MESSAGE_LIMIT = 300

_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.TimeoutError,
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.MaxRetryError,
    ConnectionError,
    TimeoutError,
)
# A TLS failure is a configuration problem (certificates, proxies), not a blip.
_TERMINAL_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.SSLError,
    urllib3.exceptions.SSLError,
)


@dataclass(frozen=True)
class Failure:
    """A vendor failure, reduced to what the retry policy and dead-letter reasons need."""

    retryable: bool
    status: int | None  # None for transport failures (no HTTP answer)
    code: str | None
    message: str
    retry_after_s: float | None = None

    @property
    def reason(self) -> str:
        head = f"HTTP {self.status}" if self.status is not None else "no answer"
        code = f" ({self.code})" if self.code else ""
        return f"{head}{code}: {self.message}"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date.

    None when absent or unreadable (the caller falls back to backoff); never negative.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _header(headers: Any, name: str) -> str | None:
    """A header from whatever mapping an SDK hands back (case-insensitive or not)."""
    if headers is None:
        return None
    getter = getattr(headers, "get", None)
    if getter is not None:
        found = getter(name)
        if found is not None:
            return str(found)
    if isinstance(headers, Mapping):
        for key, val in headers.items():
            if str(key).lower() == name.lower():
                return str(val)
    return None


def _body_fields(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from a JSON error body of either vendor; (None, None) otherwise."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body:
        return None, None
    try:
        payload = json.loads(body)
    except ValueError:
        return None, body
    if not isinstance(payload, dict):
        return None, None
    code = payload.get("code")
    message = payload.get("message") or payload.get("detail") or payload.get("title")
    if code is None and isinstance(payload.get("error"), str):
        # OAuth's own shape (RFC 6749 5.2), which Genesys's login service answers in:
        # {"error": "invalid_client", "error_description": "..."}.
        code = payload["error"]
        message = message or payload.get("error_description") or payload.get("description")
    return (str(code) if code is not None else None), (str(message) if message else None)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _http_failure(
    status: int | None, code: str | None, message: str, retry_after: str | None
) -> Failure:
    retryable = status is not None and (status in RETRYABLE_STATUSES or status >= 500)
    wait = parse_retry_after(retry_after) if status == 429 else None
    return Failure(retryable, status, code, _short(message), wait)


def classify(exc: BaseException) -> Failure | None:
    """How to treat `exc`; None when it is not a vendor failure at all."""
    if isinstance(exc, TwilioRestException):
        code = str(exc.code) if exc.code is not None else None
        return _http_failure(exc.status, code, exc.msg or "Twilio error", None)
    if isinstance(exc, TwilioServiceException):
        message = getattr(exc, "detail", None) or getattr(exc, "title", None) or "Twilio error"
        return _http_failure(exc.status, str(exc.code), str(message), None)
    if isinstance(exc, TwilioException):
        return _twilio_page_failure(exc)
    if _is_genesys_api_exception(exc):
        api: Any = exc  # PureCloudPlatformClientV2.rest.ApiException (the SDK is untyped)
        code, message = _body_fields(api.body)
        text = message or api.reason or "Genesys Cloud error"
        return _http_failure(api.status, code, str(text), _header(api.headers, "Retry-After"))
    if isinstance(exc, _TERMINAL_TRANSPORT_ERRORS):
        return Failure(False, None, None, _short(f"{type(exc).__name__}: {exc}"))
    if isinstance(exc, _TRANSPORT_ERRORS):
        return Failure(True, None, None, _short(f"{type(exc).__name__}: {exc}"))
    return None


def _twilio_page_failure(exc: TwilioException) -> Failure:
    """A list page's failure: the SDK passes the raw response as the second argument."""
    response = exc.args[1] if len(exc.args) > 1 else None
    status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        return Failure(False, None, None, _short(str(exc) or "Twilio error"))
    code, message = _body_fields(getattr(response, "text", None))
    text = message or (str(exc.args[0]) if exc.args else "Twilio error")
    retry_after = _header(getattr(response, "headers", None), "Retry-After")
    return _http_failure(status, code, text, retry_after)


def _is_genesys_api_exception(exc: BaseException) -> bool:
    """Without importing the Genesys SDK (seconds of start-up): if it is not loaded yet,
    nothing raised can be one of its exceptions."""
    rest = sys.modules.get("PureCloudPlatformClientV2.rest")
    return rest is not None and isinstance(exc, rest.ApiException)
