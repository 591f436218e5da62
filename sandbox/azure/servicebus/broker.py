"""An in-memory Service Bus queue broker with the semantics the worker relies on.

What Azure Service Bus guarantees and byoc-sync depends on, reproduced so the local host and
the tests exercise the same failure paths as production:

- **peek-lock**: a received message is locked, not removed; `complete` removes it,
  `abandon` (or an expired lock) makes it available again;
- **delivery count**: incremented on every lock; once a message has been delivered
  `max_delivery_count` times and is abandoned again it moves to the dead-letter queue with
  reason `MaxDeliveryCountExceeded`;
- **duplicate detection**: a second message with a `message_id` seen within the window is
  accepted by the sender and silently dropped;
- **sessions**: a session is held by one receiver at a time and its messages are delivered
  in order, the next only after the previous was settled;
- **scheduled enqueue time**: a message is invisible until then.

With a `journal` file the broker is durable: every change is written before it returns, and
a broker started on the same file carries on where the last one stopped, however it stopped
(the crash-safety tests kill the process that holds it).

Delivery is at least once: a consumer whose lock ran out while it worked (or whose completion
got lost on the way) sees its settled message again. `lost_completions` makes that happen
on purpose, so tests can prove every command survives running twice or three times.

The broker is thread-safe; `wait_for_activity` lets consumers sleep until something changes.
"""

from __future__ import annotations

import os
import pickle
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OutgoingMessage:
    """A message as a sender hands it over (the AMQP server builds these)."""

    body: bytes
    message_id: str | None = None
    session_id: str | None = None
    correlation_id: str | None = None
    content_type: str | None = None
    subject: str | None = None
    application_properties: Mapping[str, Any] = field(default_factory=dict)
    scheduled_enqueue_time_utc: datetime | None = None


@dataclass(frozen=True)
class BrokerMessage:
    """A message as a receiver sees it: the sender's fields plus the broker's."""

    body: bytes
    message_id: str | None
    session_id: str | None
    correlation_id: str | None
    content_type: str | None
    subject: str | None
    application_properties: Mapping[str, Any]
    sequence_number: int
    enqueued_time_utc: datetime
    scheduled_enqueue_time_utc: datetime | None
    delivery_count: int = 0
    lock_token: str | None = None
    locked_until_utc: datetime | None = None
    dead_letter_reason: str | None = None
    dead_letter_error_description: str | None = None


@dataclass(frozen=True)
class SessionLock:
    queue: str
    session_id: str
    token: str


class BrokerError(Exception):
    """A receiver used the broker wrongly (unknown queue, lost lock, not a session queue)."""


@dataclass
class _Queue:
    name: str
    requires_session: bool
    max_delivery_count: int
    duplicate_detection: bool
    messages: dict[int, BrokerMessage] = field(default_factory=dict)  # by sequence number
    dead: list[BrokerMessage] = field(default_factory=list)
    seen_ids: dict[str, datetime] = field(default_factory=dict)
    session_holders: dict[str, str] = field(default_factory=dict)  # session id -> lock token


