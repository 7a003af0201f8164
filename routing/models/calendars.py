"""Business calendars: when a team works, for SLA clocks."""

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models

from leadrouter.time_zones import validate_time_zone
from routing.models.validation import (
    WEEKDAY_CHOICES,
    hhmm,
    holiday_countries,
    holiday_country_choices,
    holiday_subdivisions,
)


class BusinessCalendar(models.Model):
    """When a team works, for SLA clocks: a time zone, weekly opening hours (or 24/7), a
    country's (and state's) public holidays, and dated closures. `routing.business_time` does
    the arithmetic on it; `routing.selectors.calendar_spec` reads it."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default="America/Chicago",
        help_text="Opening hours and closures are in this zone, e.g. America/Chicago.",
    )
    always_open = models.BooleanField(
        "Open 24/7",
        default=False,
        help_text="Every minute counts (emergency trades); holidays and closures still close it.",
    )
    holiday_country = models.CharField(
        max_length=2,
        blank=True,
        choices=holiday_country_choices,
        help_text="Closed on this country's public holidays (empty: no public holidays).",
    )
    holiday_subdivision = models.CharField(
        "State or region",
        max_length=10,
        blank=True,
        help_text="Also closed on this state's or region's own holidays, e.g. Texas.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_time_zone(self.time_zone)
        if self.holiday_subdivision and not self.holiday_country:
            raise ValidationError(
                {
                    "holiday_subdivision": "Choose the country first: a state or region belongs "
                    "to one country."
                }
            )
        if self.holiday_subdivision:
            known = holiday_subdivisions(self.holiday_country)
            if self.holiday_subdivision not in known:
                country = holiday_countries().get(self.holiday_country, self.holiday_country)
                raise ValidationError(
                    {
                        "holiday_subdivision": f"{self.holiday_subdivision!r} is not a state or "
                        f"region of {country} with holidays of its own"
                        + (f" ({', '.join(known)})." if known else " (it has none).")
                    }
                )


class OpeningHours(models.Model):
    """One opening interval of a calendar on a weekday; a weekday may have several (a split
    shift), none (closed). Closing at 00:00 means midnight at the end of the day (24:00)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES)
    opens = models.TimeField()
    closes = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["calendar", "weekday", "opens"]
        verbose_name = "opening interval"
        verbose_name_plural = "opening hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {hhmm(self.opens)}-{hhmm(self.closes_as_end)}"

    @property
    def closes_as_end(self) -> time:
        return time.max if self.closes == time(0) else self.closes

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.closes_as_end <= self.opens:
            raise ValidationError(
                {"closes": f"Must be after the opening time {self.opens:%H:%M} (00:00: midnight)."}
            )


class CalendarClosure(models.Model):
    """A dated closure: the whole day, or part of it (a training afternoon, an early close)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closures"
    )
    date = models.DateField()
    starts = models.TimeField(
        "From", null=True, blank=True, help_text="Empty: from the start of the day."
    )
    ends = models.TimeField(
        "Until", null=True, blank=True, help_text="Empty or 00:00: until the end of the day."
    )
    reason = models.CharField(max_length=100, blank=True, help_text="e.g. Company offsite")

    class Meta:
        ordering = ["calendar", "date", "starts"]
        verbose_name = "dated closure"

    def __str__(self) -> str:
        return f"Closed {self.date:%Y-%m-%d} {self.reason}".rstrip()

    def clean(self) -> None:
        if (
            self.starts is not None
            and self.ends is not None
            and self.ends != time(0)
            and self.ends <= self.starts
        ):
            raise ValidationError(
                {"ends": f"Must be after {self.starts:%H:%M} (00:00: the end of the day)."}
            )
