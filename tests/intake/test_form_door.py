import pytest
from django.test import Client

from intake.models import Adapter, Channel, Lead, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_source(make_source):
    return make_source(
        name="Website form",
        channel=Channel.WEB,
        adapter=Adapter.FORM,
        field_map={"Full Name": "full_name", "Zip": "postal_code", "Your Email": "email"},
    )


def url(source):
    return f"/f/{source.public_id}/"


def test_an_urlencoded_post_maps_fields_and_shows_the_thank_you_page(form_source):
    response = Client().post(
        url(form_source),
        {"Full Name": "ann lee", "Your Email": "ann@gmail.com", "Zip": "33130", "Roof": "tile"},
    )

    assert response.status_code == 200
    assert b"Thank you" in response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.state) == ("Ann", "Lee", "FL")
    assert lead.attributes == {"Roof": "tile"}
    assert lead.channel == Channel.WEB
    assert Submission.objects.get().door == "form"


def test_a_multipart_post_is_read_too(form_source):
    response = Client().post(
        url(form_source), {"Full Name": "Ann Lee", "phone": "305-555-0100"}, format="multipart"
    )

    assert response.status_code == 200
    assert Lead.objects.get().phone_e164 == "+13055550100"


def test_it_redirects_to_the_sources_thank_you_url(form_source):
    form_source.thank_you_url = "https://agency.example.net/thanks"
    form_source.save()

    response = Client().post(url(form_source), {"email": "ann@gmail.com"})

    assert response.status_code == 303
    assert response["Location"] == "https://agency.example.net/thanks"


def test_it_answers_json_to_scripts(form_source):
    response = Client().post(
        url(form_source), {"email": "ann@gmail.com"}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 201
    assert response.json()["lead"] == Lead.objects.get().pk


def test_a_filled_honeypot_is_kept_as_spam_and_answered_like_a_person(form_source, settings):
    response = Client().post(
        url(form_source), {"email": "bot@gmail.com", settings.INTAKE_HONEYPOT_FIELD: "http://spam"}
    )

    assert response.status_code == 200
    assert b"Thank you" in response.content
    assert not Lead.objects.exists()
    assert Submission.objects.get().status == Submission.Status.SPAM


def test_an_empty_form_is_400_with_the_reason(form_source):
    response = Client().post(url(form_source), {}, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]
    assert Submission.objects.get().status == Submission.Status.INVALID


def test_an_unknown_or_inactive_source_is_404(form_source):
    form_source.is_active = False
    form_source.save()

    assert Client().post(url(form_source), {"email": "a@gmail.com"}).status_code == 404
    assert Client().post("/f/00000000-0000-0000-0000-000000000000/", {}).status_code == 404


def test_the_hosted_form_page_renders_with_the_honeypot(form_source, settings):
    response = Client().get(url(form_source))

    assert response.status_code == 200
    assert settings.INTAKE_HONEYPOT_FIELD.encode() in response.content


def test_a_form_post_needs_no_csrf_token(form_source):
    client = Client(enforce_csrf_checks=True)

    assert client.post(url(form_source), {"email": "ann@gmail.com"}).status_code == 200


def test_a_nul_in_a_field_name_or_value_is_removed_and_flagged(form_source):
    response = Client().post(
        url(form_source),
        b"Full+Name=Ann+Lee&Your+Email=ann%40gmail.com&Ro%00of=ti%00le",
        content_type="application/x-www-form-urlencoded",
        HTTP_REFERER="https://example.org/\x00contact",
    )

    assert response.status_code == 200, response.content[:300]
    lead = Lead.objects.get()
    assert lead.attributes == {"Roof": "tile"}
    assert "control_characters_removed" in lead.flags
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.PROCESSED
    assert submission.headers["referer"] == "https://example.org/contact"
