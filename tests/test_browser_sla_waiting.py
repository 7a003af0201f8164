"""Real-browser test of marking a lead as waiting on the customer on a phone-sized screen
(Debian's chromium driven by Playwright, no browser download): the clock pauses, and the
customer's repeat inquiry starts it again."""

import pytest

from routing.models import Assignment, Rep, RoutingRule, SlaState, Team
from tests.conftest import ROUTABLE_LEAD, post_lead, sign_in_at


@pytest.mark.django_db(transaction=True)
def test_a_rep_on_a_phone_marks_a_lead_waiting_and_the_customers_reply_resumes_the_clock(
    page, live_server, api, make_policy, django_user_model
):
    team = Team.objects.create(name="Sales", time_zone="America/Chicago")
    sam = django_user_model.objects.create_user("sam", "sam@example.com", "a-long-password-1")
    rep = Rep.objects.create(user=sam, team=team, time_zone="America/Chicago")
    RoutingRule.objects.create(name="Everyone", require_working_now=False).pool_reps.set([rep])
    make_policy(name="Web leads", targets=(("", "", 5),))  # the team has no calendar: 24/7
    lead_id = post_lead(api, ROUTABLE_LEAD).json()["id"]

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at(page, f"{live_server.url}/leads/{lead_id}/", "sam")
    assert page.inner_text("label[for=wait_until]") == "Resume at (America/Chicago time)"
    page.fill("#wait_note", "sent the quote; waiting for the signed form")
    page.click("button[name=wait]")
    page.wait_for_selector("text=Marked as waiting on the customer.")

    clock = page.locator("section.sla-clock")
    assert clock.locator(".sla-state").inner_text() == "Paused: waiting on the customer"
    assert "When the customer inquires again or a contact is logged" in clock.inner_text()
    assert "Waiting on the customer — sent the quote" in page.inner_text("ol.timeline")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    assert post_lead(api, {**ROUTABLE_LEAD, "message": "signed"}).status_code == 200
    page.reload()
    assert page.locator("section.sla-clock .sla-countdown").inner_text() == "due in 5 min"
    assert "SLA clock resumed: the customer inquired again" in page.inner_text("ol.timeline")
    running = Assignment.objects.get(lead_id=lead_id, ended_at__isnull=True)
    assert running.sla_state == SlaState.RUNNING
