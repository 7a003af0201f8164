"""Business-time arithmetic on a business calendar: is it open, when does it open next, when
have N business minutes elapsed, how many elapsed between two instants. Pure Python (zoneinfo
and the `holidays` package); the models turn a BusinessCalendar row into a CalendarSpec.

Every instant given is an aware datetime in any zone; every instant returned is in UTC. Opening
hours are wall-clock times in the calendar's zone, so a 09:00-17:00 day is 09:00-17:00 on both
DST-change days too; the minutes counted are real elapsed minutes (an interval that contains the
skipped hour is an hour shorter, one that contains the repeated hour an hour longer). A
wall-clock time that does not exist (skipped by spring-forward) reads as the same number of
minutes after the change (02:30 → 03:30); a repeated one reads as its first occurrence when it
opens an interval and its second when it closes one, so an interval covers every instant whose
wall clock lies in it."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays

# A calendar with no open minute in this many consecutive days is never open: the arithmetic
# stops and says so instead of searching for ever.
MAX_CLOSED_DAYS = 366

Interval = tuple[datetime, datetime]


def is_midnight_end(t: time) -> bool:
    """A closing time of 00:00 (or time.max) means the end of the day, 24:00."""
    return t == time(0) or t == time.max


@dataclass(frozen=True)
class Closure:
    """A dated closure: the whole day, or from `start` (None: midnight) to `end` (None or
    00:00: the end of the day) on that date."""

    date: date
    start: time | None = None
    end: time | None = None
    reason: str = ""

    @property
    def whole_day(self) -> bool:
        return (self.start is None or self.start == time(0)) and (
            self.end is None or is_midnight_end(self.end)
        )


@dataclass(frozen=True)
class CalendarSpec:
    """When a business is open. `hours` maps a weekday (0 = Monday) to its opening intervals
    (opens, closes) in the calendar's zone; a closing time of 00:00 or time.max is midnight at
    the end of that day. `always_open` (24/7) stands for 00:00-24:00 every day; public
    holidays of `holiday_country`/`holiday_subdivision` and `closures` still close it."""

    time_zone: str
    always_open: bool = False
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holiday_country: str = ""
    holiday_subdivision: str = ""
    closures: tuple[Closure, ...] = ()

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def closures_by_date(self) -> dict[date, tuple[Closure, ...]]:
        by_date: dict[date, list[Closure]] = {}
        for closure in self.closures:
            by_date.setdefault(closure.date, []).append(closure)
        return {day: tuple(items) for day, items in by_date.items()}

    def weekday_hours(self, weekday: int) -> tuple[tuple[time, time], ...]:
        if self.always_open:
            return ((time(0), time(0)),)
        return tuple(sorted(self.hours.get(weekday, ())))

    def is_holiday(self, day: date) -> bool:
        if not self.holiday_country:
            return False
        return day in holiday_dates(self.holiday_country, self.holiday_subdivision, day.year)


@lru_cache(maxsize=512)
def holiday_dates(country: str, subdivision: str, year: int) -> frozenset[date]:
    """The public holidays (observed days included) of a country or subdivision in a year."""
    return frozenset(
        holidays.country_holidays(country, subdiv=subdivision or None, years=year).keys()
    )


def _instant(day: date, wall: time, zone: ZoneInfo, *, closing: bool) -> datetime:
    """The UTC instant of a wall-clock time on a day in a zone (see the module docstring for
    skipped and repeated times)."""
    if closing and is_midnight_end(wall):
        day, wall = day + timedelta(days=1), time(0)
    first = datetime.combine(day, wall, tzinfo=zone)
    if closing:
        second = first.replace(fold=1)
        exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == datetime.combine(
            day, wall
        )
        if exists and second.utcoffset() != first.utcoffset():
            return second.astimezone(UTC)
    return first.astimezone(UTC)


def _utc(instant: datetime) -> datetime:
    if instant.utcoffset() is None:
        # A naive datetime would silently be read in the server's zone.
        raise ValueError(f"Give an aware datetime (with a time zone), not {instant.isoformat()}.")
    return instant.astimezone(UTC)


def _subtract(intervals: list[Interval], cut: Interval) -> list[Interval]:
    cut_start, cut_end = cut
    kept: list[Interval] = []
    for start, end in intervals:
        if cut_end <= start or end <= cut_start:
            kept.append((start, end))
            continue
        if start < cut_start:
            kept.append((start, cut_start))
        if cut_end < end:
            kept.append((cut_end, end))
    return kept


def day_intervals(spec: CalendarSpec, day: date) -> list[Interval]:
    """The open intervals (UTC) of one local day, holidays and closures taken out."""
    if spec.is_holiday(day):
        return []
    zone = spec.zone
    intervals = [
        (_instant(day, opens, zone, closing=False), _instant(day, closes, zone, closing=True))
        for opens, closes in spec.weekday_hours(day.weekday())
    ]
    for closure in spec.closures_by_date.get(day, ()):
        if closure.whole_day:
            return []
        intervals = _subtract(
            intervals,
            (
                _instant(day, closure.start or time(0), zone, closing=False),
                _instant(day, closure.end or time(0), zone, closing=True),
            ),
        )
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def open_intervals(
    spec: CalendarSpec, after: datetime, until: datetime | None = None
) -> Iterator[Interval]:
    """The calendar's open intervals (UTC) that end after `after`, in order, the first
    clipped to start at `after` (intervals may touch: 24:00 then 00:00). Stops before an
    interval that would start at or after `until`; without `until`, raises ValueError when
    MAX_CLOSED_DAYS days in a row have no open minute."""
    after = _utc(after)
    day = after.astimezone(spec.zone).date() - timedelta(days=1)
    closed_days = 0
    while until is None or _instant(day, time(0), spec.zone, closing=False) < until:
        closed_days += 1
        for start, end in day_intervals(spec, day):
            if end <= after:
                continue
            closed_days = 0
            start = max(start, after)
            if until is not None and start >= until:
                return
            yield start, end
        if until is None and closed_days > MAX_CLOSED_DAYS:
            raise ValueError(
                f"The calendar ({spec.time_zone}) has no open time in the "
                f"{MAX_CLOSED_DAYS} days after {after.isoformat()}."
            )
        day += timedelta(days=1)


def is_open(spec: CalendarSpec, at: datetime) -> bool:
    """Whether the calendar is open at the instant `at`."""
    at = _utc(at)
    local_day = at.astimezone(spec.zone).date()
    return any(
        start <= at < end
        for day in (local_day - timedelta(days=1), local_day)
        for start, end in day_intervals(spec, day)
    )


def next_opening(spec: CalendarSpec, at: datetime) -> datetime:
    """The first open instant at or after `at` (`at` itself when open)."""
    start, _ = next(open_intervals(spec, at))
    return start


def add_business_minutes(spec: CalendarSpec, start: datetime, minutes: float) -> datetime:
    """The instant at which `minutes` business minutes after `start` have elapsed; a start
    outside the opening hours counts from the next opening (0 minutes: that opening)."""
    if minutes < 0:
        raise ValueError(f"Business minutes must not be negative (got {minutes}).")
    remaining = timedelta(minutes=minutes)
    for opens, closes in open_intervals(spec, start):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise AssertionError("open_intervals ends only with an `until`")  # pragma: no cover


def business_minutes_between(spec: CalendarSpec, start: datetime, end: datetime) -> float:
    """The business minutes that elapse from `start` to `end` (negative when `end` is before
    `start`)."""
    start, end = _utc(start), _utc(end)
    if end < start:
        return -business_minutes_between(spec, end, start)
    elapsed = timedelta(0)
    for opens, closes in open_intervals(spec, start, until=end):
        elapsed += min(closes, end) - opens
    return elapsed.total_seconds() / 60


def business_days_ago(spec: CalendarSpec, now: datetime, days: int) -> datetime:
    """The start (local midnight, in UTC) of the `days`-th most recent open day that has ended
    by `now` (its last opening interval closed). Whatever went idle before this instant has
    since gone `days` whole open days untouched: the day it went idle never counts (it was
    partly worked), nor do weekends, holidays and closed days.

    Raises ValueError when MAX_CLOSED_DAYS days in a row have no open minute."""
    if days < 1:
        raise ValueError(f"Count at least one business day (got {days}).")
    now = _utc(now)
    day = now.astimezone(spec.zone).date()
    counted = closed_days = 0
    while True:
        intervals = day_intervals(spec, day)
        if intervals and intervals[-1][1] <= now:
            counted += 1
            closed_days = 0
            if counted == days:
                return _instant(day, time(0), spec.zone, closing=False)
        elif not intervals:
            closed_days += 1
            if closed_days > MAX_CLOSED_DAYS:
                raise ValueError(
                    f"The calendar ({spec.time_zone}) has no open time in the "
                    f"{MAX_CLOSED_DAYS} days before {now.isoformat()}."
                )
        day -= timedelta(days=1)
