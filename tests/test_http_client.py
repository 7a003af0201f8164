"""The outbound HTTP client against a real server on 127.0.0.1."""

import pytest

from leadrouter.http_client import HttpError, get_json, post, post_json
from tests.fake_http import FakeServer


def test_a_json_answer_is_decoded_and_the_credential_travels_in_a_header():
    with FakeServer() as server:
        server.reply(200, {"id": "42"})
        answer = get_json(
            f"{server.url}/v21.0/42", params={"fields": "id"}, headers={"Authorization": "Bearer t"}
        )
    assert answer == {"id": "42"}
    assert server.requests[0].path == "/v21.0/42?fields=id"
    assert server.requests[0].headers["authorization"] == "Bearer t"


def test_a_post_sends_json():
    with FakeServer() as server:
        server.reply(201, {"ok": True})
        assert post_json(f"{server.url}/x", {"a": 1}) == {"ok": True}
    assert server.requests[0].body == b'{"a": 1}'
    assert server.requests[0].headers["content-type"] == "application/json"


def test_a_plain_post_returns_an_answer_that_is_not_json_as_it_came():
    with FakeServer() as server:
        server.reply(200, raw=b"ok")
        assert post(f"{server.url}/hook", {"text": "hi"}) == b"ok"
    assert server.requests[0].body == b'{"text": "hi"}'


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (400, False), (404, False)]
)
def test_errors_say_whether_a_retry_can_help(status, retryable):
    with FakeServer() as server:
        server.reply(status, {"error": {"message": "nope"}})
        with pytest.raises(HttpError) as caught:
            get_json(f"{server.url}/x")
    assert caught.value.status == status
    assert caught.value.retryable is retryable
    assert str(status) in str(caught.value)


def test_a_slow_server_times_out_as_retryable():
    with FakeServer() as server:
        server.reply(200, {}, delay=1.0)
        with pytest.raises(HttpError) as caught:
            get_json(f"{server.url}/slow", timeout=0.2)
    assert caught.value.retryable
    assert "timed out" in str(caught.value)


def test_an_answer_that_is_not_json_is_an_error_that_a_retry_will_not_fix():
    with FakeServer() as server:
        server.reply(200, raw=b"<html>oops</html>")
        with pytest.raises(HttpError) as caught:
            get_json(f"{server.url}/x")
    assert not caught.value.retryable


def test_a_refused_connection_is_retryable():
    with FakeServer() as server:
        url = server.url
    with pytest.raises(HttpError) as caught:
        get_json(f"{url}/gone", timeout=1)
    assert caught.value.retryable


def test_error_messages_leave_query_strings_out():
    with FakeServer() as server:
        server.reply(500, {})
        with pytest.raises(HttpError) as caught:
            get_json(f"{server.url}/x", params={"access_token": "SECRET"})
    assert "SECRET" not in str(caught.value)
