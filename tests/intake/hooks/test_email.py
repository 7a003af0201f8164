"""Inbound email: Mailgun route posts (signed) and Postmark inbound webhooks (basic auth), with
the documented sample bodies, and vendor lead notifications whose labels become the lead."""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from intake.models import Channel, Lead, Submission
from tests.intake.hooks.conftest import post_hook, sample
from tests.intake.hooks.drivers import basic_auth, mailgun_signed

pytestmark = pytest.mark.django_db

# django-anymail's test signing key, under which the documented Mailgun sample is signed.
KEY = "TEST_WEBHOOK_SIGNING_KEY"
PASSWORD = "postmark-inbound-secret"
FORM = "application/x-www-form-urlencoded"
SAMPLE_TIME = datetime(2016, 4, 21, 17, 57, tzinfo=UTC)  # two minutes after its timestamp

ZILLOW_TEXT = """\
New Contact

Jane Buyer is requesting information about 123 Main St, Austin, TX 78701.

Name: Jane Buyer
Email: jane.buyer@gmail.com
Phone: (512) 555-0134

Message:
I would like to schedule a tour this weekend.

View in your inbox: https://premieragent.zillow.com/crm/inbox/12345
"""


@pytest.fixture
def mailbox(hook_source):
    return hook_source("email", secret=KEY, channel=Channel.EMAIL, name="Leads inbox")


@pytest.fixture
def postmark(hook_source):
    return hook_source("email", secret=PASSWORD, channel=Channel.EMAIL, name="Postmark inbox")


def signed(fields: dict, *, token="a" * 50) -> dict:
    return mailgun_signed(fields, KEY, token=token)


def mailgun_email(**changes) -> dict:
    fields = {
        "recipient": "leads@inbound.realty.example",
        "sender": "bounce@zillow.example",
        "from": "Zillow <noreply@zillow.example>",
        "subject": "New Contact: 123 Main St",
        "body-plain": ZILLOW_TEXT,
        "stripped-text": ZILLOW_TEXT,
        "message-headers": json.dumps([["Message-Id", "<abc@zillow.example>"]]),
    }
    fields.update(changes)
    return fields


def post_mailgun(client, source, fields: dict, **signing):
    return post_hook(client, source, urlencode(signed(fields, **signing)).encode(), FORM)


def post_postmark(client, source, data, *, password=PASSWORD, **headers):
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    if password is not None:
        headers["HTTP_AUTHORIZATION"] = basic_auth(password)
    return post_hook(client, source, raw, "application/json", **headers)


def postmark_sample(**changes) -> dict:
    data = json.loads(sample("postmark_inbound.json"))
    data.update(changes)
    return data


# --- Mailgun ---------------------------------------------------------------------------------


def test_the_documented_mailgun_post_makes_a_lead_of_its_sender(client, mailbox, time_machine):
    time_machine.move_to(SAMPLE_TIME)

    response = post_hook(client, mailbox, sample("mailgun_inbound_route.form"), FORM)

    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True
    lead = Lead.objects.get()
    assert response.json()["lead"] == lead.pk
    assert lead.full_name == "Displayed From"
    assert lead.email == "from+test@example.org"
    assert lead.message == "Test subject\n\nstripped plaintext body"
    assert lead.channel == Channel.EMAIL
    assert lead.attributes["subject"] == "Test subject"
    assert lead.attributes["email_to"] == "test@inbound.example.com"
    assert lead.attributes["email_message_id"] == "<CAEPk3R+4Zr@mail.example.org>"
    # example.org is reserved for testing.
    assert lead.is_test and "test" in lead.flags
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.PROCESSED
    assert submission.delivery_id == "06c96bafc3f42a66b9edd546347a2fe18dc23461fe80dc52f0"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("signature", "3e24f71c7e802be94c5abca2fd6ca6957cca2e1e2396d26716b87e1ca8c56635"),
        ("token", "06c96bafc3f42a66b9edd546347a2fe18dc23461fe80dc52f1"),
        ("timestamp", "1461261331"),
    ],
)
def test_a_tampered_signature_is_401_and_the_delivery_is_kept_rejected(
    client, mailbox, time_machine, field, value
):
    time_machine.move_to(SAMPLE_TIME)
    params = dict(parse_qsl(sample("mailgun_inbound_route.form").decode()))
    params[field] = value

    response = post_hook(client, mailbox, urlencode(params).encode(), FORM)

    assert response.status_code == 401
    assert "signature" in response.json()["errors"]["signature"][0]
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.REJECTED
    assert submission.lead is None
    assert not Lead.objects.exists()


def test_a_correctly_signed_but_stale_post_is_401(client, mailbox):
    # The documented sample is signed in 2016: replaying it now is refused.
    response = post_hook(client, mailbox, sample("mailgun_inbound_route.form"), FORM)

    assert response.status_code == 401
    assert "old" in response.json()["errors"]["signature"][0]
    assert not Lead.objects.exists()


