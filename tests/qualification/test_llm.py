"""The optional LLM extractor against a real HTTP server on 127.0.0.1 (no mocks of the client)."""

import json
import socket

import pytest

from qualification.llm import LlmExtraction, LlmUnavailable, extract, llm_enabled
from tests.fake_http import FakeServer

# The fake server listens on 127.0.0.1, which outbound calls refuse unless allowed.
pytestmark = pytest.mark.usefixtures("outbound_to_fake_server")

TYPES = ["injury", "divorce", "estate"]


def completion(content):
    """An OpenAI-style chat-completions answer carrying `content`."""
    if not isinstance(content, str):
        content = json.dumps(content)
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
    }


@pytest.fixture(scope="module")
def shared_server():
    # One server for the module: each one takes half a second to shut down.
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def server(shared_server, settings):
    shared_server.replies.clear()
    shared_server.requests.clear()
    settings.QUALIFICATION_LLM_URL = f"{shared_server.url}/v1"
    settings.QUALIFICATION_LLM_MODEL = "qwen2.5-7b-instruct"
    settings.QUALIFICATION_LLM_API_KEY = ""
    settings.QUALIFICATION_LLM_TIMEOUT = 5
    return shared_server


def test_a_valid_answer_is_extracted(server):
    content = {"request_type": "injury", "urgency": "high", "summary": "  Hurt in a crash.  "}
    server.reply(200, completion(content))
    result = extract("I was hurt in a car crash", request_types=TYPES)
    assert result == LlmExtraction(
        request_type="injury", urgency="high", summary="Hurt in a crash.", raw=content
    )


def test_the_request_carries_model_prompt_and_strict_json_mode(server, settings):
    settings.QUALIFICATION_LLM_URL = f"{server.url}/v1/"  # a trailing slash is fine
    server.reply(200, completion({"request_type": None, "urgency": "low", "summary": "Hi."}))
    extract("x" * 5000, request_types=TYPES, context={"source": "Website", "channel": "form"})
    request = server.requests[0]
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert "authorization" not in request.headers
    payload = json.loads(request.body)
    assert payload["model"] == "qwen2.5-7b-instruct"
    assert payload["temperature"] == 0
    assert payload["response_format"] == {"type": "json_object"}
    system, user = payload["messages"]
    assert system["role"] == "system"
    for allowed in ('"injury"', '"divorce"', '"estate"', '"low"', '"urgent"', "500 characters"):
        assert allowed in system["content"]
    assert user["role"] == "user"
    assert "x" * 4000 in user["content"]
    assert "x" * 4001 not in user["content"]
    assert "[message truncated]" in user["content"]
    assert '"source": "Website"' in user["content"]


def test_the_api_key_travels_as_a_bearer_header(server, settings):
    settings.QUALIFICATION_LLM_API_KEY = "sk-test-123"
    server.reply(200, completion({"request_type": None, "urgency": "normal", "summary": ""}))
    extract("hello", request_types=TYPES)
    assert server.requests[0].headers["authorization"] == "Bearer sk-test-123"
    assert "sk-test-123" not in server.requests[0].path


def test_content_in_a_json_fence_is_accepted(server):
    fenced = '```json\n{"request_type": "Divorce", "urgency": "URGENT", "summary": "Split."}\n```'
    server.reply(200, completion(fenced))
    result = extract("we are separating", request_types=TYPES)
    # Case differences are tolerated and answered in the configured spelling.
    assert (result.request_type, result.urgency, result.summary) == ("divorce", "urgent", "Split.")


def test_a_bare_fence_and_a_missing_request_type_are_accepted(server):
    server.reply(200, completion('```\n{"urgency": "normal", "summary": "A question."}\n```'))
    result = extract("a question", request_types=TYPES)
    assert result.request_type is None
    assert result.raw == {"urgency": "normal", "summary": "A question."}


def test_extra_keys_are_ignored(server):
    content = {"request_type": "", "urgency": "low", "summary": "s", "confidence": 0.4}
    server.reply(200, completion(content))
    result = extract("hi", request_types=TYPES)
    assert result.request_type is None
    assert result.raw["confidence"] == 0.4


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("Sure! The urgency is high.", "content is not JSON: 'Sure! The urgency is high.'"),
        ("[1, 2]", "content is not a JSON object: '[1, 2]'"),
        (
            {"request_type": None, "urgency": "asap", "summary": "s"},
            "urgency 'asap' is not one of low, normal, high, urgent",
        ),
        (
            {"request_type": None, "urgency": 3, "summary": "s"},
            "urgency 3 is not one of low, normal, high, urgent",
        ),
        ({"request_type": None, "summary": "s"}, "urgency is missing"),
        (
            {"request_type": "tax", "urgency": "low", "summary": "s"},
            "request_type 'tax' is not one of injury, divorce, estate (or null)",
        ),
        (
            {"request_type": ["injury"], "urgency": "low", "summary": "s"},
            "request_type ['injury'] is not one of injury, divorce, estate (or null)",
        ),
        (
            {"request_type": None, "urgency": "low", "summary": "x" * 501},
            "summary is 501 characters (at most 500)",
        ),
        ({"request_type": None, "urgency": "low", "summary": 5}, "summary is not text: 5"),
        ({"request_type": None, "urgency": "low"}, "summary is missing"),
    ],
)
def test_answers_that_break_the_schema_are_refused_with_a_specific_reason(server, content, reason):
    server.reply(200, completion(content))
    with pytest.raises(LlmUnavailable) as raised:
        extract("hello", request_types=TYPES)
    assert raised.value.reason == reason
    assert str(raised.value) == reason
    assert raised.value.retryable is False


