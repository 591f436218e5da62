"""How Genesys would route a dialed number from a site, and the numbers worth trying.

Genesys classifies a dialed number by the first of the site's number plans (in priority
order) that matches it; the outbound routes then carry classifications, not patterns. So a
narrow plan (toll-free, say) placed ahead of the broad one the trunk group's route serves
takes those numbers to another route: the dial-plan specificity trap. Whether two plans overlap
is undecidable in general for regular expressions, so the audit does what an engineer with
a test-call list does: it classifies witness numbers, drawn from libphonenumber's example
numbers for every number type of the site's country and a few others, from every number the
estate holds, and from the numbers and lengths the plans name themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from shared.domain.model import NumberPlan

# Foreign regions whose example numbers stand for international dialling from any site.
FOREIGN_REGIONS = ("US", "GB", "DE", "FR", "AU", "IN", "MX", "JP", "BR", "ZA")
NUMBER_TYPES = (
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.UAN,
)


def calling_code(country: str | None) -> int | None:
    """The country calling code of an ISO 3166 region (1 for US), None when unknown."""
    code = phonenumbers.country_code_for_region(country or "")
    return code or None


def _e164_calling_code(dialed: str) -> int | None:
    try:
        return phonenumbers.parse(dialed, None).country_code
    except phonenumbers.NumberParseException:
        return None


def _in_ranges(digits: str, ranges: Sequence[tuple[str, str]]) -> bool:
    return any(len(digits) == len(start) and start <= digits <= end for start, end in ranges)


# A regex plan matching one short code exactly (`^988$`): that code is worth dialling.
_LITERAL = re.compile(r"\^?(?P<digits>\+?\d{2,15})\$?")
# Genesys keeps at most this many number plans per site; GET lists only the first 200.
MAX_PLANS_PER_SITE = 200


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def plan_matches(plan: NumberPlan, dialed: str, site_code: int | None) -> bool:
    """Whether `plan` matches a dialed string: E.164 (`+...`) or digits (short codes,
    extensions). Regex plans are tried on the number as dialed and without its `+`."""
    e164 = dialed.startswith("+")
    kind = plan.match_type
    if kind == "numberList":
        return not e164 and _in_ranges(dialed, plan.numbers)
    if kind == "e164NumberList":
        return e164 and _in_ranges(dialed, plan.numbers)
    if kind == "digitLength":
        low, high = plan.digit_lengths or (0, -1)
        return not e164 and dialed.isdigit() and low <= len(dialed) <= high
    if kind in ("intraCountryCode", "interCountryCode"):
        code = _e164_calling_code(dialed) if e164 else None
        if code is None or site_code is None:
            return False
        return (code == site_code) == (kind == "intraCountryCode")
    if kind == "regex":
        compiled = _regex(plan.match or "")
        return compiled is not None and any(
            compiled.fullmatch(form) for form in {dialed, dialed.lstrip("+")}
        )
    return False


def classify(
    dialed: str, plans: Sequence[NumberPlan], site_code: int | None
) -> tuple[NumberPlan, list[NumberPlan]] | None:
    """The plan that classifies `dialed` and the active plans after it that would also have
    matched (the ones it shadows); None when no plan matches."""
    matching = [p for p in _in_order(plans) if p.active and plan_matches(p, dialed, site_code)]
    return (matching[0], matching[1:]) if matching else None


def _in_order(plans: Sequence[NumberPlan]) -> list[NumberPlan]:
    return sorted(plans, key=lambda plan: (plan.priority, plan.name))


def witnesses(
    plans: Sequence[NumberPlan], country: str | None, estate_numbers: Iterable[str] = ()
) -> list[str]:
    """Numbers to dial in the mind: example numbers of every type, the estate's own numbers,
    and the edges of every range and length the plans name (deduplicated, sorted)."""
    found: set[str] = set(estate_numbers)
    for region in dict.fromkeys([*(filter(None, [country])), *FOREIGN_REGIONS]):
        for number_type in NUMBER_TYPES:
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is not None:
                found.add(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    for plan in plans:
        for start, end in plan.numbers:
            found.update((start, end))
        literal = _LITERAL.fullmatch(plan.match or "") if plan.match_type == "regex" else None
        if literal is not None:  # e.g. the default plan for 988, Suicide Prevention
            found.add(literal["digits"])
        if plan.digit_lengths is not None:
            low, high = plan.digit_lengths
            found.update("1" + "0" * (length - 1) for length in range(max(low, 1), high + 1))
    return sorted(found)
