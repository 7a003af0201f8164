"""Who takes leads: skills, teams, territories, reps with their licences, capacity, hours and
time off."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from intake.quality.phone import phone_number_e164
from leadrouter.time_zones import validate_time_zone
from routing.models.calendars import BusinessCalendar
from routing.models.validation import (
    ErrorCollector,
    normalised_state_codes,
    parse_working_hours,
    validate_state_codes,
    validate_webhook_url,
)


class Skill(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A group of reps with a manager, a time zone, a calendar and an unassigned queue."""

    name = models.CharField(max_length=100, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
    )
    time_zone = models.CharField(max_length=64, default="America/Chicago")
    notify_webhook_url = models.URLField(
        blank=True,
        help_text="Slack-compatible incoming webhook: told of every lead assigned to the team's "
        "reps or queue.",
    )
    # PROTECT: deleting a calendar a team works by would silently change its SLA clocks.
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams",
        help_text="When this team works: used by SLA clocks; a policy may override it",
    )
    one_rotation_for_team = models.BooleanField(
        "one rotation for the whole team",
        default=False,
        help_text="On: every rule whose pool is this team takes turns from one shared rotation, "
        "so a rep who appears in several rules is balanced across all of them. Off (the "
        "default): each rule keeps its own rotation.",
    )
    reps_may_claim_queue = models.BooleanField(
        "reps may take leads from the queue",
        default=False,
        help_text="Reps of this team see its unassigned queue on their queue page and may take "
        "leads from it themselves, up to their capacity.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = ErrorCollector()
        with errors.collect():
            validate_time_zone(self.time_zone)
        with errors.collect():
            validate_webhook_url(self.notify_webhook_url)
        errors.raise_any()


class Territory(models.Model):
    """Where leads come from: US states, ZIP prefixes or ranges, countries (any may match)."""

    name = models.CharField(max_length=100, unique=True)
    states = models.JSONField(default=list, blank=True, help_text='e.g. ["TX", "OK"]')
    zip_prefixes = models.JSONField(default=list, blank=True, help_text='e.g. ["787", "786"]')
    zip_ranges = models.JSONField(
        default=list, blank=True, help_text='e.g. [["75001", "75398"]] (inclusive)'
    )
    countries = models.JSONField(default=list, blank=True, help_text='e.g. ["CA", "MX"]')

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "territories"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = ErrorCollector()
        with errors.collect():
            self.states = normalised_state_codes(self.states)
            validate_state_codes(self.states, "states")
        if not isinstance(self.zip_prefixes, list) or not all(
            isinstance(p, str) and p.isdigit() and 1 <= len(p) <= 5 for p in self.zip_prefixes
        ):
            errors.add({"zip_prefixes": "Give a list of 1 to 5 digit ZIP prefixes."})
        if not isinstance(self.zip_ranges, list) or not all(
            isinstance(r, list)
            and len(r) == 2
            and all(isinstance(z, str) and len(z) == 5 and z.isdigit() for z in r)
            and r[0] <= r[1]
            for r in self.zip_ranges
        ):
            errors.add(
                {"zip_ranges": 'Give [["low", "high"], …] pairs of 5-digit ZIPs, low ≤ high.'}
            )
        if not isinstance(self.countries, list) or not all(
            isinstance(c, str) and len(c) == 2 and c.isalpha() for c in self.countries
        ):
            errors.add({"countries": 'Give two-letter country codes, e.g. ["CA"].'})
        if not (self.states or self.zip_prefixes or self.zip_ranges or self.countries):
            errors.add("A territory needs at least one state, ZIP or country.")
        errors.raise_any()

    def covers(self, *, state: str, postal_code: str, country: str) -> bool:
        zip5 = (postal_code or "")[:5]
        if state and state.upper() in {s.upper() for s in self.states}:
            return True
        if zip5 and any(zip5.startswith(prefix) for prefix in self.zip_prefixes):
            return True
        in_range = any(lo <= zip5 <= hi for lo, hi in self.zip_ranges)
        if len(zip5) == 5 and zip5.isdigit() and in_range:
            return True
        return bool(country) and country.upper() in {c.upper() for c in self.countries}


class Rep(models.Model):
    """A person leads are routed to, linked to a user account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rep"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="reps")
    is_active = models.BooleanField(default=True)
    paused = models.BooleanField(
        default=False, help_text="Temporarily receives no new leads (keeps the ones they have)."
    )
    # The rep's own "back at 14:00": the pause lapses by itself at this instant, with nobody
    # saving anything (`routing.availability.paused_now` reads both fields).
    paused_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a pause ends by itself; empty: paused until turned off.",
    )
    weight = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Share of leads under weighted round robin (3 gets three times 1's share).",
    )
    max_open_leads = models.PositiveIntegerField(null=True, blank=True)
    max_new_per_day = models.PositiveIntegerField(
        null=True, blank=True, help_text="Counted in the rep's own local day."
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="reps")
    languages = models.JSONField(default=list, blank=True, help_text='e.g. ["en", "es"]')
    licensed_states = models.JSONField(
        default=list,
        blank=True,
        help_text='States the rep is licensed in (insurance, mortgage), e.g. ["TX", "OK"].',
    )
    territories = models.ManyToManyField(Territory, blank=True, related_name="reps")
    time_zone = models.CharField(max_length=64, default="America/Chicago")
    working_hours = models.JSONField(
        default=dict,
        blank=True,
        help_text='In the rep time zone, e.g. {"mon": [["09:00", "17:00"]], …}; '
        "empty: always working.",
    )
    notify_webhook_url = models.URLField(blank=True, help_text="Slack-compatible incoming webhook.")
    phone = models.CharField(
        max_length=20,
        blank=True,
        help_text="The phone inbound calls and instant call-backs ring, with its country code "
        "(E.164, e.g. +15125550100). Empty: calls pass this rep by.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        """Every field's problem at once, so that a manager fixes them in one save."""
        errors = ErrorCollector()
        if not self.paused:
            self.paused_until = None  # an end means nothing without a pause
        elif self.paused_until is not None and self.paused_until <= timezone.now():
            # Ticking "paused" next to an end that has passed would pause nobody.
            errors.add({"paused_until": "This time has passed: clear it, or choose a later one."})
        with errors.collect():
            self.licensed_states = normalised_state_codes(self.licensed_states)
            validate_state_codes(self.licensed_states, "licensed_states")
        with errors.collect():
            validate_time_zone(self.time_zone)
        with errors.collect():
            validate_webhook_url(self.notify_webhook_url)
        if self.phone:
            with errors.collect():
                self.phone = phone_number_e164(self.phone, field="phone")
        try:
            parse_working_hours(self.working_hours)
        except ValueError as exc:
            errors.add({"working_hours": str(exc)})
        if not isinstance(self.languages, list) or not all(
            isinstance(code, str) and 2 <= len(code) <= 8 for code in self.languages
        ):
            errors.add({"languages": 'Give language codes, e.g. ["en", "es"].'})
        errors.raise_any()


class TimeOff(models.Model):
    rep = models.ForeignKey(Rep, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=100, blank=True, help_text="vacation, out of office …")

    class Meta:
        ordering = ["-starts_at"]
        verbose_name_plural = "time off"

    def __str__(self) -> str:
        return f"{self.rep}: {self.starts_at:%Y-%m-%d} → {self.ends_at:%Y-%m-%d}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "Must be after the start."})


class AvailabilityChange(models.Model):
    """A rep turned "receiving leads" off (perhaps until a time) or on: one row per change,
    for reports to count."""

    rep = models.ForeignKey(Rep, on_delete=models.CASCADE, related_name="availability_changes")
    receiving = models.BooleanField(help_text="Receiving leads after the change.")
    until = models.DateTimeField(
        null=True, blank=True, help_text="When the pause ends by itself; empty: until turned on."
    )
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who made the change: the rep, their manager, or staff.",
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["rep", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        state = "receiving" if self.receiving else "not receiving"
        return f"{self.rep}: {state} from {self.at:%Y-%m-%d %H:%M}"