def test_a_summary_of_500_characters_after_stripping_is_accepted(server):
    summary = "  " + "x" * 500 + "\n"
    server.reply(200, completion({"request_type": None, "urgency": "low", "summary": summary}))
    assert extract("hello", request_types=TYPES).summary == "x" * 500


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"choices": []}, "answer has no choices[0].message.content"),
        ({"error": "overloaded"}, "answer has no choices[0].message.content"),
        ({"choices": [{"message": {"content": None}}]}, "content is not text: null"),
    ],
)
def test_answers_without_content_are_refused(server, answer, reason):
    server.reply(200, answer)
    with pytest.raises(LlmUnavailable) as raised:
        extract("hello", request_types=TYPES)
    assert raised.value.reason.startswith(reason)


def test_an_http_error_says_what_the_server_answered(server):
    server.reply(500, {"error": "model crashed"})
    with pytest.raises(LlmUnavailable) as raised:
        extract("hello", request_types=TYPES)
    assert raised.value.reason == 'answered 500: {"error": "model crashed"}'
    assert raised.value.retryable is True


def test_a_client_error_is_not_worth_retrying(server):
    server.reply(401, {"error": "bad key"})
    with pytest.raises(LlmUnavailable) as raised:
        extract("hello", request_types=TYPES)
    assert raised.value.reason.startswith("answered 401: ")
    assert raised.value.retryable is False


def test_a_body_that_is_not_json_is_refused(server):
    server.replies.clear()
    server.reply(200, raw=b"<html>gateway</html>")
    with pytest.raises(LlmUnavailable) as raised:
        extract("hello", request_types=TYPES)
    assert raised.value.reason.startswith("answered something that is not JSON")


def test_a_slow_server_times_out(server, settings):
    settings.QUALIFICATION_LLM_TIMEOUT = 0.2
    server.reply(
        200, completion({"request_type": None, "urgency": "low", "summary": "s"}), delay=1.0
    )
    with pytest.raises(LlmUnavailable) as raised:
        extract("hello", request_types=TYPES)
    assert raised.value.reason == "timed out after 0.2 s"
    assert raised.value.retryable is True


def test_an_unreachable_server_is_unavailable(settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.QUALIFICATION_LLM_URL = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(LlmUnavailable) as raised:
        extract("hello", request_types=TYPES)
    assert raised.value.reason.startswith("failed: ")
    assert raised.value.retryable is True


def test_a_local_server_needs_the_deployers_allowance_and_the_reason_names_it(server, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    settings.QUALIFICATION_LLM_API_KEY = "sk-test-123"
    requests_before = len(server.requests)

    with pytest.raises(LlmUnavailable) as raised:
        extract("hello", request_types=TYPES)

    assert raised.value.reason.startswith("refused: 127.0.0.1 is a loopback address")
    assert "OUTBOUND_ALLOWED_HOSTS=127.0.0.1" in raised.value.reason
    assert raised.value.retryable is False
    assert len(server.requests) == requests_before


def test_disabled_when_the_url_is_empty(settings):
    settings.QUALIFICATION_LLM_URL = ""
    assert llm_enabled() is False
    with pytest.raises(LlmUnavailable) as raised:
        extract("hello", request_types=TYPES)
    assert raised.value.reason == "disabled (QUALIFICATION_LLM_URL is empty)"


def test_disabled_when_the_settings_do_not_exist(settings):
    for name in ("QUALIFICATION_LLM_URL", "QUALIFICATION_LLM_MODEL", "QUALIFICATION_LLM_API_KEY"):
        if hasattr(settings, name):
            delattr(settings, name)
    assert llm_enabled() is False


def test_enabled_with_a_url(server):
    assert llm_enabled() is True


def test_an_empty_message_is_not_sent(server):
    with pytest.raises(LlmUnavailable) as raised:
        extract("   ", request_types=TYPES)
    assert raised.value.reason == "the lead has no message to read"
    assert server.requests == []


def test_without_request_types_only_null_is_accepted(server):
    server.reply(200, completion({"request_type": "injury", "urgency": "low", "summary": "s"}))
    with pytest.raises(LlmUnavailable) as raised:
        extract("hello", request_types=[])
    assert raised.value.reason == "request_type 'injury' is not one of none (or null)"
