"""The lead page's call-back picker: typed in the viewer's zone, stored as an instant through
`activity_log`, and shown back in the viewer's zone, labelled."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from routing.models import Activity, Rep
from routing.selectors import user_time_zone

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 12:00 in Chicago, 19:00 in Berlin


@pytest.fixture
def lead(make_leads, personas, give):
    lead = make_leads(1, full_name="Ann Lee", email="ann.lee@gmail.com")[0]
    give(lead, rep=personas.ann)
    return lead


def log(client, user, lead, **fields):
    client.force_login(user)
    with time_machine.travel(MONDAY_NOON, tick=False):
        return client.post(
            f"/leads/{lead.pk}/activity/", {"kind": "call", "outcome": "scheduled", **fields}
        )


def test_a_call_back_is_read_in_the_reps_zone_and_shown_back_in_it(client, lead, personas):
    response = log(client, personas.ann.user, lead, callback_at="2026-11-24T09:30")

    assert response.status_code == 302
    activity = Activity.objects.get(lead=lead)
    assert activity.callback_at == datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Call back (America/Chicago)" in page
    assert '<time datetime="2026-11-24T15:30:00+00:00">Tue 2026-11-24 09:30</time>' in page
    assert "Call back at (America/Chicago time)" in page  # the picker's label


def test_a_rep_in_another_zone_types_their_own_local_time(client, lead, personas):
    Rep.objects.filter(pk=personas.ann.pk).update(time_zone="Europe/Berlin")

    log(client, personas.ann.user, lead, callback_at="2026-11-24T09:30")

    assert Activity.objects.get().callback_at == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    assert "Call back (Europe/Berlin)" in client.get(f"/leads/{lead.pk}/").content.decode()


def test_no_call_back_is_stored_when_the_picker_is_left_empty(client, lead, personas):
    response = log(client, personas.ann.user, lead, callback_at="")

    assert response.status_code == 302
    assert Activity.objects.get().callback_at is None


def test_a_time_that_does_not_exist_in_the_reps_zone_is_refused(client, lead, personas):
    # 2027-03-14 02:30 does not happen in Chicago: the clocks jump from 02:00 to 03:00.
    with time_machine.travel(datetime(2027, 3, 1, tzinfo=UTC), tick=False):
        client.force_login(personas.ann.user)
        response = client.post(
            f"/leads/{lead.pk}/activity/",
            {"kind": "call", "outcome": "scheduled", "callback_at": "2027-03-14T02:30"},
        )

    assert response.status_code == 400
    assert "America/Chicago" in str(response.context["activity_form"].errors["callback_at"])
    assert not Activity.objects.exists()


def test_a_call_back_in_the_past_is_the_services_message_on_the_picker(client, lead, personas):
    response = log(client, personas.ann.user, lead, callback_at="2026-11-23T11:00")

    assert response.status_code == 400
    assert response.context["activity_form"].errors["callback_at"] == [
        "Choose a call-back time in the future."
    ]
    assert not Activity.objects.exists()


def test_a_manager_reads_times_in_their_teams_zone_and_staff_in_the_servers(personas, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    personas.team.time_zone = "America/New_York"
    personas.team.save(update_fields=["time_zone"])

    assert user_time_zone(personas.ann.user) == ZoneInfo("America/Chicago")
    assert user_time_zone(personas.manager) == ZoneInfo("America/New_York")
    assert user_time_zone(personas.staff) == ZoneInfo("Asia/Tokyo")