def test_a_replayed_signature_cannot_carry_another_email(client, mailbox):
    # Mailgun signs only timestamp + token, so a captured signature is reusable on any body
    # for a few minutes; the token, once used, makes that a retry of the first delivery.
    post_mailgun(client, mailbox, mailgun_email(), token="t" * 50)
    forged = mailgun_email(**{"body-plain": "Name: Mallory\nEmail: mallory@evil.example"})
    response = post_mailgun(client, mailbox, forged, token="t" * 50)

    assert response.status_code == 200
    assert Lead.objects.get().email == "jane.buyer@gmail.com"


def test_a_vendor_notification_becomes_the_lead_it_describes(client, mailbox):
    response = post_mailgun(
        client, mailbox, mailgun_email(recipient="leads+zillow@inbound.realty.example")
    )

    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert lead.full_name == "Jane Buyer"
    assert lead.email == "jane.buyer@gmail.com"
    assert lead.phone_e164 == "+15125550134"
    assert lead.message == "I would like to schedule a tour this weekend."
    assert lead.attributes["email_from"] == "noreply@zillow.example"
    assert lead.attributes["email_from_name"] == "Zillow"
    assert lead.attributes["subject"] == "New Contact: 123 Main St"
    assert lead.attributes["mailbox_tag"] == "zillow"
    assert (
        lead.attributes["View in your inbox"] == "https://premieragent.zillow.com/crm/inbox/12345"
    )
    assert not lead.is_test


def test_a_multipart_post_with_an_attachment_is_read(client, mailbox):
    fields = signed(mailgun_email(**{"attachment-count": "1"}))
    fields["attachment-1"] = _file("listing.pdf", b"%PDF-1.4 ...")

    response = post_hook(
        client, mailbox, encode_multipart(BOUNDARY, fields), content_type=MULTIPART_CONTENT
    )

    assert response.status_code == 200, response.content
    assert Lead.objects.get().email == "jane.buyer@gmail.com"


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_a_persons_own_email_makes_them_the_lead_even_with_a_phone_in_the_signature(
    client, mailbox
):
    text = "Hi, could you call me about refinancing?\n\nThanks,\nMaria Lopez\nPhone: 555 201 3344"
    fields = mailgun_email(
        **{"from": "Maria Lopez <maria.lopez@gmail.com>", "body-plain": text, "stripped-text": ""}
    )

    response = post_mailgun(client, mailbox, fields)

    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert (lead.full_name, lead.email) == ("Maria Lopez", "maria.lopez@gmail.com")
    assert lead.message.startswith("New Contact: 123 Main St\n\nHi, could you call me")
    assert "email_from" not in lead.attributes


def test_an_encoded_sender_name_and_subject_are_decoded(client, mailbox):
    fields = mailgun_email(
        **{
            "from": "=?UTF-8?B?Sm9zw6kgR2FyY8OtYQ==?= <jose.garcia@gmail.com>",
            "subject": "=?UTF-8?Q?Cotizaci=C3=B3n?=",
            "body-plain": "Hola, necesito una cotización.",
            "stripped-text": "",
        }
    )

    response = post_mailgun(client, mailbox, fields)

    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert lead.full_name == "José García"
    assert lead.message == "Cotización\n\nHola, necesito una cotización."


def test_a_notification_listing_an_example_com_email_is_a_test_lead(client, mailbox):
    text = "Name: Test Lead\nEmail: test@example.com\nPhone: 555 010 9999"
    response = post_mailgun(client, mailbox, mailgun_email(**{"body-plain": text}))

    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert lead.email == "test@example.com"
    assert lead.is_test and "test" in lead.flags


def test_a_broken_multipart_body_is_400_never_500(client, mailbox):
    response = post_hook(
        client, mailbox, b"--nope\r\nContent-Disposition: form-data", "multipart/form-data"
    )

    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    assert Submission.objects.get().status == Submission.Status.REJECTED


def test_a_body_that_is_not_an_email_at_all_is_406_so_mailgun_stops_retrying(client, mailbox):
    response = post_hook(client, mailbox, b"hello", "text/plain")

    assert response.status_code == 406
    assert "content_type" in response.json()["errors"]
    assert Submission.objects.get().status == Submission.Status.REJECTED


def test_a_signed_post_without_any_email_in_it_is_400_naming_the_body(client, mailbox):
    response = post_mailgun(client, mailbox, {"recipient": "leads@inbound.realty.example"})

    assert response.status_code == 400
    assert "not a Mailgun inbound email" in response.json()["errors"]["body"][0]
    assert Submission.objects.get().status == Submission.Status.INVALID


# --- Postmark --------------------------------------------------------------------------------


