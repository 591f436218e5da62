"""The local host fires timers when Azure would: six-field NCRONTAB, seconds first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandbox.azure.functions_host.ncrontab import Schedule, ScheduleError

AT = datetime(2026, 11, 21, 10, 7, 3, tzinfo=UTC)  # a Saturday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 */15 * * * *", datetime(2026, 11, 21, 10, 15, 0, tzinfo=UTC)),
        ("0 */1 * * * *", datetime(2026, 11, 21, 10, 8, 0, tzinfo=UTC)),
        ("*/5 * * * * *", datetime(2026, 11, 21, 10, 7, 5, tzinfo=UTC)),
        ("0 30 9 * * 1-5", datetime(2026, 11, 23, 9, 30, 0, tzinfo=UTC)),  # next Monday
        ("0 0 0 1 1 *", datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC)),
        ("15,45 * * * * *", datetime(2026, 11, 21, 10, 7, 15, tzinfo=UTC)),
    ],
)
def test_next_fire_time(expression: str, expected: datetime) -> None:
    assert Schedule.parse(expression).next_after(AT) == expected


def test_the_next_time_is_strictly_after_a_time_that_matches() -> None:
    at = datetime(2026, 11, 21, 10, 15, 0, tzinfo=UTC)
    assert Schedule.parse("0 */15 * * * *").next_after(at).minute == 30


@pytest.mark.parametrize(
    ("expression", "reason"),
    [("*/5 * * * *", "needs 6"), ("0 61 * * * *", "minute"), ("x * * * * *", "second")],
)
def test_bad_schedules_name_the_problem(expression: str, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason):
        Schedule.parse(expression)
