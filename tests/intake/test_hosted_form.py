"""The hosted form: the organisation's name, the source's consent line (kept with the lead),
and refusals in plain words that never echo internals."""

import re

import pytest
from django.test import Client

from intake.models import Adapter, Channel, Lead

pytestmark = pytest.mark.django_db
CONSENT = (
    "By clicking Send, you agree that Lone Star Insurance may call and text you at the number "
    "given. Consent is not a condition of purchase."
)
INTERNALS = ["non_field_errors", "full_name", "at most", "must be", "attributes", "the lead is"]


@pytest.fixture
def form_source(make_source):
    return make_source(
        name="Website form",
        channel=Channel.WEB,
        adapter=Adapter.FORM,
        organisation_name="Lone Star Insurance, Austin office",
        consent_text=CONSENT,
    )


def url(source):
    return f"/f/{source.public_id}/"


def _visible_text(html: str) -> str:
    """What a person reads: the page without its style, tags and attributes."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S))


def test_the_form_shows_the_organisation_and_the_consent_line_under_the_button(form_source):
    html = Client().get(url(form_source)).content.decode()

    assert "Lone Star Insurance, Austin office" in html
    assert "<title>Contact Lone Star Insurance, Austin office</title>" in html
    assert html.index('name="consent" value="agreed">Send</button>') < html.index(CONSENT)


def test_without_a_name_on_the_source_the_setting_names_the_organisation(make_source, settings):
    settings.ORGANISATION_NAME = "Bluebird Dental"
    source = make_source(name="Plain form", channel=Channel.WEB, adapter=Adapter.FORM)

    html = Client().get(url(source)).content.decode()

    assert "Bluebird Dental" in html
    assert 'name="consent"' not in html  # no consent line, no consent on the button


def test_a_lead_sent_under_the_consent_line_keeps_the_text_and_the_time(form_source):
    Client().post(
        url(form_source), {"full_name": "Ann Lee", "email": "ann@gmail.com", "consent": "agreed"}
    )

    lead = Lead.objects.get()
    assert lead.attributes["consent_text"] == CONSENT
    assert lead.attributes["consented_at"] == lead.received_at.isoformat()
    assert "consent" not in lead.attributes


def test_a_post_from_another_page_without_the_button_records_no_consent(form_source):
    Client().post(url(form_source), {"full_name": "Ann Lee", "email": "ann@gmail.com"})

    assert "consent_text" not in Lead.objects.get().attributes


def test_an_empty_form_is_shown_again_with_a_plain_reason(form_source):
    response = Client().post(url(form_source), {"full_name": "", "message": ""})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Please tell us who you are and how to reach you" in html
    assert "Lone Star Insurance, Austin office" in html and CONSENT in html
    for internal in INTERNALS:
        assert internal not in _visible_text(html)


def test_a_bad_field_gets_its_own_plain_message_and_the_answers_are_kept(form_source):
    response = Client().post(
        url(form_source),
        {"full_name": "A" * 300, "email": "ann@gmail.com", "message": "Call me <b>today</b>"},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert (
        '<p class="field-error" id="full_name-error">Your name is too long: please keep it '
        "under 254 characters.</p>" in html
    )
    assert 'value="ann@gmail.com"' in html
    assert "Call me &lt;b&gt;today&lt;/b&gt;</textarea>" in html  # kept, and escaped
    for internal in [*INTERNALS, "got 300"]:
        assert internal not in _visible_text(html)
    assert Lead.objects.count() == 0


def test_too_many_posts_are_answered_in_plain_words(form_source):
    form_source.rate_limit_per_minute = 1
    form_source.save()
    client = Client()
    client.post(url(form_source), {"email": "ann@gmail.com"})

    response = client.post(url(form_source), {"email": "bob@gmail.com"})

    assert response.status_code == 429
    assert "Please wait a minute, then try again." in response.content.decode()
    assert "Too many submissions" not in response.content.decode()


def test_scripts_still_get_the_api_reasons(form_source):
    response = Client().post(url(form_source), {}, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]