def test_the_documented_postmark_post_with_the_right_password_makes_a_lead(client, postmark):
    response = post_postmark(client, postmark, sample("postmark_inbound.json"))

    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert lead.full_name == "Displayed From"
    assert lead.email == "from+test@example.org"
    assert lead.message == "Test subject\n\nstripped plaintext body"
    assert lead.attributes["email_to"] == "test@inbound.example.com"
    assert lead.attributes["email_message_id"] == "22c74902-a0c1-4511-804f2-341342852c90"
    # FromFull.MailboxHash is the sender's own tag, not the inbox's.
    assert "mailbox_tag" not in lead.attributes
    submission = Submission.objects.get()
    assert submission.delivery_id == "22c74902-a0c1-4511-804f2-341342852c90"
    assert "authorization" not in submission.headers


@pytest.mark.parametrize(
    "authorization",
    ["Basic not-base64!", "Bearer " + PASSWORD, basic_auth(PASSWORD)[:-4]],
)
def test_a_malformed_basic_auth_header_is_401_asking_for_basic_auth(
    client, postmark, authorization
):
    response = post_postmark(
        client,
        postmark,
        sample("postmark_inbound.json"),
        password=None,
        HTTP_AUTHORIZATION=authorization,
    )

    assert response.status_code == 401
    assert "basic-auth" in response.json()["errors"]["authorization"][0]
    assert response["WWW-Authenticate"].startswith("Basic")
    assert Submission.objects.get().status == Submission.Status.REJECTED
    assert not Lead.objects.exists()


def test_any_username_goes_with_the_password(client, postmark):
    response = post_postmark(
        client,
        postmark,
        sample("postmark_inbound.json"),
        password=None,
        HTTP_AUTHORIZATION=basic_auth(PASSWORD, user="anything-at-all"),
    )

    assert response.status_code == 200


def test_an_html_only_notification_with_a_mailbox_hash_is_read_from_its_table(client, postmark):
    html = (
        "<table><tr><td><b>First Name:</b></td><td>Carlos</td></tr>"
        "<tr><td><b>Last Name:</b></td><td>Mendez</td></tr>"
        "<tr><td><b>Email:</b></td><td>carlos.m@yahoo.com</td></tr>"
        "<tr><td><b>Phone:</b></td><td>303&nbsp;555&nbsp;0199</td></tr>"
        "<tr><td><b>Lead ID:</b></td><td>RDC-778120</td></tr>"
        "<tr><td><b>Loan Type:</b></td><td>FHA</td></tr></table>"
    )
    data = postmark_sample(
        FromFull={"Email": "leads@realtor.example", "Name": "Realtor.com", "MailboxHash": ""},
        Subject="New buyer lead",
        TextBody="",
        StrippedTextReply="",
        HtmlBody=html,
        MailboxHash="realtor",
        MessageID="rdc-1",
    )

    response = post_postmark(client, postmark, data)

    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Carlos", "Mendez")
    assert lead.email == "carlos.m@yahoo.com"
    assert lead.phone_e164 == "+13035550199"
    assert lead.external_id == "RDC-778120"
    assert lead.attributes["mailbox_tag"] == "realtor"
    assert lead.attributes["email_from"] == "leads@realtor.example"
    assert lead.attributes["Loan Type"] == "FHA"


def test_a_source_field_map_can_place_a_vendor_label(client, hook_source):
    source = hook_source(
        "email",
        secret=PASSWORD,
        channel=Channel.EMAIL,
        field_map={"Loan Purpose": "request_type"},
    )
    text = "Borrower Name - Priya Natarajan\nEmail - priya.n@outlook.com\nLoan Purpose - Refinance"
    data = postmark_sample(TextBody=text, MessageID="lt-1")

    response = post_postmark(client, source, data)

    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert lead.request_type == "Refinance"
    assert "Loan Purpose" not in lead.attributes


@pytest.mark.parametrize(
    ("raw", "field", "reason"),
    [
        (b'{"Subject": "x",}', "body", "not valid JSON"),
        (b'["not", "an", "object"]', "body", "must be a JSON object"),
        (json.dumps({"FromFull": "jane@example.org"}).encode(), "FromFull", "must be an object"),
        (json.dumps({"FromFull": {"Email": 5}}).encode(), "FromFull.Email", "string"),
        (json.dumps({"TextBody": 42, "From": "a@b.example"}).encode(), "TextBody", "string"),
        (json.dumps({"ToFull": "x", "From": "a@b.example"}).encode(), "ToFull", "list"),
        (json.dumps({"MessageID": "m"}).encode(), "body", "not a Postmark inbound email"),
    ],
)
def test_a_malformed_postmark_body_is_400_naming_the_field_never_500(
    client, postmark, raw, field, reason
):
    response = post_postmark(client, postmark, raw)

    assert response.status_code == 400, response.content
    assert reason in response.json()["errors"][field][0]
    assert Submission.objects.get().status == Submission.Status.INVALID
    assert not Lead.objects.exists()
