"""Twilio's OpenAPI specs are what the emulator's wire format is checked against."""

from __future__ import annotations

import pytest

from tests.contract.twilio.conftest import SPEC_FILES, SpecValidator


@pytest.mark.contract
def test_vendor_specs_are_loaded_for_validation(spec_validator: SpecValidator) -> None:
    assert set(spec_validator.apps) == set(SPEC_FILES), "not every Twilio spec was loaded"
