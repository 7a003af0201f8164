"""Real-browser test of the lost reason picker on the lead page (Chromium at 390 px), and of the
lead a recycling rule then gives another try: its new owner finds it with the `recycled` event
on the timeline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intake.models import Lead, LeadStatus
from routing.models import RecyclingRule, Rep, RoutingRule, Team
from routing.services import recycling_sweep
from tests.conftest import ROUTABLE_LEAD, post_lead, sign_in_at


@pytest.mark.django_db(transaction=True)
def test_a_rep_marks_a_lead_lost_with_a_listed_reason_and_a_rule_gives_it_to_another_rep(
    page, live_server, api, django_user_model
):
    team = Team.objects.create(name="Sales")
    sam, tia = (
        django_user_model.objects.create_user(name, f"{name}@example.com", "a-long-password-1")
        for name in ("sam", "tia")
    )
    reps = [Rep.objects.create(user=user, team=team) for user in (sam, tia)]
    rule = RoutingRule.objects.create(name="Home leads", require_working_now=False)
    rule.pool_reps.set(reps)
    response = post_lead(api, ROUTABLE_LEAD)
    assert response.json()["owner"] == "sam"
    lead_id = response.json()["id"]
    RecyclingRule.objects.create(
        name="Not now, a month later",
        kind=RecyclingRule.Kind.LOST,
        days=30,
        lost_reasons=["not_now"],
        target_rule=rule,
    )

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at(page, f"{live_server.url}/leads/{lead_id}/", "sam")
    page.select_option("#status_status", "lost")
    page.select_option("#status_lost_reason", label="Not ready yet (timing)")
    page.fill("#status_reason", "Moving in the spring")
    page.click("button[name=change]")

    page.wait_for_selector("text=Status changed.")
    assert page.inner_text("#lead-status") == "Lost"
    assert "Not ready yet (timing) · Moving in the spring" in page.inner_text("p.status")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    lead = Lead.objects.get(pk=lead_id)
    assert (lead.status, lead.lost_reason) == (LeadStatus.LOST, "not_now")

    assert recycling_sweep(timezone.now() + timedelta(days=30, minutes=1)) == 1

    page.click("button:has-text('Sign out')")
    sign_in_at(page, f"{live_server.url}/leads/{lead_id}/", "tia")
    assert page.inner_text("#lead-status") == "Assigned"
    assert page.inner_text("#lead-owner") == str(reps[1])
    timeline = page.inner_text("ol.timeline")
    assert "Recycled by “Not now, a month later” (1st of 2)" in timeline
    assert "from sam to tia" in timeline
