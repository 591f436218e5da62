"""Parsing and validating Twilio request parameters, so bad input is a 400, never a 500.

Twilio sends form fields and query strings as text; these helpers turn them into typed
values or raise Twilio's own 400 (code 20001 unless a more specific code exists).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from sandbox.emulators.twilio.errors import INVALID_METHOD, INVALID_URL, bad_request, missing

Params = Mapping[str, Sequence[str]]

HTTP_METHODS = ("GET", "POST")
SIP_URL_RE = re.compile(r"^sips?:(//)?[^\s/?#]+(/[^\s]*)?$", re.IGNORECASE)


def one(params: Params, name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def required(params: Params, name: str) -> str:
    value = one(params, name)
    if value is None or value == "":
        raise missing(name)
    return value


def boolean(params: Params, name: str) -> bool | None:
    value = one(params, name)
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise bad_request(f"{name} must be true or false, got {value!r}")


def integer(params: Params, name: str, low: int, high: int) -> int | None:
    value = one(params, name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"{name} must be an integer, got {value!r}") from None
    if not low <= number <= high:
        raise bad_request(f"{name} must be between {low} and {high}, got {number}")
    return number


def choice(params: Params, name: str, allowed: Sequence[str]) -> str | None:
    value = one(params, name)
    if value is None:
        return None
    for option in allowed:
        if value.lower() == option.lower():
            return option
    raise bad_request(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def url(params: Params, name: str) -> str | None:
    """An http(s) URL; an empty string clears the setting (stored as null)."""
    value = one(params, name)
    if value is None:
        return None
    if value == "":
        return ""
    split = urlsplit(value)
    if split.scheme not in ("http", "https") or not split.netloc:
        raise bad_request(f"{name} is not a valid URL: {value!r}", INVALID_URL)
    return value


def method(params: Params, name: str) -> str | None:
    """A webhook's HTTP method (GET or POST), any case; anything else is Twilio's 21403."""
    value = one(params, name)
    if value is None:
        return None
    for option in HTTP_METHODS:
        if value.lower() == option.lower():
            return option
    raise bad_request(f"{name} must be GET or POST, got {value!r}", INVALID_METHOD)


def sid(params: Params, name: str, prefix: str) -> str | None:
    """A SID field; an empty string clears the reference."""
    value = one(params, name)
    if value is None or value == "":
        return value
    if not re.fullmatch(prefix + r"[0-9a-fA-F]{32}", value):
        raise bad_request(f"{name} {value!r} is not a valid {prefix} SID")
    return value


def text(params: Params, name: str, max_length: int = 255) -> str | None:
    value = one(params, name)
    if value is not None and len(value) > max_length:
        raise bad_request(f"{name} is longer than {max_length} characters")
    return value


def sip_url(params: Params, name: str) -> str | None:
    """An origination SIP URL: "This must be a `sip:` schema. `sips` is NOT supported" (the
    Trunking v1 spec's `SipUrl`). Twilio's code for the refusal is not published: 20001."""
    value = one(params, name)
    if value is None:
        return None
    if not SIP_URL_RE.match(value):
        raise bad_request(f"{name} must be a sip: URI, got {value!r}")
    if value[:5].lower() == "sips:":
        raise bad_request(f"{name} must be a sip: schema; sips is NOT supported, got {value!r}")
    return value
