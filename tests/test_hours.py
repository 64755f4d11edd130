"""Support hours: Monday-Friday 08:30-17:00 in Amsterdam, with holidays, counted exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chatdesk.core.hours import AROUND_THE_CLOCK, SupportHours, parse_days, parse_span

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def hours() -> SupportHours:
    start, end = parse_span("08:30-17:00")
    return SupportHours(AMS, parse_days("mon-fri"), start, end, frozenset({date(2026, 12, 25)}))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=AMS)


def test_open_on_working_days_only(hours):
    assert hours.is_open(at(23, 9))  # Monday
    assert not hours.is_open(at(23, 8, 29))
    assert not hours.is_open(at(23, 17))
    assert not hours.is_open(at(28, 12))  # Saturday
    assert not hours.is_open(at(25, 12, month=12))  # Christmas


def test_out_of_hours_tickets_are_picked_up_the_next_working_day(hours):
    assert hours.next_open(at(27, 18)) == at(30, 8, 30)  # Friday evening -> Monday
    assert hours.next_open(at(24, 12, month=12)) == at(24, 12, month=12)
    assert hours.next_open(at(24, 17, 30, month=12)) == at(28, 8, 30, month=12)
    assert hours.next_open(at(23, 7).astimezone(UTC)) == at(23, 8, 30)


def test_support_time_between_two_moments(hours):
    assert hours.between(at(23, 9), at(23, 10)) == timedelta(hours=1)
    assert hours.between(at(27, 16), at(30, 9, 30)) == timedelta(hours=2)  # over a weekend
    assert hours.between(at(23, 18), at(24, 8)) == timedelta()
    assert hours.between(at(24, 9), at(23, 9)) == timedelta()


def test_adding_support_time(hours):
    assert hours.add(at(23, 16), timedelta(hours=2)) == at(24, 9, 30)
    assert hours.add(at(27, 20), timedelta(hours=1)) == at(30, 9, 30)
    assert hours.add(at(23, 9), timedelta(hours=8, minutes=30)) == at(24, 9)


@pytest.mark.parametrize("text", ["", "mon-funday", "someday"])
def test_bad_days_are_refused(text):
    with pytest.raises(ValueError):
        parse_days(text)


def test_day_ranges_and_spans():
    assert parse_days("sat-mon") == frozenset({5, 6, 0})
    with pytest.raises(ValueError):
        parse_span("17:00-08:30")


def test_around_the_clock_counts_every_minute():
    saturday_night = at(28, 2)
    assert AROUND_THE_CLOCK.is_open(saturday_night)
    assert AROUND_THE_CLOCK.next_open(saturday_night) == saturday_night
    assert AROUND_THE_CLOCK.between(saturday_night, at(28, 3, 30)) == timedelta(hours=1.5)
    assert AROUND_THE_CLOCK.between(at(28, 3), saturday_night) == timedelta()
    assert AROUND_THE_CLOCK.add(saturday_night, timedelta(hours=4)) == at(28, 6)


def test_support_time_is_counted_across_a_summer_time_change(hours):
    # Sunday 29 March 2026 clocks go forward; the desk's hours stay 08:30-17:00 local
    assert hours.between(at(27, 16, month=3), at(30, 9, 30, month=3)) == timedelta(hours=2)
    assert hours.add(at(27, 16, month=3), timedelta(hours=2)) == at(30, 9, 30, month=3)


def test_a_round_the_clock_window_counts_real_time_on_the_days_the_clocks_change():
    """A desk open 00:00-23:59 every day: on 29 March 2026 02:00-03:00 does not exist, and on
    25 October 02:00-03:00 happens twice. Support time is real time, not clock time."""
    start, end = parse_span("00:00-23:59")
    desk = SupportHours(AMS, parse_days("mon-sun"), start, end)
    spring = at(29, 0, month=3)
    assert desk.between(spring, at(29, 6, month=3)) == timedelta(hours=5)
    assert desk.add(spring, timedelta(hours=5)) == at(29, 6, month=3)
    autumn = at(25, 0, month=10)
    assert desk.between(autumn, at(25, 6, month=10)) == timedelta(hours=7)
    assert desk.add(autumn, timedelta(hours=7)) == at(25, 6, month=10)
