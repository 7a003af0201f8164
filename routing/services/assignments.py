"""Starting an assignment: the one place a lead changes owner, whether a rule, a fallback, a
manager or an SLA step moves it."""

from datetime import datetime

from intake.models import Lead
from routing.models import Assignment, Rep, RoutingRule, Team


def assignment_replace(
    *,
    lead: Lead,
    now: datetime,
    reason: str,
    rule: RoutingRule | None = None,
    rep: Rep | None = None,
    user=None,
    team: Team | None = None,
    note: str = "",
) -> Assignment:
    """End the lead's active assignment (if any) and start a new one.

    Call inside the caller's transaction with the lead row locked: the partial unique index
    `one_active_assignment_per_lead` is what guarantees a single owner if two callers race.
    """
    Assignment.objects.filter(lead=lead, ended_at__isnull=True).update(ended_at=now)
    return Assignment.objects.create(
        lead=lead,
        rep=rep,
        user=user or (rep.user if rep else None),
        queue_team=team,
        rule=rule,
        reason=reason,
        note=note[:300],
        assigned_at=now,
    )
