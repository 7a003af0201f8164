"""Google Ads lead form webhook: the documented "Send test data" bodies, keyed by google_key."""

import json

import pytest

from intake.models import Lead, Submission
from tests.intake.hooks.conftest import post_hook, sample

pytestmark = pytest.mark.django_db

KEY = "xfdgdgsgfchgvhgfchg"


def body(name="google_ads_lead_form.json", **changes) -> bytes:
    data = json.loads(sample(name))
    data["google_key"] = KEY
    data.update(changes)
    return json.dumps(data).encode()


@pytest.fixture
def google(hook_source):
    return hook_source("google_ads", secret=KEY)


def test_the_documented_test_lead_is_stored_flagged_test_and_keeps_big_ids(client, google):
    response = post_hook(client, google, body())

    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert response.json()["lead"] == lead.pk
    assert (lead.first_name, lead.last_name) == ("FirstName", "LastName")
    assert lead.email == "test@example.com"
    assert lead.phone_e164 == "+16505550123"
    assert (lead.postal_code, lead.city, lead.state) == ("94043", "Mountain View", "CA")
    assert lead.is_test and "test" in lead.flags
    assert lead.external_id.startswith("TeSter-123-")
    # int64 ids arrive as JSON numbers and are kept digit for digit, as strings.
    assert lead.attributes["google_form_id"] == "349080077126"
    assert lead.attributes["google_campaign_id"] == "23729418209"
    assert lead.utm_campaign == "23729418209"
    assert Submission.objects.get().status == Submission.Status.PROCESSED


def test_a_question_with_only_a_column_id_is_kept_in_attributes(client, google):
    response = post_hook(client, google, body("google_ads_lead_form_service_question.json"))

    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert "SERVICE" in lead.attributes


def test_a_broken_body_is_400_naming_the_reason_never_500(client, google):
    # Google's own production sample has a trailing comma.
    response = post_hook(client, google, b'{"lead_id": "1", "google_key": "x",}')

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["errors"]["body"][0]
    assert Submission.objects.get().status == Submission.Status.REJECTED


def test_a_body_without_columns_is_400_and_the_submission_kept_invalid(client, google):
    response = post_hook(client, google, json.dumps({"lead_id": "9", "google_key": KEY}).encode())

    assert response.status_code == 400
    assert "user_column_data" in response.json()["errors"]
    assert Submission.objects.get().status == Submission.Status.INVALID


def test_a_national_phone_is_read_in_the_default_region(client, google, settings):
    settings.INTAKE_DEFAULT_PHONE_REGION = "FR"
    data = json.loads(body())
    data["user_column_data"][2]["string_value"] = "0612345678"
    data["is_test"] = False
    response = post_hook(client, google, json.dumps(data).encode())

    assert response.status_code == 200
    lead = Lead.objects.get()
    assert lead.phone_e164 == "+33612345678"


def test_an_unknown_source_or_adapter_is_404(client, google, hook_source):
    other = hook_source("typeform", secret="s", name="Typeform")
    url = f"/hooks/google_ads/{other.public_id}/"
    assert client.post(url, body(), content_type="application/json").status_code == 404
    assert client.post("/hooks/nope/" + str(google.public_id) + "/").status_code == 404
