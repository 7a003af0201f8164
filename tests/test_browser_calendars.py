"""Real-browser test of the business calendar admin: a manager on a phone-sized screen sets up
a split-shift calendar with a state's holidays through the inline rows."""

from datetime import time

import pytest

from routing.models import BusinessCalendar


@pytest.mark.django_db(transaction=True)
def test_a_manager_adds_a_calendar_with_two_intervals_and_sees_it_listed(
    page, live_server, django_user_model
):
    django_user_model.objects.create_superuser("mia", "mia@example.com", "a-long-password-1")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "mia")
    page.fill("#id_password", "a-long-password-1")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/routing/businesscalendar/add/")
    page.fill("#id_name", "Austin office hours")
    page.select_option("#id_time_zone", "America/Chicago")
    page.select_option("#id_holiday_country", label="United States (US)")
    page.select_option("#id_holiday_subdivision", label="Texas (TX)")
    page.select_option("#id_opening_hours-0-weekday", label="Monday")
    page.fill("#id_opening_hours-0-opens", "09:00")
    page.fill("#id_opening_hours-0-closes", "12:00")
    page.click("text=Add another Opening interval")
    page.select_option("#id_opening_hours-1-weekday", label="Monday")
    page.fill("#id_opening_hours-1-opens", "13:00")
    page.fill("#id_opening_hours-1-closes", "17:00")
    page.click("input[type=submit][name=_save]")

    page.wait_for_selector("text=was added successfully")
    assert page.locator("#result_list").get_by_text("Austin office hours").is_visible()
    calendar = BusinessCalendar.objects.get()
    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("US", "TX")
    assert [(h.weekday, h.opens, h.closes) for h in calendar.opening_hours.all()] == [
        (0, time(9), time(12)),
        (0, time(13), time(17)),
    ]

    page.click("#result_list >> text=Austin office hours")
    page.wait_for_selector("text=Open now")
    assert page.locator("#id_opening_hours-1-opens").input_value() == "13:00"
