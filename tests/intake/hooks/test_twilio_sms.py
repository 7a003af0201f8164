"""Twilio inbound SMS: real logged bodies, signed the way Twilio signs (URL + sorted params)."""

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode

import pytest

from intake.hooks.twilio_sms import compute_signature, url_variants
from intake.models import Channel, Lead, Submission
from tests.intake.hooks.conftest import hook_url, post_hook, sample
from tests.intake.hooks.drivers import absolute_hook_url, twilio_signature

pytestmark = pytest.mark.django_db

TOKEN = "12345"
FORM = "application/x-www-form-urlencoded"
TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'


@pytest.fixture
def twilio(hook_source):
    return hook_source("twilio_sms", secret=TOKEN, channel=Channel.SMS)


def body(name="twilio_inbound_sms.form", **changes) -> bytes:
    params = dict(parse_qsl(sample(name).decode(), keep_blank_values=True))
    params.update(changes)
    return urlencode(params).encode()


def post_sms(client, source, raw: bytes, *, url=None, **extra):
    url = url or absolute_hook_url(source)
    return post_hook(
        client,
        source,
        raw,
        content_type=FORM,
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, raw, TOKEN),
        **extra,
    )


def test_the_signature_matches_twilios_documented_test_vector():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }

    signature = compute_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)

    assert signature == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_the_url_is_also_tried_with_and_without_its_default_port():
    assert url_variants("https://leads.example.net/hooks/x/") == [
        "https://leads.example.net/hooks/x/",
        "https://leads.example.net:443/hooks/x/",
    ]
    assert url_variants("http://leads.example.net:80/hooks/x/?a=1") == [
        "http://leads.example.net:80/hooks/x/?a=1",
        "http://leads.example.net/hooks/x/?a=1",
    ]
    # A port that is not the scheme's default is part of the URL Twilio called.
    assert url_variants("https://leads.example.net:8443/h/") == [
        "https://leads.example.net:8443/h/"
    ]


def test_the_documented_sms_becomes_a_lead_with_the_callers_geo_kept_apart(client, twilio):
    response = post_sms(client, twilio, body())

    assert response.status_code == 200, response.content
    assert response.content == TWIML
    assert response["Content-Type"].startswith("text/xml")
    lead = Lead.objects.get()
    assert lead.phone_e164 == "+19253920364"
    assert lead.message == "twilio-go testing!"
    assert lead.channel == Channel.SMS
    assert lead.attributes["tracking_number"] == "+19253920364"
    assert lead.attributes["message_sid"] == "SM1521fa559fb923c1ed64f56cd1bed8ef"
    assert lead.attributes["from_city"] == "BRENTWOOD"
    assert lead.attributes["from_zip"] == "94514"
    assert lead.attributes["num_media"] == "0"
    # Where the number is registered is not where the person lives.
    assert lead.postal_code == ""
    # Each text is a touch of the person, not a vendor lead of its own.
    assert lead.external_id == ""
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.PROCESSED
    assert submission.delivery_id == "SM1521fa559fb923c1ed64f56cd1bed8ef"


def test_two_texts_from_one_number_are_one_lead_with_two_touches(client, twilio):
    first = post_sms(client, twilio, body())
    second = post_sms(
        client,
        twilio,
        body(MessageSid="SM" + "2" * 32, SmsSid="SM" + "2" * 32, Body="Still there?"),
    )

    assert (first.status_code, second.status_code) == (200, 200)
    lead = Lead.objects.get()
    assert lead.touch_count == 2
    assert Submission.objects.filter(status=Submission.Status.MERGED).count() == 1


def test_a_picture_message_keeps_its_media_urls(client, twilio):
    raw = body(
        NumMedia="2",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
        MediaUrl1="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
        MediaContentType1="image/png",
    )

    response = post_sms(client, twilio, raw)

    assert response.status_code == 200
    attributes = Lead.objects.get().attributes
    assert attributes["num_media"] == "2"
    assert attributes["MediaUrl1"].endswith("/ME2")
    assert attributes["MediaContentType0"] == "image/jpeg"


def test_the_second_documented_sms_is_read_too(client, twilio):
    response = post_sms(client, twilio, body("twilio_inbound_sms_2.form"))

    assert response.status_code == 200
    lead = Lead.objects.get()
    assert lead.phone_e164 == "+17067815146"
    assert lead.message == "Blah blah"
    assert lead.attributes["from_state"] == "GA"


def test_an_https_url_signed_with_its_default_port_is_accepted(client, twilio):
    url = "https://testserver:443" + hook_url(twilio)

    response = post_sms(client, twilio, body(), url=url, secure=True)

    assert response.status_code == 200, response.content


def test_an_http_url_signed_with_port_80_is_accepted(client, twilio):
    url = "http://testserver:80" + hook_url(twilio)

    assert post_sms(client, twilio, body(), url=url).status_code == 200


def test_a_signature_for_another_url_is_401(client, twilio):
    url = "https://elsewhere.example.net" + hook_url(twilio)

    assert post_sms(client, twilio, body(), url=url).status_code == 401


def test_a_whatsapp_sender_is_read_as_its_phone_number(client, twilio):
    response = post_sms(client, twilio, body(From="whatsapp:+14155238886"))

    assert response.status_code == 200
    lead = Lead.objects.get()
    assert lead.phone_e164 == "+14155238886"
    assert lead.attributes["twilio_channel"] == "whatsapp"


def test_a_body_without_a_sender_is_400_naming_from_never_500(client, twilio):
    raw = body()
    params = dict(parse_qsl(raw.decode()))
    del params["From"]

    response = post_sms(client, twilio, urlencode(params).encode())

    assert response.status_code == 400
    assert "From" in response.json()["errors"]
    assert Submission.objects.get().status == Submission.Status.INVALID


def test_a_body_that_is_not_utf8_is_400_never_500(client, twilio):
    raw = b"From=%2B19253920364&Body=\xff\xfe"
    url = absolute_hook_url(twilio)
    signature = base64.b64encode(
        hmac.new(TOKEN.encode(), url.encode(), hashlib.sha1).digest()
    ).decode()

    response = post_hook(client, twilio, raw, content_type=FORM, HTTP_X_TWILIO_SIGNATURE=signature)

    assert response.status_code == 400
    assert "body" in response.json()["errors"]
