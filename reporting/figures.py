"""The correlated subqueries the report's statements share: the team of a lead's first routing
(a team's leads) and the rep of its latest assignment (who owned it when it was won).

Each reads one lead's assignments through the index on `lead_id`: the cost grows with the rows
of the period, never with the history.
"""

from __future__ import annotations

from django.db.models import BooleanField, Case, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from routing.models import Assignment


def first_routing_team(lead: str = "pk") -> Subquery:
    """The team of the lead's first routing: its rep's team, else the queue's team (`lead`:
    the outer query's lead id, its own pk or a row's `lead`)."""
    return Subquery(
        Assignment.objects.filter(lead=OuterRef(lead))
        .order_by("assigned_at", "pk")
        .annotate(team_id=Coalesce("rep__team_id", "queue_team_id"))
        .values("team_id")[:1]
    )


def last_owner_rep() -> Subquery:
    """The rep of the lead's latest assignment to a rep: who owned it when it closed."""
    return Subquery(
        Assignment.objects.filter(lead=OuterRef("pk"), rep__isnull=False)
        .order_by("-assigned_at", "-pk")
        .values("rep_id")[:1]
    )


def as_boolean(condition: Q) -> Case:
    """A condition as a true/false column."""
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )
