"""Routing configuration a sales manager edits in the admin: skills, teams, territories, reps
with their licences, capacity, hours and time off, and the ordered routing rules."""

import re
from datetime import time
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import us
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from intake.models import Channel
from leadrouter.http_client import validate_outbound_url
from qualification.models import Tier, Urgency

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_STATE_CODES = {state.abbr for state in us.STATES_AND_TERRITORIES} | {"DC"}


def validate_state_codes(codes, field: str) -> None:
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise ValidationError({field: 'Give a list of state codes, e.g. ["TX", "OK"].'})
    unknown = sorted({code for code in codes if code.upper() not in _STATE_CODES})
    if unknown:
        raise ValidationError({field: f"Unknown US state code(s): {', '.join(unknown)}."})


def validate_time_zone(name: str, field: str = "time_zone") -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {field: f"{name!r} is not a time zone (e.g. America/Chicago)."}
        ) from None


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
                    f"{WEEKDAY_CHOICES[weekday][1]}: {_hhmm(opens)}-{_hhmm(closes)} overlaps "
                    f"{_hhmm(next_opens)}-{_hhmm(next_closes)}."
                )
    if problems:
        raise ValidationError(problems)


def _hhmm(t: time) -> str:
    return "24:00" if t == time.max else f"{t:%H:%M}"


# Weekday numbers as Python's `date.weekday()` counts them.
WEEKDAY_CHOICES = list(
    enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
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
        return f"{self.get_weekday_display()} {_hhmm(self.opens)}-{_hhmm(self.closes_as_end)}"

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


class Skill(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
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

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_time_zone(self.time_zone)
        validate_webhook_url(self.notify_webhook_url)


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
        validate_state_codes(self.states, "states")
        if not isinstance(self.zip_prefixes, list) or not all(
            isinstance(p, str) and p.isdigit() and 1 <= len(p) <= 5 for p in self.zip_prefixes
        ):
            raise ValidationError({"zip_prefixes": "Give a list of 1 to 5 digit ZIP prefixes."})
        if not isinstance(self.zip_ranges, list) or not all(
            isinstance(r, list)
            and len(r) == 2
            and all(isinstance(z, str) and len(z) == 5 and z.isdigit() for z in r)
            and r[0] <= r[1]
            for r in self.zip_ranges
        ):
            raise ValidationError(
                {"zip_ranges": 'Give [["low", "high"], …] pairs of 5-digit ZIPs, low ≤ high.'}
            )
        if not isinstance(self.countries, list) or not all(
            isinstance(c, str) and len(c) == 2 and c.isalpha() for c in self.countries
        ):
            raise ValidationError({"countries": 'Give two-letter country codes, e.g. ["CA"].'})
        if not (self.states or self.zip_prefixes or self.zip_ranges or self.countries):
            raise ValidationError("A territory needs at least one state, ZIP or country.")

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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        validate_state_codes(self.licensed_states, "licensed_states")
        validate_time_zone(self.time_zone)
        validate_webhook_url(self.notify_webhook_url)
        try:
            parse_working_hours(self.working_hours)
        except ValueError as exc:
            raise ValidationError({"working_hours": str(exc)}) from None
        if not isinstance(self.languages, list) or not all(
            isinstance(code, str) and 2 <= len(code) <= 8 for code in self.languages
        ):
            raise ValidationError({"languages": 'Give language codes, e.g. ["en", "es"].'})


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


class RoutingRule(models.Model):
    """Ordered: the first active rule whose condition matches a lead routes it."""

    class Method(models.TextChoices):
        ROUND_ROBIN = "round_robin", "Round robin"
        WEIGHTED = "weighted", "Weighted round robin (smooth)"
        LEAST_LOADED = "least_loaded", "Least loaded"
        OWNER = "owner", "Sticky: account, household or previous owner, else round robin"

    class Fallback(models.TextChoices):
        NEXT_RULE = "next_rule", "Try the next rule"
        TEAM_QUEUE = "team_queue", "A team's unassigned queue"
        MANAGER = "manager", "A named manager"
        REVIEW = "review", "The review queue"

    name = models.CharField(max_length=100, unique=True)
    order = models.PositiveIntegerField(default=100, help_text="Lower is tried first.")
    is_active = models.BooleanField(default=True)
    condition = models.JSONField(
        default=dict,
        blank=True,
        help_text="Which leads this rule takes (same language as qualification signals, plus "
        "score, tier, urgency); empty: every lead.",
    )
    pool_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pool_reps = models.ManyToManyField(Rep, blank=True, related_name="rules")
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.ROUND_ROBIN)
    require_license = models.BooleanField(
        default=False, help_text="Only reps licensed in the lead's state (a legal constraint)."
    )
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    language = models.CharField(max_length=8, blank=True)
    require_territory = models.BooleanField(
        default=False, help_text="Only reps whose territories cover the lead."
    )
    require_working_now = models.BooleanField(default=True)
    fallback = models.CharField(max_length=20, choices=Fallback.choices, default=Fallback.NEXT_RULE)
    fallback_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fallback_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from leadrouter.conditions import validate
        from routing.services.conditions import ROUTING_FIELDS

        errors: dict[str, list[str]] = {}
        if self.condition:
            problems = validate(self.condition, ROUTING_FIELDS)
            if problems:
                errors["condition"] = problems
        if self.fallback == self.Fallback.TEAM_QUEUE and not self.fallback_team_id:
            errors["fallback_team"] = ["Name the team whose queue takes the lead."]
        if self.fallback == self.Fallback.MANAGER and not self.fallback_user_id:
            errors["fallback_user"] = ["Name the manager who takes the lead."]
        if errors:
            raise ValidationError(errors)


class RotationState(models.Model):
    """A rep's place in one rule's rotation: kept per rep, never as a list index, so adding or
    removing a rep resets nobody."""

    rule = models.ForeignKey(RoutingRule, on_delete=models.CASCADE, related_name="rotation")
    rep = models.ForeignKey(Rep, on_delete=models.CASCADE, related_name="rotation")
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    assigned_count = models.PositiveIntegerField(default=0)
    # Smooth weighted round robin's running score (nginx's algorithm): exact shares over time.
    current_weight = models.BigIntegerField(default=0)
    # The rule's decision number when this rep was last in the eligible pool: a rep who missed
    # decisions (time off, paused, at capacity) rejoins at the pool's current minimum.
    seen_round = models.PositiveIntegerField(default=0)
    # The rule's decision number of this rep's last turn: round robin gives the next lead to
    # the lowest (a counter taken under the lock, never a clock that concurrent writers race).
    last_turn = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "rep"], name="rotation_state_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule} / {self.rep}: {self.assigned_count} assigned"


