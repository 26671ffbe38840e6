"""Working-hours arithmetic: worked examples, then the properties that must hold for any start."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.workflow.deadlines import SHANGHAI, WorkCalendar, add_working_hours
from tests.workflow.toy import CALENDAR

OFFICE = CALENDAR


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_a_morning_start_carries_over_the_lunch_break():
    assert add_working_hours(at(2026, 3, 2, 11, 0), 2, OFFICE) == at(2026, 3, 2, 14, 30)


def test_a_friday_evening_start_counts_from_monday_morning():
    assert add_working_hours(at(2026, 3, 6, 18, 0), 1, OFFICE) == at(2026, 3, 9, 9, 30)


def test_national_day_is_skipped_and_the_make_up_saturday_worked():
    # Wednesday 30 September 17:00 + 1 h: half an hour left that day, then the week off,
    # then Thursday 8 October.
    assert add_working_hours(at(2026, 9, 30, 17, 0), 1, OFFICE) == at(2026, 10, 8, 9, 0)
    # Friday 9 October 17:00 + 1 h ends on the make-up Saturday 10 October.
    assert add_working_hours(at(2026, 10, 9, 17, 0), 1, OFFICE) == at(2026, 10, 10, 9, 0)


def test_it_refuses_naive_starts_negative_hours_and_empty_calendars():
    with pytest.raises(ValueError):
        add_working_hours(datetime(2026, 3, 2, 9), 1, OFFICE)
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 3, 2, 9), -1, OFFICE)
    with pytest.raises(ValueError):
        WorkCalendar(weekly={})
    with pytest.raises(ValueError):
        WorkCalendar(weekly={0: ((time(12), time(9)),)})


starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(SHANGHAI)
)
# Whole minutes up to two working weeks: exact in floating point, varied enough.
hours = st.integers(min_value=0, max_value=75 * 60).map(lambda m: m / 60)
ONE_MICROSECOND = timedelta(microseconds=1)


@given(start=starts, h=hours)
def test_the_deadline_never_comes_before_the_start(start, h):
    assert add_working_hours(start, h, OFFICE) >= start


@given(start=starts, h1=hours, h2=hours)
def test_adding_in_two_steps_equals_adding_at_once(start, h1, h2):
    stepwise = add_working_hours(add_working_hours(start, h1, OFFICE), h2, OFFICE)
    assert abs(stepwise - add_working_hours(start, h1 + h2, OFFICE)) <= ONE_MICROSECOND


@given(start=starts)
def test_zero_hours_on_a_working_instant_is_the_instant_itself(start):
    if OFFICE.contains(start):
        assert add_working_hours(start, 0, OFFICE) == start


@given(start=starts, h=hours.filter(lambda h: h > 0))
def test_a_positive_deadline_always_falls_in_working_time(start, h):
    assert OFFICE.contains(add_working_hours(start, h, OFFICE))


@given(start=starts.map(lambda d: d.astimezone(UTC)), h=hours)
def test_round_the_clock_is_plain_time(start, h):
    assert add_working_hours(start, h, None) == start + timedelta(hours=h)


def test_weekly_periods_are_per_weekday():
    saturday_mornings = WorkCalendar(weekly={5: ((time(9), time(12)),)})
    assert add_working_hours(at(2026, 3, 2, 9), 4, saturday_mornings) == at(2026, 3, 14, 10, 0)
    assert saturday_mornings.periods_on(date(2026, 3, 7)) == ((time(9), time(12)),)
