"""Two clusters' sweeps running at the same moment (real threads, one connection each, on
SQLite and PostgreSQL): each stranded lead is recovered once, each owed notification queued
once."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from intake.models import LeadEvent
from qualification.models import Qualification, ReviewTask
from routing import tasks
from routing.models import Assignment, RotationState, RoutingDecision
from routing.services.assignments import assignment_replace
from tests.routing.test_concurrency_redelivery import together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_sweeps_at_once_recover_each_stranded_lead_exactly_once(
    make_rep, make_rule, make_leads, time_machine
):
    rule = make_rule(pool_reps=[make_rep("ann"), make_rep("bob")])
    leads = make_leads(6, full_name="Ann Lee", email="ann@gmail.com", request_type="home")
    for lead in leads[:3]:  # qualified, then the worker died before routing
        Qualification.objects.create(
            lead=lead, score=60, tier="B", confidence=0.9, score_source="rules"
        )
    time_machine.move_to(timezone.now() + timedelta(minutes=3))

    outcomes = together(tasks.recover_stranded_leads)

    recovered = sum(int(outcome.split()[1]) for outcome in outcomes)
    assert recovered == len(leads), outcomes
    assigned = 0
    for lead in leads:
        events = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.RECOVERED)
        assert events.count() == 1
        assert Qualification.objects.filter(lead=lead).count() == 1
        owners = Assignment.objects.filter(lead=lead).count()
        reviews = ReviewTask.objects.filter(lead=lead).count()
        decisions = RoutingDecision.objects.filter(lead=lead).exclude(outcome="error").count()
        # One outcome each: routed once (one assignment, one decision), or held for review.
        assert (owners, decisions, reviews) in {(1, 1, 0), (0, 0, 1)}, lead.pk
        assigned += owners
    assert sum(
        RotationState.objects.filter(rule=rule).values_list("assigned_count", flat=True)
    ) == (assigned)
    assert assigned >= 3  # at least the qualified ones were routed
    assert tasks.recover_stranded_leads() == "recovered 0 stranded lead(s)"


def test_two_sweeps_at_once_queue_an_owed_notification_once(
    make_rep, make_leads, time_machine, monkeypatch
):
    from routing import notifications

    ann = make_rep("ann")
    leads = make_leads(3)
    # Committed, and the worker killed before its on-commit enqueue ran.
    monkeypatch.setattr(notifications, "assignment_notify_on_commit", lambda assignment: None)
    for lead in leads:
        assignment_replace(lead=lead, now=timezone.now(), reason="initial", rep=ann)
    time_machine.move_to(timezone.now() + timedelta(minutes=3))

    outcomes = together(tasks.notify_owed_assignments)

    assert sum(int(outcome.split()[1]) for outcome in outcomes) == 3, outcomes
    queued = sorted(q.task["args"] for q in OrmQ.objects.all())
    assert queued == sorted((a.pk,) for a in Assignment.objects.all())
