"""The one number-input rule (CLI, HTTP API, policy) and its plain-words errors.

A number carries its country code, or the caller names the country; nothing is guessed, and
every refusal says what to type instead — the same text wherever the number came in."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from shared.domain.e164 import E164, InvalidNumberError, strict_e164, to_e164
from shared.domain.model import normalise_dnis


class Holder(BaseModel):
    number: E164


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "2025550100",
            "'2025550100' has no country code: write it in E.164 as +12025550100 "
            "if it is a North American number",
        ),
        (
            "020 7946 0958",
            "'020 7946 0958' has no country code: write it in E.164: '+', the country code, "
            "then the number without its leading 0 (020 7946 0958 in the UK is +442079460958)",
        ),
        ("+1202555abcd", "'+1202555abcd' has letters in it; phone numbers are digits"),
        ("1-800-FLOWERS", "'1-800-FLOWERS' has letters in it; phone numbers are digits"),
        ("hello", "'hello' is not a phone number: write it in E.164, e.g. +12025550100"),
        ("", "'' is not a phone number: write it in E.164, e.g. +12025550100"),
        (
            "+9995550100",
            "'+9995550100' does not start with a country code in use: check the digits after '+'",
        ),
        ("+1202", "'+1202' is too short for a +1 number"),
        ("+120255501001", "'+120255501001' is too long for a +1 number"),
        ("+11235550100", "'+11235550100' is not a valid +1 number: check the digits"),
        (
            "+1234567890123456789",
            "'+1234567890123456789' is too long for a phone number (E.164 has at most 15 digits)",
        ),
    ],
)
def test_each_refusal_says_what_is_wrong_and_what_to_type(raw: str, message: str) -> None:
    with pytest.raises(InvalidNumberError) as refused:
        to_e164(raw)
    assert str(refused.value) == message


def test_letters_are_never_read_as_keypad_digits() -> None:
    """libphonenumber alone turns +1202555abcd into +12025552223, a different valid number."""
    with pytest.raises(InvalidNumberError, match="has letters in it"):
        to_e164("+1202555abcd", "US")


def test_digits_without_a_country_code_are_refused_unless_the_country_is_named() -> None:
    with pytest.raises(InvalidNumberError) as refused:
        to_e164("2025550100")
    assert refused.value.missing_country and refused.value.suggested_country == "US"
    assert to_e164("2025550100", "US") == "+12025550100"
    assert to_e164("(202) 555-0100", "US") == "+12025550100"
    assert to_e164("020 7946 0958", "GB") == "+442079460958"
    with pytest.raises(InvalidNumberError) as abroad:
        to_e164("020 7946 0958")
    assert abroad.value.missing_country and abroad.value.suggested_country is None


def test_a_number_with_its_country_code_ignores_the_named_country() -> None:
    assert to_e164("+44 20 7946 0958", "US") == "+442079460958"


def test_a_named_country_must_be_a_known_two_letter_code() -> None:
    with pytest.raises(InvalidNumberError) as refused:
        to_e164("2025550100", "USA")
    assert (
        str(refused.value) == "'USA' is not a two-letter country code (ISO 3166-1), e.g. US, CA, GB"
    )


def test_a_national_number_in_the_named_country_that_is_too_short_names_the_country() -> None:
    with pytest.raises(InvalidNumberError, match="'555' is too short for a US number"):
        to_e164("555", "US")


def test_stored_and_exchanged_numbers_must_be_exactly_e164() -> None:
    assert strict_e164("+12025550100") == "+12025550100"
    with pytest.raises(InvalidNumberError) as spaced:
        strict_e164("+1 202 555 0100")
    assert str(spaced.value) == "'+1 202 555 0100' is not in E.164 form; write it as +12025550100"


def test_the_policy_and_api_field_type_says_the_same() -> None:
    with pytest.raises(ValidationError) as refused:
        Holder(number="2025550100")
    [problem] = refused.value.errors()
    assert "'2025550100' has no country code: write it in E.164 as +12025550100" in problem["msg"]


def test_genesys_dnis_entries_stay_read_as_north_american() -> None:
    """Vendor data, not operator input: Genesys stores national DNIS as it was given."""
    assert normalise_dnis("2025550100") == "+12025550100"
    assert normalise_dnis("ext-42") is None
