"""Form builders and Zapier: Unbounce, Jotform, Gravity Forms, Formstack, flat JSON; the URL,
an optional API key and an optional shared secret."""

import json

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from intake.models import Channel, Lead, Submission
from tests.intake.hooks.conftest import post_hook, sample
from tests.intake.hooks.drivers import formstack_entry

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def form(hook_source):
    return hook_source("form", channel=Channel.WEB)


def as_json(data) -> bytes:
    return json.dumps(data).encode()


def multipart(data: dict) -> bytes:
    return encode_multipart(BOUNDARY, data)


def jotform(raw_request: dict, **fields) -> dict:
    return {
        "formID": "241234567890",
        "submissionID": "5912345678901234567",
        "formTitle": "Free roof inspection",
        "ip": "203.0.113.9",
        "pretty": "Name:Ann Lee, E-mail:ann.lee@gmail.com",
        "username": "leeroofing",
        "type": "WEB",
        "rawRequest": json.dumps(raw_request),
        **fields,
    }


JOTFORM_ANSWERS = {
    "slug": "submit/241234567890",
    "event_id": "1712345678901_241234567890_abc",
    "timeToSubmit": "41",
    "q3_name": {"first": "Ann", "last": "Lee"},
    "q4_email": "ann.lee@gmail.com",
    "q5_phoneNumber": {"full": "(305) 555-0100"},
    "q6_address": {
        "addr_line1": "1 Ocean Dr",
        "addr_line2": "Apt 2",
        "city": "Miami",
        "state": "FL",
        "postal": "33139",
    },
    "q7_message": "Leak over the kitchen",
    "q8_roofType": "tile",
}


def gravity_entry(**changes) -> dict:
    entry = {
        "id": "345",
        "form_id": "12",
        "post_id": None,
        "date_created": "2025-03-03 12:00:00",
        "is_starred": 0,
        "is_read": 0,
        "ip": "203.0.113.7",
        "source_url": "https://leeroofing.example.net/quote/",
        "user_agent": "Mozilla/5.0",
        "currency": "USD",
        "created_by": None,
        "status": "active",
        "1.3": "Ann",
        "1.6": "Lee",
        "2": "ann.lee@gmail.com",
        "3": "(305) 555-0100",
        "4.1": "1 Ocean Dr",
        "4.5": "33139",
        "5": "Metal roof",
        "6": "",
    }
    entry.update(changes)
    return entry


GRAVITY_MAP = {
    "1.3": "first_name",
    "1.6": "last_name",
    "2": "email",
    "3": "phone",
    "4.5": "postal_code",
    "5": "attributes.roof",
}


def test_the_documented_unbounce_submission_becomes_a_lead_with_its_page(client, form):
    response = post_hook(client, form, sample("unbounce_form_submit.form"), content_type=FORM)

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert lead.email == "test@snowplowanalytics.com"
    assert lead.landing_page == "http://unbouncepages.com/test-webhook-1"
    assert lead.attributes["unbounce_page_id"] == "f7afd389-65a3-45fa-8bad-b7a42236044c"
    assert lead.attributes["unbounce_page_name"] == "Test-Webhook"
    assert lead.attributes["unbounce_variant"] == "a"
    assert lead.attributes["ip_address"] == "200.121.220.179"
    assert "data.json" not in lead.attributes


def test_unbounce_fields_named_by_the_page_builder_are_placed_by_alias(client, form):
    data = {
        "first_name": ["Ann"],
        "phone_number": ["305-555-0100"],
        "zip_code": ["33130"],
        "services": ["roof", "gutters"],
        "page_url": ["https://unbouncepages.com/roofs/"],
    }
    raw = "page_id=p1&page_name=Roofs&variant=b&data.json=" + json.dumps(data)
    response = post_hook(client, form, raw.encode(), content_type=FORM)

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.phone_e164, lead.postal_code) == ("Ann", "+13055550100", "33130")
    assert lead.attributes["services"] == ["roof", "gutters"]
    assert lead.landing_page == "https://unbouncepages.com/roofs/"


