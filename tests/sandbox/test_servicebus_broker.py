"""The sandbox broker keeps Service Bus's promises: peek-lock, delivery count, dead-letter at
max deliveries, duplicate detection within a window, sessions in order with one holder,
scheduled enqueue time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.azure.servicebus import (
    MAX_DELIVERY_COUNT_EXCEEDED,
    Broker,
    BrokerError,
    OutgoingMessage,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def broker(clock: Clock) -> Broker:
    broker = Broker(clock=clock, lock_duration_s=30, duplicate_detection_window_s=600)
    broker.create_queue("plain", max_delivery_count=3)
    broker.create_queue("sessions", requires_session=True, max_delivery_count=3)
    return broker


def msg(
    message_id: str, session: str | None = None, scheduled: datetime | None = None
) -> OutgoingMessage:
    return OutgoingMessage(
        body=message_id.encode(),
        message_id=message_id,
        session_id=session,
        scheduled_enqueue_time_utc=scheduled,
    )


def test_a_received_message_is_locked_until_completed(broker: Broker) -> None:
    broker.send("plain", msg("a"))
    first = broker.receive("plain")
    assert first is not None and first.delivery_count == 1 and first.lock_token
    assert broker.receive("plain") is None  # locked, not gone
    broker.complete(first.lock_token)
    assert broker.active_messages("plain") == []


def test_an_abandoned_message_comes_back_with_a_higher_delivery_count(broker: Broker) -> None:
    broker.send("plain", msg("a"))
    first = broker.receive("plain")
    assert first is not None and first.lock_token
    broker.abandon(first.lock_token)
    again = broker.receive("plain")
    assert again is not None and again.delivery_count == 2


def test_a_lost_completion_delivers_the_message_again(broker: Broker) -> None:
    broker.lost_completions = lambda message: 1  # the first completion never arrives
    broker.send("plain", msg("a"))
    first = broker.receive("plain")
    assert first is not None and first.lock_token
    broker.complete(first.lock_token)
    again = broker.receive("plain")
    assert again is not None and again.delivery_count == 2 and again.lock_token
    broker.complete(again.lock_token)
    assert broker.active_messages("plain") == [] and broker.dead_letters("plain") == []


def test_max_deliveries_dead_letter_the_message_with_the_last_error(broker: Broker) -> None:
    broker.send("plain", msg("poison"))
    for _ in range(3):
        delivered = broker.receive("plain")
        assert delivered is not None and delivered.lock_token
        broker.abandon(delivered.lock_token, error="ValueError: bad body")
    assert broker.receive("plain") is None
    (dead,) = broker.dead_letters("plain")
    assert dead.message_id == "poison" and dead.delivery_count == 3
    assert dead.dead_letter_reason == MAX_DELIVERY_COUNT_EXCEEDED
    assert dead.dead_letter_error_description == (
        "Message could not be consumed after 3 delivery attempts. Last error: ValueError: bad body"
    )


def test_an_expired_lock_counts_as_a_delivery(broker: Broker, clock: Clock) -> None:
    broker.send("plain", msg("a"))
    assert broker.receive("plain") is not None
    clock.advance(31)
    again = broker.receive("plain")
    assert again is not None and again.delivery_count == 2
    with pytest.raises(BrokerError, match="lock"):
        broker.complete("not-a-token")


def test_duplicates_are_dropped_within_the_window_only(broker: Broker, clock: Clock) -> None:
    assert broker.send("plain", msg("same")) is True
    assert broker.send("plain", msg("same")) is False
    assert len(broker.active_messages("plain")) == 1
    clock.advance(601)
    assert broker.send("plain", msg("same")) is True


def test_a_session_has_one_holder_and_runs_in_order(broker: Broker) -> None:
    for n in range(3):
        broker.send("sessions", msg(f"s1-{n}", "s1"))
    broker.send("sessions", msg("s2-0", "s2"))
    holder = broker.accept_next_session("sessions")
    assert holder is not None and holder.session_id == "s1"
    other = broker.accept_next_session("sessions")
    assert other is not None and other.session_id == "s2"  # s1 is taken
    first = broker.receive_from_session(holder)
    assert first is not None and first.message_id == "s1-0" and first.lock_token
    assert broker.receive_from_session(holder) is None  # the next waits for s1-0 to settle
    broker.abandon(first.lock_token)
    retried = broker.receive_from_session(holder)
    assert retried is not None and retried.message_id == "s1-0"  # order survives a retry
    assert retried.lock_token
    broker.complete(retried.lock_token)
    following = broker.receive_from_session(holder)
    assert following is not None and following.message_id == "s1-1"
    broker.release_session(other)
    assert broker.accept_next_session("sessions") is not None  # s2 is free again


def test_a_session_queue_refuses_a_message_without_a_session(broker: Broker) -> None:
    with pytest.raises(BrokerError, match="requires sessions"):
        broker.send("sessions", msg("orphan"))
    with pytest.raises(BrokerError, match="could not be found"):
        broker.send("nope", msg("x"))


def test_a_scheduled_message_is_invisible_until_its_time(broker: Broker, clock: Clock) -> None:
    later = clock.now + timedelta(seconds=90)
    broker.send("plain", msg("later", scheduled=later))
    assert broker.receive("plain") is None
    assert broker.active_messages("plain") == []
    assert [m.message_id for m in broker.scheduled_messages("plain")] == ["later"]
    clock.advance(90)
    delivered = broker.receive("plain")
    assert delivered is not None and delivered.message_id == "later"


def test_a_journalled_broker_survives_its_process(clock: Clock, tmp_path: Path) -> None:
    journal = tmp_path / "broker.journal"
    first = Broker(clock=clock, lock_duration_s=30, journal=journal)
    first.create_queue("sessions", requires_session=True, max_delivery_count=3)
    first.send("sessions", msg("a", "s1"))
    lock = first.accept_next_session("sessions")
    assert lock is not None
    taken = first.receive_from_session(lock)
    assert taken is not None  # ... and then the process holding `first` dies
    second = Broker(clock=clock, lock_duration_s=30, journal=journal)
    assert second.accept_next_session("sessions") is None  # its message is still locked
    clock.advance(31)  # the dead consumer's lock runs out
    held = second.accept_next_session("sessions")
    assert held is not None
    again = second.receive_from_session(held)
    assert again is not None and again.message_id == "a" and again.delivery_count == 2
