"""The organisation's time zone: one row of settings, chosen in the admin from a select, read by
`intake.selectors.organisation_time_zone` (the server's TIME_ZONE until someone chooses)."""

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from intake.models import OrganisationSettings
from intake.selectors import organisation_time_zone

pytestmark = pytest.mark.django_db


def test_until_someone_chooses_the_organisation_is_in_the_servers_zone(settings):
    settings.TIME_ZONE = "America/Denver"

    assert organisation_time_zone() == ZoneInfo("America/Denver")


def test_the_chosen_zone_is_the_organisations(settings):
    settings.TIME_ZONE = "UTC"
    OrganisationSettings.objects.create(time_zone="America/Chicago")

    assert organisation_time_zone() == ZoneInfo("America/Chicago")


def test_the_admin_list_opens_the_one_row_created_in_the_servers_zone(admin_client, settings):
    settings.TIME_ZONE = "America/New_York"

    response = admin_client.get(reverse("admin:intake_organisationsettings_changelist"))

    row = OrganisationSettings.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:intake_organisationsettings_change", args=[row.pk])
    assert row.time_zone == "America/New_York"
    admin_client.get(reverse("admin:intake_organisationsettings_changelist"))
    assert OrganisationSettings.objects.count() == 1


def test_the_admin_picks_the_zone_from_a_select_and_says_what_it_is_for(admin_client):
    row = OrganisationSettings.objects.create(time_zone="UTC")
    url = reverse("admin:intake_organisationsettings_change", args=[row.pk])

    page = admin_client.get(url).content.decode()
    assert '<select name="time_zone"' in page
    assert '<option value="America/Chicago">' in page
    assert "An imported date without a time" in page
    assert "organisation-wide weekly report" in page

    response = admin_client.post(url, {"time_zone": "America/Chicago"})
    assert response.status_code == 302
    assert organisation_time_zone() == ZoneInfo("America/Chicago")


def test_a_zone_that_does_not_exist_is_refused_with_an_example(admin_client):
    row = OrganisationSettings.objects.create(time_zone="UTC")
    url = reverse("admin:intake_organisationsettings_change", args=[row.pk])

    response = admin_client.post(url, {"time_zone": "Pacific"})

    assert response.status_code == 200
    assert "&#x27;Pacific&#x27; is not a time zone (e.g. America/Chicago)." in (
        response.content.decode()
    )
    row.refresh_from_db()
    assert row.time_zone == "UTC"


def test_there_is_no_second_row_and_no_deleting_the_one(admin_client):
    row = OrganisationSettings.objects.create(time_zone="UTC")

    add = admin_client.get(reverse("admin:intake_organisationsettings_add"))
    delete = admin_client.post(
        reverse("admin:intake_organisationsettings_delete", args=[row.pk]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert delete.status_code == 403
    assert OrganisationSettings.objects.count() == 1
