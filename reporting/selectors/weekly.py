"""`report_for_period`: every figure of one period, computed once for every face."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from intake.models import Source
from leadrouter import sql
from reporting.periods import Period
from reporting.report import Bucket, Day, Report, Signals, Speed
from reporting.selectors.arrivals import (
    channel_rows,
    rule_rows,
    submission_groups,
    top_flags,
    totals_of,
    won_groups,
)
from reporting.selectors.facts import Cohort, arrival_counts, arrival_facts, cohort_of, of_team
from reporting.selectors.headlines import headline_values, headlines_of
from reporting.selectors.people import (
    AssignmentRow,
    assignment_rows,
    rep_rows,
    review_of,
    sla_counts,
)
from reporting.selectors.scope import ReportScope, percentile, ratio, sum_counts
from routing.models import Team

# Speed to first contact (wall clock), as the page's histogram draws it.
FIRST_CONTACT_BUCKETS = (
    ("Under 5 min", 5 * 60),
    ("5 to 15 min", 15 * 60),
    ("15 min to 1 h", 60 * 60),
    ("1 to 4 h", 4 * 3600),
    ("4 to 24 h", 24 * 3600),
    ("A day or more", None),
)


def report_for_period(
    *,
    period: Period,
    team: Team | None,
    as_of: dt.datetime | None = None,
    with_history: bool = True,
) -> Report:
    """Every figure of one period for the organisation (team None) or one team.

    1. The facts of the period's arrivals (`facts.arrival_facts`, six statements), from which
       Python counts the source, channel and total rows, the routing signals, close rate by
       rule, the speeds, the days, the histogram and the flags.
    2. Won in the period, by source and channel and by owner (two statements).
    3. Duplicates merged and spam caught, from submissions (two statements).
    4. Assignments started in the period (one statement): SLA met, reps' figures; open load.
    5. Review tasks (one statement).
    6. With history: the headline figures of the 8 periods before, a few statements each.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # reportbench: PostgreSQL's JIT compiles a statement estimated above
            # jit_above_cost and took longer compiling than running: 4.7 s of 6.4 s for a week's
            # arrivals over 1,000,000 leads (the first design); the week's assignments still
            # estimate above it at that size, and a month's statements more so.
            sql.execute("SET LOCAL jit = off")
        return _report(period=period, team=team, as_of=as_of, with_history=with_history)


def _report(
    *, period: Period, team: Team | None, as_of: dt.datetime | None, with_history: bool
) -> Report:
    scope = ReportScope(period=period, team=team, as_of=as_of or timezone.now())
    everyone = arrival_facts(scope)
    facts = of_team(everyone, team)
    groups = arrival_counts(facts, scope.as_of)
    wins = won_groups(scope)
    duplicates, spam = submission_groups(scope)
    sources = {
        source.pk: source
        for source in Source.objects.filter(
            pk__in={key[0] for key in (*groups, *wins, *duplicates, *spam)}
        )
    }
    totals_counts = sum_counts(groups.values())
    cohort = cohort_of(facts, scope.as_of)
    assignments = assignment_rows(scope)
    totals = totals_of(
        totals_counts,
        won=sum_counts(wins.values()),
        duplicates=sum(duplicates.values()) + totals_counts["merged_leads"],
        spam=sum(spam.values()),
        sla=sla_counts(row for row in assignments if row.in_scope),
    )
    signals = _signals(totals_counts, cohort)
    by_source = channel_rows(
        groups, wins, duplicates, spam, key=lambda pair: pair[0], sources=sources
    )
    by_channel = channel_rows(
        groups, wins, duplicates, spam, key=lambda pair: pair[1], sources=sources
    )
    headlines = headlines_of(
        scope, headline_values(totals, signals), with_history=with_history, live=as_of is None
    )
    return Report(
        period=period,
        team=team.name if team is not None else None,
        time_zone=period.zone.key,
        as_of=scope.as_of,
        totals=totals,
        signals=signals,
        headlines=headlines,
        by_source=by_source,
        by_channel=by_channel,
        by_rule=rule_rows(facts, scope.as_of),
        by_rep=rep_rows(scope, assignments, everyone),
        review=review_of(scope),
        top_flags=top_flags(facts),
        days=_days(scope, cohort, assignments),
        first_contact_buckets=_buckets(cohort.first_contact_seconds),
        imported=totals_counts["imported"],
    )


def _buckets(seconds: list[float]) -> list[Bucket]:
    counts = [0] * len(FIRST_CONTACT_BUCKETS)
    for value in seconds:
        for position, (_, upper) in enumerate(FIRST_CONTACT_BUCKETS):
            if upper is None or value < upper:
                counts[position] += 1
                break
    return [
        Bucket(label=label, upper_seconds=upper, count=count)
        for (label, upper), count in zip(FIRST_CONTACT_BUCKETS, counts, strict=True)
    ]


def _days(scope: ReportScope, cohort: Cohort, assignments: list[AssignmentRow]) -> list[Day]:
    zone = scope.period.zone
    received: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for received_at, channel in cohort.arrivals:
        received[received_at.astimezone(zone).date()][channel] += 1
    clocks: dict[dt.date, list[AssignmentRow]] = defaultdict(list)
    for row in assignments:
        if row.in_scope:
            clocks[row.assigned_at.astimezone(zone).date()].append(row)
    days = []
    for day in scope.period.days():
        met, total = sla_counts(clocks.get(day, []))
        days.append(
            Day(
                date=day,
                received_by_channel=dict(received.get(day, {})),
                sla_met=met,
                sla_total=total,
            )
        )
    return days


def _speed(values: list[float]) -> Speed:
    return Speed(
        count=len(values), p50_seconds=percentile(values, 0.5), p90_seconds=percentile(values, 0.9)
    )


def _signals(counts: dict, cohort: Cohort) -> Signals:
    reasons = {
        "sla": counts["reassigned_sla"],
        "hand_back": counts["reassigned_hand_back"],
        "manual": counts["reassigned_manual"],
    }
    return Signals(
        speed_to_assignment=_speed(cohort.to_assignment_seconds),
        speed_to_first_contact=_speed(cohort.first_contact_seconds),
        speed_to_first_contact_business=_speed(cohort.first_contact_business_seconds),
        routed=counts["routed"],
        reassigned=counts["reassigned"],
        reassignment_rate=ratio(counts["reassigned"], counts["routed"]),
        reassigned_by_reason=reasons,
        with_sla=counts["with_sla"],
        fell_through=counts["fell_through"],
        fallthrough_rate=ratio(counts["fell_through"], counts["with_sla"]),
    )