def test_a_jotform_submission_is_read_from_its_raw_request(client, form):
    response = post_hook(
        client, form, multipart(jotform(JOTFORM_ANSWERS)), content_type=MULTIPART_CONTENT
    )

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Ann", "Lee")
    assert lead.email == "ann.lee@gmail.com"
    assert lead.phone_e164 == "+13055550100"
    assert (lead.city, lead.state, lead.postal_code) == ("Miami", "FL", "33139")
    assert lead.message == "Leak over the kitchen"
    assert lead.external_id == "5912345678901234567"
    assert lead.attributes["address"] == "1 Ocean Dr"
    assert lead.attributes["address_line2"] == "Apt 2"
    assert lead.attributes["roofType"] == "tile"
    assert lead.attributes["jotform_form_id"] == "241234567890"
    # Jotform's bookkeeping and its readable copy of the answers are not lead data.
    assert not {"slug", "event_id", "timeToSubmit", "pretty", "rawRequest"} & set(lead.attributes)
    assert Submission.objects.get().delivery_id == "5912345678901234567"


def test_a_jotform_phone_in_area_and_number_parts_is_joined(client, form):
    answers = {
        "q3_name": {"first": "Ann", "last": "Lee"},
        "q5_phone": {"area": "305", "phone": "5550100"},
    }

    response = post_hook(client, form, multipart(jotform(answers)), content_type=MULTIPART_CONTENT)

    assert response.status_code == 201, response.content
    assert Lead.objects.get().phone_e164 == "+13055550100"


def test_the_field_map_names_a_jotform_question_by_its_slug(client, hook_source):
    source = hook_source("form", field_map={"roofType": "request_type"})

    response = post_hook(
        client, source, multipart(jotform(JOTFORM_ANSWERS)), content_type=MULTIPART_CONTENT
    )

    assert response.status_code == 201, response.content
    assert Lead.objects.get().request_type == "tile"


def test_a_gravity_forms_entry_is_read_through_the_sources_field_map(client, hook_source):
    source = hook_source("form", field_map=GRAVITY_MAP)

    response = post_hook(client, source, as_json(gravity_entry()))

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.email) == ("Ann", "Lee", "ann.lee@gmail.com")
    assert lead.phone_e164 == "+13055550100"
    assert lead.postal_code == "33139"
    assert lead.external_id == "12-345"
    assert lead.landing_page == "https://leeroofing.example.net/quote/"
    assert lead.attributes["roof"] == "Metal roof"
    # An input the map does not name stays under its id; an empty one is dropped.
    assert lead.attributes["4.1"] == "1 Ocean Dr"
    assert "6" not in lead.attributes
    assert Submission.objects.get().delivery_id == "12-345"


def test_a_gravity_entry_without_a_field_map_is_kept_with_its_answers_and_flagged(client, form):
    response = post_hook(client, form, as_json(gravity_entry()))

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert "uncontactable" in lead.flags  # the answers wait for a field map, not lost
    assert {"1.3", "1.6", "4.5"} <= set(lead.attributes)


def test_a_gravity_entry_marked_spam_is_kept_as_spam(client, hook_source):
    source = hook_source("form", field_map=GRAVITY_MAP)

    response = post_hook(client, source, as_json(gravity_entry(status="spam")))

    assert response.status_code == 200
    assert not Lead.objects.exists()
    assert Submission.objects.get().status == Submission.Status.SPAM


def test_the_documented_formstack_json_is_flattened(client, form):
    response = post_hook(client, form, formstack_entry("12345678"))

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("John", "Smith")
    assert lead.email == "john.smith@gmail.com"
    assert lead.phone_e164 == "+12345556789"
    assert (lead.city, lead.postal_code) == ("Test", "12345")
    # The documented state was read; the quality gate then trusts the ZIP (12345 is in NY).
    assert "state IN" in lead.flags["state_mismatch_zip"]
    assert lead.attributes["address"] == "1234 Test Drive"
    assert lead.external_id == "12345678"
    assert Submission.objects.get().delivery_id == "12345678"


def test_formstacks_urlencoded_sub_fields_and_handshake_key_are_understood(client, hook_source):
    source = hook_source("form", secret="handshake-123")
    raw = (
        "FormID=23534&UniqueID=87654321&HandshakeKey=handshake-123"
        "&Name=first+%3D+John%0Alast+%3D+Smith&Email=john.smith%40gmail.com"
    )

    response = post_hook(client, source, raw.encode(), content_type=FORM)

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("John", "Smith")
    assert "HandshakeKey" not in lead.attributes


def test_a_zapier_flat_json_is_placed_by_aliases_and_the_field_map(client, hook_source):
    source = hook_source("form", field_map={"Lead Source": "utm_source"})
    zap = {
        "Full Name": "Ann Lee",
        "Email Address": "ann.lee@gmail.com",
        "Phone Number": "305-555-0100",
        "Zip Code": "33130",
        "Lead Source": "facebook",
        "Roof Age": "15 years",
    }

    response = post_hook(client, source, as_json(zap))

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Ann", "Lee")
    assert (lead.email, lead.phone_e164, lead.postal_code) == (
        "ann.lee@gmail.com",
        "+13055550100",
        "33130",
    )
    assert lead.utm_source == "facebook"
    assert lead.attributes == {"Roof Age": "15 years"}


