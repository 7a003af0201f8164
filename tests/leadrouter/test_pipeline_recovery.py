"""A lead left between two steps (its worker killed between intake's commit and routing, or
its qualification failed) is found by the every-minute sweep and taken through the rest of
the pipeline, once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from intake.models import Lead, LeadEvent, LeadStatus
from leadrouter import pipeline
from qualification.models import Qualification, ReviewTask
from qualification.services import review_hold
from routing import tasks
from routing.models import Assignment, RoutingDecision
from routing.services import routing_park
from routing.services.assignments import assignment_replace
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

LEAD = {"full_name": "Ann Lee", "email": "ann@gmail.com", "request_type": "home"}
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NOTHING = "recovered 0 stranded lead(s)"


class Killed(BaseException):
    """A worker's SIGKILL between two steps: nothing after it runs, no `except` sees it."""


def killed(*args, **kwargs):
    raise Killed


def _broken(*args, **kwargs):
    raise RuntimeError("model file corrupted")


def recovered_events(lead) -> list[str]:
    return list(
        LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.RECOVERED).values_list(
            "message", flat=True
        )
    )


@pytest.mark.parametrize(
    "killed_before, why",
    [("qualification_step", "not qualified"), ("routing_step", "qualified but not routed")],
)
def test_a_lead_whose_worker_died_between_two_steps_is_recovered_once_by_the_sweep(
    api, make_rep, make_rule, monkeypatch, time_machine, killed_before, why
):
    make_rule(pool_reps=[make_rep("sam")])
    time_machine.move_to(T0, tick=False)
    monkeypatch.setattr(pipeline, killed_before, killed)
    with pytest.raises(Killed):
        post_lead(api, LEAD)
    monkeypatch.undo()
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.NEW and not lead.assignments.exists()

    # Its request may still be working on it: the sweep leaves it alone for two minutes.
    time_machine.shift(timedelta(seconds=90))
    assert tasks.recover_stranded_leads() == NOTHING

    time_machine.shift(timedelta(seconds=60))
    assert tasks.recover_stranded_leads() == "recovered 1 stranded lead(s); routed: 1"
    assert tasks.recover_stranded_leads() == NOTHING
    time_machine.shift(timedelta(hours=1))
    assert tasks.recover_stranded_leads() == NOTHING

    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    assert Assignment.objects.filter(lead=lead).get().rep.user.username == "sam"
    assert Qualification.objects.filter(lead=lead).count() == 1
    assert RoutingDecision.objects.filter(lead=lead).count() == 1
    assert recovered_events(lead) == [f"Recovered by the sweep (attempt 1 of 5): stranded, {why}"]


def test_a_worker_killed_after_routing_before_the_notification_was_queued_is_told_once(
    api, make_rep, make_rule, monkeypatch, time_machine, django_capture_on_commit_callbacks
):
    """The last pair of steps (routing → notification): the lead is owned, so it is not
    stranded; the owed-notification sweep queues its message, once however often it runs."""
    from django_q.models import OrmQ

    from routing import notifications

    make_rule(pool_reps=[make_rep("sam")])
    time_machine.move_to(T0, tick=False)
    monkeypatch.setattr(notifications, "assignment_notify_enqueue", killed)
    with pytest.raises(Killed), django_capture_on_commit_callbacks(execute=True):
        post_lead(api, LEAD)
    monkeypatch.undo()
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.ASSIGNED and not OrmQ.objects.exists()

    time_machine.shift(timedelta(seconds=90))
    assert tasks.notify_owed_assignments() == "queued 0 owed notification(s)"
    time_machine.shift(timedelta(seconds=60))
    assert tasks.notify_owed_assignments() == "queued 1 owed notification(s)"
    assert tasks.notify_owed_assignments() == "queued 0 owed notification(s)"
    assert tasks.recover_stranded_leads() == NOTHING

    (task,) = OrmQ.objects.all()
    assert task.task["func"] == "routing.tasks.notify_assignment"
    assert task.task["args"] == (lead.assignments.get().pk,)
    assert recovered_events(lead) == []


