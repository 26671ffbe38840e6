"""Working-hours arithmetic in Asia/Shanghai: a deadline is a start plus some working hours."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

Period = tuple[time, time]
# Holidays may block long stretches (Spring Festival), never ten years: beyond that the
# calendar is wrong and we say so instead of looping.
_MAX_DAYS = 3660

_OFFICE_DAY: tuple[Period, ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))


@dataclass(frozen=True)
class WorkCalendar:
    """Working periods per weekday (0 = Monday), holidays, and make-up working days (调休).

    A make-up day is worked with `makeup_periods` (by default Monday's) even on a weekend.
    Periods are closed intervals: a deadline may fall exactly at 17:30.
    """

    weekly: Mapping[int, tuple[Period, ...]]
    holidays: frozenset[date] = frozenset()
    makeup_days: frozenset[date] = frozenset()
    makeup_periods: tuple[Period, ...] = field(default=())

    def __post_init__(self) -> None:
        for weekday, periods in self.weekly.items():
            if weekday not in range(7):
                raise ValueError(f"weekday {weekday} is not 0..6")
            _check_periods(periods)
        _check_periods(self.makeup_periods)
        if not any(self.weekly.values()) and not (self.makeup_days and self._makeup()):
            raise ValueError("a work calendar needs at least one working period")

    @classmethod
    def office_hours(
        cls, *, holidays: frozenset[date] = frozenset(), makeup_days: frozenset[date] = frozenset()
    ) -> WorkCalendar:
        """08:30–12:00 and 13:30–17:30, Monday to Friday: government office hours."""
        return cls(
            weekly={day: _OFFICE_DAY for day in range(5)},
            holidays=holidays,
            makeup_days=makeup_days,
        )

    def _makeup(self) -> tuple[Period, ...]:
        return self.makeup_periods or self.weekly.get(0, ())

    def periods_on(self, day: date) -> tuple[Period, ...]:
        """The working periods of one calendar day, in order."""
        if day in self.holidays:
            return ()
        if day in self.makeup_days:
            return self._makeup()
        return tuple(self.weekly.get(day.weekday(), ()))

    def contains(self, moment: datetime) -> bool:
        """Whether an aware moment falls inside working time (period ends included)."""
        local = moment.astimezone(SHANGHAI)
        clock = local.time().replace(tzinfo=None)
        return any(begin <= clock <= end for begin, end in self.periods_on(local.date()))


def _check_periods(periods: tuple[Period, ...]) -> None:
    previous_end: time | None = None
    for begin, end in periods:
        if not begin < end:
            raise ValueError(f"period {begin}–{end} is empty")
        if previous_end is not None and begin < previous_end:
            raise ValueError("periods must be in order and must not overlap")
        previous_end = end


def _windows(calendar: WorkCalendar, first_day: date) -> Iterator[tuple[datetime, datetime]]:
    """Working windows as naive local datetimes, from `first_day` on."""
    for offset in range(_MAX_DAYS):
        day = first_day + timedelta(days=offset)
        for begin, end in calendar.periods_on(day):
            yield datetime.combine(day, begin), datetime.combine(day, end)
    raise ValueError(f"no working time within {_MAX_DAYS} days: check the calendar")


def add_working_hours(start: datetime, hours: float, calendar: WorkCalendar | None) -> datetime:
    """The moment `hours` working hours after `start`; `calendar=None` means round the clock.

    The result is aware, in Asia/Shanghai. Zero hours returns `start` itself.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if hours < 0:
        raise ValueError("hours must not be negative")
    if calendar is None:
        return (start + timedelta(hours=hours)).astimezone(SHANGHAI)
    if hours == 0:
        return start
    remaining = timedelta(hours=hours)
    # Shanghai has kept one offset since 1991, so naive local arithmetic is exact.
    cursor = start.astimezone(SHANGHAI).replace(tzinfo=None)
    for begin, end in _windows(calendar, cursor.date()):
        begin = max(begin, cursor)
        if begin >= end:
            continue
        if remaining <= end - begin:
            return (begin + remaining).replace(tzinfo=SHANGHAI)
        remaining -= end - begin
    raise AssertionError("unreachable: _windows raises when it runs out")  # pragma: no cover
