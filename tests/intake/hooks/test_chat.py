"""Chat door: Tawk.to's documented chat:start event and the generic transcript shape."""

import json

import pytest

from intake.models import Lead, Submission
from tests.intake.hooks.conftest import post_hook, sample
from tests.intake.hooks.drivers import tawk_signed

pytestmark = pytest.mark.django_db

SECRET = "tawk-webhook-secret"
CHAT_ID = "70fe3290-99ad-11e9-a30a-51567162179f"


def post(client, source, body: bytes):
    return post_hook(client, source, body, **tawk_signed(body, SECRET))


def tawk(**changes) -> bytes:
    data = json.loads(sample("tawkto_chat_start.json"))
    data.update(changes)
    return json.dumps(data).encode()


def generic(**data) -> bytes:
    return json.dumps(data).encode()


@pytest.fixture
def chat(hook_source):
    return hook_source("chat", secret=SECRET, channel="chat")


def test_the_documented_chat_start_becomes_a_lead_with_the_visitors_words(client, chat):
    response = post(client, chat, sample("tawkto_chat_start.json"))

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert response.json()["lead"] == lead.pk
    assert (lead.first_name, lead.last_name) == ("John", "Doe")
    assert lead.email == "john@example.com"
    assert (lead.city, lead.country) == ("New York", "US")
    assert lead.message == "Visitor: I need help creating a meme"
    assert lead.external_id == CHAT_ID
    assert lead.channel == "chat"
    assert lead.attributes["chat_property_name"] == "My Website"
    assert lead.attributes["chat_event"] == "chat:start"
    assert lead.is_test and "test" in lead.flags  # example.com
    assert Submission.objects.get().status == Submission.Status.PROCESSED


def test_later_events_of_the_same_chat_merge_into_its_lead_and_fill_what_it_lacked(client, chat):
    post(client, chat, tawk(visitor={"name": "Jo Bloggs"}))
    end = post(
        client,
        chat,
        tawk(event="chat:end", visitor={"name": "Jo Bloggs", "email": "jo@bloggs.test"}),
    )

    assert end.status_code == 200, end.content
    lead = Lead.objects.get()
    assert lead.touch_count == 2
    assert lead.email == "jo@bloggs.test"
    assert list(Submission.objects.order_by("pk").values_list("status", flat=True)) == [
        Submission.Status.PROCESSED,
        Submission.Status.MERGED,
    ]


def test_a_transcript_nested_under_chat_keeps_only_the_visitors_lines(client, chat):
    body = generic(
        event="chat:transcript_created",
        property={"id": "58ca8453b8a7e060cd3b1ecb", "name": "My Website"},
        chat={
            "id": "chat-9",
            "visitor": {"name": "Ada Lovelace", "email": "ada@engines.test"},
            "messages": [
                {"sender": {"t": "v", "n": "Ada Lovelace"}, "type": "msg", "msg": "Hi, pricing?"},
                {"sender": {"t": "a", "n": "Sam"}, "type": "msg", "msg": "Sure, for how many?"},
                {"sender": {"t": "v", "n": "Ada Lovelace"}, "type": "msg", "msg": "40 seats"},
            ],
        },
    )
    response = post(client, chat, body)

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert lead.message == "Visitor: Hi, pricing?\nVisitor: 40 seats"
    assert lead.external_id == "chat-9"
    assert not lead.is_test


def test_the_generic_shape_reads_visitor_messages_and_chat_id(client, chat):
    body = generic(
        chat_id="c-123",
        visitor={"name": "Grace Hopper", "email": "grace@navy.test", "phone": "(212) 555-0147"},
        messages=[
            {"author": "agent", "text": "Hello! How can I help?"},
            {"author": "visitor", "text": "I'd like a demo next week."},
            {"sender": "customer", "text": "Tuesday works."},
        ],
    )
    response = post(client, chat, body)

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Grace", "Hopper")
    assert lead.phone_e164 == "+12125550147"
    assert lead.message == "Visitor: I'd like a demo next week.\nVisitor: Tuesday works."
    assert lead.external_id == "c-123"


def test_a_chat_without_contact_data_is_still_a_lead_flagged_uncontactable(client, chat):
    response = post(client, chat, generic(id=7, messages=[{"sender": "visitor", "text": "Open?"}]))

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert lead.message == "Visitor: Open?"
    assert lead.external_id == "7"
    assert "uncontactable" in lead.flags


def test_a_chat_with_neither_name_nor_message_is_400_and_kept_invalid(client, chat):
    body = generic(id="c-1", messages=[{"sender": "agent", "text": "Anyone there?"}])
    response = post(client, chat, body)

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]
    assert Submission.objects.get().status == Submission.Status.INVALID


def test_a_replayed_generic_transcript_is_a_duplicate_too(client, chat):
    body = generic(id="c-5", visitor={"name": "Ada"}, messages=[{"text": "Hello"}])
    post(client, chat, body)
    replay = post(client, chat, body)

    assert replay.status_code == 200
    assert Lead.objects.get().touch_count == 1


def test_a_signed_body_that_is_not_json_is_400_and_kept_invalid(client, chat):
    response = post(client, chat, b"event=chat:start")

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["errors"]["body"][0]
    assert Submission.objects.get().status == Submission.Status.INVALID


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id": "c", "visitor": "Ada"}, "visitor"),
        ({"id": "c", "messages": {"text": "hi"}}, "messages"),
        ({"id": "c", "messages": ["hi"]}, "messages[0]"),
        ({"id": "c", "message": ["hi"]}, "message"),
        ({"chatId": "c", "chat": "transcript"}, "chat"),
        ({"chat": {"id": "c", "messages": [1]}}, "chat.messages[0]"),
        ({"chatId": "c", "visitor": {"name": "Ada"}, "property": "My Website"}, "property"),
    ],
)
def test_an_unexpected_shape_is_400_naming_the_field_and_kept_invalid(client, chat, data, field):
    response = post(client, chat, json.dumps(data).encode())

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Submission.objects.get().status == Submission.Status.INVALID