class SlaState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused (a callback, or waiting on the customer)"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    STOPPED = "stopped", "Stopped"


class Assignment(models.Model):
    """Who owns a lead from when, and why; a reassignment ends one row and starts another."""

    class Reason(models.TextChoices):
        INITIAL = "initial", "Routed by a rule"
        OWNER = "owner", "Existing owner (account, household or previous)"
        FALLBACK = "fallback", "Fallback"
        MANUAL = "manual", "Manual"
        SLA = "sla", "SLA reassignment"
        ESCALATION = "escalation", "SLA escalation"

    lead = models.ForeignKey("intake.Lead", on_delete=models.CASCADE, related_name="assignments")
    rep = models.ForeignKey(
        Rep, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments"
    )
    queue_team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="queued",
        help_text="Waiting in this team's unassigned queue (no rep yet).",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_assignments",
        help_text="The owner: the rep's user, or the manager a fallback names.",
    )
    rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    assigned_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The SLA clock (`routing.services.sla`): which policy, its target for this lead, when the
    # clock started (the next opening of the calendar for a lead that came after hours) and
    # when first contact is due. Empty when no policy applies.
    sla_policy = models.ForeignKey(
        "SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sla_target_minutes = models.PositiveIntegerField(null=True, blank=True)
    sla_started_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(
        null=True, blank=True, help_text="First contact is due by then (business time)."
    )
    sla_state = models.CharField(max_length=10, choices=SlaState.choices, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    # The timer: when the sweep `routing.tasks.sweep_sla` acts next on this clock, and on what
    # (a ladder step; none: the deadline itself, or the resumption of a paused clock).
    sla_next_step_at = models.DateTimeField(null=True, blank=True)
    sla_next_step = models.ForeignKey(
        "SlaStep", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When every channel was told (or failed for good, or there was none): the notification
    # work is complete. Until then `routing.tasks.notify_owed_assignments` owes it.
    notified_at = models.DateTimeField(null=True, blank=True)
    # When the sweep (or a retryable failure, which the cluster retries) last queued it: the
    # sweep queues it again only some minutes later, and never two clusters at once.
    notify_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=models.Q(ended_at__isnull=True),
                name="one_active_assignment_per_lead",
            )
        ]
        indexes = [
            models.Index(fields=["rep", "ended_at"]),
            # A rep's leads of today (daily cap, the board's load): a range per rep. Through
            # (rep, ended_at) it read every lead the reps ever had (57 ms at 50,000 leads).
            models.Index(fields=["rep", "assigned_at"], name="assignment_rep_assigned_at"),
            # Read every minute by `routing.tasks.notify_owed_assignments`: only active
            # assignments whose notification is not complete (a handful) are in it.
            models.Index(
                fields=["assigned_at"],
                condition=models.Q(notified_at__isnull=True, ended_at__isnull=True),
                name="assignment_notify_owed",
            ),
            # Read every minute by `routing.tasks.sweep_sla`: only open assignments whose clock
            # has a step to come are in it (a small share of all assignments ever made).
            models.Index(
                fields=["sla_next_step_at"],
                condition=models.Q(sla_next_step_at__isnull=False, ended_at__isnull=True),
                name="assignment_sla_due",
            ),
        ]

    def __str__(self) -> str:
        owner = self.rep or self.user or self.queue_team
        return f"Lead {self.lead_id} → {owner} ({self.get_reason_display()})"


class RoutingDecision(models.Model):
    """Why a lead went where it went: every rule tried, every candidate and why each was
    excluded, the method and its state, the outcome and how long it took."""

    class Outcome(models.TextChoices):
        ASSIGNED = "assigned", "Assigned to a rep"
        TEAM_QUEUE = "team_queue", "In a team's unassigned queue"
        MANAGER = "manager", "Given to a manager"
        REVIEW = "review", "Sent to the review queue"
        ERROR = "error", "Routing failed (parked, retried)"

    lead = models.ForeignKey("intake.Lead", on_delete=models.CASCADE, related_name="routing")
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True)
    method = models.CharField(max_length=20, blank=True)
    rep = models.ForeignKey(Rep, on_delete=models.SET_NULL, null=True, blank=True)
    rules_tried = models.JSONField(default=list)
    candidates = models.JSONField(default=list)
    method_state = models.JSONField(default=dict)
    explanation = models.TextField()
    duration_ms = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Lead {self.lead_id}: {self.get_outcome_display()}"