def test_contact_form_7_fields_are_read(client, form):
    cf7 = {"your-name": "Ann Lee", "your-email": "ann.lee@gmail.com", "your-subject": "Quote"}

    response = post_hook(client, form, as_json(cf7))

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.full_name, lead.email) == ("Ann Lee", "ann.lee@gmail.com")
    assert lead.attributes["your-subject"] == "Quote"


def test_an_example_com_email_makes_a_test_lead(client, form):
    response = post_hook(client, form, as_json({"name": "Jane Doe", "email": "jane@example.com"}))

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert lead.is_test
    assert "test" in lead.flags


def test_the_sources_api_key_as_a_bearer_token_is_accepted(client, form):
    response = post_hook(
        client,
        form,
        as_json({"email": "ann.lee@gmail.com"}),
        HTTP_AUTHORIZATION=f"Bearer {form.raw_key}",
    )

    assert response.status_code == 201, response.content


def test_a_wrong_bearer_key_is_401_and_kept_rejected_without_a_lead(client, form, hook_source):
    other = hook_source("form", name="Another form")

    response = post_hook(
        client,
        form,
        as_json({"email": "ann.lee@gmail.com"}),
        HTTP_AUTHORIZATION=f"Bearer {other.raw_key}",
    )

    assert response.status_code == 401
    assert "API key" in response.json()["errors"]["authorization"][0]
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.REJECTED
    assert not Lead.objects.exists()


def test_a_wrong_x_api_key_is_401(client, form):
    response = post_hook(
        client, form, as_json({"email": "ann.lee@gmail.com"}), HTTP_X_API_KEY="lrs_guess"
    )

    assert response.status_code == 401


def test_a_filled_honeypot_is_kept_as_spam_without_a_lead(client, form, settings):
    body = as_json({"email": "bot@gmail.com", settings.INTAKE_HONEYPOT_FIELD: "http://spam"})

    response = post_hook(client, form, body)

    assert response.status_code == 200
    assert not Lead.objects.exists()
    assert Submission.objects.get().status == Submission.Status.SPAM


def test_a_filled_honeypot_inside_unbounce_data_is_spam_too(client, form, settings):
    data = {"email": ["bot@gmail.com"], settings.INTAKE_HONEYPOT_FIELD: ["http://spam"]}
    raw = "page_id=p1&data.json=" + json.dumps(data)

    response = post_hook(client, form, raw.encode(), content_type=FORM)

    assert response.status_code == 200
    assert Submission.objects.get().status == Submission.Status.SPAM


def test_an_empty_honeypot_is_not_stored(client, form, settings):
    body = as_json({"email": "ann.lee@gmail.com", settings.INTAKE_HONEYPOT_FIELD: ""})

    assert post_hook(client, form, body).status_code == 201
    assert settings.INTAKE_HONEYPOT_FIELD not in Lead.objects.get().attributes


def test_a_broken_json_body_is_400_naming_the_body_never_500(client, form):
    response = post_hook(client, form, b'{"email": "ann.lee@gmail.com",')

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["errors"]["body"][0]
    assert Submission.objects.get().status == Submission.Status.INVALID


def test_a_broken_unbounce_data_json_is_400_naming_it(client, form):
    response = post_hook(client, form, b"page_id=p1&data.json=%7Bnope", content_type=FORM)

    assert response.status_code == 400
    assert "data.json" in response.json()["errors"]


def test_a_broken_jotform_raw_request_is_400_naming_it(client, form):
    body = multipart({"submissionID": "1", "rawRequest": "not json"})

    response = post_hook(client, form, body, content_type=MULTIPART_CONTENT)

    assert response.status_code == 400
    assert "rawRequest" in response.json()["errors"]


def test_a_json_array_is_400_naming_the_body(client, form):
    response = post_hook(client, form, b'[{"email": "ann.lee@gmail.com"}]')

    assert response.status_code == 400
    assert "array" in response.json()["errors"]["body"][0]


def test_an_unsupported_content_type_is_400_naming_it(client, form):
    response = post_hook(client, form, b"<lead/>", content_type="application/xml")

    assert response.status_code == 400
    assert "content_type" in response.json()["errors"]
