"""Purchase reservations in Azure Table Storage (Azurite): one request per number."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.azure.azurite import Azurite
from shared.adapters.table_store import TableStateStore, table_client
from shared.numbers.reservations import PARTITION, NumberReservations
from shared.settings import HostStorageConnection

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NUMBER = "+12025550150"


@pytest.fixture
def reservations(azurite: Azurite) -> Iterator[NumberReservations]:
    connection = HostStorageConnection(AzureWebJobsStorage=azurite.connection_string)
    client = table_client(connection, f"claims{secrets.token_hex(4)}")
    with TableStateStore(client, PARTITION) as store:
        yield NumberReservations(store, ttl=timedelta(hours=1))


def test_a_number_is_held_by_the_first_request_only(reservations: NumberReservations) -> None:
    assert reservations.claim(NUMBER, "request-a", NOW)
    assert not reservations.claim(NUMBER, "request-b", NOW + timedelta(minutes=5))
    assert reservations.claim(NUMBER, "request-a", NOW + timedelta(minutes=5))  # its retry
    assert reservations.claim("+12025550151", "request-b", NOW)  # other numbers are free


def test_a_lapsed_claim_can_be_taken_over(reservations: NumberReservations) -> None:
    assert reservations.claim(NUMBER, "request-a", NOW)
    assert reservations.claim(NUMBER, "request-b", NOW + timedelta(hours=1, seconds=1))
    assert not reservations.claim(NUMBER, "request-a", NOW + timedelta(hours=1, seconds=2))
