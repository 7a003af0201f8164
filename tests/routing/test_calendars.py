"""Business calendars in the admin: validation in clean(), the inlines, a team's calendar, and
`routing.selectors.calendar_spec` (the calendar as the SLA arithmetic reads it)."""

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse

from routing.business_time import Closure, add_business_minutes, is_open
from routing.models import BusinessCalendar, CalendarClosure, OpeningHours, Team
from routing.selectors import calendar_spec

pytestmark = pytest.mark.django_db


def calendar_form(name="Austin hours", hours=(), closures=(), **fields) -> dict:
    """An admin POST for a calendar: `hours` are (weekday, "09:00", "17:00"), `closures`
    (date, from, until, reason)."""
    data = {
        "name": name,
        "time_zone": "America/Chicago",
        "holiday_country": "",
        "holiday_subdivision": "",
        "opening_hours-TOTAL_FORMS": len(hours),
        "opening_hours-INITIAL_FORMS": 0,
        "closures-TOTAL_FORMS": len(closures),
        "closures-INITIAL_FORMS": 0,
        **fields,
    }
    for number, (weekday, opens, closes) in enumerate(hours):
        data |= {
            f"opening_hours-{number}-weekday": weekday,
            f"opening_hours-{number}-opens": opens,
            f"opening_hours-{number}-closes": closes,
        }
    for number, (day, starts, ends, reason) in enumerate(closures):
        data |= {
            f"closures-{number}-date": day,
            f"closures-{number}-starts": starts,
            f"closures-{number}-ends": ends,
            f"closures-{number}-reason": reason,
        }
    return data


def add_calendar(admin_client, **form):
    return admin_client.post(reverse("admin:routing_businesscalendar_add"), calendar_form(**form))


def test_a_calendar_with_split_shifts_a_state_and_a_closure_is_saved(admin_client):
    response = add_calendar(
        admin_client,
        hours=[(0, "09:00", "12:00"), (0, "13:00", "17:00"), (4, "09:00", "00:00")],
        closures=[("2026-12-24", "", "", "Christmas Eve"), ("2026-12-02", "11:00", "13:30", "")],
        holiday_country="US",
        holiday_subdivision="US-TX",
    )

    assert response.status_code == 302, response.content.decode()
    calendar = BusinessCalendar.objects.get()
    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("US", "TX")
    spec = calendar_spec(calendar)
    assert spec.hours == {
        0: ((time(9), time(12)), (time(13), time(17))),
        4: ((time(9), time(0)),),
    }
    assert spec.closures == (
        Closure(date(2026, 12, 2), time(11), time(13, 30), ""),
        Closure(date(2026, 12, 24), None, None, "Christmas Eve"),
    )
    assert spec.holiday_subdivision == "TX"


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (
            [(1, "09:00", "12:00"), (1, "11:00", "17:00")],
            "Tuesday: 09:00-12:00 overlaps 11:00-17:00.",
        ),
        ([(2, "18:00", "00:00"), (2, "23:00", "00:00")], "Wednesday: 18:00-24:00 overlaps"),
        ([], "Give at least one opening interval, or tick “Open 24/7”"),
    ],
    ids=["overlapping intervals", "two intervals to midnight", "no hours and not 24/7"],
)
def test_a_week_that_does_not_add_up_is_refused(admin_client, hours, message):
    response = add_calendar(admin_client, hours=hours)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BusinessCalendar.objects.exists()


def test_a_24_7_calendar_needs_no_hours_and_refuses_some(admin_client):
    assert add_calendar(admin_client, name="Emergency", always_open="on").status_code == 302
    assert calendar_spec(BusinessCalendar.objects.get()).always_open

    response = add_calendar(
        admin_client, name="Confused", always_open="on", hours=[(0, "09:00", "17:00")]
    )
    assert response.status_code == 200
    assert "A 24/7 calendar is open all the time" in response.content.decode()


def test_an_interval_that_closes_before_it_opens_is_refused_on_its_row(admin_client):
    response = add_calendar(admin_client, hours=[(0, "17:00", "09:00")])

    assert response.status_code == 200
    assert "Must be after the opening time 17:00 (00:00: midnight)." in response.content.decode()
    assert not BusinessCalendar.objects.exists()


def test_a_partial_closure_that_ends_before_it_starts_is_refused(admin_client):
    response = add_calendar(
        admin_client,
        hours=[(0, "09:00", "17:00")],
        closures=[("2026-12-02", "15:00", "11:00", "Training")],
    )

    assert response.status_code == 200
    assert "Must be after 15:00 (00:00: the end of the day)." in response.content.decode()


def test_a_state_of_another_country_is_refused_on_the_state_field(admin_client):
    response = add_calendar(
        admin_client,
        hours=[(0, "09:00", "17:00")],
        holiday_country="GB",
        holiday_subdivision="US-TX",
    )

    assert response.status_code == 200
    assert "Texas is in United States: choose the same country above" in (response.content.decode())
    assert not BusinessCalendar.objects.exists()


def test_the_model_refuses_an_unknown_subdivision_a_lone_one_and_a_bad_zone():
    with pytest.raises(ValidationError) as unknown:
        BusinessCalendar(name="A", holiday_country="US", holiday_subdivision="ZZ").full_clean()
    assert "'ZZ' is not a state or region of United States" in str(
        unknown.value.message_dict["holiday_subdivision"]
    )
    with pytest.raises(ValidationError) as lone:
        BusinessCalendar(name="B", holiday_subdivision="TX").full_clean()
    assert "Choose the country first" in str(lone.value.message_dict["holiday_subdivision"])
    with pytest.raises(ValidationError) as zone:
        BusinessCalendar(name="C", time_zone="Mars/Olympus").full_clean()
    assert "'Mars/Olympus' is not a time zone" in str(zone.value.message_dict["time_zone"])
    with pytest.raises(ValidationError) as country:
        BusinessCalendar(name="D", holiday_country="ZZ").full_clean()
    assert "holiday_country" in country.value.message_dict


def test_the_country_is_a_picker_of_the_supported_countries(admin_client):
    page = admin_client.get(reverse("admin:routing_businesscalendar_add")).content.decode()

    assert '<option value="US">United States (US)</option>' in page
    assert '<option value="US-TX">Texas (TX)</option>' in page
    assert '<optgroup label="United Kingdom (GB)">' in page
    assert 'type="time"' in page
    assert '<option value="0">Monday</option>' in page


def test_the_change_page_says_whether_it_is_open_now_and_when_it_opens(admin_client, time_machine):
    calendar = BusinessCalendar.objects.create(name="Austin", time_zone="America/Chicago")
    OpeningHours.objects.create(calendar=calendar, weekday=0, opens=time(9), closes=time(17))
    url = reverse("admin:routing_businesscalendar_change", args=[calendar.pk])

    time_machine.move_to(datetime(2026, 11, 27, 22, 58, tzinfo=UTC), tick=False)  # Fri 16:58
    closed = admin_client.get(url).content.decode()
    assert "No. Next opening: Mon 30 Nov 2026 09:00 CST (America/Chicago), in 2" in closed

    time_machine.move_to(datetime(2026, 11, 30, 16, 0, tzinfo=UTC), tick=False)  # Mon 10:00
    assert "Yes, open now." in admin_client.get(url).content.decode()


def test_calendar_spec_follows_every_edit_of_hours_and_closures(django_assert_num_queries):
    calendar = BusinessCalendar.objects.create(name="Austin", time_zone="America/Chicago")
    hours = OpeningHours.objects.create(
        calendar=calendar, weekday=0, opens=time(9), closes=time(17)
    )
    monday_noon = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    assert is_open(calendar_spec(calendar.pk), monday_noon)
    with django_assert_num_queries(1):  # the configuration token only
        calendar_spec(calendar.pk)

    CalendarClosure.objects.create(calendar=calendar, date=date(2026, 11, 30), reason="Offsite")
    assert not is_open(calendar_spec(calendar), monday_noon)

    hours.closes = time(11)
    hours.save()
    spec = calendar_spec(calendar)
    assert spec.hours == {0: ((time(9), time(11)),)}

    with pytest.raises(BusinessCalendar.DoesNotExist):
        calendar_spec(calendar.pk + 1)


def test_a_team_works_by_a_calendar_that_cannot_be_deleted_under_it(admin_client, team):
    calendar = BusinessCalendar.objects.create(name="Austin", always_open=True)
    response = admin_client.post(
        reverse("admin:routing_team_change", args=[team.pk]),
        {"name": team.name, "time_zone": team.time_zone, "calendar": calendar.pk},
    )
    assert response.status_code == 302

    team.refresh_from_db()
    assert team.calendar == calendar
    assert add_business_minutes(
        calendar_spec(team.calendar_id), datetime(2026, 11, 28, 3, 0, tzinfo=UTC), 5
    ) == datetime(2026, 11, 28, 3, 5, tzinfo=UTC)
    with pytest.raises(ProtectedError):
        calendar.delete()
    assert Team.objects.filter(calendar=calendar).exists()
