"""The expressions the report's statements are built of: a lead's first routing, first owner,
first contact and last owner as correlated subqueries, and each lead-level figure as one
condition, so that the weekly report and the headline history count a figure the same way.

Every subquery reads one lead's rows through an index on `lead_id` (assignments, activities
by (lead, at), events by (lead, at), review tasks, qualifications): the cost grows with the
leads of the period, never with the history.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from intake.models import OPEN_STATUSES, LeadEvent, LeadStatus
from qualification.models import Qualification, ReviewTask, Tier
from routing.models import Activity, Assignment, SlaState

__all__ = ["OPEN_STATUSES"]

CLOSED_STATUSES = (LeadStatus.WON, LeadStatus.LOST)
QUALIFIED_TIERS = (Tier.A, Tier.B)
SLA_REASSIGNMENTS = (Assignment.Reason.SLA, Assignment.Reason.ESCALATION)


def _assignments():
    return Assignment.objects.filter(lead=OuterRef("pk")).order_by("assigned_at", "pk")


def _owners():
    return _assignments().filter(rep__isnull=False)


def first_routing(field: str) -> Subquery:
    """A field of the lead's first assignment (to a rep or a team's queue)."""
    return Subquery(_assignments().values(field)[:1])


def first_routing_team() -> Subquery:
    """The team of the lead's first routing: its rep's team, else the queue's team."""
    return Subquery(
        _assignments()
        .annotate(team_id=Coalesce("rep__team_id", "queue_team_id"))
        .values("team_id")[:1]
    )


def first_owner_at() -> Subquery:
    """When the lead first had a rep as owner (a team queue is not an owner)."""
    return Subquery(_owners().values("assigned_at")[:1])


def first_owner(field: str) -> Subquery:
    """A field of the lead's first assignment to a rep; `calendar_id` is the calendar its SLA
    clock counts by (the policy's, else the rep's team's)."""
    owners = _owners()
    if field == "calendar_id":
        owners = owners.annotate(
            calendar_id=Coalesce("sla_policy__calendar_id", "rep__team__calendar_id")
        )
    return Subquery(owners.values(field)[:1])


def last_owner_rep() -> Subquery:
    """The rep of the lead's latest assignment to a rep: who owned it when it closed."""
    return Subquery(
        Assignment.objects.filter(lead=OuterRef("pk"), rep__isnull=False)
        .order_by("-assigned_at", "-pk")
        .values("rep_id")[:1]
    )


def first_contact_at() -> Subquery:
    """When the first contact attempt on the lead was logged."""
    return Subquery(
        Activity.objects.filter(lead=OuterRef("pk")).order_by("at", "pk").values("at")[:1]
    )


def closed_by(as_of: dt.datetime) -> Q:
    return Q(status__in=CLOSED_STATUSES, closed_at__lte=as_of)


def won_by(as_of: dt.datetime) -> Q:
    return Q(status=LeadStatus.WON, closed_at__lte=as_of)


def lead_conditions(as_of: dt.datetime) -> dict[str, Q]:
    """Each lead-level figure of an arrival as one condition on a lead, as of `as_of`.

    A manual assignment counts as a reassignment only after the lead had a rep (a lead a
    manager gives from a queue is assigned, not reassigned).
    """
    assignments = Assignment.objects.filter(lead=OuterRef("pk"), assigned_at__lte=as_of)
    sla = Exists(assignments.filter(reason__in=SLA_REASSIGNMENTS))
    hand_back = Exists(
        LeadEvent.objects.filter(
            lead=OuterRef("pk"), kind=LeadEvent.Kind.HANDED_BACK, at__lte=as_of
        )
    )
    had_owner_before = Exists(
        Assignment.objects.filter(
            lead=OuterRef("lead"), rep__isnull=False, assigned_at__lt=OuterRef("assigned_at")
        )
    )
    manual = Exists(assignments.filter(had_owner_before, reason=Assignment.Reason.MANUAL))
    return {
        "valid_contact": ~Q(flags__has_key="uncontactable"),
        "held_for_review": Q(Exists(ReviewTask.objects.filter(lead=OuterRef("pk")))),
        "qualified": Q(
            Exists(Qualification.objects.filter(lead=OuterRef("pk"), tier__in=QUALIFIED_TIERS))
        ),
        "assigned": Q(Exists(assignments.filter(rep__isnull=False))),
        "contacted": Q(Exists(Activity.objects.filter(lead=OuterRef("pk"), at__lte=as_of))),
        "closed": closed_by(as_of),
        "closed_won": won_by(as_of),
        "routed": Q(Exists(assignments)),
        "reassigned": Q(sla) | Q(hand_back) | Q(manual),
        "reassigned_sla": Q(sla),
        "reassigned_hand_back": Q(hand_back),
        "reassigned_manual": Q(manual),
        "with_sla": Q(Exists(assignments.exclude(sla_state=""))),
        "fell_through": Q(Exists(assignments.filter(sla_state=SlaState.BREACHED))),
    }


def as_boolean(condition: Q) -> Case:
    """A condition as a true/false column."""
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )
