"""The outbound HTTP client against a real server on 127.0.0.1."""

import logging
import socket
import threading

import pytest

from leadrouter import http_client
from leadrouter.http_client import DestinationNotAllowed, HttpError, get_json, post, post_json
from tests.fake_http import FakeServer

# The fake server listens on 127.0.0.1, which outbound calls refuse unless allowed; the tests
# of that refusal take the allowance away again.
pytestmark = pytest.mark.usefixtures("outbound_to_fake_server")


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


def test_error_messages_leave_user_info_out():
    with FakeServer() as server:
        server.reply(500, {})
        with pytest.raises(HttpError) as caught:
            get_json(server.url.replace("http://", "http://hook:PASSWORD@") + "/x")
    assert "PASSWORD" not in str(caught.value)


@pytest.mark.parametrize("url", ["http://[::1/x", "http://xn--/x", "http:///x"])
def test_a_malformed_url_is_an_error_that_a_retry_will_not_fix(url):
    with pytest.raises(HttpError) as caught:
        post(url, {})
    assert not caught.value.retryable
    assert "not a valid URL" in str(caught.value)


def test_a_call_logs_nothing_of_its_url_at_info(caplog):
    # A Slack webhook's path is its credential: httpx's own "HTTP Request: POST <url>" line
    # would put it in every log.
    with FakeServer() as server, caplog.at_level(logging.INFO):
        server.reply(200, raw=b"ok")
        post(f"{server.url}/services/T000/B000/SECRETPATH", {"text": "hi"})
    assert "SECRETPATH" not in caplog.text


def test_the_default_timeout_is_the_vendor_http_timeout_setting(settings):
    settings.VENDOR_HTTP_TIMEOUT = 0.2
    with FakeServer() as server:
        server.reply(200, {}, delay=1.0)
        with pytest.raises(HttpError) as caught:
            get_json(f"{server.url}/slow")
    assert caught.value.retryable
    assert "timed out after 0.2 s" in str(caught.value)


def test_an_answer_larger_than_the_limit_is_an_error(monkeypatch):
    monkeypatch.setattr(http_client, "MAX_RESPONSE_BYTES", 100)
    with FakeServer() as server:
        server.reply(200, raw=b"x" * 1000)
        with pytest.raises(HttpError) as caught:
            post(f"{server.url}/big", {})
    assert "more than 100 bytes" in str(caught.value)
    assert not caught.value.retryable


# --- redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_so_the_credential_never_reaches_the_other_host(status):
    with FakeServer() as elsewhere, FakeServer() as server:
        server.reply(status, headers={"Location": f"{elsewhere.url}/steal?token=LOCATION-SECRET"})
        elsewhere.reply(200, {"stolen": True})
        with pytest.raises(HttpError) as caught:
            post_json(
                f"{server.url}/v1/chat/completions",
                {"a": 1},
                headers={"Authorization": "Bearer sk-live-key"},
            )

    assert elsewhere.requests == []
    assert len(server.requests) == 1
    assert caught.value.status == status
    assert not caught.value.retryable
    assert f"answered {status}, a redirect" in str(caught.value)
    assert "LOCATION-SECRET" not in str(caught.value)
    assert "steal" not in str(caught.value)


# --- private networks -----------------------------------------------------------------------


@pytest.fixture
def public_only(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("localhost", "a loopback address"),  # a name: judged by what it resolves to
        ("[::1]", "a loopback address"),
        ("[::ffff:127.0.0.1]", "a loopback address"),
    ],
)
def test_a_loopback_target_is_refused_before_anything_is_sent(public_only, host, kind):
    with FakeServer() as server:
        server.reply(200, {})
        port = server.url.rsplit(":", 1)[1]
        with pytest.raises(DestinationNotAllowed) as caught:
            post_json(f"http://{host}:{port}/hook", {"a": 1}, headers={"Authorization": "x"})

    assert server.requests == []
    assert server.connections == 0
    assert not caught.value.retryable
    message = str(caught.value)
    assert kind in message
    assert f"OUTBOUND_ALLOWED_HOSTS={host.strip('[]')}" in message
    assert "OUTBOUND_ALLOW_PRIVATE_NETWORKS=true" in message


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://10.1.2.3/hook", "a private address"),
        ("http://192.168.0.10/hook", "a private address"),
        ("http://172.16.5.4/hook", "a private address"),
        ("http://100.64.0.1/hook", "a non-public address"),
        ("http://0.0.0.0:8080/hook", "an unspecified address"),
        ("http://224.0.0.1/hook", "a multicast address"),
        ("http://240.0.0.1/hook", "a reserved address"),
        ("http://[fe80::1]/hook", "a link-local address"),
        ("http://[fd00::1]/hook", "a private address"),
        ("http://[::]/hook", "an unspecified address"),
        ("http://[ff02::1]/hook", "a multicast address"),
        ("http://[::ffff:169.254.169.254]/hook", "a link-local address"),
        ("http://[2002:a9fe:a9fe::1]/hook", "a link-local address"),  # 6to4 around 169.254.169.254
    ],
)
def test_private_link_local_multicast_reserved_and_unspecified_targets_are_refused(
    public_only, url, kind
):
    with pytest.raises(DestinationNotAllowed) as caught:
        get_json(url, timeout=1)
    assert kind in str(caught.value)
    assert "OUTBOUND_ALLOWED_HOSTS" in str(caught.value)


