"""Real-browser test of a rep's day: Debian's chromium driven by Playwright (no browser
download)."""

import pytest

from intake.models import Lead, LeadStatus
from routing.models import Activity, Rep, RoutingRule, Team
from tests.conftest import ROUTABLE_LEAD, post_lead, sign_in_at


@pytest.mark.django_db(transaction=True)
def test_a_rep_finds_a_routed_lead_in_their_queue_logs_a_call_and_qualifies_it(
    page, live_server, api, django_user_model
):
    team = Team.objects.create(name="Sales")
    sam = django_user_model.objects.create_user("sam", "sam@example.com", "a-long-password-1")
    rep = Rep.objects.create(user=sam, team=team)
    RoutingRule.objects.create(name="Home leads", require_working_now=False).pool_reps.set([rep])
    response = post_lead(api, ROUTABLE_LEAD)
    assert response.status_code == 201, response.content
    assert response.json()["owner"] == "sam"
    lead_id = response.json()["id"]

    sign_in_at(page, f"{live_server.url}/queue/", "sam")  # not signed in: the form first

    assert "My queue" in page.title()
    assert "(1 open)" in page.inner_text("h1")
    page.click(f"text=#{lead_id} Ann Lee")

    page.wait_for_url(f"{live_server.url}/leads/{lead_id}/")
    assert page.get_attribute("a[href^='tel:']", "href") == "tel:+15125550134"
    assert "Home leads" in page.inner_text("ol.rules-tried")
    assert page.inner_text("#lead-status") == "Assigned"

    page.select_option("#activity_kind", "call")
    page.select_option("#activity_outcome", "reached")
    page.fill("#activity_note", "Wants a quote by Friday")
    page.click("button[name=log]")

    page.wait_for_selector("text=Contact attempt logged.")
    assert page.inner_text("#lead-status") == "Contacted"
    assert "Wants a quote by Friday" in page.inner_text("table.activities")

    page.select_option("#status_status", "qualified")
    page.click("button[name=change]")

    page.wait_for_selector("text=Status changed.")
    assert page.inner_text("#lead-status") == "Qualified"
    timeline = page.inner_text("ol.timeline")
    assert "Contacted → Qualified" in timeline and "Call: Reached" in timeline

    lead = Lead.objects.get(pk=lead_id)
    assert lead.status == LeadStatus.QUALIFIED
    assert Activity.objects.get(lead=lead).user == sam
