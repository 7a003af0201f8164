"""The optional LLM extractor inside qualification, against a real server on 127.0.0.1: it
decides what the local models were unsure of, and when it fails the event says so."""

import json

import pytest

from intake.models import Lead
from tests.conftest import post_lead
from tests.fake_http import FakeServer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbound_to_fake_server")]

UNSURE = {"full_name": "Ann Lee", "email": "ann@gmail.com", "message": "Water in my basement!"}


def completion(content) -> dict:
    text = content if isinstance(content, str) else json.dumps(content)
    return {"choices": [{"message": {"role": "assistant", "content": text}}]}


@pytest.fixture
def llm(settings):
    with FakeServer() as server:
        settings.QUALIFICATION_LLM_URL = f"{server.url}/v1"
        settings.QUALIFICATION_LLM_MODEL = "local-model"
        settings.QUALIFICATION_LLM_TIMEOUT = 0.5
        yield server


def qualified_event(lead_id: int) -> str:
    return Lead.objects.get(pk=lead_id).events.get(kind="qualified").message


def test_a_valid_answer_decides_what_the_rules_could_not(api, llm, signal):
    signal(
        "Known types",
        {"field": "message", "op": "contains_any", "value": ["zzz"]},
        set_request_type="home",
    )
    llm.reply(
        200,
        completion({"request_type": "home", "urgency": "urgent", "summary": "Flooded basement."}),
    )

    response = post_lead(api, UNSURE)

    qualification = response.json()["qualification"]
    assert (qualification["request_type"], qualification["urgency"]) == ("home", "urgent")
    assert qualification["summary"] == "Flooded basement."
    assert any(text.endswith("(LLM)") for text in qualification["reasons"])
    assert "LLM extractor answered" in qualified_event(response.json()["id"])
    sent = json.loads(llm.requests[0].body)
    assert sent["model"] == "local-model" and "Water in my basement" in json.dumps(sent["messages"])


def test_invalid_json_leaves_the_decision_to_the_local_models_and_says_so(api, llm):
    llm.reply(200, completion("I think it's a home claim"))

    response = post_lead(api, UNSURE)

    qualification = response.json()["qualification"]
    assert qualification["request_type"] == ""
    assert qualification["needs_review"] is True
    assert "LLM extractor unavailable (content is not JSON" in qualified_event(
        response.json()["id"]
    )


def test_a_timeout_leaves_the_decision_to_the_local_models_and_says_so(api, llm):
    llm.reply(200, completion({"request_type": None, "urgency": "low", "summary": "x"}), delay=1.5)

    response = post_lead(api, UNSURE)

    assert response.status_code == 201
    assert "timed out" in qualified_event(response.json()["id"])


def test_a_confident_lead_never_calls_the_llm(api, llm):
    post_lead(api, {**UNSURE, "request_type": "home"})

    assert llm.requests == []
