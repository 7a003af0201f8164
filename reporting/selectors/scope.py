"""One report's scope (a period, a team or the organisation, an instant), its cohorts, and
the arrival cohort's durations: speeds to assignment and first contact, wall clock and business
time, from one statement."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from intake.models import Lead, LeadStatus
from intake.quality.flags import FlagCode
from reporting import figures
from reporting.open_time import OpenTimeIndex
from reporting.periods import Period
from routing.business_time import CalendarSpec
from routing.models import Team
from routing.selectors import calendar_spec

# Test leads: flagged by the quality gate (or sent with "is_test"). Spam caught by the
# honeypot never becomes a lead: it is counted from its submission.
SPAM_OR_TEST = Q(is_test=True) | Q(flags__has_key=FlagCode.TEST)
# A calendar-less team's clock runs all the time: business time is wall-clock time.
ALWAYS_OPEN = CalendarSpec(time_zone="UTC", always_open=True)


@dataclass(frozen=True)
class ReportScope:
    """One period of one team (or the organisation), as of an instant."""

    period: Period
    team: Team | None
    as_of: dt.datetime

    def leads(self) -> QuerySet[Lead]:
        leads = Lead.objects.order_by()
        if self.team is None:
            return leads
        return leads.annotate(first_team_id=figures.first_routing_team()).filter(
            first_team_id=self.team.pk
        )

    def arrived(self) -> QuerySet[Lead]:
        """Leads that arrived in the period, duplicates merged into another lead excluded."""
        return (
            self.leads()
            .filter(received_at__gte=self.period.start, received_at__lt=self.period.end)
            .exclude(status=LeadStatus.MERGED)
        )

    def real(self) -> QuerySet[Lead]:
        """The arrival cohort: arrived, neither test nor spam."""
        return self.arrived().exclude(SPAM_OR_TEST)

    def won(self) -> QuerySet[Lead]:
        """The won cohort: won in the period (by `as_of`), test leads excluded."""
        return (
            self.leads()
            .filter(
                status=LeadStatus.WON,
                closed_at__gte=self.period.start,
                closed_at__lt=min(self.period.end, self.as_of),
            )
            .exclude(SPAM_OR_TEST)
        )

    def lead_ids(self):
        return self.leads().exclude(SPAM_OR_TEST).values("pk")


@dataclass(frozen=True)
class Cohort:
    """Per lead of the arrival cohort: when it arrived (local date, channel), and its
    speeds in seconds (wall clock and business time)."""

    arrivals: list[tuple[dt.datetime, str]]
    to_assignment_seconds: list[float]
    first_contact_seconds: list[float]
    first_contact_business_seconds: list[float]


def cohort_of(scope: ReportScope) -> Cohort:
    """One statement: each arrival's time and channel, first owner, first contact and the
    calendar its first owner works by (the SLA policy's, else the team's, else none)."""
    rows = list(
        scope.real()
        .annotate(
            first_owner_at=figures.first_owner_at(),
            first_contact_at=figures.first_contact_at(),
            calendar_id=figures.first_owner("calendar_id"),
        )
        .values_list("received_at", "channel", "first_owner_at", "first_contact_at", "calendar_id")
    )
    return _speeds(rows, scope.as_of)


def _speeds(rows, as_of: dt.datetime) -> Cohort:
    to_assignment: list[float] = []
    contacts: list[tuple[dt.datetime, dt.datetime, int | None]] = []
    for received_at, _channel, owner_at, contact_at, calendar_id in rows:
        if owner_at is None or owner_at > as_of:
            continue
        to_assignment.append(max(0.0, (owner_at - received_at).total_seconds()))
        if contact_at is not None and contact_at <= as_of:
            # A contact logged before the lead had an owner (from the queue) took no time.
            contacts.append((owner_at, max(owner_at, contact_at), calendar_id))
    wall = [(contact - owner).total_seconds() for owner, contact, _ in contacts]
    return Cohort(
        arrivals=[(received_at, channel) for received_at, channel, *_ in rows],
        to_assignment_seconds=to_assignment,
        first_contact_seconds=wall,
        first_contact_business_seconds=_business_seconds(contacts),
    )


def _business_seconds(contacts) -> list[float]:
    """Open seconds of each (start, end, calendar id), one index per calendar."""
    by_calendar: dict[int | None, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for start, end, calendar_id in contacts:
        by_calendar[calendar_id].append((start, end))
    seconds: list[float] = []
    for calendar_id, pairs in by_calendar.items():
        spec = calendar_spec(calendar_id) if calendar_id is not None else ALWAYS_OPEN
        index = OpenTimeIndex(spec, min(start for start, _ in pairs), max(end for _, end in pairs))
        seconds.extend(index.seconds_between(start, end) for start, end in pairs)
    return seconds


def percentile(values: list[float], fraction: float) -> float | None:
    """The `fraction` percentile, interpolated between ranks (PostgreSQL's percentile_cont);
    None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None
