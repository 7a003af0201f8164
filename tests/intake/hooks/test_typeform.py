"""Typeform webhook: the documented example response, signed the way Typeform signs."""

import hashlib
import hmac
import json

import pytest

from intake.models import Lead, Submission
from tests.intake.hooks.conftest import post_hook, sample
from tests.intake.hooks.drivers import typeform_signed

pytestmark = pytest.mark.django_db

SECRET = "typeform-webhook-secret"
TOKEN = "a3a12ec67a1365927098a606107fac15"


def post(client, source, body: bytes):
    return post_hook(client, source, body, **typeform_signed(body, SECRET))


def response_body(questions, answers, **response) -> bytes:
    """A form_response with these questions ({id, title, ref, type}) and typed answers."""
    form_response = {
        "form_id": "f1",
        "token": response.pop("token", "tok-1"),
        "definition": {"id": "f1", "title": "Contact us", "fields": questions},
        "answers": answers,
        **response,
    }
    return json.dumps({"event_type": "form_response", "form_response": form_response}).encode()


def question(qid, title, ref="", kind="short_text"):
    return {"id": qid, "title": title, "ref": ref, "type": kind}


def text(qid, value):
    return {"type": "text", "text": value, "field": {"id": qid, "type": "short_text"}}


@pytest.fixture
def typeform(hook_source):
    return hook_source("typeform", secret=SECRET, channel="web")


def test_the_documented_example_becomes_a_test_lead_with_every_answer_kept(client, typeform):
    response = post(client, typeform, sample("typeform_form_response.json"))

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert response.json()["lead"] == lead.pk
    assert lead.first_name == "Laura"
    assert lead.email == "laura@example.com"
    assert lead.is_test and "test" in lead.flags
    assert lead.external_id == TOKEN
    assert lead.channel == "web"
    # Questions that are not contact data are kept under their title, with typed answers.
    assert lead.attributes["Which pictures do you like? You can choose as many as you like."] == [
        "London",
        "Sydney",
    ]
    assert lead.attributes["Which of these cities is your favorite?"] == "London"
    assert lead.attributes["Do you have a favorite city we haven't listed?"] is False
    assert lead.attributes["When did you move to the place where you live?"] == "2005-10-15"
    assert lead.attributes["user_id"] == "abc123456"  # a hidden field
    assert lead.attributes["typeform_score"] == 9
    assert lead.attributes["typeform_variables"] == {"score": 4, "name": "typeform"}
    assert lead.attributes["typeform_form_title"] == "Webhooks example"
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.PROCESSED
    assert submission.delivery_id == TOKEN


def test_questions_are_placed_by_answer_type_ref_and_title(client, typeform):
    body = response_body(
        [
            question("q1", "Your first name?"),
            question("q2", "And your surname?", ref="last_name"),
            question("q3", "Which company do you work for?"),
            question("q4", "Zip code"),
            question("q5", "How can we help?", kind="long_text"),
            question("q6", "Best number to reach you", kind="phone_number"),
            question("q7", "Where should we write?", kind="email"),
            question("q8", "What state are you in?", kind="dropdown"),
            question("q9", "Budget", kind="number"),
        ],
        [
            text("q1", "Ada"),
            text("q2", "Lovelace"),
            text("q3", "Analytical Engines Ltd"),
            text("q4", "10001"),
            text("q5", "We need a quote for 40 seats."),
            {"type": "phone_number", "phone_number": "+12125550147", "field": {"id": "q6"}},
            {"type": "email", "email": "ada@engines.test", "field": {"id": "q7"}},
            {"type": "choice", "choice": {"label": "NY"}, "field": {"id": "q8"}},
            {"type": "number", "number": 5000, "field": {"id": "q9"}},
        ],
        hidden={"utm_source": "newsletter", "utm_campaign": "spring", "landing_page": "/quote"},
    )
    response = post(client, typeform, body)

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Ada", "Lovelace")
    assert lead.company == "Analytical Engines Ltd"
    assert (lead.postal_code, lead.state) == ("10001", "NY")
    assert lead.message == "We need a quote for 40 seats."
    assert lead.phone_e164 == "+12125550147"
    assert lead.email == "ada@engines.test"
    assert (lead.utm_source, lead.utm_campaign, lead.landing_page) == (
        "newsletter",
        "spring",
        "/quote",
    )
    assert lead.attributes["Budget"] == 5000
    assert not lead.is_test


def test_a_yes_no_question_mentioning_email_stays_an_attribute(client, typeform):
    body = response_body(
        [question("q1", "Name"), question("q2", "Email me product updates?", kind="dropdown")],
        [
            text("q1", "Grace Hopper"),
            {"type": "choice", "choice": {"label": "Yes"}, "field": {"id": "q2"}},
        ],
    )
    response = post(client, typeform, body)

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Grace", "Hopper")
    assert lead.email == ""
    assert lead.attributes["Email me product updates?"] == "Yes"


def test_a_signature_in_hex_rather_than_base64_is_401(client, typeform):
    body = sample("typeform_form_response.json")
    hex_digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()

    response = post_hook(client, typeform, body, HTTP_TYPEFORM_SIGNATURE="sha256=" + hex_digest)

    assert response.status_code == 401
    assert not Lead.objects.exists()


def test_a_signed_body_that_is_not_json_is_400_and_kept_invalid(client, typeform):
    response = post(client, typeform, b"form_response=nope")

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["errors"]["body"][0]
    assert Submission.objects.get().status == Submission.Status.INVALID
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"event_type": "form_response"}, "form_response"),
        ({"form_response": "a3a12ec6"}, "form_response"),
        ({"form_response": {"token": "t", "answers": {"text": "Ada"}}}, "form_response.answers"),
        ({"form_response": {"token": "t", "answers": ["Ada"]}}, "form_response.answers[0]"),
        ({"form_response": {"token": "t", "definition": []}}, "form_response.definition"),
        (
            {"form_response": {"token": "t", "definition": {"fields": "x"}}},
            "form_response.definition",
        ),
        ({"form_response": {"token": "t", "answers": [], "hidden": ["x"]}}, "form_response.hidden"),
        ({"form_response": {"answers": []}}, "form_response.token"),
    ],
)
def test_an_unexpected_shape_is_400_naming_the_field_and_kept_invalid(
    client, typeform, data, field
):
    response = post(client, typeform, json.dumps(data).encode())

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Submission.objects.get().status == Submission.Status.INVALID


def test_a_response_with_no_contact_answer_is_kept_and_flagged_uncontactable(client, typeform):
    body = response_body(
        [question("q1", "Rate us", kind="rating")],
        [{"type": "number", "number": 4, "field": {"id": "q1"}}],
    )
    response = post(client, typeform, body)

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert lead.attributes["Rate us"] == 4
    assert "uncontactable" in lead.flags


def test_a_partial_response_and_its_completed_response_are_two_touches_on_one_lead(
    client, typeform
):
    questions = [question("q1", "Name"), question("q2", "Email", kind="email")]
    partial = json.loads(response_body(questions, [text("q1", "Ada Lovelace")]))
    partial["event_type"] = "form_response_partial"
    complete = response_body(
        questions,
        [
            text("q1", "Ada Lovelace"),
            {"type": "email", "email": "ada@engines.test", "field": {"id": "q2"}},
        ],
    )

    assert post(client, typeform, json.dumps(partial).encode()).status_code == 201
    assert post(client, typeform, complete).status_code == 200

    lead = Lead.objects.get()
    assert lead.touch_count == 2
    assert lead.email == "ada@engines.test"
