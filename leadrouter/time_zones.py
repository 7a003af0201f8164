"""Time zone names: the list this machine knows and the check every stored zone passes (a
team's, a rep's, a calendar's, the organisation's). A tool: it imports no app."""

from functools import cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA time zone names this machine knows ("America/Chicago"), read once."""
    return frozenset(available_timezones())


def validate_time_zone(name: str, field: str = "time_zone") -> None:
    # A name is checked against the list, not by loading it: `ZoneInfo("Pacific")` opens the
    # directory /usr/share/zoneinfo/Pacific and raises IsADirectoryError, which was a 500.
    if name not in time_zone_names():
        raise ValidationError({field: f"{name!r} is not a time zone (e.g. America/Chicago)."})
