"""Reps taking leads from their team's queue: "take this one" and "take next", bounded by
capacity and availability, only where the team allows it; the queue page's section."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from intake.models import LeadEvent, LeadStatus
from qualification.models import Qualification
from routing.models import Assignment, SlaState, TimeOff
from routing.selectors import assignments_owing_notification
from routing.services import (
    lead_hand_back,
    queue_lead_claim,
    queue_take_next,
    rep_availability_set,
)
from tests.query_plans import captured_statements, full_scans

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_queue(personas):
    personas.team.reps_may_claim_queue = True
    personas.team.save(update_fields=["reps_may_claim_queue"])
    return personas.team


@pytest.fixture
def queued(make_leads, give, personas, open_queue):
    """Three leads waiting in team A's queue, one minute apart (oldest first)."""
    start = timezone.now() - timedelta(minutes=10)
    leads = make_leads(3)
    for minutes, lead in enumerate(leads):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            give(lead, team=open_queue)
    return leads


def qualify(lead, urgency):
    Qualification.objects.create(
        lead=lead,
        score=50,
        tier="B",
        urgency=urgency,
        request_type="home",
        confidence=0.9,
        score_source="rules",
    )


def owner(lead):
    return Assignment.objects.get(lead=lead, ended_at__isnull=True)


def test_taking_a_lead_makes_it_the_reps_with_its_own_clock_and_a_timeline_event(
    personas, queued, make_policy
):
    make_policy(targets=(("", "", 30),))
    lead = queued[1]

    assignment = queue_lead_claim(rep=personas.ann, lead=lead)

    assert owner(lead) == assignment
    assert (assignment.rep, assignment.user, assignment.queue_team) == (
        personas.ann,
        personas.ann.user,
        None,
    )
    assert assignment.reason == Assignment.Reason.CLAIMED
    assert assignment.get_reason_display() == "Taken from the team queue"
    assert assignment.sla_state == SlaState.RUNNING and assignment.sla_due_at is not None
    queue_row = Assignment.objects.get(lead=lead, queue_team=personas.team)
    assert queue_row.ended_at == assignment.assigned_at
    assert queue_row.sla_state in ("", SlaState.STOPPED)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    event = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.ASSIGNED).latest("id")
    assert event.actor == personas.ann.user
    assert event.message == "Austin office's queue → Ann: taken from the team queue"
    assert event.data["reason"] == "claimed" and event.data["to"]["rep"] == personas.ann.pk


def test_take_next_takes_the_most_urgent_then_the_longest_waiting(personas, queued):
    oldest, middle, newest = queued
    qualify(newest, "urgent")
    qualify(oldest, "low")

    taken = [queue_take_next(rep=personas.ann).lead for _ in range(3)]

    assert taken == [newest, middle, oldest]
    with pytest.raises(ValidationError, match="Nothing is waiting in Austin office's queue"):
        queue_take_next(rep=personas.ann)


def test_a_lead_taken_by_one_rep_is_refused_to_the_next(personas, queued):
    queue_lead_claim(rep=personas.ann, lead=queued[0])

    with pytest.raises(ValidationError, match="no longer waiting in your team's queue"):
        queue_lead_claim(rep=personas.bob, lead=queued[0])

    assert owner(queued[0]).rep == personas.ann


def test_a_rep_cannot_take_another_teams_lead_or_one_nobody_queued(
    personas, queued, make_leads, give
):
    personas.other_team.reps_may_claim_queue = True
    personas.other_team.save(update_fields=["reps_may_claim_queue"])
    theirs, bobs = make_leads(2)
    give(theirs, team=personas.other_team)
    give(bobs, rep=personas.bob)

    for lead in (theirs, bobs):
        with pytest.raises(ValidationError, match="no longer waiting"):
            queue_lead_claim(rep=personas.ann, lead=lead)

    assert owner(theirs).queue_team == personas.other_team
    assert owner(bobs).rep == personas.bob


def test_a_closed_queue_refuses_reps(personas, make_leads, give):
    lead = make_leads(1)[0]
    give(lead, team=personas.team)  # reps_may_claim_queue is off by default

    for take in (
        lambda: queue_lead_claim(rep=personas.ann, lead=lead),
        lambda: queue_take_next(rep=personas.ann),
    ):
        with pytest.raises(ValidationError, match="not open to reps"):
            take()

    assert owner(lead).queue_team == personas.team


def test_a_rep_at_capacity_takes_nothing_until_they_hand_one_back(personas, queued):
    ann = personas.ann
    ann.max_open_leads = 2
    ann.save(update_fields=["max_open_leads"])
    first = queue_take_next(rep=ann)
    queue_take_next(rep=ann)

    with pytest.raises(ValidationError, match="You already have 2 open leads, your limit"):
        queue_take_next(rep=ann)
    with pytest.raises(ValidationError, match="your limit"):
        queue_lead_claim(rep=ann, lead=queued[2])

    lead_hand_back(lead=first.lead, user=ann.user, reason="not mine")
    assert queue_lead_claim(rep=ann, lead=queued[2]).rep == ann


def test_a_rep_not_receiving_leads_or_on_time_off_is_refused(personas, queued):
    ann, bob = personas.ann, personas.bob
    rep_availability_set(rep=ann, receiving=False, by_user=ann.user)
    now = timezone.now()
    TimeOff.objects.create(rep=bob, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(1))

    with pytest.raises(ValidationError, match="You are not receiving leads"):
        queue_take_next(rep=ann)
    with pytest.raises(ValidationError, match="on time off until"):
        queue_lead_claim(rep=bob, lead=queued[0])

    assert Assignment.objects.filter(reason=Assignment.Reason.CLAIMED).count() == 0


