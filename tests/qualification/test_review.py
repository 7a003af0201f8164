"""The review queue: what a manager sees, and what each decision does."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from intake.models import Lead, LeadStatus
from qualification.models import ReviewTask
from qualification.services import review_decide
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(api):
    """A lead held for review: nothing says what it asks for."""
    response = post_lead(
        api,
        {"full_name": "Ann Lee", "email": "ann@gmail.com", "message": "I have some questions"},
    )
    return ReviewTask.objects.get(lead_id=response.json()["id"])


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user("mia", password="pw-for-tests")
    user.user_permissions.add(
        Permission.objects.get(
            codename="change_reviewtask", content_type__app_label="qualification"
        )
    )
    return user


def test_the_queue_shows_the_lead_why_and_how_long_it_waited(client, manager, held):
    client.force_login(manager)

    page = client.get(reverse("qualification:review-queue")).content.decode()

    assert "Ann Lee" in page
    assert "not sure of the request type" in page
    assert "minute" in page  # "0 minutes" waiting


def test_a_rep_without_the_permission_cannot_see_the_queue(client, django_user_model, held):
    client.force_login(django_user_model.objects.create_user("rep"))

    assert client.get(reverse("qualification:review-queue")).status_code == 403
    assert client.get(reverse("qualification:review-task", args=[held.pk])).status_code == 403


def test_correcting_a_lead_records_a_label_and_releases_it_to_routing(
    client, manager, held, django_user_model
):
    from routing.models import Rep, RoutingRule, Team

    team = Team.objects.create(name="Sales")
    rep = Rep.objects.create(user=django_user_model.objects.create_user("sam"), team=team)
    RoutingRule.objects.create(name="Everyone", pool_team=team, require_working_now=False)
    client.force_login(manager)
    url = reverse("qualification:review-task", args=[held.pk])

    assert "The system's suggestion" in client.get(url).content.decode()
    response = client.post(
        url, {"request_type": "auto", "urgency": "high", "tier": "A", "decide": ""}
    )

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == "done" and held.decision == "corrected"
    assert (held.decided_request_type, held.decided_urgency, held.decided_tier) == (
        "auto",
        "high",
        "A",
    )
    lead = Lead.objects.get(pk=held.lead_id)
    assert lead.status == LeadStatus.ASSIGNED  # released to routing, which assigned it
    assert lead.assignments.get(ended_at__isnull=True).rep == rep
    q = lead.qualification
    assert (q.request_type, q.urgency, q.tier, q.needs_review, q.confidence) == (
        "auto",
        "high",
        "A",
        False,
        1.0,
    )
    assert q.score >= 70
    assert lead.events.filter(
        kind="review", actor=manager, message__startswith="Review: corrected"
    ).exists()


def test_confirming_keeps_the_suggestion(manager, held):
    review_decide(task=held, user=manager)

    held.refresh_from_db()
    assert held.decision == "confirmed"
    assert held.decided_urgency == held.suggestion["urgency"]


def test_disqualifying_closes_the_lead(client, manager, held):
    client.force_login(manager)
    client.post(
        reverse("qualification:review-task", args=[held.pk]),
        {"request_type": "", "urgency": "normal", "tier": "C", "disqualify": ""},
    )

    lead = Lead.objects.get(pk=held.lead_id)
    assert lead.status == LeadStatus.DISQUALIFIED and lead.closed_at
    assert ReviewTask.objects.get(pk=held.pk).decision == "disqualified"


def test_a_decision_cannot_be_made_twice(manager, held):
    from django.core.exceptions import ValidationError

    review_decide(task=held, user=manager)
    with pytest.raises(ValidationError, match="already decided"):
        review_decide(task=held, user=manager, urgency="high")


def test_after_a_decision_the_next_waiting_lead_opens(client, manager, held, api):
    post_lead(api, {"full_name": "Bo Li", "email": "bo@gmail.com", "message": "hello there"})
    following = ReviewTask.objects.exclude(pk=held.pk).get()
    client.force_login(manager)

    response = client.post(
        reverse("qualification:review-task", args=[held.pk]),
        {"request_type": "home", "urgency": "normal", "tier": "B", "decide": ""},
    )

    assert response["Location"] == reverse("qualification:review-task", args=[following.pk])
