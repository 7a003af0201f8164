"""A manager adds a new person as a rep in one form, without a superuser: the account and the
rep are created together and the person gets a link to choose their password."""

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from routing.models import Rep, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(django_user_model):
    """A staff user who may add and see reps, not a superuser."""
    user = django_user_model.objects.create_user(
        "mia", "mia@example.com", "a-long-password-1", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="routing", codename__in=["add_rep", "view_rep"]
        )
    )
    return user


@pytest.fixture
def sync_cluster(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def new_rep_form(team, **fields) -> dict:
    return {
        "first_name": "Nia",
        "last_name": "Lopez",
        "email": "Nia.Lopez@example.com",
        "team": team.pk,
        "licensed_states": ["nv", "California"],
        "languages": ["en", "es"],
        "time_zone": "America/Los_Angeles",
        "working_hours_mon_0_start": "08:00",
        "working_hours_mon_0_end": "12:00",
        "working_hours_mon_1_start": "13:00",
        "working_hours_mon_1_end": "17:00",
        **fields,
    }


def test_a_manager_adds_a_rep_who_sets_a_password_from_the_emailed_link(
    client, manager, mailoutbox, sync_cluster, django_capture_on_commit_callbacks
):
    team = Team.objects.create(name="Reno", manager=manager, time_zone="America/Los_Angeles")
    client.force_login(manager)

    assert "Add a rep (a new person)" in client.get(reverse("admin:routing_rep_changelist")).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:routing_rep_add_person"), new_rep_form(team))

    assert response.status_code == 302
    rep = Rep.objects.select_related("user").get(user__email__iexact="nia.lopez@example.com")
    assert (rep.user.username, rep.user.get_full_name(), rep.team) == (
        "nia.lopez",
        "Nia Lopez",
        team,
    )
    assert (rep.licensed_states, rep.languages, rep.time_zone) == (
        ["CA", "NV"],
        ["en", "es"],
        "America/Los_Angeles",
    )
    assert rep.working_hours == {"mon": [["08:00", "12:00"], ["13:00", "17:00"]]}
    assert not rep.user.has_usable_password()

    (email,) = mailoutbox
    assert email.to == ["Nia.Lopez@example.com"]
    link = re.search(r"http://testserver(/accounts/password-reset/\S+)", email.body).group(1)
    client.logout()
    form_page = client.get(link, follow=True)
    assert "Choose your password" in form_page.text
    assert "nia.lopez" in form_page.text
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "sierra-nevada-42", "new_password2": "sierra-nevada-42"},
        follow=True,
    )
    assert "Your password is set" in done.text
    assert client.login(username="nia.lopez", password="sierra-nevada-42")
    assert "has been used already" in client.get(link, follow=True).text


def test_the_form_shows_every_problem_at_once_and_creates_nobody(client, manager, team):
    client.force_login(manager)

    response = client.post(
        reverse("admin:routing_rep_add_person"),
        new_rep_form(
            team,
            email="not an address",
            licensed_states=["Narnia"],
            time_zone="Pacific",
            working_hours_mon_1_start="11:00",
        ),
    )

    page = html.unescape(response.text)
    assert response.status_code == 200
    assert "Enter a valid email address." in page
    assert "Not a US state: Narnia" in page
    assert "'Pacific' is not a time zone" in page
    assert "Monday: 08:00-12:00 overlaps 11:00-17:00" in page
    assert not Rep.objects.exists()


def test_an_email_an_account_already_has_is_refused(client, manager, team, django_user_model):
    django_user_model.objects.create_user("nia", "nia.lopez@example.com")
    client.force_login(manager)

    response = client.post(reverse("admin:routing_rep_add_person"), new_rep_form(team))

    assert "An account already has this e-mail address." in response.text
    assert not Rep.objects.exists()


def test_a_taken_username_gets_a_number(client, manager, team, django_user_model):
    django_user_model.objects.create_user("nia.lopez")
    client.force_login(manager)

    client.post(reverse("admin:routing_rep_add_person"), new_rep_form(team))

    assert Rep.objects.get().user.username == "nia.lopez2"


def test_staff_without_the_add_rep_permission_may_not(client, django_user_model, team):
    clerk = django_user_model.objects.create_user("cal", is_staff=True)
    client.force_login(clerk)

    assert client.get(reverse("admin:routing_rep_add_person")).status_code == 403
    response = client.post(reverse("admin:routing_rep_add_person"), new_rep_form(team))
    assert response.status_code == 403
    assert not Rep.objects.exists()


def test_a_manager_offers_only_the_teams_they_manage(client, manager):
    Team.objects.create(name="Reno", manager=manager)
    Team.objects.create(name="Boston")
    client.force_login(manager)

    page = client.get(reverse("admin:routing_rep_add_person")).text

    assert "Reno" in page
    assert "Boston" not in page