class Broker:
    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = _utcnow,
        lock_duration_s: float = 60.0,
        duplicate_detection_window_s: float = 600.0,
        journal: Path | None = None,
    ) -> None:
        self._clock = clock
        self.lock_duration = timedelta(seconds=lock_duration_s)
        self.duplicate_detection_window = timedelta(seconds=duplicate_detection_window_s)
        self._queues: dict[str, _Queue] = {}
        self._locks: dict[str, tuple[str, int]] = {}  # lock token -> (queue, sequence number)
        self._sequence = 0
        self._changed = threading.Condition()
        self._closed = False
        self._journal = journal
        if journal is not None and journal.exists():
            self._restore(journal)
        # How many completions of a message are lost before one counts (0: none).
        self.lost_completions: Callable[[BrokerMessage], int] = lambda _message: 0

    # --- durability ------------------------------------------------------------------------

    @contextmanager
    def _mutating(self) -> Iterator[None]:
        """Hold the lock for a change; with a journal, the change is on disk before the
        caller hears of it (as Service Bus persists before it acknowledges)."""
        with self._changed:
            yield
            if self._journal is not None:
                state = (self._queues, self._locks, self._sequence)
                partial = self._journal.with_suffix(".partial")
                partial.write_bytes(pickle.dumps(state))
                os.replace(partial, self._journal)

    def _restore(self, journal: Path) -> None:
        """A restarted broker: messages and locks as they were; sessions were held by
        receivers that are gone, so they are free (their locks still run out in time)."""
        self._queues, self._locks, self._sequence = pickle.loads(journal.read_bytes())
        for queue in self._queues.values():
            queue.session_holders.clear()

    # --- administration ----------------------------------------------------------------------

    def create_queue(
        self,
        name: str,
        *,
        requires_session: bool = False,
        max_delivery_count: int = 10,
        duplicate_detection: bool = True,
    ) -> None:
        """Create a queue, or leave an existing one as it is (like `az servicebus queue create`
        on a queue Bicep already made)."""
        with self._mutating():
            self._queues.setdefault(
                name.lower(),
                _Queue(name, requires_session, max_delivery_count, duplicate_detection),
            )

    def has_queue(self, name: str) -> bool:
        with self._changed:
            return name.lower() in self._queues

    def _queue(self, name: str) -> _Queue:
        try:
            return self._queues[name.lower()]
        except KeyError:
            raise BrokerError(f"the messaging entity '{name}' could not be found") from None

    # --- sending -----------------------------------------------------------------------------

    def send(self, queue_name: str, message: OutgoingMessage) -> bool:
        """Enqueue; False when duplicate detection dropped the message."""
        with self._mutating():
            queue = self._queue(queue_name)
            now = self._clock()
            if queue.requires_session and not message.session_id:
                raise BrokerError(
                    f"queue '{queue.name}' requires sessions: the message has no session id"
                )
            if queue.duplicate_detection and message.message_id:
                horizon = now - self.duplicate_detection_window
                queue.seen_ids = {k: t for k, t in queue.seen_ids.items() if t > horizon}
                if message.message_id in queue.seen_ids:
                    return False
                queue.seen_ids[message.message_id] = now
            self._sequence += 1
            queue.messages[self._sequence] = BrokerMessage(
                body=message.body,
                message_id=message.message_id,
                session_id=message.session_id,
                correlation_id=message.correlation_id,
                content_type=message.content_type,
                subject=message.subject,
                application_properties=dict(message.application_properties),
                sequence_number=self._sequence,
                enqueued_time_utc=now,
                scheduled_enqueue_time_utc=message.scheduled_enqueue_time_utc,
            )
            self._changed.notify_all()
            return True

    # --- receiving ---------------------------------------------------------------------------

    def _visible(self, message: BrokerMessage, now: datetime) -> bool:
        due = message.scheduled_enqueue_time_utc
        return due is None or due <= now

    def _expire_locks(self, queue: _Queue, now: datetime) -> None:
        """A lock that ran out counts as an abandon (the consumer is presumed dead)."""
        for seq, message in list(queue.messages.items()):
            if message.locked_until_utc is not None and message.locked_until_utc <= now:
                assert message.lock_token is not None
                self._release(queue, seq, message, error="the message lock expired")

    def _lock(self, queue: _Queue, seq: int, now: datetime) -> BrokerMessage:
        token = str(uuid.uuid4())
        message = queue.messages[seq]
        locked = replace(
            message,
            delivery_count=message.delivery_count + 1,
            lock_token=token,
            locked_until_utc=now + self.lock_duration,
        )
        queue.messages[seq] = locked
        self._locks[token] = (queue.name.lower(), seq)
        return locked

    def receive(self, queue_name: str) -> BrokerMessage | None:
        """Lock the oldest available message of a queue without sessions."""
        with self._mutating():
            queue = self._queue(queue_name)
            if queue.requires_session:
                raise BrokerError(f"queue '{queue.name}' requires a session receiver")
            now = self._clock()
            self._expire_locks(queue, now)
            for seq, message in queue.messages.items():
                if message.lock_token is None and self._visible(message, now):
                    return self._lock(queue, seq, now)
            return None

    def accept_next_session(self, queue_name: str) -> SessionLock | None:
        """Take the oldest session that has a deliverable message and no holder."""
        with self._mutating():
            queue = self._queue(queue_name)
            if not queue.requires_session:
                raise BrokerError(f"queue '{queue.name}' does not use sessions")
            now = self._clock()
            self._expire_locks(queue, now)
            for message in queue.messages.values():
                session = message.session_id
                assert session is not None
                if session in queue.session_holders or not self._visible(message, now):
                    continue
                if self._head_of_session(queue, session, now) is not None:
                    lock = SessionLock(queue.name, session, str(uuid.uuid4()))
                    queue.session_holders[session] = lock.token
                    return lock
            return None

    def _head_of_session(self, queue: _Queue, session: str, now: datetime) -> int | None:
        """The next message of a session to deliver, or None while one is still in flight."""
        for seq, message in queue.messages.items():
            if message.session_id != session or not self._visible(message, now):
                continue
            return None if message.lock_token is not None else seq
        return None

    def receive_from_session(self, lock: SessionLock) -> BrokerMessage | None:
        with self._mutating():
            queue = self._queue(lock.queue)
            if queue.session_holders.get(lock.session_id) != lock.token:
                raise BrokerError(f"the lock on session '{lock.session_id}' was lost")
            now = self._clock()
            self._expire_locks(queue, now)
            seq = self._head_of_session(queue, lock.session_id, now)
            return None if seq is None else self._lock(queue, seq, now)

    def release_session(self, lock: SessionLock) -> None:
        with self._mutating():
            queue = self._queue(lock.queue)
            if queue.session_holders.get(lock.session_id) == lock.token:
                del queue.session_holders[lock.session_id]
            self._changed.notify_all()

    # --- settling ----------------------------------------------------------------------------

    def _locked(self, token: str) -> tuple[_Queue, int, BrokerMessage]:
        try:
            queue_key, seq = self._locks[token]
        except KeyError:
            raise BrokerError("the lock supplied is invalid or has expired") from None
        queue = self._queues[queue_key]
        return queue, seq, queue.messages[seq]

    def complete(self, token: str) -> None:
        with self._mutating():
            queue, seq, message = self._locked(token)
            if message.delivery_count <= self.lost_completions(message):
                # The lock was lost before the completion arrived: delivered again.
                self._release(queue, seq, message, error="the lock was lost before completion")
                return
            del self._locks[token]
            del queue.messages[seq]
            self._changed.notify_all()

    def abandon(self, token: str, *, error: str | None = None) -> None:
        """Give the message back; dead-letter it once its deliveries are spent."""
        with self._mutating():
            queue, seq, message = self._locked(token)
            self._release(queue, seq, message, error=error)

    def _release(
        self, queue: _Queue, seq: int, message: BrokerMessage, *, error: str | None
    ) -> None:
        assert message.lock_token is not None
        self._locks.pop(message.lock_token, None)
        if message.delivery_count >= queue.max_delivery_count:
            description = (
                f"Message could not be consumed after {message.delivery_count} delivery attempts."
            )
            if error:
                description += f" Last error: {error}"
            self._to_dead_letters(queue, seq, MAX_DELIVERY_COUNT_EXCEEDED, description)
        else:
            queue.messages[seq] = replace(message, lock_token=None, locked_until_utc=None)
        self._changed.notify_all()

    def dead_letter(self, token: str, *, reason: str, description: str | None = None) -> None:
        with self._mutating():
            queue, seq, _message = self._locked(token)
            del self._locks[token]
            self._to_dead_letters(queue, seq, reason, description)
            self._changed.notify_all()

    def _to_dead_letters(
        self, queue: _Queue, seq: int, reason: str, description: str | None
    ) -> None:
        message = queue.messages.pop(seq)
        queue.dead.append(
            replace(
                message,
                lock_token=None,
                locked_until_utc=None,
                dead_letter_reason=reason,
                dead_letter_error_description=description,
            )
        )

    # --- observation -------------------------------------------------------------------------

    def active_messages(self, queue_name: str) -> list[BrokerMessage]:
        """Messages waiting or in flight (Azure's active count; scheduled ones excluded)."""
        with self._changed:
            now = self._clock()
            return [m for m in self._queue(queue_name).messages.values() if self._visible(m, now)]

    def scheduled_messages(self, queue_name: str) -> list[BrokerMessage]:
        with self._changed:
            now = self._clock()
            queue = self._queue(queue_name)
            return [m for m in queue.messages.values() if not self._visible(m, now)]

    def dead_letters(self, queue_name: str) -> list[BrokerMessage]:
        with self._changed:
            return list(self._queue(queue_name).dead)

    def wait_for_activity(self, timeout_s: float) -> None:
        """Sleep until a message is sent or settled, a session freed, or the timeout."""
        with self._changed:
            if not self._closed:
                self._changed.wait(timeout_s)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
