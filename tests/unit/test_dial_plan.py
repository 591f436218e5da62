"""How a site's number plans classify a dialed number (Genesys: first match in priority)."""

from __future__ import annotations

import pytest

from shared.audit.dial_plan import calling_code, classify, plan_matches, witnesses
from shared.domain.model import NumberPlan

US = calling_code("US")


def plan(name: str, match_type: str, priority: int = 1, **fields: object) -> NumberPlan:
    return NumberPlan.model_validate(
        {
            "name": name,
            "classification": fields.pop("classification", name),
            "match_type": match_type,
            "priority": priority,
            **fields,
        }
    )


EMERGENCY = plan("Emergency", "numberList", 1, numbers=[("911", "911"), ("933", "933")])
EXTENSION = plan("Extension", "digitLength", 2, digit_lengths=(4, 6))
TOLL_FREE = plan("Toll Free", "e164NumberList", 3, numbers=[("+18000000000", "+18009999999")])
NATIONAL = plan("National", "intraCountryCode", 4)
INTERNATIONAL = plan("International", "interCountryCode", 5)
SITE = (INTERNATIONAL, NATIONAL, TOLL_FREE, EXTENSION, EMERGENCY)  # order given does not matter


@pytest.mark.parametrize(
    "dialed, classification",
    [
        ("911", "Emergency"),
        ("1234", "Extension"),
        ("123456", "Extension"),
        ("+18005550100", "Toll Free"),
        ("+13125550100", "National"),
        ("+442071234567", "International"),
    ],
)
def test_the_first_matching_plan_in_priority_order_classifies(
    dialed: str, classification: str
) -> None:
    hit = classify(dialed, SITE, US)
    assert hit is not None and hit[0].classification == classification


def test_the_plans_a_match_shadows_are_reported() -> None:
    hit = classify("+18005550100", SITE, US)
    assert hit is not None
    chosen, shadowed = hit
    assert chosen is TOLL_FREE and shadowed == [NATIONAL]


def test_nothing_matches_a_number_no_plan_covers() -> None:
    assert classify("12", SITE, US) is None  # too short for extensions, in no list


def test_an_inactive_plan_classifies_nothing() -> None:
    asleep = TOLL_FREE.model_copy(update={"active": False})
    hit = classify("+18005550100", (asleep, NATIONAL), US)
    assert hit is not None and hit[0] is NATIONAL


@pytest.mark.parametrize(
    "pattern, dialed, matches",
    [
        (r"^\+1800\d{7}$", "+18005550100", True),
        (r"^1?800\d{7}$", "+18005550100", True),  # tried without the +
        (r"800", "+18005550100", False),  # the whole number must match
        (r"(unclosed", "+18005550100", False),  # a broken pattern matches nothing
    ],
)
def test_regex_plans_match_the_whole_number(pattern: str, dialed: str, matches: bool) -> None:
    assert plan_matches(plan("R", "regex", match=pattern), dialed, US) is matches


def test_country_plans_need_to_know_the_sites_country() -> None:
    assert not plan_matches(NATIONAL, "+13125550100", calling_code(None))
    assert plan_matches(INTERNATIONAL, "+13125550100", calling_code("GB"))
    assert not plan_matches(NATIONAL, "911", US)  # short codes have no country


def test_ranges_match_only_numbers_of_their_length() -> None:
    assert not plan_matches(TOLL_FREE, "+180055501001", US)
    assert not plan_matches(EMERGENCY, "9110", US)


def test_witnesses_cover_examples_the_estate_and_the_plans_own_edges() -> None:
    found = witnesses(SITE, "US", ["+13125550100"])
    assert {"+13125550100", "+18000000000", "+18009999999", "911", "933"} <= set(found)
    assert {"1000", "10000", "100000"} <= set(found)  # one per extension length
    assert "+18002345678" in found  # libphonenumber's US toll-free example
    assert any(n.startswith("+44") for n in found)  # and foreign numbers
    assert found == sorted(set(found))


SUICIDE_PREVENTION = plan("Suicide Prevention", "regex", 6, match="^988$")


def test_a_short_code_plan_is_dialled_too() -> None:
    """Genesys' default US plans send 988 to Suicide Prevention: the audit dials 988."""
    found = witnesses((*SITE, SUICIDE_PREVENTION), "US")
    assert "988" in found
    assert classify("988", (*SITE, SUICIDE_PREVENTION), US) == (SUICIDE_PREVENTION, [])
