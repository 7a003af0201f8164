"""Each event is written once, by the service that makes the change, in its transaction, for
the endpoints whose events and filters match."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from intake.models import WebhookDelivery
from qualification.models import ReviewTask
from qualification.services import review_decide
from routing.models import Assignment, Team
from routing.services import lead_assign_manually, lead_status_change, route_lead, sla_sweep
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
ROUTABLE = {
    "full_name": "Ann Lee",
    "email": "ann@gmail.com",
    "phone": "+1 512 555 0134",
    "request_type": "home",
}


def sent(lead_id=None) -> list[str]:
    deliveries = WebhookDelivery.objects.order_by("id")
    if lead_id is not None:
        deliveries = deliveries.filter(lead_id=lead_id)
    return list(deliveries.values_list("event_type", flat=True))


def test_a_submitted_lead_is_created_qualified_and_assigned_once_each(
    api, make_endpoint, make_rep, make_rule
):
    make_endpoint()
    make_rule(pool_reps=[make_rep("sam")])

    lead_id = post_lead(api, ROUTABLE).json()["id"]

    assert sent(lead_id) == ["lead.created", "lead.qualified", "lead.assigned"]
    assigned = WebhookDelivery.objects.get(event_type="lead.assigned")
    assert assigned.event_data["assignment"]["reason"] == Assignment.Reason.INITIAL
    assert WebhookDelivery.objects.get(event_type="lead.qualified").event_data == {
        "needs_review": False
    }


def test_a_repeat_inquiry_is_no_new_lead_and_sends_nothing(api, make_endpoint):
    make_endpoint(events=["lead.created"])
    post_lead(api, ROUTABLE)
    post_lead(api, {**ROUTABLE, "message": "again"})
    assert sent() == ["lead.created"]


def test_only_the_ticked_events_are_written(api, make_endpoint, make_rep, make_rule):
    make_endpoint(events=["lead.assigned"])
    make_rule(pool_reps=[make_rep("sam")])
    post_lead(api, ROUTABLE)
    assert sent() == ["lead.assigned"]


def test_test_leads_send_nothing(api, make_endpoint):
    make_endpoint()
    post_lead(api, {**ROUTABLE, "email": "ann@example.com"})
    assert sent() == []


def test_a_review_decision_is_sent_with_who_decided(api, make_endpoint, django_user_model):
    endpoint = make_endpoint(events=["review.decided", "lead.qualified"])
    held = post_lead(api, {"full_name": "Ann Lee", "email": "ann@gmail.com", "message": "hi?"})
    task = ReviewTask.objects.get(lead_id=held.json()["id"])
    assert WebhookDelivery.objects.get().event_data == {"needs_review": True}
    mia = django_user_model.objects.create_user("mia")

    review_decide(task=task, user=mia, request_type="home", note="called her")

    decided = WebhookDelivery.objects.get(endpoint=endpoint, event_type="review.decided")
    assert decided.event_data["review"]["decided_by"] == "mia"
    assert decided.event_data["review"]["request_type"] == "home"
    assert decided.event_data["review"]["note"] == "called her"


def routed_lead(make_leads, now=MONDAY_10):
    (lead,) = make_leads(1)
    route_lead(lead, now=now)
    lead.refresh_from_db()
    return lead


def test_status_changes_are_sent_and_won_and_lost_also_as_their_own_events(
    make_endpoint, make_leads, make_rep, make_rule
):
    sam = make_rep("sam")
    make_rule(pool_reps=[sam])
    make_endpoint(events=["lead.status_changed", "lead.won", "lead.lost"])
    won, lost = routed_lead(make_leads), routed_lead(make_leads)

    lead_status_change(lead=won, user=sam.user, status="contacted")
    lead_status_change(lead=won, user=sam.user, status="won", value=1200)
    lead_status_change(lead=lost, user=sam.user, status="lost", reason="went elsewhere")

    assert sent(won.pk) == ["lead.status_changed", "lead.status_changed", "lead.won"]
    assert sent(lost.pk) == ["lead.status_changed", "lead.lost"]
    closing = WebhookDelivery.objects.get(event_type="lead.won").event_data
    assert closing["status"] == {"from": "contacted", "to": "won"}
    assert closing["changed_by"] == "sam"


def test_an_sla_breach_and_its_reassignment_are_sent(
    make_endpoint, make_leads, make_rep, make_rule, make_policy
):
    ann, bob = make_rep("ann"), make_rep("bob")
    make_rule(pool_reps=[ann, bob])
    make_policy()  # 30 business minutes; remind at 50 %, reassign at 100 %
    make_endpoint(events=["lead.assigned", "lead.reassigned", "sla.breached"])
    lead = routed_lead(make_leads)

    sla_sweep(MONDAY_10 + timedelta(minutes=30))

    assert sent(lead.pk) == ["lead.assigned", "sla.breached", "lead.reassigned"]
    reassigned = WebhookDelivery.objects.get(event_type="lead.reassigned").event_data
    assert reassigned["assignment"]["reason"] == Assignment.Reason.SLA
    assert reassigned["assignment"]["rep_id"] == bob.pk
    assert reassigned["previous_assignment"]["rep_id"] == ann.pk
    breached = WebhookDelivery.objects.get(event_type="sla.breached").event_data
    assert breached["sla"]["due_at"] == "2026-11-30T16:30:00Z"


def test_a_manual_reassignment_is_a_reassignment(
    make_endpoint, make_leads, make_rep, make_rule, django_user_model
):
    ann, bob = make_rep("ann"), make_rep("bob")
    make_rule(pool_reps=[ann])
    make_endpoint(events=["lead.assigned", "lead.reassigned"])
    lead = routed_lead(make_leads)
    boss = django_user_model.objects.create_user("boss", is_staff=True)

    lead_assign_manually(lead=lead, user=boss, rep=bob)

    assert sent(lead.pk) == ["lead.assigned", "lead.reassigned"]


def test_the_outbox_row_rolls_back_with_its_change(make_endpoint, make_leads, make_rep, make_rule):
    make_rule(pool_reps=[make_rep("sam")])
    make_endpoint()
    (lead,) = make_leads(1)

    with pytest.raises(RuntimeError), transaction.atomic():
        route_lead(lead, now=MONDAY_10)
        assert sent() == ["lead.assigned"]  # written in the change's transaction
        raise RuntimeError("the request fails after routing")

    assert sent() == []
    assert not Assignment.objects.exists()


def test_a_team_filter_gets_only_that_teams_leads_and_a_source_filter_that_sources(
    api, source, make_endpoint, make_rep, make_rule, make_source, team
):
    other_team = Team.objects.create(name="Dallas office", time_zone="America/Chicago")
    make_rule(pool_reps=[make_rep("sam")])  # Austin
    austin = make_endpoint(team=team)
    dallas = make_endpoint(team=other_team)
    website = make_endpoint(source=source)
    other_source = make_endpoint(source=make_source("Zillow"))

    post_lead(api, ROUTABLE)

    # Events before routing carry no team: a team's endpoint starts at lead.assigned.
    assert sent_to(austin) == ["lead.assigned"]
    assert sent_to(dallas) == []
    assert sent_to(website) == ["lead.created", "lead.qualified", "lead.assigned"]
    assert sent_to(other_source) == []


def sent_to(endpoint) -> list[str]:
    return list(endpoint.deliveries.order_by("id").values_list("event_type", flat=True))


def test_a_disabled_endpoint_gets_nothing_and_a_paused_one_keeps_its_events(api, make_endpoint):
    from intake.services import webhook_endpoint_set_state

    paused, disabled = (
        make_endpoint(events=["lead.created"]),
        make_endpoint(events=["lead.created"]),
    )
    webhook_endpoint_set_state(endpoint=paused, state="paused", reason="receiver down")
    webhook_endpoint_set_state(endpoint=disabled, state="disabled", reason="retired")

    post_lead(api, ROUTABLE)

    assert sent_to(paused) == ["lead.created"]
    assert sent_to(disabled) == []


def test_a_hand_back_is_a_reassignment_and_taking_it_from_the_queue_an_assignment(
    make_endpoint, make_leads, make_rep, make_rule, team
):
    from routing.services import lead_hand_back, queue_lead_claim

    team.reps_may_claim_queue = True
    team.save(update_fields=["reps_may_claim_queue"])
    ann, bob = make_rep("ann"), make_rep("bob")
    make_rule(pool_reps=[ann])
    make_endpoint(events=["lead.assigned", "lead.reassigned"], team=team)
    lead = routed_lead(make_leads)

    lead_hand_back(lead=lead, user=ann.user, reason="wrong language")
    handed = WebhookDelivery.objects.get(event_type="lead.reassigned").event_data
    assert handed["assignment"]["queue_team_id"] == team.pk
    assert handed["previous_assignment"]["rep_id"] == ann.pk
    queue_lead_claim(rep=bob, lead=lead)

    assert sent(lead.pk) == ["lead.assigned", "lead.reassigned", "lead.assigned"]
    taken = WebhookDelivery.objects.filter(event_type="lead.assigned").order_by("id").last()
    assert taken.event_data["assignment"]["reason"] == Assignment.Reason.CLAIMED
