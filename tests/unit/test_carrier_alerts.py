"""Termination-side alerts are counted per trunk, once per delivery, and the audit's
carrier-side rule reports the recent ones with their meaning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.audit import carrier_alerts
from shared.audit.carrier_alerts import ACCOUNT, WINDOW, Alert, TrunkAlerts, fold
from shared.audit.report import Severity
from shared.audit.rules import AuditInput, TerminationAuth, carrier_side
from shared.audit.run import gather
from shared.domain.model import OriginationUrl, Snapshot, TwilioTrunk
from shared.domain.policy import load_policy
from shared.events.twilio_events import ERROR_CODES
from shared.ports import StateStore, StateStoreError, StoredState
from tests.conftest import EXAMPLE_POLICY
from tests.support.memory_store import MemoryStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TRUNK = "TK" + "a" * 32
POLICY = load_policy(EXAMPLE_POLICY)


def Store(interleave: int = 0) -> MemoryStore:
    """Another request's write, when one interleaves, is someone else's alert."""

    def other(key: str) -> dict[str, Any]:
        folded = fold(None, [alert(32001, key="someone-else")])
        assert folded is not None
        return folded.model_dump(mode="json")

    return MemoryStore(interleave, other)


def alert(code: int, *, key: str = "e1", at: datetime = NOW, trunk: str | None = TRUNK) -> Alert:
    return Alert(
        code=code, meaning=ERROR_CODES[code].meaning, twilio_trunk_sid=trunk, at=at, event_key=key
    )


def counts(store: MemoryStore, key: str = TRUNK) -> dict[int, int]:
    record = TrunkAlerts.model_validate(store.rows[key].data)
    return {c.code: c.count for c in record.codes.values()}


def test_alerts_are_counted_per_trunk_and_code_with_first_and_last_time() -> None:
    store = Store()
    carrier_alerts.record(
        store,
        [
            alert(32205, key="e1", at=NOW - timedelta(hours=2)),
            alert(32205, key="e2", at=NOW),
            alert(32001, key="e3"),
            alert(32202, key="e4", trunk=None),
        ],
    )
    assert counts(store) == {32205: 2, 32001: 1}
    assert counts(store, ACCOUNT) == {32202: 1}
    assert store.saves == 2  # one write per trunk, however many alerts it got
    record = TrunkAlerts.model_validate(store.rows[TRUNK].data)
    geo = record.codes["32205"]
    assert (geo.first_at, geo.last_at) == (NOW - timedelta(hours=2), NOW)
    assert geo.meaning == ERROR_CODES[32205].meaning


def test_a_redelivered_alert_is_counted_once() -> None:
    store = Store()
    carrier_alerts.record(store, [alert(32205, key="e1")])
    carrier_alerts.record(store, [alert(32205, key="e1"), alert(32205, key="e1")])
    assert counts(store) == {32205: 1}
    assert store.saves == 1  # nothing new: nothing written


def test_a_code_quiet_for_longer_than_the_window_counts_from_one_again() -> None:
    store = Store()
    old = NOW - WINDOW - timedelta(days=1)
    carrier_alerts.record(store, [alert(32205, key="e1", at=old)])
    carrier_alerts.record(store, [alert(32205, key="e2")])
    record = TrunkAlerts.model_validate(store.rows[TRUNK].data)
    assert (record.codes["32205"].count, record.codes["32205"].first_at) == (1, NOW)


def test_only_the_last_event_keys_are_remembered() -> None:
    record = fold(None, [alert(32001, key=f"e{n}") for n in range(carrier_alerts.RECENT + 5)])
    assert record is not None and len(record.recent_events) == carrier_alerts.RECENT
    assert record.codes["32001"].count == carrier_alerts.RECENT + 5


def test_a_concurrent_write_is_read_again_and_counted_with() -> None:
    store = Store(interleave=1)
    carrier_alerts.record(store, [alert(32205)])
    assert counts(store) == {32001: 1, 32205: 1}


def test_a_record_that_keeps_changing_is_a_state_store_error() -> None:
    with pytest.raises(StateStoreError, match="kept changing"):
        carrier_alerts.record(Store(interleave=5), [alert(32205)])


def test_an_unreadable_record_starts_over() -> None:
    store = Store()
    store.rows[TRUNK] = StoredState({"codes": "nonsense"}, "0")
    carrier_alerts.record(store, [alert(32205)])
    assert counts(store) == {32205: 1}


# ------------------------------------------------------------------ the audit
PRIMARY_URL = "sip:byoc-primary.example:5061;transport=tls"
FAILOVER_URL = "sip:byoc-failover.example:5061;transport=tls"


def group_trunk() -> TwilioTrunk:
    return TwilioTrunk(
        sid=TRUNK,
        friendly_name="BYOC-Primary-Failover",
        origination_urls=tuple(
            OriginationUrl(sid=f"OU{n}", sip_url=url, priority=10 * n, weight=10, enabled=True)
            for n, url in enumerate((PRIMARY_URL, FAILOVER_URL), start=1)
        ),
    )


def alert_findings(store: MemoryStore, now: datetime = NOW) -> list[Any]:
    records = carrier_alerts.read(store, [TRUNK])
    recent = {key: found for key, r in records.items() if (found := r.within(now))}
    data = AuditInput(
        POLICY,
        Snapshot(twilio_trunks=(group_trunk(),)),
        {TRUNK: TerminationAuth(credential_lists=("creds",))},
        carrier_alerts=recent,
    )
    return [f for f in carrier_side(data) if any(o.startswith("Twilio ") for o in f.objects)]


def test_the_carrier_side_rule_reports_recent_alerts_with_their_meaning() -> None:
    store = Store()
    carrier_alerts.record(
        store,
        [
            alert(32205, key="e1", at=NOW - timedelta(hours=3)),
            alert(32205, key="e2", at=NOW - timedelta(hours=1)),
            alert(32202, key="e3", trunk=None),
        ],
    )
    geo, account = alert_findings(store)
    assert geo.severity is Severity.WARNING
    assert geo.objects == ("BYOC-Primary-Failover", "Twilio 32205")
    assert geo.message == (
        "Twilio refused outbound calls on trunk BYOC-Primary-Failover: 32205 "
        f"{ERROR_CODES[32205].meaning} (2 time(s), 2026-03-01 09:00 to 2026-03-01 11:00 UTC)"
    )
    assert "https://www.twilio.com/docs/api/errors/32205" in geo.remediation
    assert "failover would not help" in geo.remediation
    assert account.objects == ("Twilio account", "Twilio 32202")
    assert "on a trunk the alerts did not name: 32202 SIP: Bad user credentials" in account.message


def test_alerts_older_than_the_window_are_no_finding() -> None:
    store = Store()
    carrier_alerts.record(store, [alert(32205)])
    assert alert_findings(store, now=NOW + WINDOW - timedelta(minutes=1))
    assert alert_findings(store, now=NOW + WINDOW + timedelta(minutes=1)) == []


class _Vendors:
    """Just enough of both vendors for `gather` (an empty estate)."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: []


@pytest.mark.parametrize(
    "failure", [StateStoreError("table unreachable"), ValueError("bad connection string")]
)
def test_the_audit_runs_without_alerts_it_cannot_read(
    failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> StateStore:
        raise failure

    data = gather(POLICY, _Vendors(), _Vendors(), alerts=broken, now=NOW)
    assert data.carrier_alerts == {}
    assert any("carrier-side alerts not read" in r.getMessage() for r in caplog.records)
    assert "bad connection string" not in caplog.text  # it may hold the account key
