"""E.164 at the edges: everything inside byoc-sync holds numbers as `+<digits>` strings.

Carriers and operators write numbers many ways (`(202) 555-0199`, `2025550199`,
`+1 202 555 0199`); the classic trap is a DID stored in two formats and silently
not matching. `phonenumbers` (libphonenumber) does the parsing so we never regex it.

One input rule everywhere (CLI, HTTP API, policy): a number carries its country code
(`+…`), or the caller names the country explicitly. Nothing guesses a country: a guessed
`+1` on a destructive command releases someone else's number. The error texts are written
for the person who typed the number — what is wrong and what to type instead — and are the
same wherever the number came in, because every entrypoint goes through this module.
"""

from __future__ import annotations

from typing import Annotated

import phonenumbers
from phonenumbers import NumberParseException, ValidationResult
from pydantic import AfterValidator

# libphonenumber reads the full-width plus too; so must the "does it carry a country code?"
# question, or the two would disagree about the same input.
_PLUS_SIGNS = ("+", "\uff0b")
# The only place a country is ever suggested (never assumed): the +1 plan shared by the US,
# Canada and the Caribbean, where ten-digit national numbers are the everyday habit.
_SUGGESTED_REGION = "US"


class InvalidNumberError(ValueError):
    """A string that is not a usable phone number; the message says why and what to type.

    `missing_country` is True when the input may be a fine national number that only lacks
    its country code: a caller that can take a country explicitly (the CLI's `--country`)
    adds that way out to the message. `suggested_country` is the country whose numbering
    plan the digits fit (only ever offered as a suggestion, never applied).
    """

    def __init__(
        self,
        message: str,
        *,
        missing_country: bool = False,
        suggested_country: str | None = None,
    ) -> None:
        super().__init__(message)
        self.missing_country = missing_country
        self.suggested_country = suggested_country


def _has_country_code(raw: str) -> bool:
    return raw.strip().startswith(_PLUS_SIGNS)


def _no_country_code(raw: str) -> InvalidNumberError:
    """The error for digits without `+`: suggest the +1 reading if the digits fit it."""
    try:
        suggestion: phonenumbers.PhoneNumber | None = phonenumbers.parse(raw, _SUGGESTED_REGION)
    except NumberParseException:
        suggestion = None
    if suggestion is not None and phonenumbers.is_valid_number(suggestion):
        e164 = phonenumbers.format_number(suggestion, phonenumbers.PhoneNumberFormat.E164)
        return InvalidNumberError(
            f"{raw!r} has no country code: write it in E.164 as {e164} "
            "if it is a North American number",
            missing_country=True,
            suggested_country=_SUGGESTED_REGION,
        )
    return InvalidNumberError(
        f"{raw!r} has no country code: write it in E.164: '+', the country code, then the "
        "number without its leading 0 (020 7946 0958 in the UK is +442079460958)",
        missing_country=True,
    )


def _explain_parse_failure(raw: str, exc: NumberParseException) -> InvalidNumberError:
    if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        if _has_country_code(raw):
            return InvalidNumberError(
                f"{raw!r} does not start with a country code in use: check the digits after '+'"
            )
        return _no_country_code(raw)
    if exc.error_type == NumberParseException.TOO_LONG:
        return InvalidNumberError(
            f"{raw!r} is too long for a phone number (E.164 has at most 15 digits)"
        )
    if exc.error_type in (
        NumberParseException.TOO_SHORT_NSN,
        NumberParseException.TOO_SHORT_AFTER_IDD,
    ):
        return InvalidNumberError(f"{raw!r} is too short for a phone number")
    return InvalidNumberError(
        f"{raw!r} is not a phone number: write it in E.164, e.g. +12025550100"
    )


def _explain_invalid(raw: str, parsed: phonenumbers.PhoneNumber, region: str | None) -> str:
    plan = region if region and not _has_country_code(raw) else f"+{parsed.country_code}"
    length = phonenumbers.is_possible_number_with_reason(parsed)
    if length == ValidationResult.TOO_SHORT:
        return f"{raw!r} is too short for a {plan} number"
    if length == ValidationResult.TOO_LONG:
        return f"{raw!r} is too long for a {plan} number"
    return f"{raw!r} is not a valid {plan} number: check the digits"


def country_code(value: str) -> str:
    """`value` as the two capital letters (ISO 3166-1 alpha-2) libphonenumber knows a
    country by, or InvalidNumberError: `USA` or `UK` would otherwise fail later, as a
    number that "has no country code" although the operator named one."""
    code = value.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidNumberError(
            f"{value!r} is not a two-letter country code (ISO 3166-1), e.g. US, CA, GB"
        )
    return code


def to_e164(raw: str, default_region: str | None = None) -> str:
    """Normalise `raw` to E.164, or raise InvalidNumberError saying what to type instead.

    Without `default_region` only numbers carrying their country code (`+…`) are accepted,
    which is the rule for anything a person or an API hands in. `default_region` (ISO 3166
    alpha-2, e.g. "US") reads national formats as that country's, for callers that were told
    the country explicitly (`--country`) or hold vendor data known to be national (Genesys
    DNIS entries). Letters are refused rather than read as keypad digits: `+1202555abcd` is
    a typo far more often than a vanity number, and libphonenumber would quietly turn it
    into a different, valid number.
    """
    if default_region is not None:
        default_region = country_code(default_region)
    if any(ch.isalpha() for ch in raw):
        if not any(ch.isdigit() for ch in raw):
            raise InvalidNumberError(
                f"{raw!r} is not a phone number: write it in E.164, e.g. +12025550100"
            )
        raise InvalidNumberError(f"{raw!r} has letters in it; phone numbers are digits")
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except NumberParseException as exc:
        raise _explain_parse_failure(raw, exc) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumberError(_explain_invalid(raw, parsed, default_region))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def strict_e164(value: str) -> str:
    """`value` if it is exactly E.164, else InvalidNumberError with the exact form to write.

    For what is stored or exchanged between programs (the policy, API paths and bodies):
    `+1 202 555 0199` means the same number but would not match `+12025550199` wherever
    numbers are compared as strings, so only the one spelling is accepted.
    """
    normalised = to_e164(value)
    if normalised != value:
        raise InvalidNumberError(f"{value!r} is not in E.164 form; write it as {normalised}")
    return value


def _e164_prefix(value: str) -> str:
    if not value.startswith("+") or not value[1:].isdigit() or len(value) < 2:
        raise ValueError(f"{value!r} is not an E.164 prefix like '+1202555'")
    if len(value) > 16:
        raise ValueError(f"{value!r} is longer than an E.164 number")
    return value


E164 = Annotated[str, AfterValidator(strict_e164)]
"""A field that must already be in exact E.164 form (policies are written by engineers)."""

E164Prefix = Annotated[str, AfterValidator(_e164_prefix)]
"""`+` followed by the leading digits of E.164 numbers, e.g. `+1202555`."""
