import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from intake.models import ApiToken, Lead, Source, Submission
from intake.services import api_token_authenticate, api_token_create
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(admin_client):
    return admin_client


def test_manual_entry_goes_through_the_same_pipeline(staff_client, source):
    response = staff_client.post(
        reverse("admin:intake_lead_enter"),
        {
            "source": source.pk,
            "full_name": "ann lee",
            "phone": "512 555 0134",
            "attributes": '{"walk_in": true}',
        },
    )

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:intake_lead_change", args=[lead.pk])
    assert (lead.first_name, lead.phone_e164, lead.attributes) == (
        "Ann",
        "+15125550134",
        {"walk_in": True},
    )
    submission = Submission.objects.get()
    assert submission.door == "admin"
    assert submission.headers["x-entered-by"] == "admin"
    assert lead.events.get(kind="received").actor.username == "admin"


def test_manual_entry_shows_field_errors(staff_client, source):
    response = staff_client.post(reverse("admin:intake_lead_enter"), {"source": source.pk})

    assert response.status_code == 200
    assert b"nothing identifies a person" in response.content
    assert not Lead.objects.exists()


def test_the_add_button_leads_to_manual_entry(staff_client):
    response = staff_client.get(reverse("admin:intake_lead_add"))

    assert response["Location"] == reverse("admin:intake_lead_enter")


def test_csv_upload_in_the_admin_reports_each_row(staff_client, source):
    upload = SimpleUploadedFile(
        "leads.csv", b"Name,Email\nAnn Lee,ann@gmail.com\n,\n", content_type="text/csv"
    )
    response = staff_client.post(
        reverse("admin:intake_lead_import"),
        {"source": source.pk, "file": upload, "column_map": "Name=full_name"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "2 rows: 1 created, 0 merged, 1 invalid, 0 failed" in content
    assert 'id="import-report"' in content
    assert Lead.objects.get().full_name == "Ann Lee"


def test_reprocessing_a_failed_submission_from_the_admin(staff_client, api, monkeypatch):
    from intake.services import leads

    monkeypatch.setattr(leads, "contact_resolve", lambda **_: 1 / 0)
    submission_id = post_lead(api, {"email": "ann@gmail.com"}).json()["submission"]
    monkeypatch.undo()

    staff_client.post(
        reverse("admin:intake_submission_changelist"),
        {"action": "reprocess", "_selected_action": [submission_id]},
    )

    assert Submission.objects.get(pk=submission_id).status == Submission.Status.PROCESSED
    assert Lead.objects.count() == 1


def test_rotating_a_key_from_the_admin_shows_the_new_key_once(staff_client, source):
    old_hash = source.api_key_hash
    response = staff_client.post(
        reverse("admin:intake_source_changelist"),
        {"action": "rotate_api_key", "_selected_action": [source.pk]},
        follow=True,
    )

    source.refresh_from_db()
    assert source.api_key_hash != old_hash
    assert b"lrs_" in response.content


def test_adding_a_source_in_the_admin_gives_it_a_hashed_key(staff_client):
    response = staff_client.post(
        reverse("admin:intake_source_add"),
        {
            "name": "Yard signs",
            "channel": "web",
            "adapter": "form",
            "is_active": "on",
            "field_map": "{}",
            "rate_limit_per_minute": "7",
        },
        follow=True,
    )

    source = Source.objects.get(name="Yard signs")
    assert len(source.api_key_hash) == 64 and source.rate_limit_per_minute == 7
    assert b"copy it now" in response.content


def test_a_field_map_to_an_unknown_field_is_refused(staff_client):
    response = staff_client.post(
        reverse("admin:intake_source_add"),
        {
            "name": "Bad",
            "channel": "web",
            "adapter": "form",
            "field_map": json.dumps({"Zip": "zipcode"}),
        },
    )

    assert response.status_code == 200
    assert b"Unknown lead field" in response.content
    assert not Source.objects.filter(name="Bad").exists()


def test_lead_search_finds_attributes_when_asked_and_a_phone_in_any_format(staff_client, api):
    post_lead(
        api,
        {"full_name": "Ann Lee", "phone": "512-555-0134", "attributes": {"roof": "cedar shake"}},
    )
    post_lead(api, {"full_name": "Bob Stone"})
    url = reverse("admin:intake_lead_changelist")

    assert b"Ann Lee" in staff_client.get(url, {"q": "attributes:cedar"}).content
    assert b"Bob Stone" not in staff_client.get(url, {"q": "attributes:cedar"}).content
    assert b"Ann Lee" not in staff_client.get(url, {"q": "cedar"}).content  # not a name
    assert b"Ann Lee" in staff_client.get(url, {"q": "(512) 555-0134"}).content
    assert b"Ann Lee" in staff_client.get(url, {"q": "+1 512 555 0134"}).content


def test_the_flag_filter_and_the_timeline_render(staff_client, api):
    lead_id = post_lead(api, {"full_name": "Bob", "phone": "000-000-0000"}).json()["id"]

    listing = staff_client.get(reverse("admin:intake_lead_changelist"), {"flag": "uncontactable"})
    detail = staff_client.get(reverse("admin:intake_lead_change", args=[lead_id]))

    assert b"Bob" in listing.content
    assert detail.status_code == 200
    assert b"Contact data verified" in detail.content


def test_the_submission_page_shows_the_raw_body(staff_client, api):
    submission_id = post_lead(api, b'{"email": [7], "x": "<script>"}').json()["submission"]

    page = staff_client.get(reverse("admin:intake_submission_change", args=[submission_id]))

    assert b"&lt;script&gt;" in page.content  # shown escaped
    assert b"must be a string" in page.content


def test_search_keeps_the_list_filters(staff_client, api):
    post_lead(api, {"full_name": "Ann Lee", "attributes": {"roof": "cedar"}})
    Lead.objects.update(status="won")
    post_lead(api, {"full_name": "Cy Cedar", "attributes": {"roof": "cedar"}})
    url = reverse("admin:intake_lead_changelist")

    # Cy has no contact data, so qualification holds the lead for review.
    page = staff_client.get(url, {"q": "cedar", "status__exact": "review"}).content

    assert b"Cy Cedar" in page and b"Ann Lee" not in page


def test_searching_submissions_by_text_does_not_fail(staff_client):
    response = staff_client.get(reverse("admin:intake_submission_changelist"), {"q": "abc"})

    assert response.status_code == 200


def test_a_field_map_typed_with_a_nul_is_stored_without_it(staff_client):
    staff_client.post(
        reverse("admin:intake_source_add"),
        {
            "name": "Typed",
            "channel": "web",
            "adapter": "form",
            "is_active": "on",
            "field_map": '{"Zip\\u0000": "postal_code"}',
        },
    )

    assert Source.objects.get(name="Typed").field_map == {"Zip": "postal_code"}


@pytest.mark.parametrize("model", ["submission", "lead", "source"])
def test_searching_with_a_nul_does_not_fail(staff_client, model):
    response = staff_client.get(reverse(f"admin:intake_{model}_changelist"), {"q": "a\x00b"})

    assert response.status_code == 200


def test_the_revoke_action_revokes_the_selected_tokens(staff_client, django_user_model):
    django_user_model.objects.create_user("dana")
    token, raw = api_token_create(username="dana")

    staff_client.post(
        reverse("admin:intake_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert api_token_authenticate(raw) is None
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
