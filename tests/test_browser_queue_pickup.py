"""Real-browser tests of the queue page on a phone-sized screen (Debian's chromium driven by
Playwright, no browser download): a rep takes a lead from the team queue, and turns
"receiving leads" off until a time and on again."""

import pytest

from intake.models import LeadStatus
from routing.models import Assignment, AvailabilityChange, Rep, Team
from routing.services import lead_assign_manually
from tests.conftest import sign_in_at


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.django_db(transaction=True)
def test_a_rep_on_a_phone_takes_a_lead_from_the_team_queue(
    page, live_server, make_leads, django_user_model
):
    mia = django_user_model.objects.create_user("mia", is_staff=True)
    team = Team.objects.create(name="Sales", manager=mia, reps_may_claim_queue=True)
    sam = django_user_model.objects.create_user("sam", "sam@example.com", "a-long-password-1")
    rep = Rep.objects.create(user=sam, team=team, max_open_leads=1)
    first, second = make_leads(2, full_name="Queued Lead")
    for lead in (first, second):
        lead_assign_manually(lead=lead, user=mia, team=team)

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at(page, f"{live_server.url}/queue/", "sam")

    section = page.locator("#team-queue")
    assert "Sales's queue (2 waiting)" in section.locator("h2").inner_text()
    assert fits_the_phone(page)
    take = page.locator(f"button[aria-label='Take lead #{second.pk}']")
    box = take.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390  # in sight, not scrolled to
    take.click()

    page.wait_for_url(f"{live_server.url}/leads/{second.pk}/")
    assert f"Lead #{second.pk} Queued Lead is yours now." in page.inner_text(".messages")
    assert page.inner_text("#lead-owner") == "sam"
    assert page.inner_text("#lead-status") == "Assigned"

    page.click("text=My queue")
    page.wait_for_url(f"{live_server.url}/queue/")
    assert "(1 open)" in page.inner_text("h1")
    page.click("button[name=take_next]")  # one open lead is all Sam may have

    page.wait_for_selector("text=You already have 1 open leads, your limit")
    assert fits_the_phone(page)
    assert Assignment.objects.get(lead=second, ended_at__isnull=True).rep == rep
    assert Assignment.objects.get(lead=first, ended_at__isnull=True).queue_team == team
    second.refresh_from_db()
    assert second.status == LeadStatus.ASSIGNED


@pytest.mark.django_db(transaction=True)
def test_a_rep_on_a_phone_stops_receiving_leads_until_a_time_and_starts_again(
    page, live_server, django_user_model
):
    team = Team.objects.create(name="Sales")
    sam = django_user_model.objects.create_user("sam", "sam@example.com", "a-long-password-1")
    rep = Rep.objects.create(user=sam, team=team, time_zone="America/Chicago")

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at(page, f"{live_server.url}/queue/", "sam")
    assert page.inner_text("#receiving .receiving-state strong") == "Receiving leads: on."
    assert "Back at (America/Chicago time)" in page.inner_text("#receiving")
    page.fill("#receiving_back_at", "23:59")
    page.click("button[name=turn][value=off]")

    page.wait_for_selector("text=You receive no new leads until")
    state = page.inner_text("#receiving .receiving-state")
    assert state.startswith("Receiving leads: off. Not receiving leads until ")
    assert "23:59 CST" in state  # today's 23:59, or tomorrow's just after midnight
    assert fits_the_phone(page)
    rep.refresh_from_db()
    assert rep.paused and rep.paused_until is not None

    page.click("button[name=turn][value=on]")
    page.wait_for_selector("text=You are receiving leads again.")
    assert page.inner_text("#receiving .receiving-state strong") == "Receiving leads: on."
    rep.refresh_from_db()
    assert not rep.paused and rep.paused_until is None
    assert list(AvailabilityChange.objects.order_by("id").values_list("receiving", flat=True)) == [
        False,
        True,
    ]
