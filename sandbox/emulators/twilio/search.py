"""Twilio's phone-number search patterns (AvailablePhoneNumbers `Contains`, list filters)."""

from __future__ import annotations

import re

from sandbox.emulators.twilio.errors import bad_request

_KEYPAD = {
    **dict.fromkeys("abc", "2"),
    **dict.fromkeys("def", "3"),
    **dict.fromkeys("ghi", "4"),
    **dict.fromkeys("jkl", "5"),
    **dict.fromkeys("mno", "6"),
    **dict.fromkeys("pqrs", "7"),
    **dict.fromkeys("tuv", "8"),
    **dict.fromkeys("wxyz", "9"),
}


def contains_regex(pattern: str) -> re.Pattern[str]:
    """Compile a `Contains` pattern: digits, letters (keypad digits), `*` one digit,
    `%` any digits, leading `+` anchors the start, trailing `$` anchors the end."""
    if not 2 <= len(pattern) <= 16:
        raise bad_request("Contains must be between 2 and 16 characters long")
    anchored_start = pattern.startswith("+")
    anchored_end = pattern.endswith("$")
    body = pattern[1 if anchored_start else 0 : -1 if anchored_end else None]
    parts: list[str] = []
    for ch in body.lower():
        if ch.isdigit():
            parts.append(ch)
        elif ch in _KEYPAD:
            parts.append(_KEYPAD[ch])
        elif ch == "*":
            parts.append(r"\d")
        elif ch == "%":
            parts.append(r"\d*")
        else:
            raise bad_request(f"Contains pattern {pattern!r} has an invalid character {ch!r}")
    if sum(1 for ch in body if ch.isalnum()) < 2:
        raise bad_request("Contains must include at least two digits or letters")
    return re.compile(
        ("^" if anchored_start else "") + "".join(parts) + ("$" if anchored_end else "")
    )


def contains_matches(regex: re.Pattern[str], phone_number: str) -> bool:
    """Match against the E.164 digits, or the national number for NANP numbers."""
    digits = phone_number.lstrip("+")
    candidates = [digits]
    if phone_number.startswith("+1"):
        candidates.append(digits[1:])
    return any(regex.search(c) for c in candidates)


def partial_number_regex(value: str) -> re.Pattern[str]:
    """IncomingPhoneNumbers `PhoneNumber` filter: a partial number, `*` matching any digit."""
    cleaned = _partial_number(value)
    anchored = cleaned.startswith("+")
    body = "".join(r"\d" if ch == "*" else ch for ch in cleaned.lstrip("+"))
    return re.compile(("^\\+" if anchored else "") + body)


def literal_prefix(value: str) -> str | None:
    """What every number a `PhoneNumber` filter matches starts with, when the filter is
    anchored at the `+` and has no `*` (a whole number, or its first digits); else None."""
    cleaned = _partial_number(value)
    return cleaned if cleaned.startswith("+") and "*" not in cleaned else None


def _partial_number(value: str) -> str:
    cleaned = re.sub(r"[\s().-]", "", value)
    if not re.fullmatch(r"\+?[0-9*]+", cleaned):
        raise bad_request(f"PhoneNumber filter {value!r} is not a (partial) phone number", 21421)
    return cleaned
