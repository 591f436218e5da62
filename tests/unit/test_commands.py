"""Queue messages: versioned, idempotent, ordered per number or trunk group."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.domain.commands import (
    CommandEnvelope,
    EvaluateTrunkGroup,
    PurchaseNumber,
    PurchaseRequest,
    ReconcileNumbers,
    ReleaseNumber,
    envelope,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_a_command_survives_the_queue_round_trip() -> None:
    sent = envelope(ReleaseNumber(phone_number="+12025550100"), correlation_id="c-1", now=NOW)
    received = CommandEnvelope.from_message_body(sent.to_message_body().encode())
    assert received == sent
    assert isinstance(received.command, ReleaseNumber)


def test_the_same_event_queued_twice_is_one_message_id() -> None:
    command = ReconcileNumbers(phone_numbers=("+12025550100",), reason="number updated")
    first = envelope(command, correlation_id="a", idempotency_key="twilio-token-1")
    second = envelope(command, correlation_id="b", idempotency_key="twilio-token-1")
    other = envelope(command, correlation_id="c", idempotency_key="twilio-token-2")
    assert first.command_id == second.command_id != other.command_id


def test_api_requests_without_a_key_are_distinct_commands() -> None:
    command = PurchaseNumber(request=PurchaseRequest(route="main", area_code="202"))
    assert (
        envelope(command, correlation_id="a").command_id
        != envelope(command, correlation_id="a").command_id
    )


@pytest.mark.parametrize(
    ("command", "session"),
    [
        (ReleaseNumber(phone_number="+12025550100"), "+12025550100"),
        (
            PurchaseNumber(request=PurchaseRequest(route="main", phone_number="+12025550150")),
            "+12025550150",
        ),
        (PurchaseNumber(request=PurchaseRequest(route="main", area_code="202")), "purchase:main"),
        (ReconcileNumbers(phone_numbers=("+12025550100",)), "+12025550100"),
        (ReconcileNumbers(), "reconcile"),
        (ReconcileNumbers(genesys_ivr_id="ivr-1"), "reconcile"),
        (ReconcileNumbers(phone_numbers=("+12025550100",), genesys_did_pool_id="p"), "reconcile"),
        (
            EvaluateTrunkGroup(trunk_group="TG-BYOC-Primary-Failover"),
            "trunk-group:TG-BYOC-Primary-Failover",
        ),
        (EvaluateTrunkGroup(genesys_trunk_id="t-1"), "trunk:t-1"),
    ],
)
def test_commands_about_one_thing_share_a_session(command: object, session: str) -> None:
    assert envelope(command, correlation_id="x").session_id == session  # type: ignore[arg-type]


def test_unknown_versions_and_types_are_refused_not_guessed() -> None:
    body = envelope(ReconcileNumbers(), correlation_id="x", now=NOW).model_dump(mode="json")
    with pytest.raises(ValidationError, match="schema_version"):
        CommandEnvelope.model_validate({**body, "schema_version": 2})
    with pytest.raises(ValidationError, match="command"):
        CommandEnvelope.model_validate({**body, "command": {"type": "format_disk"}})
    with pytest.raises(ValidationError):
        CommandEnvelope.from_message_body(b"not json")
