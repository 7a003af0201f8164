"""django-q2 delivers a task at least once, and two clusters can retry the same parked lead at
the same moment: whatever runs twice, a lead is routed once. Real concurrent connections (one
per thread), on SQLite and PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django_q.models import OrmQ

from intake.models import LeadEvent, LeadStatus
from leadrouter import pipeline
from routing import tasks
from routing.models import Assignment, RotationState, RoutingDecision
from routing.services import route_lead, routing_park

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 2


def together(work) -> list:
    """WORKERS threads released at the same moment, each running `work()`."""
    barrier = threading.Barrier(WORKERS)

    def run(_):
        try:
            barrier.wait(timeout=30)
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(run, range(WORKERS)))


def assert_routed_once(lead, rule):
    assert Assignment.objects.filter(lead=lead).count() == 1
    decisions = RoutingDecision.objects.filter(lead=lead).exclude(outcome="error")
    assert list(decisions.values_list("outcome", flat=True)) == ["assigned"]
    routed = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.ROUTED)
    assert [e.data["outcome"] for e in routed if e.data["outcome"] != "error"] == ["assigned"]
    # One turn of the rotation taken, one owner told.
    turns = RotationState.objects.filter(rule=rule).values_list("assigned_count", flat=True)
    assert sum(turns) == 1
    assert OrmQ.objects.count() == 1
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED


def test_two_clusters_retrying_the_same_parked_lead_at_once_route_it_once(
    make_rep, make_rule, make_leads
):
    ann, bob = make_rep("ann"), make_rep("bob")
    rule = make_rule(pool_reps=[ann, bob])
    lead = make_leads(1)[0]
    routing_park(lead=lead, error="Traceback ...\nOperationalError: database is locked")

    together(tasks.route_parked_leads)

    assert_routed_once(lead, rule)
    # The rotation moved by one: the next lead goes to the other rep.
    first = Assignment.objects.get(lead=lead).rep
    assert route_lead(make_leads(1)[0]).rep == ({ann, bob} - {first}).pop()


def test_a_routing_task_delivered_twice_at_once_routes_the_lead_once(
    make_rep, make_rule, make_leads
):
    ann, bob = make_rep("ann"), make_rep("bob")
    rule = make_rule(pool_reps=[ann, bob])
    lead = make_leads(1)[0]

    decisions = together(lambda: pipeline.routing_step(lead))

    assert_routed_once(lead, rule)
    assert sorted(d is None for d in decisions) == [False, True]  # the second one did nothing
