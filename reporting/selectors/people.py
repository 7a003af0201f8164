"""Assignments that started in the period (SLA clocks, reps' figures) and the review queue."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from qualification.models import ReviewTask
from reporting import figures
from reporting.report import RepRow, Review
from reporting.selectors.facts import LeadFacts
from reporting.selectors.scope import OF_SPAM_OR_TEST, ReportScope, ratio
from routing.models import Activity, Assignment, Rep, SlaState
from routing.services.rotation import open_lead_counts


@dataclass(frozen=True)
class AssignmentRow:
    rep_id: int
    assigned_at: dt.datetime
    sla_state: str
    contact_seconds: float | None  # the rep's first contact attempt while they owned the lead
    in_scope: bool  # the lead is the team's (always, for the organisation)


def assignment_rows(scope: ReportScope) -> list[AssignmentRow]:
    """Assignments to a rep that started in the period, on leads that are not tests: those of
    the scope's leads, and (for a team) those of its reps on any lead."""
    assignments = (
        Assignment.objects.order_by()
        .filter(
            rep__isnull=False,
            assigned_at__gte=scope.period.start,
            assigned_at__lt=scope.period.end,
        )
        .exclude(OF_SPAM_OR_TEST)
    )
    if scope.team is None:
        in_scope = Q(pk__isnull=False)
    else:
        in_scope = Q(lead_team_id=scope.team.pk)
        assignments = assignments.annotate(lead_team_id=figures.first_routing_team("lead")).filter(
            in_scope | Q(rep__team=scope.team)
        )
    first_contact = Activity.objects.filter(
        lead=OuterRef("lead"), at__gte=OuterRef("assigned_at"), at__lte=scope.as_of
    ).order_by("at", "pk")
    rows = assignments.annotate(
        contact_at=Subquery(first_contact.values("at")[:1]),
        in_scope=figures.as_boolean(in_scope),
    ).values_list("rep_id", "assigned_at", "ended_at", "sla_state", "contact_at", "in_scope")
    result = []
    for rep_id, assigned_at, ended_at, sla_state, contact_at, in_scope_flag in rows:
        during = contact_at is not None and (ended_at is None or contact_at < ended_at)
        result.append(
            AssignmentRow(
                rep_id=rep_id,
                assigned_at=assigned_at,
                sla_state=sla_state,
                contact_seconds=(contact_at - assigned_at).total_seconds() if during else None,
                in_scope=bool(in_scope_flag),
            )
        )
    return result


def sla_counts(rows) -> tuple[int, int]:
    """(met, met or breached) of the clocks among assignment rows; a clock still running,
    paused or stopped (the lead closed first) is not counted."""
    met = total = 0
    for row in rows:
        if row.sla_state in (SlaState.MET, SlaState.BREACHED):
            total += 1
            met += row.sla_state == SlaState.MET
    return met, total


def rep_rows(
    scope: ReportScope, assignments: list[AssignmentRow], facts: list[LeadFacts]
) -> list[RepRow]:
    """Every rep with an assignment, a win or a closed arrival in the period (inactive reps
    and imported owners included); for a team, its reps. `facts`: every arrival of the
    period, the team's or not."""
    by_rep: dict[int, list[AssignmentRow]] = defaultdict(list)
    for row in assignments:
        by_rep[row.rep_id].append(row)
    last_owner = figures.last_owner_rep()
    # A team's reps are counted on every lead they owned, the team's or not.
    everyone = ReportScope(period=scope.period, team=None, as_of=scope.as_of)
    won = {
        row["rep_id"]: row
        for row in everyone.won()
        .annotate(rep_id=last_owner)
        .filter(rep_id__isnull=False)
        .values("rep_id")
        .annotate(won=Count("pk"), won_value=Coalesce(Sum("outcome_value"), Decimal("0")))
    }
    closed: dict[int, dict[str, int]] = defaultdict(lambda: {"closed": 0, "won": 0})
    for fact in facts:
        if fact.counted and fact.last_rep_id is not None and fact.closed_by(scope.as_of):
            closed[fact.last_rep_id]["closed"] += 1
            closed[fact.last_rep_id]["won"] += fact.won_by(scope.as_of)
    candidates = Rep.objects.select_related("user").filter(pk__in={*by_rep, *won, *closed})
    if scope.team is not None:
        candidates = candidates.filter(team=scope.team)
    reps = list(candidates)
    # Routing's own count (from the open leads, never from every lead the reps ever had).
    loads = open_lead_counts([rep.pk for rep in reps]) if reps else {}
    rows = []
    for rep in reps:
        mine = by_rep.get(rep.pk, [])
        sla_met, sla_total = sla_counts(mine)
        contacts = [row.contact_seconds for row in mine if row.contact_seconds is not None]
        rep_closed = closed[rep.pk]
        rep_won = won.get(rep.pk, {"won": 0, "won_value": Decimal("0")})
        rows.append(
            RepRow(
                username=rep.user.get_username(),
                name=rep.user.get_full_name() or rep.user.get_username(),
                is_active=rep.is_active and rep.user.is_active,
                assigned=len(mine),
                contacted=len(contacts),
                sla_met=sla_met,
                sla_total=sla_total,
                sla_met_rate=ratio(sla_met, sla_total),
                median_first_contact_seconds=statistics.median(contacts) if contacts else None,
                open_load=loads.get(rep.pk, 0),
                won=rep_won["won"],
                won_value=rep_won["won_value"] or Decimal("0"),
                closed=rep_closed["closed"],
                close_rate=ratio(rep_closed["won"], rep_closed["closed"]),
            )
        )
    return sorted(rows, key=lambda row: (-row.assigned, -row.won, row.username))


def review_of(scope: ReportScope) -> Review:
    """Review tasks of the scope's leads that went to review or were decided in the period."""
    start, end = scope.period.start, scope.period.end
    tasks = ReviewTask.objects.order_by().filter(
        Q(created_at__gte=start, created_at__lt=end) | Q(decided_at__gte=start, decided_at__lt=end)
    )
    tasks = scope.narrow(tasks)
    volume = decisions = corrections = 0
    waits = []
    for created_at, decided_at, decision in tasks.values_list(
        "created_at", "decided_at", "decision"
    ):
        if decided_at is not None and decided_at > scope.as_of:
            decided_at = None
        if scope.period.contains(created_at):
            volume += 1
            if decided_at is not None:
                waits.append((decided_at - created_at).total_seconds())
        if decided_at is not None and scope.period.contains(decided_at):
            decisions += 1
            corrections += decision != ReviewTask.Decision.CONFIRMED
    return Review(
        volume=volume,
        median_wait_seconds=statistics.median(waits) if waits else None,
        decisions=decisions,
        corrections=corrections,
    )
