"""Real-browser test of the SLA countdown on a phone-sized screen (Debian's chromium driven by
Playwright, no browser download): the queue's countdown moves on its own, and logging a call
on the lead page meets the clock."""

from datetime import datetime, timedelta

import pytest

from routing.models import Assignment, Rep, RoutingRule, SlaState, Team
from tests.conftest import ROUTABLE_LEAD, post_lead, sign_in_at


@pytest.mark.django_db(transaction=True)
def test_the_queue_counts_down_on_a_phone_and_a_logged_call_meets_the_clock(
    page, live_server, api, make_policy, django_user_model
):
    team = Team.objects.create(name="Sales", time_zone="America/Chicago")
    sam = django_user_model.objects.create_user("sam", "sam@example.com", "a-long-password-1")
    rep = Rep.objects.create(user=sam, team=team, time_zone="America/Chicago")
    RoutingRule.objects.create(name="Everyone", require_working_now=False).pool_reps.set([rep])
    make_policy(name="Web leads", targets=(("", "", 5),))  # the team has no calendar: 24/7
    response = post_lead(api, ROUTABLE_LEAD)
    assert response.status_code == 201, response.content
    assert response.json()["owner"] == "sam", response.json()
    lead_id = response.json()["id"]
    due = Assignment.objects.get(lead_id=lead_id, ended_at__isnull=True).sla_due_at

    # The page's clock, so that two minutes pass in a moment: the script's timer fires as
    # they pass, as it would on a rep's phone.
    page.clock.install(time=datetime.now())
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at(page, f"{live_server.url}/queue/", "sam")

    countdown = page.locator("table.queue .sla-countdown")
    assert countdown.get_attribute("data-due") == due.isoformat()
    assert countdown.inner_text() == "due in 5 min"
    box = countdown.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.clock.fast_forward("02:00")
    page.wait_for_function(
        "document.querySelector('table.queue .sla-countdown').textContent === 'due in 3 min'"
    )
    page.clock.fast_forward("05:00")
    page.wait_for_function(
        "document.querySelector('table.queue .sla-countdown').textContent === 'overdue 2 min'"
    )

    page.click(f"text=#{lead_id} Ann Lee")
    page.wait_for_url(f"{live_server.url}/leads/{lead_id}/")
    assert "Web leads" in page.inner_text("section.sla-clock")
    assert "Due (America/Chicago)" in page.inner_text("section.sla-clock")
    assert "2. Reassign to the next eligible rep" in page.inner_text("table.sla-ladder")
    page.select_option("#activity_kind", "call")
    page.select_option("#activity_outcome", "reached")
    page.click("button[name=log]")
    page.wait_for_selector("text=Contact attempt logged.")
    assert page.inner_text("section.sla-clock .sla-state") == "Met: first contact in time"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.click("text=My queue")
    page.wait_for_url(f"{live_server.url}/queue/")
    assert page.inner_text("table.queue td.sla-cell") == "Met: first contact in time"
    assert page.locator("table.queue .sla-countdown").count() == 0
    clock = Assignment.objects.get(lead_id=lead_id, ended_at__isnull=True)
    assert clock.sla_state == SlaState.MET


@pytest.mark.django_db(transaction=True)
def test_a_manager_on_a_phone_sees_breached_leads_and_the_met_rate_on_the_board(
    page, live_server, make_leads, make_policy, django_user_model
):
    from django.utils import timezone

    from routing.services import activity_log, route_lead, sla_sweep

    mia = django_user_model.objects.create_user("mia", "mia@example.com", "a-long-password-1")
    team = Team.objects.create(name="Sales", time_zone="America/Chicago", manager=mia)
    sam = django_user_model.objects.create_user("sam", first_name="Sam")
    rep = Rep.objects.create(user=sam, team=team, time_zone="America/Chicago")
    RoutingRule.objects.create(name="Everyone", require_working_now=False).pool_reps.set([rep])
    make_policy(name="Web leads", targets=(("", "", 5),), steps=())
    now = timezone.now()
    late, met = make_leads(2)
    route_lead(late, now=now - timedelta(minutes=20))
    route_lead(met, now=now - timedelta(minutes=20))
    activity_log(
        lead=met, user=sam, kind="call", outcome="reached", now=now - timedelta(minutes=18)
    )
    sla_sweep(now)

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at(page, f"{live_server.url}/board/?sla=breached", "mia")

    assert page.inner_text("table.loads td.met-rate") == "50 % (1 met, 1 breached)"
    watch = page.inner_text("table.sla-watch")
    assert f"#{late.pk} " in watch and f"#{met.pk} " not in watch
    assert "Breached, not worked yet: overdue 15 min" in watch
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.select_option("#sla-show", "at_risk")
    page.click("form.sla-filter button")
    page.wait_for_url(f"{live_server.url}/board/?sla=at_risk")
    assert "No lead is at risk or breached." in page.inner_text("body")
