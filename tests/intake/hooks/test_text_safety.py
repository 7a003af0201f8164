"""A NUL (or another character PostgreSQL refuses) in a vendor's delivery id never answers 500.

PostgreSQL refuses NUL in text and jsonb, so an id stored as the vendor sent it failed the
request after the submission was stored, left it `received`, and every vendor retry failed the
same way. Each adapter's delivery id is cleaned like lead text: the delivery is answered as
usual, its lead made, and the vendor's retry recognised as a duplicate.
"""

import json
from urllib.parse import urlencode

import pytest

from intake.models import Lead, Submission, VendorFetch
from tests.intake.hooks.conftest import post_hook, sample
from tests.intake.hooks.test_chat import SECRET as TAWK_SECRET
from tests.intake.hooks.test_chat import post as post_tawk
from tests.intake.hooks.test_chat import tawk
from tests.intake.hooks.test_email import KEY as MAILGUN_KEY
from tests.intake.hooks.test_email import PASSWORD as POSTMARK_PASSWORD
from tests.intake.hooks.test_email import (
    mailgun_email,
    post_mailgun,
    post_postmark,
    postmark_sample,
)
from tests.intake.hooks.test_google_ads import KEY as GOOGLE_KEY
from tests.intake.hooks.test_google_ads import body as google_body
from tests.intake.hooks.test_hubspot import SECRET as HUBSPOT_SECRET
from tests.intake.hooks.test_hubspot import flat, post_v3
from tests.intake.hooks.test_meta import APP_SECRET, signed
from tests.intake.hooks.test_twilio_sms import TOKEN as TWILIO_TOKEN
from tests.intake.hooks.test_twilio_sms import body as twilio_body
from tests.intake.hooks.test_twilio_sms import post_sms
from tests.intake.hooks.test_typeform import SECRET as TYPEFORM_SECRET
from tests.intake.hooks.test_typeform import post as post_typeform

pytestmark = pytest.mark.django_db


def typeform_body(token: str) -> bytes:
    data = json.loads(sample("typeform_form_response.json"))
    data["form_response"]["token"] = token
    return json.dumps(data).encode()


def deliver(client, hook_source, adapter: str) -> tuple:
    """A source for `adapter` and a function that posts one delivery whose id holds a NUL."""
    if adapter == "typeform":
        source = hook_source("typeform", secret=TYPEFORM_SECRET)
        body = typeform_body("a3a1\x002ec6")
        return source, lambda: post_typeform(client, source, body), "a3a12ec6"
    if adapter == "chat":
        source = hook_source("chat", secret=TAWK_SECRET, channel="chat")
        body = tawk(chatId="70fe3290\x00-99ad")
        return source, lambda: post_tawk(client, source, body), "70fe3290-99ad:chat:start"
    if adapter == "google_ads":
        source = hook_source("google_ads", secret=GOOGLE_KEY)
        body = google_body(lead_id="TeSter\x00-123")
        return source, lambda: post_hook(client, source, body), "TeSter-123"
    if adapter == "form":
        source = hook_source("form")  # the form hook needs no secret
        body = b"submissionID=ab%00cd&name=Ann+Lee&email=ann.lee%40gmail.com"
        form = "application/x-www-form-urlencoded"
        return source, lambda: post_hook(client, source, body, form), "abcd"
    if adapter == "twilio_sms":
        source = hook_source("twilio_sms", secret=TWILIO_TOKEN, channel="sms")
        body = twilio_body(MessageSid="SM\x00123")
        return source, lambda: post_sms(client, source, body), "SM123"
    if adapter == "mailgun":
        source = hook_source("email", secret=MAILGUN_KEY, channel="email")
        fields = mailgun_email()
        return source, lambda: post_mailgun(client, source, fields, token="tok\x00en"), "token"
    if adapter == "postmark":
        source = hook_source("email", secret=POSTMARK_PASSWORD, channel="email")
        data = postmark_sample(MessageID="22c7\x004902")
        return source, lambda: post_postmark(client, source, data), "22c74902"
    if adapter == "hubspot":
        source = hook_source("hubspot", secret=HUBSPOT_SECRET)
        body = flat(hs_object_id="5\x001")
        return source, lambda: post_v3(client, source, body), "51:"
    raise AssertionError(adapter)


ADAPTERS = [
    "typeform",
    "chat",
    "google_ads",
    "form",
    "twilio_sms",
    "mailgun",
    "postmark",
    "hubspot",
]


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_nul_in_the_delivery_id_is_answered_normally_and_its_retry_is_a_duplicate(
    client, hook_source, adapter
):
    _, post, expected_id = deliver(client, hook_source, adapter)

    first = post()
    retry = post()

    assert first.status_code in (200, 201), first.content[:300]
    assert retry.status_code == 200, retry.content[:300]
    first_submission, retried = Submission.objects.order_by("pk")
    assert first_submission.status == Submission.Status.PROCESSED
    assert first_submission.delivery_id.startswith(expected_id)
    assert "\x00" not in first_submission.delivery_id
    assert retried.status == Submission.Status.DUPLICATE
    assert retried.lead_id == first_submission.lead_id
    assert Lead.objects.get().touch_count == 1


def test_a_nul_in_a_meta_leadgen_id_queues_one_fetch_of_the_cleaned_id(client, hook_source):
    meta = hook_source("meta", secret=APP_SECRET, access_token="EAAB-page-token")
    data = json.loads(sample("meta_leadgen_webhook.json"))
    data["entry"][0]["changes"][0]["value"]["leadgen_id"] = "1231\x0023123123"
    body = json.dumps(data).encode()

    first = post_hook(client, meta, body, **signed(body))
    retry = post_hook(client, meta, body, **signed(body))

    assert first.status_code == retry.status_code == 200, first.content
    assert VendorFetch.objects.get().vendor_lead_id == "123123123123"
    assert set(Submission.objects.values_list("status", flat=True)) == {"deferred"}


def test_a_nul_in_a_header_name_or_value_is_stored_without_it(client, hook_source):
    source = hook_source("form")
    body = urlencode({"name": "Ann Lee", "email": "ann.lee@gmail.com"}).encode()

    response = post_hook(
        client,
        source,
        body,
        "application/x-www-form-urlencoded",
        HTTP_X_VENDOR_TRACE="abc\x00def",
        **{"HTTP_X_BAD\x00NAME": "yes", "HTTP_X_\x00": "dropped"},
    )

    assert response.status_code == 201, response.content[:300]
    headers = Submission.objects.get().headers
    assert headers["x-vendor-trace"] == "abcdef"
    assert headers["x-badname"] == "yes"
    assert not any("\x00" in name for name in headers)


def test_a_nul_in_a_form_hook_field_name_is_kept_without_it(client, hook_source):
    source = hook_source("form")
    body = b"name=Ann+Lee&email=ann.lee%40gmail.com&fav%00orite=blue&sub%00missionID=z%00"

    response = post_hook(client, source, body, "application/x-www-form-urlencoded")

    assert response.status_code == 201, response.content[:300]
    lead = Lead.objects.get()
    assert lead.attributes["favorite"] == "blue"
    assert "control_characters_removed" in lead.flags
    assert Submission.objects.get().status == Submission.Status.PROCESSED
