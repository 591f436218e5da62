"""E.164 at the edges: everything inside byoc-sync holds numbers as `+<digits>` strings.

Carriers and operators write numbers many ways (`(202) 555-0199`, `2025550199`,
`+1 202 555 0199`); the classic trap is a DID stored in two formats and silently
not matching. `phonenumbers` (libphonenumber) does the parsing so we never regex it.
"""

from __future__ import annotations

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator


class InvalidNumberError(ValueError):
    """A string that is not a valid phone number; the message says why."""


def to_e164(raw: str, default_region: str | None = None) -> str:
    """Normalise `raw` to E.164, or raise InvalidNumberError.

    `default_region` (ISO 3166 alpha-2, e.g. "US") allows national formats; without it
    only numbers carrying their country code are accepted, which is the safe default for
    values that arrive from APIs.
    """
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumberError(f"{raw!r} is not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumberError(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _strict_e164(value: str) -> str:
    if not value.startswith("+"):
        raise InvalidNumberError(
            f"{value!r} is not in E.164 form; write it with '+' and the country code"
        )
    normalised = to_e164(value)
    if normalised != value:
        raise InvalidNumberError(f"{value!r} is not in E.164 form; write it as {normalised!r}")
    return value


def _e164_prefix(value: str) -> str:
    if not value.startswith("+") or not value[1:].isdigit() or len(value) < 2:
        raise ValueError(f"{value!r} is not an E.164 prefix like '+1202555'")
    if len(value) > 16:
        raise ValueError(f"{value!r} is longer than an E.164 number")
    return value


E164 = Annotated[str, AfterValidator(_strict_e164)]
"""A field that must already be in exact E.164 form (policies are written by engineers)."""

E164Prefix = Annotated[str, AfterValidator(_e164_prefix)]
"""`+` followed by the leading digits of E.164 numbers, e.g. `+1202555`."""
