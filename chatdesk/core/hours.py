"""Support hours: when the desk is staffed, and time counted only while it is.

The manuals: the desk is open on working days from 08:30 to 17:00 (Europe/Amsterdam), intake
runs 24/7, and a ticket sent out of hours is picked up the next working day. Service targets
are counted in these hours, so a ticket sent on Friday evening is not late on Saturday.

Everything here is pure arithmetic on aware datetimes, so the rules are tested with a clock
the tests control.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Calendar(Protocol):
    """What the service-target clock needs from a calendar: support time between two moments,
    and the moment when some support time has passed. :class:`SupportHours` counts only the
    desk's opening hours; :data:`AROUND_THE_CLOCK` counts every minute (urgent tickets)."""

    def is_open(self, moment: datetime) -> bool: ...

    def next_open(self, moment: datetime) -> datetime: ...

    def between(self, earlier: datetime, later: datetime) -> timedelta: ...

    def add(self, moment: datetime, duration: timedelta) -> datetime: ...


@dataclass(frozen=True)
class AroundTheClock:
    """A calendar that is always open: urgent tickets when CHATDESK_URGENT_AROUND_THE_CLOCK."""

    def is_open(self, moment: datetime) -> bool:
        return True

    def next_open(self, moment: datetime) -> datetime:
        return moment

    def between(self, earlier: datetime, later: datetime) -> timedelta:
        return max(later - earlier, timedelta())

    def add(self, moment: datetime, duration: timedelta) -> datetime:
        return moment + duration


AROUND_THE_CLOCK = AroundTheClock()


@dataclass(frozen=True)
class SupportHours:
    zone: ZoneInfo
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time
    holidays: frozenset[date] = frozenset()

    def _is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """When ``day``'s support hours open and close, in UTC: Python subtracts two times of
        one zone by their clocks, which is an hour off across a daylight-saving change."""
        return (
            datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC),
            datetime.combine(day, self.end, tzinfo=self.zone).astimezone(UTC),
        )

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        if not self._is_working_day(local.date()):
            return False
        opens, closes = self._window(local.date())
        return opens <= local < closes

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` if the desk is open then, else when it next opens."""
        local = moment.astimezone(self.zone)
        day = local.date()
        for _ in range(370):
            if self._is_working_day(day):
                opens, closes = self._window(day)
                if local < opens:
                    return opens
                if local < closes:
                    return local.astimezone(UTC)
            day += timedelta(days=1)
            local = datetime.combine(day, time.min, tzinfo=self.zone)
        raise ValueError("no support hours in the coming year")

    def between(self, earlier: datetime, later: datetime) -> timedelta:
        """Support time elapsed from ``earlier`` to ``later`` (zero if later is not later)."""
        total = timedelta()
        if later <= earlier:
            return total
        day = earlier.astimezone(self.zone).date()
        last = later.astimezone(self.zone).date()
        while day <= last:
            if self._is_working_day(day):
                opens, closes = self._window(day)
                overlap = min(closes, later) - max(opens, earlier)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total

    def add(self, moment: datetime, duration: timedelta) -> datetime:
        """The moment when ``duration`` of support time has passed after ``moment``."""
        current = self.next_open(moment)
        remaining = duration
        for _ in range(3700):
            _, closes = self._window(current.astimezone(self.zone).date())
            available = closes - current
            if remaining <= available:
                return current + remaining
            remaining -= available
            current = self.next_open(closes)
        raise ValueError("duration too long for the support calendar")


def parse_days(text: str) -> frozenset[int]:
    """``mon-fri`` or ``mon,tue,thu`` to weekday numbers."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"unknown day {part!r}; use mon, tue, wed, thu, fri, sat, sun")
        a = DAY_NAMES.index(first)
        b = DAY_NAMES.index(last) if last else a
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    if not days:
        raise ValueError("name at least one day")
    return frozenset(days)


def parse_span(text: str) -> tuple[time, time]:
    """``08:30-17:00`` to two times."""
    try:
        first, last = (time.fromisoformat(p.strip()) for p in text.split("-"))
    except ValueError:
        raise ValueError("use HH:MM-HH:MM, for example 08:30-17:00") from None
    if first >= last:
        raise ValueError("the desk must close after it opens")
    return first, last
