"""Reps taking leads from their team's queue at the same moment, each thread its own database
connection (as reps' requests are), on SQLite and PostgreSQL: every lead gets exactly one
owner, and no rep goes past their capacity."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count

from intake.models import LeadEvent
from routing.models import Assignment, Rep
from routing.services import lead_assign_manually, queue_lead_claim, queue_take_next

pytestmark = pytest.mark.django_db(transaction=True)

REPS = 8


def at_once(calls) -> list:
    """Run each call in its own thread, released together; each result, or the refusal's
    ValidationError (anything else fails the test)."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=30)
            try:
                return call()
            except ValidationError as refused:
                return refused
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def reps(make_rep, team, django_user_model):
    team.reps_may_claim_queue = True
    team.manager = django_user_model.objects.create_user("mia", is_staff=True)
    team.save(update_fields=["reps_may_claim_queue", "manager"])
    return [make_rep(f"taker{i}") for i in range(REPS)]


@pytest.fixture
def queue_leads(make_leads, team):
    def queue(n):
        leads = make_leads(n)
        for lead in leads:
            lead_assign_manually(lead=lead, user=team.manager, team=team)
        return leads

    return queue


def assert_one_owner_per_lead():
    doubled = (
        Assignment.objects.filter(ended_at__isnull=True)
        .values("lead_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubled.exists()


def test_eight_reps_taking_one_lead_at_once_give_it_one_owner(reps, queue_leads):
    (lead,) = queue_leads(1)

    results = at_once([lambda rep=rep: queue_lead_claim(rep=rep, lead=lead) for rep in reps])

    taken = [r for r in results if isinstance(r, Assignment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(taken) == 1 and len(refused) == REPS - 1
    assert all("no longer waiting" in r.messages[0] for r in refused)
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).pk == taken[0].pk
    assert Assignment.objects.filter(lead=lead, reason=Assignment.Reason.CLAIMED).count() == 1
    claimed_events = LeadEvent.objects.filter(
        lead=lead, kind=LeadEvent.Kind.ASSIGNED, data__reason="claimed"
    )
    assert claimed_events.count() == 1
    assert_one_owner_per_lead()


def test_eight_reps_taking_next_together_never_share_a_lead_nor_pass_their_capacity(
    reps, queue_leads
):
    Rep.objects.filter(pk__in=[r.pk for r in reps]).update(max_open_leads=3)
    leads = queue_leads(30)

    def take_until_refused(rep):
        taken = []
        while True:
            try:
                taken.append(queue_take_next(rep=rep).lead_id)
            except ValidationError:
                return taken

    results = at_once([lambda rep=rep: take_until_refused(rep) for rep in reps])

    every_take = [lead_id for taken in results for lead_id in taken]
    assert len(every_take) == len(set(every_take)) == REPS * 3
    assert [len(taken) for taken in results] == [3] * REPS
    owners = Counter(
        Assignment.objects.filter(
            lead__in=leads, ended_at__isnull=True, rep__isnull=False
        ).values_list("rep_id", flat=True)
    )
    assert set(owners.values()) == {3}
    still_queued = Assignment.objects.filter(
        lead__in=leads, ended_at__isnull=True, queue_team__isnull=False
    )
    assert still_queued.count() == 30 - REPS * 3
    assert_one_owner_per_lead()


def test_one_rep_clicking_take_next_in_six_tabs_stops_at_their_capacity(reps, queue_leads):
    rep = reps[0]
    Rep.objects.filter(pk=rep.pk).update(max_open_leads=2)
    queue_leads(10)

    results = at_once([lambda: queue_take_next(rep=rep)] * 6)

    assert sum(isinstance(r, Assignment) for r in results) == 2
    assert Assignment.objects.filter(rep=rep, ended_at__isnull=True).count() == 2
    assert_one_owner_per_lead()