@pytest.mark.parametrize(
    "allowance",
    [
        {"OUTBOUND_ALLOW_PRIVATE_NETWORKS": True},
        {"OUTBOUND_ALLOWED_HOSTS": ["localhost"]},
        {"OUTBOUND_ALLOWED_HOSTS": ["127.0.0.1"]},
        {"OUTBOUND_ALLOWED_HOSTS": ["127.0.0.0/8", "::1"]},
    ],
)
def test_a_private_target_is_called_when_a_setting_allows_it(public_only, settings, allowance):
    for name, value in allowance.items():
        setattr(settings, name, value)
    with FakeServer() as server:
        server.reply(200, {"ok": True})
        port = server.url.rsplit(":", 1)[1]
        assert get_json(f"http://localhost:{port}/x") == {"ok": True}
    assert server.requests[0].headers["host"] == f"localhost:{port}"


def test_an_allowed_address_is_allowed_in_its_ipv4_mapped_form_too(public_only, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    with pytest.raises(HttpError) as caught:
        get_json("http://[::ffff:127.0.0.1]:9/x", timeout=0.5)
    assert not isinstance(caught.value, DestinationNotAllowed)


def test_the_allowance_names_hosts_not_everything(public_only, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["llm.internal", "10.0.0.0/8"]
    with FakeServer() as server, pytest.raises(DestinationNotAllowed):
        get_json(f"{server.url}/x")
    assert server.requests == []


def _resolving(monkeypatch, name: str, answers: list[str]):
    """Make `name` resolve to answers[0] on the first lookup, answers[1] on the next, …; every
    other name resolves as usual."""
    real = socket.getaddrinfo
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        address = answers[min(len(lookups), len(answers) - 1)]
        lookups.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_a_name_is_connected_to_at_the_address_that_was_checked_and_keeps_its_host_header(
    monkeypatch,
):
    _resolving(monkeypatch, "hooks.example.test", ["127.0.0.1"])
    with FakeServer() as server:
        server.reply(200, {"ok": True})
        port = server.url.rsplit(":", 1)[1]
        assert get_json(f"http://hooks.example.test:{port}/x") == {"ok": True}
    assert server.requests[0].headers["host"] == f"hooks.example.test:{port}"


def test_dns_rebinding_between_check_and_connect_cannot_reach_a_private_address(
    public_only, monkeypatch
):
    # The first answer is public, every later one private: a check that resolved the name and
    # then let the connection resolve it again would end up on 127.0.0.1.
    _resolving(monkeypatch, "rebind.example.test", ["192.0.0.9", "127.0.0.1"])
    with FakeServer() as server:
        server.reply(200, {"ok": True})
        port = server.url.rsplit(":", 1)[1]
        with pytest.raises(HttpError):
            get_json(f"http://rebind.example.test:{port}/x", timeout=0.3)
    assert server.requests == []


# --- one pooled client ----------------------------------------------------------------------


def test_calls_to_one_host_reuse_one_connection():
    with FakeServer() as server:
        server.reply(200, {"n": 1})
        server.reply(200, {"n": 2})
        assert get_json(f"{server.url}/a") == {"n": 1}
        assert get_json(f"{server.url}/b") == {"n": 2}
    assert len(server.requests) == 2
    assert server.connections == 1


def test_threads_share_the_client_safely():
    with FakeServer() as server:
        for n in range(40):
            server.reply(200, {"n": n})
        answers, errors = [], []

        def work():
            try:
                for _ in range(10):
                    answers.append(get_json(f"{server.url}/x")["n"])
            except Exception as exc:  # collected, and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert sorted(answers) == list(range(40))
    assert server.connections <= 4