@pytest.mark.parametrize("status", [LeadStatus.ASSIGNED, LeadStatus.CONTACTED, LeadStatus.REVIEW])
def test_an_open_lead_past_new_that_nobody_owns_or_reviews_goes_to_review_once(
    make_leads, make_rep, time_machine, status
):
    """A restored backup, or an assignment ended with no next one: status says worked, but
    nobody owns it. The sweep finds it whatever its open status and a person decides."""
    from django.utils import timezone

    from routing.selectors import stranded_lead_count

    time_machine.move_to(T0, tick=False)
    (lead,) = make_leads(1)
    assignment = assignment_replace(
        lead=lead, now=timezone.now(), reason="manual", rep=make_rep("sam")
    )
    Lead.objects.filter(pk=lead.pk).update(status=status)
    Assignment.objects.filter(pk=assignment.pk).update(ended_at=timezone.now())

    time_machine.shift(timedelta(minutes=3))
    assert stranded_lead_count(now=timezone.now()) == 1
    assert tasks.recover_stranded_leads() == "recovered 1 stranded lead(s); sent to review: 1"
    assert tasks.recover_stranded_leads() == NOTHING
    time_machine.shift(timedelta(hours=1))
    assert tasks.recover_stranded_leads() == NOTHING
    assert stranded_lead_count(now=timezone.now()) == 0

    lead.refresh_from_db()
    assert lead.status == LeadStatus.REVIEW
    label = LeadStatus(status).label.lower()
    task = ReviewTask.objects.get(lead=lead, status=ReviewTask.Status.OPEN)
    assert task.reasons == [f"stranded: {label} but nobody owns or reviews it"]
    assert recovered_events(lead) == [
        f"Recovered by the sweep (attempt 1 of 5): stranded, {label} but nobody owns or reviews it"
    ]


def test_the_stranded_count_is_the_open_leads_in_none_of_the_four_places(
    make_leads, make_rep, time_machine, django_assert_num_queries
):
    from django.utils import timezone

    from routing.selectors import stranded_lead_count, stranded_leads

    time_machine.move_to(T0, tick=False)
    owned, reviewed, parked, stranded, contacted, won, fresh = make_leads(7)
    make_leads(1, is_test=True)
    make_leads(1, is_historical=True)
    assignment_replace(lead=owned, now=timezone.now(), reason="manual", rep=make_rep("sam"))
    review_hold(lead=reviewed, reason="exceptional")
    routing_park(lead=parked, error="OperationalError: database is locked")
    Lead.objects.filter(pk=contacted.pk).update(status=LeadStatus.CONTACTED)
    Lead.objects.filter(pk=won.pk).update(status=LeadStatus.WON)  # closed: nothing owed
    time_machine.shift(timedelta(minutes=10))
    Lead.objects.filter(pk=fresh.pk).update(updated_at=timezone.now())  # being processed

    with django_assert_num_queries(1):
        assert stranded_lead_count(now=timezone.now()) == 2
    listed = stranded_leads(now=timezone.now()).values_list("pk", flat=True)
    assert set(listed) == {stranded.pk, contacted.pk}


def test_a_lead_ingested_without_qualification_is_qualified_and_routed_by_the_sweep(
    source, make_rep, make_rule, time_machine
):
    import json

    from intake.services import submission_ingest, submission_store

    make_rule(pool_reps=[make_rep("sam")])
    time_machine.move_to(T0, tick=False)
    submission = submission_store(
        source=source, door="api", body=json.dumps(LEAD).encode(), content_type="application/json"
    )
    lead = submission_ingest(submission=submission).lead  # the worker died here

    time_machine.shift(timedelta(minutes=3))
    assert tasks.recover_stranded_leads() == "recovered 1 stranded lead(s); routed: 1"

    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    assert recovered_events(lead) == [
        "Recovered by the sweep (attempt 1 of 5): stranded, not qualified"
    ]


