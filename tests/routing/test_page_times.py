"""Times on every page are in the viewer's time zone and say which: a rep's own zone, a
manager's team's, else the server's; the API keeps UTC whoever calls it."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from intake.models import LeadEvent
from qualification.models import ReviewTask
from qualification.services import review_hold

pytestmark = pytest.mark.django_db

# Monday 30 November 2026, 20:05 UTC: 12:05 in Los Angeles (PST), 14:05 in Chicago (CST).
AT = datetime(2026, 11, 30, 20, 5, tzinfo=UTC)


@pytest.fixture
def lead(make_leads, personas, give, time_machine):
    time_machine.move_to(AT, tick=False)
    personas.ann.time_zone = "America/Los_Angeles"
    personas.ann.save()
    (lead,) = make_leads(1, full_name="Lee Park")
    give(lead, rep=personas.ann)
    return lead


def timeline(page: str) -> str:
    return page.split('<ol class="timeline">')[1].split("</ol>")[0]


def test_a_rep_in_los_angeles_sees_the_lead_timeline_in_pacific_time_labelled(
    client, lead, personas
):
    client.force_login(personas.ann.user)

    page = client.get(reverse("routing:lead", args=[lead.pk])).content.decode()

    events = timeline(page)
    assert '<time datetime="2026-11-30T20:05:00+00:00">Mon 30 Nov 2026, 12:05 PST</time>' in events
    assert "CST" not in events and "UTC" not in events
    assert "Times in America/Los_Angeles" in page
    assert "Received</dt><dd><time" in page and "12:05 PST</time>" in page


def test_the_teams_manager_sees_the_same_lead_in_the_teams_zone(client, lead, personas):
    client.force_login(personas.manager)

    page = client.get(reverse("routing:lead", args=[lead.pk])).content.decode()

    assert "Mon 30 Nov 2026, 14:05 CST" in timeline(page)
    assert "Times in America/Chicago" in page


def test_times_follow_daylight_saving_time_in_the_viewers_zone(
    client, lead, personas, time_machine
):
    LeadEvent.objects.create(
        lead=lead, kind=LeadEvent.Kind.NOTE, at=datetime(2026, 7, 1, 19, 0, tzinfo=UTC), message="x"
    )
    client.force_login(personas.ann.user)

    page = client.get(reverse("routing:lead", args=[lead.pk])).content.decode()

    assert "Wed 1 Jul 2026, 12:00 PDT" in timeline(page)


def test_the_board_lists_leads_received_in_the_managers_zone(client, lead, personas):
    client.force_login(personas.manager)

    page = client.get(reverse("routing:board")).content.decode()

    assert "Mon 30 Nov 2026, 14:05 CST" in page.split('<table class="leads">')[1]
    assert "Times in America/Chicago" in page


def test_a_reviewer_with_a_rep_profile_sees_the_review_page_in_their_zone(client, lead, personas):
    personas.ann.user.user_permissions.add(
        Permission.objects.get(
            codename="change_reviewtask", content_type__app_label="qualification"
        )
    )
    review_hold(lead=lead, reason="check the request")
    task = ReviewTask.objects.get(lead=lead)
    client.force_login(personas.ann.user)

    page = client.get(reverse("qualification:review-task", args=[task.pk])).content.decode()

    assert "Received</dt><dd><time" in page and "Mon 30 Nov 2026, 12:05 PST" in page
    assert "Times in America/Los_Angeles" in page


def test_the_api_keeps_utc_for_a_signed_in_viewer(client, lead, personas):
    client.force_login(personas.ann.user)

    body = client.get(f"/api/v1/leads/{lead.pk}/").json()

    assert re.fullmatch(r"2026-11-30T20:05:00(\.0+)?(Z|\+00:00)", body["received_at"]), body
