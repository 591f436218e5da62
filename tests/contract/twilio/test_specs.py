"""Twilio's OpenAPI specs are what the emulator's wire format is checked against."""

from __future__ import annotations

import pytest

from tests.contract.twilio.conftest import SPECS_DIR, SpecValidator


@pytest.mark.contract
def test_vendor_specs_are_loaded_for_validation(spec_validator: SpecValidator | None) -> None:
    if spec_validator is None:
        pytest.skip(
            f"Twilio OpenAPI specs not found at {SPECS_DIR}: requests and responses were "
            "not validated against them (the behaviour tests still ran)"
        )
    assert spec_validator.apps, "no spec loaded"
