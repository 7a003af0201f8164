"""Two release sweeps, and two offer sweeps, at once (each thread its own connection, as two
clusters would be), on SQLite and PostgreSQL: each held or queued lead is routed exactly once,
and no rep goes over capacity."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count

from intake.models import LeadEvent
from routing.models import Assignment, HeldLead, RoutingDecision, RoutingRule, TimeOff
from routing.services import NOT_CLAIMED, held_leads_release, queued_leads_offer, route_lead
from tests.routing.test_concurrency import assert_one_active_assignment_per_lead
from tests.routing.test_concurrency_redelivery import together

pytestmark = pytest.mark.django_db(transaction=True)

FRIDAY_18 = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # 18:00 CST
MONDAY_9 = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 09:00 CST
SHIFTS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
CAPACITY = 30
LEADS = 200


@pytest.fixture
def reps(make_rep):
    return [
        make_rep(
            f"cap{i}", working_hours=SHIFTS, time_zone="America/Chicago", max_open_leads=CAPACITY
        )
        for i in range(5)
    ]


def test_two_release_sweeps_at_once_route_each_held_lead_once_within_capacity(
    reps, make_rule, make_leads, team
):
    make_rule(
        after_hours=RoutingRule.AfterHours.HOLD,
        require_working_now=True,
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )
    leads = make_leads(LEADS)
    assert {route_lead(lead, now=FRIDAY_18).outcome for lead in leads} == {"held"}

    runs = together(lambda: held_leads_release(now=MONDAY_9, limit=LEADS))

    outcomes = sum(runs, Counter())
    outcomes.pop(NOT_CLAIMED, None)
    # 5 reps of 30 take 150; the rest find them working but full: the team's queue.
    assert outcomes == {"assigned": 150, "team_queue": 50}
    assert all(run.total() > 0 for run in runs), runs  # both sweeps shared the work
    per_rep = Counter(Assignment.objects.filter(rep__isnull=False).values_list("rep_id", flat=True))
    assert per_rep == {rep.pk: CAPACITY for rep in reps}
    assert_one_active_assignment_per_lead()
    assert not HeldLead.objects.filter(released_at__isnull=True).exists()
    released = LeadEvent.objects.filter(kind=LeadEvent.Kind.RELEASED)
    assert released.count() == LEADS
    assert not released.values("lead_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    after = RoutingDecision.objects.exclude(outcome="held")
    assert after.count() == LEADS
    assert not after.values("lead_id").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_two_offer_sweeps_at_once_give_each_queued_lead_to_one_rep_evenly(
    reps, make_rule, make_leads, team
):
    make_rule(
        require_working_now=True,
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )
    back = MONDAY_9 + timedelta(hours=1)
    for rep in reps:
        TimeOff.objects.create(rep=rep, starts_at=FRIDAY_18, ends_at=back)
    leads = make_leads(100)
    assert {route_lead(lead, now=MONDAY_9).outcome for lead in leads} == {"team_queue"}

    runs = together(lambda: queued_leads_offer(now=back, limit=100))

    assert sum(runs) == 100
    per_rep = Counter(Assignment.objects.filter(rep__isnull=False).values_list("rep_id", flat=True))
    assert per_rep == {rep.pk: 20 for rep in reps}
    assert_one_active_assignment_per_lead()
    assert not Assignment.objects.filter(queue_team__isnull=False, ended_at__isnull=True).exists()