class Activity(models.Model):
    """One contact attempt on a lead: who tried, how, with what outcome, when."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        MEETING = "meeting", "Meeting"

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached"
        LEFT_VOICEMAIL = "left_voicemail", "Left a voicemail"
        NO_ANSWER = "no_answer", "No answer"
        WRONG_NUMBER = "wrong_number", "Wrong number or address"
        MESSAGE_SENT = "message_sent", "Message sent"
        SCHEDULED = "scheduled", "Meeting or call-back scheduled"
        OTHER = "other", "Other"

    lead = models.ForeignKey("intake.Lead", on_delete=models.CASCADE, related_name="activities")
    rep = models.ForeignKey(
        Rep, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lead_activities",
        help_text="Who made the attempt.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    callback_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the rep agreed to call back; the SLA clock pauses until then",
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["lead", "at"])]

    def __str__(self) -> str:
        return f"Lead {self.lead_id}: {self.get_kind_display()}, {self.get_outcome_display()}"


class SlaPolicy(models.Model):
    """How fast a lead must be worked and what happens when it is not: first-contact targets
    in business minutes and a ladder of steps. The most specific policy applies to a lead: one
    for its routing rule, else its owner's team, else its source, else its channel, else the
    default."""

    class WorkedBy(models.TextChoices):
        ANY_ATTEMPT = "any_attempt", "Any logged contact attempt"
        CONNECTED = "connected", "Only a connected contact (reached)"

    class EscalateTo(models.TextChoices):
        MANAGER = "manager", "The team's manager"
        TEAM_QUEUE = "team_queue", "The team's unassigned queue"

    name = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(
        default=False, help_text="Applies to every lead no other policy names (one at most)."
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Counts business time by this calendar instead of the owner's team's.",
    )
    rule = models.ForeignKey(
        RoutingRule, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    source = models.ForeignKey(
        "intake.Source", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, blank=True, choices=Channel.choices)
    worked_by = models.CharField(
        max_length=12, choices=WorkedBy.choices, default=WorkedBy.ANY_ATTEMPT
    )
    escalate_after_reassignments = models.PositiveSmallIntegerField(
        default=2,
        help_text="A reassign step escalates instead once the lead was reassigned this often.",
    )
    escalate_to = models.CharField(
        max_length=12, choices=EscalateTo.choices, default=EscalateTo.MANAGER
    )
    pause_while_waiting_on_customer = models.BooleanField(
        default=True,
        help_text="A rep marking the lead as waiting on the customer pauses the clock until the "
        "customer inquires again, the rep logs a contact, or the time the rep gave.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_sla_policy",
            ),
            models.UniqueConstraint(
                fields=["rule"], condition=models.Q(rule__isnull=False), name="sla_policy_rule"
            ),
            models.UniqueConstraint(
                fields=["team"], condition=models.Q(team__isnull=False), name="sla_policy_team"
            ),
            models.UniqueConstraint(
                fields=["source"],
                condition=models.Q(source__isnull=False),
                name="sla_policy_source",
            ),
            models.UniqueConstraint(
                fields=["channel"], condition=~models.Q(channel=""), name="sla_policy_channel"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def scopes(self) -> list[str]:
        """The scope fields this policy sets, in the order of specificity."""
        values = {
            "rule": self.rule_id,
            "team": self.team_id,
            "source": self.source_id,
            "channel": self.channel,
        }
        return [name for name, value in values.items() if value]

    def clean(self) -> None:
        scopes = self.scopes()
        if self.is_default and scopes:
            raise ValidationError("The default policy applies to every lead: name no scope.")
        if not self.is_default and len(scopes) != 1:
            raise ValidationError(
                "Name exactly one of rule, team, source or channel (or make it the default)."
            )


class SlaTarget(models.Model):
    """How many business minutes a policy gives a lead of one urgency (and tier) until first
    contact. An empty urgency or tier matches any; the most specific target wins."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    urgency = models.CharField(
        max_length=10, blank=True, choices=[("", "Any urgency"), *Urgency.choices]
    )
    tier = models.CharField(max_length=1, blank=True, choices=[("", "Any tier"), *Tier.choices])
    minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Business minutes until first contact."
    )

    class Meta:
        ordering = ["policy", "urgency", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "urgency", "tier"], name="sla_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.urgency or 'any urgency'} / {self.tier or 'any tier'}: {self.minutes} min"


