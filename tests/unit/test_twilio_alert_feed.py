"""Twilio's alert feed: an origination error evaluates its trunk's group once per poll, a
termination error is counted (keyed by its alert SID, as the webhook keys it), the rest
is let go, and no alert is handled twice across polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain.commands import EvaluateTrunkGroup
from shared.domain.model import TwilioAlert
from shared.events.twilio_alert_feed import AlertPoll, commit, poll
from tests.support.memory_store import MemoryStore

T0 = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
TRUNK = "TK" + "a" * 32


class Alerts:
    def __init__(self) -> None:
        self.alerts: list[TwilioAlert] = []

    def add(self, code: str, at: datetime, text: str = f"trunk {TRUNK}") -> None:
        sid = f"NO{len(self.alerts):032d}"
        self.alerts.append(TwilioAlert(sid=sid, error_code=code, event_date=at, alert_text=text))

    def alerts_since(self, start: datetime) -> list[TwilioAlert]:
        return [a for a in self.alerts if a.event_date >= start]


def polled(account: Alerts, store: MemoryStore, at: datetime) -> AlertPoll | None:
    result = poll(account, store, at, "cid")  # type: ignore[arg-type]
    if result is not None:
        commit(store, result)
    return result


def test_origination_errors_evaluate_once_per_trunk_and_termination_errors_are_counted() -> None:
    account, store = Alerts(), MemoryStore()
    assert polled(account, store, T0) is None
    for code in ("32011", "32010", "32202", "11200"):
        account.add(code, T0 + timedelta(seconds=5))
    result = polled(account, store, T0 + timedelta(seconds=60))
    assert result is not None
    (queued,) = result.commands
    assert isinstance(queued.command, EvaluateTrunkGroup)
    assert queued.command.twilio_trunk_sid == TRUNK
    (counted,) = result.observed
    assert (counted.code, counted.event_key) == (32202, f"twilio-alert:{account.alerts[2].sid}")
    assert result.ignored == 1

    again = polled(account, store, T0 + timedelta(seconds=120))
    assert again is not None and again.commands == [] and again.observed == []


def test_an_alert_at_the_watermarks_second_is_handled_once() -> None:
    account, store = Alerts(), MemoryStore()
    polled(account, store, T0)
    account.add("32011", T0)
    first = polled(account, store, T0 + timedelta(seconds=30))
    assert first is not None and len(first.commands) == 1
    second = polled(account, store, T0 + timedelta(seconds=60))
    assert second is not None and second.commands == []
