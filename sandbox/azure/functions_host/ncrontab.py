"""NCRONTAB, the six-field cron of Azure Functions timers: `sec min hour day month weekday`.

Supported per field: `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`; weekday
0-6 from Sunday (7 is Sunday too). Day and weekday combine as in cron: when both are
restricted, a time matches either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

_FIELDS = (
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day", 1, 31),
    ("month", 1, 12),
    ("weekday", 0, 7),
)


class ScheduleError(ValueError):
    """Not a six-field NCRONTAB expression; the message names the field."""


def _field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        spec, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if spec == "*":
                start, end = low, high
            elif "-" in spec:
                first, last = spec.split("-", 1)
                start, end = int(first), int(last)
            else:
                start = int(spec)
                end = high if step_text else start
        except ValueError as error:
            raise ScheduleError(f"{name} field {text!r} is not a cron field") from error
        if step < 1 or not low <= start <= end <= high:
            raise ScheduleError(f"{name} field {text!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Schedule:
    expression: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> Schedule:
        parts = expression.split()
        if len(parts) != 6:
            raise ScheduleError(
                f"{expression!r} has {len(parts)} fields; NCRONTAB needs 6 "
                "(second minute hour day month weekday)"
            )
        second, minute, hour, day, month, weekday = (
            _field(p, n, lo, hi) for p, (n, lo, hi) in zip(parts, _FIELDS, strict=True)
        )
        return cls(
            expression,
            seconds=second,
            minutes=minute,
            hours=hour,
            days=day,
            months=month,
            weekdays=frozenset(d % 7 for d in weekday),  # 7 is Sunday too
            any_day=parts[3] == "*",
            any_weekday=parts[5] == "*",
        )

    def _day_matches(self, day: datetime) -> bool:
        in_days = day.day in self.days
        in_weekdays = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_days and in_weekdays
        return in_days or in_weekdays

    def next_after(self, moment: datetime) -> datetime:
        """The first scheduled time strictly after `moment` (same tzinfo)."""
        start = moment.replace(microsecond=0) + timedelta(seconds=1)
        day = start.replace(hour=0, minute=0, second=0)
        for _ in range(366 * 5):
            if day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        for second in sorted(self.seconds):
                            candidate = day.replace(hour=hour, minute=minute, second=second)
                            if candidate >= start:
                                return candidate
            day += timedelta(days=1)
        raise ScheduleError(f"{self.expression!r} never fires")
