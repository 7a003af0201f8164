"""Checks and choices the routing models share: state codes, webhook URLs, weekly working hours,
holiday countries and opening hours (time zones: `leadrouter.time_zones`)."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from functools import cache
from itertools import pairwise

import holidays
import us
from django.core.exceptions import ValidationError

from leadrouter.http_client import validate_outbound_url

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_STATE_CODES = {state.abbr for state in us.STATES_AND_TERRITORIES} | {"DC"}


class ErrorCollector:
    """A model's `clean()` gathers each field's problem here and raises them together, so a
    form shows every error in one pass rather than one per save."""

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def add(self, message) -> None:
        self.errors.append(ValidationError(message))

    @contextmanager
    def collect(self) -> Iterator[None]:
        try:
            yield
        except ValidationError as exc:
            self.errors.append(exc)

    def raise_any(self) -> None:
        if not self.errors:
            return
        by_field: dict = {}  # a field's messages under its name, the rest under NON_FIELD_ERRORS
        for error in self.errors:
            error.update_error_dict(by_field)
        raise ValidationError(by_field)


def normalised_state_codes(codes):
    """A list of state codes trimmed and upper-cased ("nv " → "NV"), each once; anything else
    unchanged for `validate_state_codes` to refuse."""
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        return codes
    return list(dict.fromkeys(code.strip().upper() for code in codes))


def validate_state_codes(codes, field: str) -> None:
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise ValidationError({field: 'Give a list of state codes, e.g. ["TX", "OK"].'})
    unknown = sorted({code for code in codes if code.upper() not in _STATE_CODES})
    if unknown:
        raise ValidationError({field: f"Unknown US state code(s): {', '.join(unknown)}."})


def validate_webhook_url(url: str, field: str = "notify_webhook_url") -> None:
    """A webhook LeadRouter will POST to: http(s), and not a private address unless the
    deployer allows it (the same rule the call itself enforces)."""
    try:
        validate_outbound_url(url)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def parse_working_hours(hours) -> dict[str, list[tuple[time, time]]]:
    """{"mon": [["09:00", "17:00"]], …} → {"mon": [(time, time)]}; raises ValueError with the
    reason for anything else. A day left out is a day off."""
    if not isinstance(hours, dict):
        raise ValueError('give an object of weekday → [["09:00", "17:00"], …]')
    parsed: dict[str, list[tuple[time, time]]] = {}
    for day, spans in hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"{day!r} is not a weekday ({', '.join(WEEKDAYS)})")
        if not isinstance(spans, list):
            raise ValueError(f"{day}: give a list of [start, end] pairs")
        parsed[day] = []
        for span in spans:
            if (
                not isinstance(span, list)
                or len(span) != 2
                or not all(isinstance(t, str) and _HHMM.match(t) for t in span)
            ):
                raise ValueError(f'{day}: {span!r} is not ["HH:MM", "HH:MM"]')
            start, end = (time.fromisoformat(t) for t in span)
            if end <= start:
                raise ValueError(f"{day}: {span[1]} is not after {span[0]}")
            parsed[day].append((start, end))
    return parsed


@cache
def holiday_countries() -> dict[str, str]:
    """Countries whose public holidays the `holidays` package knows: code → "United States"."""
    names = {entry[1]: entry[0] for entry in holidays.registry.COUNTRIES.values()}
    codes = [code for code in holidays.list_supported_countries() if len(code) == 2]
    return {
        code: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", names.get(code, code))
        for code in sorted(codes, key=lambda code: names.get(code, code))
    }


def holiday_country_choices() -> list[tuple[str, str]]:
    # A callable, so a new release of `holidays` adding a country needs no migration.
    return [(code, f"{name} ({code})") for code, name in holiday_countries().items()]


@cache
def holiday_subdivisions(country: str) -> dict[str, str]:
    """A country's subdivisions with holidays of their own: code → name ("TX" → "Texas")."""
    codes = holidays.list_supported_countries().get(country, [])
    if not codes:
        return {}
    aliases = holidays.country_holidays(country).get_subdivision_aliases()
    return {code: ", ".join(aliases.get(code, [])) or code for code in codes}


def validate_opening_hours(*, always_open: bool, intervals: list[tuple[int, time, time]]) -> None:
    """A calendar's weekly hours as a whole, (weekday, opens, closes) each: no two intervals of
    a weekday overlap, and a calendar that is not 24/7 has at least one."""
    if always_open:
        if intervals:
            raise ValidationError(
                "A 24/7 calendar is open all the time: remove its opening hours or untick "
                "“Open 24/7”."
            )
        return
    if not intervals:
        raise ValidationError(
            "Give at least one opening interval, or tick “Open 24/7” if the team never closes."
        )
    problems = []
    for weekday in range(7):
        spans = sorted(
            (opens, time.max if closes == time(0) else closes)
            for day, opens, closes in intervals
            if day == weekday
        )
        for (opens, closes), (next_opens, next_closes) in pairwise(spans):
            if next_opens < closes:
                problems.append(
                    f"{WEEKDAY_CHOICES[weekday][1]}: {hhmm(opens)}-{hhmm(closes)} overlaps "
                    f"{hhmm(next_opens)}-{hhmm(next_closes)}."
                )
    if problems:
        raise ValidationError(problems)


def hhmm(t: time) -> str:
    """A time as HH:MM, with the end of the day (`time.max`) as 24:00."""
    return "24:00" if t == time.max else f"{t:%H:%M}"


# Weekday numbers as Python's `date.weekday()` counts them.
WEEKDAY_CHOICES = list(
    enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
)
