"""Real-browser test of logging a call with an agreed call-back time on a phone-sized screen
(Debian's chromium driven by Playwright, no browser download)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from intake.models import LeadStatus
from routing.models import Activity, Rep, Team
from routing.services import lead_assign_manually
from tests.conftest import sign_in_at

CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.django_db(transaction=True)
def test_a_rep_on_a_phone_logs_a_call_with_a_call_back_time_in_their_own_zone(
    page, live_server, make_leads, django_user_model
):
    team = Team.objects.create(name="Sales")
    sam = django_user_model.objects.create_user("sam", "sam@example.com", "a-long-password-1")
    rep = Rep.objects.create(user=sam, team=team, time_zone="America/Chicago")
    boss = django_user_model.objects.create_user("boss", is_staff=True)
    lead = make_leads(1, full_name="Ann Lee", email="ann@gmail.com")[0]
    lead_assign_manually(lead=lead, user=boss, rep=rep)
    tomorrow = timezone.now().astimezone(CHICAGO) + timedelta(days=1)
    call_back = tomorrow.replace(hour=10, minute=30, second=0, microsecond=0)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/leads/{lead.pk}/")  # not signed in: the sign-in page first
    page.fill("#id_username", "sam")
    page.fill("#id_password", "a-long-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/leads/{lead.pk}/")

    assert page.inner_text("label[for=activity_callback_at]") == (
        "Call back at (America/Chicago time)"
    )
    picker = page.locator("#activity_callback_at")
    assert picker.get_attribute("type") == "datetime-local"
    box = picker.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.select_option("#activity_kind", "call")
    page.select_option("#activity_outcome", "scheduled")
    page.fill("#activity_note", "Call back when the roofer has been")
    picker.fill(call_back.strftime("%Y-%m-%dT%H:%M"))
    page.click("button[name=log]")

    page.wait_for_selector("text=Contact attempt logged.")
    assert page.inner_text("#lead-status") == "Contacted"
    assert "Call back (America/Chicago)" in page.inner_text("table.activities thead")
    assert page.inner_text("table.activities td.callback") == call_back.strftime(
        "%a %Y-%m-%d 10:30"
    )
    assert "call back" in page.inner_text("ol.timeline")
    activity = Activity.objects.get(lead=lead)
    assert activity.callback_at == call_back
    assert activity.lead.status == LeadStatus.CONTACTED

    # A time already past is refused on the picker, with the service's reason.
    page.select_option("#activity_outcome", "scheduled")
    picker.fill((call_back - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.click("button[name=log]")

    page.wait_for_selector("text=Choose a call-back time in the future.")
    assert Activity.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_rep_in_los_angeles_reads_the_lead_timeline_in_pacific_time_on_a_phone(
    page, live_server, make_leads, django_user_model
):
    los_angeles = ZoneInfo("America/Los_Angeles")
    team = Team.objects.create(name="Sales", time_zone="America/Chicago")
    lee = django_user_model.objects.create_user("lee", "lee@example.com", "a-long-password-1")
    rep = Rep.objects.create(user=lee, team=team, time_zone="America/Los_Angeles")
    boss = django_user_model.objects.create_user("boss", is_staff=True)
    lead = make_leads(1, full_name="Ann Lee", email="ann@gmail.com")[0]
    lead_assign_manually(lead=lead, user=boss, rep=rep)
    assigned = lead.events.get(kind="assigned").at.astimezone(los_angeles)

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at(page, f"{live_server.url}/leads/{lead.pk}/", "lee")

    assert "Times in America/Los_Angeles" in page.inner_text("nav")
    first = page.locator("ol.timeline li time").first
    assert first.inner_text() == (
        f"{assigned:%a} {assigned.day} {assigned:%b %Y, %H:%M} {assigned.tzname()}"
    )
    assert assigned.tzname() in ("PST", "PDT")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
