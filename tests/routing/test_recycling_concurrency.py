"""Two recycling sweeps at once (each thread its own connection, as two clusters would be), on
SQLite and PostgreSQL: every due lead is recycled exactly once — one `recycled` assignment, one
event, one rotation turn — and a lost lead is reopened once."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count

from intake.models import LeadEvent, LeadStatus, LostReason
from routing.models import Assignment, RecyclingRule, RotationState, Team
from routing.services import lead_status_change, recycling_sweep, route_lead
from tests.routing.test_concurrency_redelivery import together

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = 30
MONDAY_10 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def assert_each_lead_recycled_once(leads):
    recycled = Counter(
        Assignment.objects.filter(reason=Assignment.Reason.RECYCLED).values_list(
            "lead_id", flat=True
        )
    )
    assert recycled == Counter({lead.pk: 1 for lead in leads})
    events = Counter(
        LeadEvent.objects.filter(kind=LeadEvent.Kind.RECYCLED).values_list("lead_id", flat=True)
    )
    assert events == recycled
    # One owner each: the partial unique index would have refused a second.
    assert not (
        Assignment.objects.filter(ended_at__isnull=True)
        .values("lead_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )


def test_two_sweeps_at_once_recycle_each_idle_lead_once(make_rep, make_rule, make_leads):
    reps = [make_rep(f"rep{i}") for i in range(4)]
    rule = make_rule(pool_reps=reps)
    leads = make_leads(LEADS)
    for lead in leads:
        route_lead(lead, now=MONDAY_10)
    RecyclingRule.objects.create(name="Idle", kind="not_worked", business_days=2)
    turns_before = sum(
        RotationState.objects.filter(rule=rule).values_list("assigned_count", flat=True)
    )

    acted = together(lambda: recycling_sweep(MONDAY_10 + timedelta(days=3)))

    assert sum(acted) == LEADS
    assert_each_lead_recycled_once(leads)
    turns = sum(RotationState.objects.filter(rule=rule).values_list("assigned_count", flat=True))
    assert turns == turns_before + LEADS
    assert together(lambda: recycling_sweep(MONDAY_10 + timedelta(days=3))) == [0, 0]


def test_two_sweeps_at_once_reopen_each_lost_lead_once(make_rep, make_rule, make_leads, team):
    rep = make_rep("ann")
    make_rule(pool_reps=[rep])
    staff = rep.user.__class__.objects.create_user("sue", is_staff=True)
    leads = make_leads(LEADS)
    for lead in leads:
        route_lead(lead, now=MONDAY_10)
        lead_status_change(
            lead=lead, user=staff, status="lost", lost_reason=LostReason.NOT_NOW, now=MONDAY_10
        )
    queue = Team.objects.create(name="Re-engagement")
    RecyclingRule.objects.create(
        name="Not now",
        kind="lost",
        days=30,
        lost_reasons=[LostReason.NOT_NOW],
        target="team_queue",
        target_team=queue,
    )

    acted = together(lambda: recycling_sweep(MONDAY_10 + timedelta(days=31)))

    assert sum(acted) == LEADS
    assert_each_lead_recycled_once(leads)
    reopened = LeadEvent.objects.filter(kind=LeadEvent.Kind.RECYCLED, data__reopened__to="new")
    assert reopened.count() == LEADS
    assert set(
        type(leads[0])
        .objects.filter(pk__in=[lead.pk for lead in leads])
        .values_list("status", flat=True)
    ) == {LeadStatus.NEW}