def test_a_lead_whose_qualification_keeps_failing_is_retried_with_backoff_then_reviewed(
    api, make_rep, make_rule, monkeypatch, time_machine, django_user_model
):
    from qualification.services import qualify

    make_rule(pool_reps=[make_rep("sam")])
    time_machine.move_to(T0, tick=False)
    monkeypatch.setattr(qualify, "lead_judge", _broken)
    lead = Lead.objects.get(pk=post_lead(api, LEAD).json()["id"])
    assert lead.events.filter(message__contains="will be retried").exists()

    swept = {}
    for minute in range(1, 40):
        time_machine.move_to(T0 + timedelta(minutes=minute), tick=False)
        if (outcome := tasks.recover_stranded_leads()) != NOTHING:
            swept[minute] = outcome

    # Two minutes after it was stranded, then 2, 4, 8 and 16 minutes after each attempt.
    assert list(swept) == [2, 4, 8, 16, 32]
    assert set(list(swept.values())[:4]) == {
        "recovered 1 stranded lead(s); qualification failed; retried later: 1"
    }
    assert swept[32] == "recovered 1 stranded lead(s); qualification failed; sent to review: 1"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REVIEW
    task = ReviewTask.objects.get(lead=lead, status=ReviewTask.Status.OPEN)
    assert task.reasons == ["qualification failed"]
    assert len(recovered_events(lead)) == 5

    # A person judges it (the first judgement it gets), then it is routed.
    monkeypatch.undo()
    reviewer = django_user_model.objects.create_user("rita")
    pipeline.release_after_review(task=task, user=reviewer, tier="B")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    assert lead.qualification.tier == "B"


def test_a_lead_whose_qualification_failed_once_is_routed_by_the_next_attempt(
    api, make_rep, make_rule, monkeypatch, time_machine
):
    from qualification.services import qualify

    make_rule(pool_reps=[make_rep("sam")])
    time_machine.move_to(T0, tick=False)
    monkeypatch.setattr(qualify, "lead_judge", _broken)
    lead_id = post_lead(api, LEAD).json()["id"]
    time_machine.shift(timedelta(minutes=2))
    tasks.recover_stranded_leads()
    monkeypatch.undo()

    time_machine.shift(timedelta(minutes=1))
    assert tasks.recover_stranded_leads() == NOTHING  # backing off
    time_machine.shift(timedelta(minutes=1))
    assert tasks.recover_stranded_leads() == "recovered 1 stranded lead(s); routed: 1"
    assert Lead.objects.get(pk=lead_id).status == LeadStatus.ASSIGNED


def test_leads_that_are_owned_reviewed_parked_test_or_historical_are_not_stranded(
    make_leads, make_rep, time_machine
):
    from django.utils import timezone

    time_machine.move_to(T0, tick=False)
    owned, reviewed, parked, stranded = make_leads(4)
    make_leads(1, is_test=True)
    make_leads(1, is_historical=True)
    # Owned while still new (a manual assignment): whoever owns it takes it from here.
    assignment_replace(lead=owned, now=timezone.now(), reason="manual", rep=make_rep("sam"))
    review_hold(lead=reviewed, reason="exceptional")
    routing_park(lead=parked, error="OperationalError: database is locked")

    time_machine.shift(timedelta(minutes=10))
    assert tasks.recover_stranded_leads().startswith("recovered 1 stranded lead(s)")

    assert list(
        LeadEvent.objects.filter(kind=LeadEvent.Kind.RECOVERED).values_list("lead", flat=True)
    ) == [stranded.pk]


def test_two_sweeps_that_listed_the_same_lead_claim_it_once(make_leads, time_machine):
    from django.utils import timezone

    from routing.selectors import stranded_leads
    from routing.services import stranded_lead_claim

    time_machine.move_to(T0, tick=False)
    make_leads(1)
    time_machine.shift(timedelta(minutes=3))
    here, there = stranded_leads(now=timezone.now())[0], stranded_leads(now=timezone.now())[0]

    assert stranded_lead_claim(lead=here) is True
    assert stranded_lead_claim(lead=there) is False  # another worker got there first
    assert pipeline.recover_stranded_lead(there) == "claimed elsewhere"


def test_qualify_leads_routes_the_leads_it_qualifies(api, make_rep, make_rule, monkeypatch):
    from qualification.services import qualify

    make_rule(pool_reps=[make_rep("sam")])
    monkeypatch.setattr(qualify, "lead_judge", _broken)
    lead_id = post_lead(api, LEAD).json()["id"]
    monkeypatch.undo()

    call_command("qualify_leads")

    lead = Lead.objects.get(pk=lead_id)
    assert lead.status == LeadStatus.ASSIGNED
    assert lead.assignments.get().rep.user.username == "sam"