def test_the_daily_cap_counts_taken_leads(personas, queued):
    ann = personas.ann
    ann.max_new_per_day = 1
    ann.save(update_fields=["max_new_per_day"])
    queue_take_next(rep=ann)

    with pytest.raises(ValidationError, match="1 new leads today, your daily limit"):
        queue_take_next(rep=ann)


def test_working_hours_do_not_stop_a_rep_on_the_page_from_taking_a_lead(personas, queued):
    ann = personas.ann
    ann.working_hours = {"sun": [["00:00", "00:01"]]}  # as good as never
    ann.save(update_fields=["working_hours"])

    assert queue_take_next(rep=ann).rep == ann


def test_a_lead_held_for_review_or_closed_is_not_taken(personas, queued):
    held, closed, waiting = queued
    held.status = LeadStatus.REVIEW
    held.save(update_fields=["status"])
    closed.status = LeadStatus.LOST
    closed.save(update_fields=["status"])

    with pytest.raises(ValidationError, match="no longer waiting"):
        queue_lead_claim(rep=personas.ann, lead=held)
    assert queue_take_next(rep=personas.ann).lead == waiting
    with pytest.raises(ValidationError, match="Nothing is waiting"):
        queue_take_next(rep=personas.ann)


# --- the queue page ---------------------------------------------------------------------------


def test_the_queue_page_lists_the_team_queue_only_when_reps_may_take_from_it(
    client, personas, make_leads, give
):
    lead = make_leads(1, full_name="Zed Queue")[0]
    give(lead, team=personas.team)
    client.force_login(personas.ann.user)
    assert "Take next" not in client.get("/queue/").content.decode()

    personas.team.reps_may_claim_queue = True
    personas.team.save(update_fields=["reps_may_claim_queue"])
    page = client.get("/queue/").content.decode()

    assert "Austin office's queue" in page and "(1 waiting)" in page
    assert f"#{lead.pk} Zed Queue" in page
    assert "Take next" in page and "Take this one" in page
    client.force_login(personas.cat.user)  # another team's rep sees their own team's queue
    assert "Zed Queue" not in client.get("/queue/").content.decode()


def test_take_this_one_sends_the_rep_to_the_lead_and_says_so(client, personas, queued):
    client.force_login(personas.ann.user)

    response = client.post(f"/queue/take/{queued[0].pk}/", follow=True)

    assert response.redirect_chain == [(f"/leads/{queued[0].pk}/", 302)]
    assert f"Lead #{queued[0].pk}" in response.content.decode()
    assert "is yours now." in response.content.decode()
    assert owner(queued[0]).rep == personas.ann


def test_take_next_on_the_page_and_a_refusal_in_plain_words(client, personas, queued):
    personas.ann.max_open_leads = 1
    personas.ann.save(update_fields=["max_open_leads"])
    client.force_login(personas.ann.user)

    taken = client.post("/queue/take-next/")
    refused = client.post("/queue/take-next/", follow=True)

    assert taken.url == f"/leads/{queued[0].pk}/"
    assert refused.redirect_chain == [("/queue/", 302)]
    assert "You already have 1 open leads, your limit" in refused.content.decode()


def test_taking_needs_a_rep_and_a_post(client, personas, queued):
    client.force_login(personas.manager)
    assert client.post("/queue/take-next/").status_code == 404
    client.force_login(personas.ann.user)
    assert client.get("/queue/take-next/").status_code == 405
    assert client.get(f"/queue/take/{queued[0].pk}/").status_code == 405


def test_the_queue_page_with_the_team_queue_has_a_fixed_query_budget(
    client, personas, make_leads, give, open_queue, django_assert_max_num_queries
):
    client.force_login(personas.ann.user)
    for lead in make_leads(2):
        give(lead, team=open_queue)
    # One more than before the navigation showed each role its links (is the viewer a rep?).
    with django_assert_max_num_queries(10) as few:
        client.get("/queue/")
    for lead in make_leads(10):
        give(lead, team=open_queue)

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/queue/").context["team_queue"]) == 12


def test_the_team_queue_and_taking_from_it_read_by_index(client, personas, queued):
    """No full scan of a table that grows with every lead (tests/query_plans.py): the team
    queue and a take cost the same whatever the history."""
    client.force_login(personas.ann.user)
    with captured_statements() as statements:
        assert client.get("/queue/").status_code == 200
        assert client.post("/queue/take-next/").status_code == 302
        assert client.post(f"/queue/take/{queued[2].pk}/").status_code == 302

    assert statements and full_scans(statements) == []
    assert Assignment.objects.filter(rep=personas.ann, ended_at__isnull=True).count() == 2


def test_a_rep_who_takes_a_lead_is_not_told_about_it_now_or_by_the_owed_sweep(
    personas, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        assignment = queue_lead_claim(rep=personas.ann, lead=queued[0])

    assert callbacks == []  # no "new lead for you" message for a lead Ann just took herself
    assert assignment.notified_at == assignment.assigned_at
    later = timezone.now() + timedelta(minutes=10)
    assert assignment.pk not in {a.pk for a in assignments_owing_notification(now=later)}