class SlaStep(models.Model):
    """One rung of a policy's ladder, due at a share of the target or a fixed offset (business
    minutes from the clock's start)."""

    class Kind(models.TextChoices):
        REMIND = "remind", "Remind the owner"
        NOTIFY_MANAGER = "notify_manager", "Notify the team manager"
        REASSIGN = "reassign", "Reassign to the next eligible rep"
        ESCALATE = "escalate", "Escalate (to the manager or the team queue)"

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    percent = models.PositiveIntegerField(
        null=True, blank=True, help_text="At this share of the target (100: the deadline)."
    )
    offset_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Or this many business minutes after the start."
    )

    class Meta:
        ordering = ["policy", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "order"], name="sla_step_order_unique")
        ]

    def __str__(self) -> str:
        at = f"{self.percent} %" if self.percent is not None else f"+{self.offset_minutes} min"
        return f"{self.order}. {self.get_kind_display()} at {at}"

    def clean(self) -> None:
        if (self.percent is None) == (self.offset_minutes is None):
            raise ValidationError("Give either a share of the target or a fixed offset, not both.")


class SlaStepRecord(models.Model):
    """A ladder step the sweep performed (or skipped) on one assignment's clock: unique per
    (assignment, step), so a second sweep that gets this far fails instead of acting twice."""

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="sla_steps")
    step = models.ForeignKey(SlaStep, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=16, choices=SlaStep.Kind.choices)
    order = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    done_at = models.DateTimeField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["assignment", "due_at", "order"]
        constraints = [models.UniqueConstraint(fields=["assignment", "step"], name="sla_step_once")]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.get_kind_display()} {self.get_outcome_display()}"
