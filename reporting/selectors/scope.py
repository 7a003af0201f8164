"""One report's scope (a period, a team or the organisation, an instant) and the small
arithmetic every part of the report shares (ratios, percentiles, sums of counts)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from intake.models import Lead, LeadStatus
from intake.quality.flags import FlagCode
from reporting import figures
from reporting.periods import Period
from routing.models import Team

# Test leads: flagged by the quality gate (or sent with "is_test"). Spam caught by the
# honeypot never becomes a lead: it is counted from its submission.
SPAM_OR_TEST = Q(is_test=True) | Q(flags__has_key=FlagCode.TEST)
# The same, for rows with a lead (assignments, submissions, review tasks).
OF_SPAM_OR_TEST = Q(lead__is_test=True) | Q(lead__flags__has_key=FlagCode.TEST)


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

    def narrow(self, rows: QuerySet) -> QuerySet:
        """Rows with a `lead` (assignments, submissions, review tasks) of the scope's leads,
        test leads excluded. Read per row through the lead's first assignment: an `IN` of
        every lead the team ever had would read the whole history."""
        rows = rows.exclude(OF_SPAM_OR_TEST)
        if self.team is None:
            return rows
        return rows.annotate(lead_team_id=figures.first_routing_team("lead")).filter(
            lead_team_id=self.team.pk
        )


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


def sum_counts(groups) -> dict:
    totals: dict = defaultdict(int)
    for group in groups:
        for name, value in group.items():
            totals[name] += value
    return totals
