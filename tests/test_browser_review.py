"""Real-browser test of the review queue: Debian's chromium driven by Playwright (no browser
download)."""

import pytest
from django.contrib.auth.models import Permission

from intake.models import Lead, LeadStatus
from qualification.models import ReviewTask
from routing.models import Rep, RoutingRule, Team
from tests.conftest import post_lead


@pytest.mark.django_db(transaction=True)
def test_a_manager_corrects_a_held_lead_in_the_review_queue(
    page, live_server, api, django_user_model
):
    response = post_lead(api, {"full_name": "Ann Lee", "email": "ann@gmail.com", "message": "hi"})
    assert response.status_code == 201, response.content
    lead_id = response.json()["id"]
    task = ReviewTask.objects.get(lead_id=lead_id, status=ReviewTask.Status.OPEN)
    team = Team.objects.create(name="Sales")
    rep = Rep.objects.create(user=django_user_model.objects.create_user("sam"), team=team)
    RoutingRule.objects.create(name="Everyone", pool_team=team, require_working_now=False)
    manager = django_user_model.objects.create_user(
        "mia", "mia@example.com", "a-long-password-1", is_staff=True
    )
    manager.user_permissions.add(
        Permission.objects.get(
            codename="change_reviewtask", content_type__app_label="qualification"
        )
    )

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "mia")
    page.fill("#id_password", "a-long-password-1")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/review/")

    assert "Review queue" in page.title()
    assert "(1 waiting)" in page.inner_text("h1")
    page.click(f"text=#{lead_id} Ann Lee")

    page.wait_for_url(f"{live_server.url}/review/{task.pk}/")
    assert "not sure of the request type" in page.inner_text("ul.reasons")
    assert "The system's suggestion" in page.content()
    page.fill("#id_request_type", "auto")
    page.select_option("#id_urgency", "high")
    page.click("button[name=decide]")

    page.wait_for_selector(f"text=Lead #{lead_id}: decision recorded.")
    assert page.url == f"{live_server.url}/review/"  # the only item: back to the queue
    assert "Nothing is waiting for review." in page.content()
    assert "(0 waiting)" in page.inner_text("h1")

    task.refresh_from_db()
    assert task.status == ReviewTask.Status.DONE
    assert task.decision == ReviewTask.Decision.CORRECTED
    assert task.decided_by == manager
    assert (task.decided_request_type, task.decided_urgency) == ("auto", "high")
    lead = Lead.objects.select_related("qualification").get(pk=lead_id)
    assert (lead.qualification.request_type, lead.qualification.urgency) == ("auto", "high")
    assert not lead.qualification.needs_review
    # Released to routing, which gives it to the rep on duty.
    assert lead.status == LeadStatus.ASSIGNED
    assert lead.assignments.get(ended_at__isnull=True).rep == rep
