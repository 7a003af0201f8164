"""The headline figures, with the previous period's value and the average of the 8 before."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Q, Sum

from reporting.report import Headline, Signals, Totals
from reporting.selectors.facts import arrival_counts, arrival_facts, cohort_of, of_team
from reporting.selectors.scope import ReportScope, percentile, ratio, sum_counts
from routing.models import Assignment, SlaState

HISTORY_PERIODS = 8
# How long an earlier week's headline figures are reused by live reports: a lead closed since
# reaches that week's close rate at most this late.
HISTORY_CACHE_SECONDS = 15 * 60


HEADLINES = (
    ("received", "Leads received", "higher"),
    ("speed_to_assignment_p50", "Speed to assignment (median)", "lower"),
    ("speed_to_first_contact_p50", "Speed to first contact, business time (median)", "lower"),
    ("reassignment_rate", "Reassignment rate", "lower"),
    ("fallthrough_rate", "Fallthrough rate", "lower"),
    ("sla_met_rate", "SLA met", "higher"),
    ("won", "Won", "higher"),
    ("won_value", "Won value", "higher"),
    ("close_rate", "Close rate", "higher"),
)


def headline_values(totals: Totals, signals: Signals) -> dict[str, float | None]:
    return {
        "received": totals.received,
        "speed_to_assignment_p50": signals.speed_to_assignment.p50_seconds,
        "speed_to_first_contact_p50": signals.speed_to_first_contact_business.p50_seconds,
        "reassignment_rate": signals.reassignment_rate,
        "fallthrough_rate": signals.fallthrough_rate,
        "sla_met_rate": totals.sla_met_rate,
        "won": totals.won,
        "won_value": float(totals.won_value),
        "close_rate": totals.close_rate,
    }


def _headline_values_of(scope: ReportScope) -> dict[str, float | None]:
    """The headline figures of one period: its arrivals' facts without the review and
    qualification detail (four statements), its wins and its SLA clocks (one each)."""
    facts = of_team(arrival_facts(scope, detail=False), scope.team)
    counts = sum_counts(arrival_counts(facts, scope.as_of).values())
    won = scope.won().aggregate(won=Count("pk"), won_value=Sum("outcome_value"))
    clocks = scope.narrow(
        Assignment.objects.order_by().filter(
            rep__isnull=False,
            assigned_at__gte=scope.period.start,
            assigned_at__lt=scope.period.end,
        )
    ).aggregate(
        met=Count("pk", filter=Q(sla_state=SlaState.MET)),
        total=Count("pk", filter=Q(sla_state__in=(SlaState.MET, SlaState.BREACHED))),
    )
    cohort = cohort_of(facts, scope.as_of)
    return {
        "received": counts["received"],
        "speed_to_assignment_p50": percentile(cohort.to_assignment_seconds, 0.5),
        "speed_to_first_contact_p50": percentile(cohort.first_contact_business_seconds, 0.5),
        "reassignment_rate": ratio(counts["reassigned"], counts["routed"]),
        "fallthrough_rate": ratio(counts["fell_through"], counts["with_sla"]),
        "sla_met_rate": ratio(clocks["met"], clocks["total"]),
        "won": won["won"],
        "won_value": float(won["won_value"] or 0),
        "close_rate": ratio(counts["closed_won"], counts["closed"]),
    }


def _cached_values_of(scope: ReportScope) -> dict[str, float | None]:
    team = scope.team.pk if scope.team is not None else "all"
    key = f"reporting:headlines:{team}:{scope.period.zone.key}:{scope.period.label}"
    values = cache.get(key)
    if values is None:
        values = _headline_values_of(scope)
        cache.set(key, values, HISTORY_CACHE_SECONDS)
    return values


def headlines_of(
    scope: ReportScope, current: dict, *, with_history: bool, live: bool
) -> list[Headline]:
    """The headlines with the week before and the average of the 8 before. `live` (a report
    read as of now): an earlier week's figures are kept for HISTORY_CACHE_SECONDS, so that a
    page viewed again, or by another manager of the team, reads only its own week."""
    history: list[dict] = []
    if with_history:
        period = scope.period
        for _ in range(HISTORY_PERIODS):
            period = period.previous()
            earlier = ReportScope(period=period, team=scope.team, as_of=scope.as_of)
            history.append(_cached_values_of(earlier) if live else _headline_values_of(earlier))
    headlines = []
    for key, label, better_when in HEADLINES:
        past = [values[key] for values in history if values[key] is not None]
        headlines.append(
            Headline(
                key=key,
                label=label,
                value=current[key],
                previous=history[0][key] if history else None,
                average_8=sum(past) / len(past) if past else None,
                better_when=better_when,
            )
        )
    return headlines
