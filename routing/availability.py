"""Whether a rep can be given a lead at all, before any lead's own constraints: the one rule
that routing decisions, the manager board and the reps API all apply. Pure functions of the
rep's state and the time; callers read that state their own way."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from routing.models import WEEKDAYS

Hours = dict[str, list[tuple[time, time]]]


def local_day_start(zone: ZoneInfo, now: datetime) -> datetime:
    """Midnight of `now`'s day in a time zone (daily caps count in the rep's own day)."""
    return now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)


def off_hours(hours: Hours, zone: ZoneInfo, now: datetime) -> str | None:
    """None when `now` is inside the working hours (none set: always), else why not, naming
    when work starts again ("off until Mon 09:00 CST")."""
    if not hours or is_working(hours, zone, now):
        return None
    begins = next_shift_start(hours, zone, now)
    if begins is None:
        return "no working hours set"
    local = begins.astimezone(zone)
    return f"off until {local:%a %H:%M} {local.tzname()}"


def is_working(hours: Hours, zone: ZoneInfo, now: datetime) -> bool:
    """Whether `now` falls inside the working hours (none set: always)."""
    if not hours:
        return True
    local = now.astimezone(zone)
    return any(
        start <= local.time() < end for start, end in hours.get(WEEKDAYS[local.weekday()], [])
    )


def next_shift_start(hours: Hours, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first start of a shift strictly after `after` (an aware datetime in `zone`), within
    a week; None when no weekday has hours."""
    local = after.astimezone(zone)
    for days_ahead in range(8):
        day = local + timedelta(days=days_ahead)
        for start, _ in sorted(hours.get(WEEKDAYS[day.weekday()], [])):
            # Built from the wall clock, so a shift after a DST change starts at 09:00 local.
            begins = datetime.combine(day.date(), start, tzinfo=zone)
            if begins > local:
                return begins
    return None


def paused_now(*, paused: bool, paused_until: datetime | None, now: datetime) -> bool:
    """Whether a pause holds at `now`: a pause with an end ("back at 14:00") lapses by itself
    then, with nobody saving anything."""
    return paused and (paused_until is None or now < paused_until)


def local_time_label(at: datetime, zone: ZoneInfo, now: datetime) -> str:
    """An instant as a rep reads it in their zone: "14:00 CST" today, "Tue Dec 01 14:00 CST"
    on another day."""
    local = at.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"{local:%H:%M} {local.tzname()}"
    return f"{local:%a %b %d %H:%M} {local.tzname()}"


def next_local_time(at: time, zone: ZoneInfo, now: datetime) -> datetime:
    """The next time the clock reads `at` in a zone ("back at 14:00": today if 14:00 is still
    ahead, else tomorrow). ValueError for a time the zone skips that day (a DST change); a
    time it repeats is the first of the two."""
    local_now = now.astimezone(zone)
    local = datetime.combine(local_now.date(), at, tzinfo=zone)
    if local <= local_now:
        local = datetime.combine(local_now.date() + timedelta(days=1), at, tzinfo=zone)
    # A skipped time does not survive the round trip through UTC.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(f"{at:%H:%M} does not exist on {local:%b %d} in {zone.key} (DST).")
    return local


def unavailable_reason(
    *,
    now: datetime,
    is_active: bool,
    paused: bool,
    paused_until: datetime | None,
    away_until: datetime | None,
    zone: ZoneInfo,
    hours: Hours | None,
    open_leads: int,
    max_open_leads: int | None,
    new_today: int,
    max_new_per_day: int | None,
) -> str | None:
    """Why the rep cannot take a lead now, or None. `hours` None: working hours do not count
    (a rule that does not require it). A pause names its end when it has one ("paused until
    14:00 CST")."""
    if not is_active:
        return "inactive"
    if paused_now(paused=paused, paused_until=paused_until, now=now):
        return (
            f"paused until {local_time_label(paused_until, zone, now)}"
            if paused_until
            else "paused"
        )
    if away_until is not None:
        return f"on time off until {away_until.astimezone(zone):%b %d %H:%M}"
    if hours is not None and (why := off_hours(hours, zone, now)):
        return why
    if max_open_leads is not None and open_leads >= max_open_leads:
        return f"at capacity {open_leads}/{max_open_leads}"
    if max_new_per_day is not None and new_today >= max_new_per_day:
        return f"reached today's cap {new_today}/{max_new_per_day}"
    return None
