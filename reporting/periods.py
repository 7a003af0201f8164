"""Report periods: ISO weeks (Monday to Sunday) and calendar months, in a time zone.

A period is a half-open range `[start, end)` of aware datetimes, midnight to midnight in its
zone, so a DST week is 167 or 169 hours long and a lead at Sunday 23:59 in Chicago belongs to
the week it is Sunday in there, whatever UTC says.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WEEK_LABEL = re.compile(r"^(?P<year>\d{4})-W(?P<week>\d{2})$")
MONTH_LABEL = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")


class PeriodError(ValueError):
    """A week or month label that names no period ("2026-W54", "2026-13")."""


@dataclass(frozen=True)
class Period:
    kind: str  # "week" | "month"
    first_day: dt.date
    zone: ZoneInfo

    @property
    def label(self) -> str:
        if self.kind == "week":
            year, week, _ = self.first_day.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first_day.year}-{self.first_day.month:02d}"

    @property
    def end_day(self) -> dt.date:
        """The first day after the period."""
        if self.kind == "week":
            return self.first_day + dt.timedelta(days=7)
        year, month = divmod(self.first_day.month, 12)
        return dt.date(self.first_day.year + year, month + 1, 1)

    @property
    def start(self) -> dt.datetime:
        return _midnight(self.first_day, self.zone)

    @property
    def end(self) -> dt.datetime:
        return _midnight(self.end_day, self.zone)

    def days(self) -> list[dt.date]:
        count = (self.end_day - self.first_day).days
        return [self.first_day + dt.timedelta(days=n) for n in range(count)]

    def previous(self) -> Period:
        if self.kind == "week":
            return Period("week", self.first_day - dt.timedelta(days=7), self.zone)
        last_day = self.first_day - dt.timedelta(days=1)
        return Period("month", last_day.replace(day=1), self.zone)

    def next(self) -> Period:
        return Period(self.kind, self.end_day, self.zone)

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    # Midnight exists in every zone this product serves (DST moves at 02:00 in the US).
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def week_parse(label: str, zone: ZoneInfo) -> Period:
    match = WEEK_LABEL.match(label)
    if not match:
        raise PeriodError(f"{label!r} is not a week; write it like 2026-W48.")
    try:
        monday = dt.date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
    except ValueError as error:
        raise PeriodError(f"{label!r} is not a week of that year.") from error
    return Period("week", monday, zone)


def week_of(moment: dt.datetime, zone: ZoneInfo) -> Period:
    day = moment.astimezone(zone).date()
    return Period("week", day - dt.timedelta(days=day.weekday()), zone)


def month_parse(label: str, zone: ZoneInfo) -> Period:
    match = MONTH_LABEL.match(label)
    if not match or not 1 <= int(match["month"]) <= 12:
        raise PeriodError(f"{label!r} is not a month; write it like 2026-11.")
    return Period("month", dt.date(int(match["year"]), int(match["month"]), 1), zone)


def month_of(moment: dt.datetime, zone: ZoneInfo) -> Period:
    return Period("month", moment.astimezone(zone).date().replace(day=1), zone)
