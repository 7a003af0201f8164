"""Real-browser test of "Add a rep" as a manager (not a superuser): the state and language
ticks, the time zone select and the weekly hours pickers, then the new person's own link to
choose a password."""

import re

import pytest
from django.contrib.auth.models import Permission

from routing.models import Rep, Team


@pytest.mark.django_db(transaction=True)
def test_a_manager_adds_a_nevada_rep_with_the_pickers_in_one_save(
    page, live_server, django_user_model, mailoutbox, monkeypatch
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # the welcome e-mail is sent in the request
    manager = django_user_model.objects.create_user(
        "mia", "mia@example.com", "a-long-password-1", is_staff=True
    )
    manager.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="routing", codename__in=["add_rep", "view_rep", "change_rep"]
        )
    )
    team = Team.objects.create(name="Reno", manager=manager, time_zone="America/Los_Angeles")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/admin/routing/rep/")
    page.fill("#id_username", "mia")
    page.fill("#id_password", "a-long-password-1")
    page.click("input[type=submit]")
    page.click("text=Add a rep (a new person)")

    page.fill("#id_first_name", "Nia")
    page.fill("#id_last_name", "Lopez")
    page.fill("#id_email", "nia@example.com")
    page.select_option("#id_team", label="Reno")
    page.check("label:has-text('NV Nevada') input")
    page.check("label:has-text('CA California') input")
    page.check("label:has-text('Spanish (es)') input")
    page.select_option("#id_time_zone", "America/Los_Angeles")
    page.fill("input[name=working_hours_mon_0_start]", "08:00")
    page.fill("input[name=working_hours_mon_0_end]", "12:00")
    page.fill("input[name=working_hours_mon_1_start]", "13:00")
    page.fill("input[name=working_hours_mon_1_end]", "17:00")
    page.fill("input[name=working_hours_tue_0_start]", "09:00")
    page.fill("input[name=working_hours_tue_0_end]", "17:00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("input[value='Add the rep and e-mail them']")

    page.wait_for_selector("text=Nia Lopez is a rep of Reno (username nia)")
    rep = Rep.objects.select_related("user").get(user__username="nia")
    assert (rep.team, rep.licensed_states, rep.languages, rep.time_zone) == (
        team,
        ["CA", "NV"],
        ["en", "es"],
        "America/Los_Angeles",
    )
    assert rep.working_hours == {
        "mon": [["08:00", "12:00"], ["13:00", "17:00"]],
        "tue": [["09:00", "17:00"]],
    }
    # The rep's own change page shows the same pickers, filled in.
    assert page.is_checked("label:has-text('NV Nevada') input")
    assert page.input_value("input[name=working_hours_mon_1_start]") == "13:00"

    (email,) = mailoutbox
    link = re.search(r"https?://\S+/accounts/password-reset/\S+", email.body).group(0)
    page.context.clear_cookies()
    page.goto(link)
    page.fill("#id_new_password1", "sierra-nevada-42")
    page.fill("#id_new_password2", "sierra-nevada-42")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Your password is set")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
