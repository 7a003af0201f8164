"""Business time elapsed between many pairs of instants on one calendar, answered by bisection.

`routing.business_time.business_minutes_between` walks the calendar's days for every pair; a
week's report asks it for every lead (twenty thousand a week at a million leads a year). This
reads the calendar's open intervals once from `routing.business_time.open_intervals` over the
report's whole range and keeps a running total of open time, so each pair is two bisections.
The arithmetic (hours, holidays, closures, DST) stays routing's: this only indexes its answer.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime

from routing.business_time import CalendarSpec, open_intervals


class OpenTimeIndex:
    """The open intervals of `spec` from `start` until `end`, with the open seconds before
    each; instants outside [start, end] are clamped to it."""

    def __init__(self, spec: CalendarSpec, start: datetime, end: datetime):
        self.start = start
        self.end = end
        self._starts: list[datetime] = []
        self._ends: list[datetime] = []
        self._before: list[float] = []
        total = 0.0
        for opens, closes in open_intervals(spec, start, until=end):
            closes = min(closes, end)
            self._starts.append(opens)
            self._ends.append(closes)
            self._before.append(total)
            total += (closes - opens).total_seconds()

    def _open_seconds_until(self, at: datetime) -> float:
        at = min(max(at, self.start), self.end)
        index = bisect_right(self._starts, at) - 1
        if index < 0:
            return 0.0
        return (
            self._before[index] + (min(at, self._ends[index]) - self._starts[index]).total_seconds()
        )

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Open seconds from `start` to `end` (0 when `end` is not after `start`)."""
        return max(0.0, self._open_seconds_until(end) - self._open_seconds_until(start))
