"""Bodies sent without Content-Length (Transfer-Encoding: chunked) are read to their end.

Django reads CONTENT_LENGTH bytes of a request, 0 when there is none, so a chunked lead was
stored empty and refused as "is empty". Under a server that ends the input stream with the
body (gunicorn sets wsgi.input_terminated), the doors read it to the end, counting, and refuse
it with 413 once it passes INTAKE_MAX_BODY_BYTES. These tests hand the test client the same
environ gunicorn builds; tests/test_gunicorn_bodies.py sends real chunked requests.
"""

import io
import json
from urllib.parse import urlencode

import pytest

from intake.models import Adapter, Channel, Lead, Submission
from tests.intake.hooks.test_email import KEY as MAILGUN_KEY
from tests.intake.hooks.test_email import mailgun_email, signed

pytestmark = pytest.mark.django_db

LEAD = json.dumps({"full_name": "Ann Lee", "email": "ann.lee@acme-roofing.com"}).encode()


def post_chunked(client, url: str, body: bytes, content_type="application/json", **extra):
    """POST `body` the way gunicorn hands a chunked request to Django: no CONTENT_LENGTH, an
    input stream that ends with the body, wsgi.input_terminated set."""
    environ = {
        "CONTENT_LENGTH": "",
        "CONTENT_TYPE": content_type,
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
    }
    return client.generic("POST", url, b"", **environ, **extra)


@pytest.fixture
def key_header(source):
    return {"HTTP_AUTHORIZATION": f"Bearer {source.raw_key}"}


def test_a_chunked_lead_is_read_stored_and_created(client, key_header):
    response = post_chunked(client, "/api/v1/leads/", LEAD, **key_header)

    assert response.status_code == 201, response.content[:300]
    submission = Submission.objects.get()
    assert bytes(submission.body) == LEAD
    assert submission.status == Submission.Status.PROCESSED
    assert Lead.objects.get().email == "ann.lee@acme-roofing.com"


def test_a_chunked_body_on_a_server_that_cannot_read_it_is_refused_with_the_reason(
    client, key_header
):
    # Django's runserver (wsgiref) passes the chunked framing through without ending the
    # input: with no Content-Length the body would read as empty ("is empty").
    environ = {
        "CONTENT_LENGTH": "",
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(b"2a\r\n" + LEAD + b"\r\n0\r\n\r\n"),
    }

    response = client.generic("POST", "/api/v1/leads/", b"", **environ, **key_header)

    assert response.status_code == 400
    assert "Content-Length" in response.json()["errors"]["body"][0]
    assert "gunicorn" in response.json()["errors"]["body"][0]
    assert response["Connection"] == "close"
    assert not Lead.objects.exists()


def test_a_chunked_body_over_the_limit_is_413_closing_the_connection(client, key_header, settings):
    settings.INTAKE_MAX_BODY_BYTES = 1000
    stream_body = b'{"message": "' + b"x" * 5000 + b'"}'

    response = post_chunked(client, "/api/v1/leads/", stream_body, **key_header)

    assert response.status_code == 413, response.content[:300]
    assert response["Connection"] == "close"
    assert "1000 bytes" in response.json()["errors"]["detail"][0]
    assert not Submission.objects.exists()


def test_a_body_exactly_at_the_limit_is_read(client, key_header, settings):
    settings.INTAKE_MAX_BODY_BYTES = len(LEAD)

    response = post_chunked(client, "/api/v1/leads/", LEAD, **key_header)

    assert response.status_code == 201, response.content[:300]


def test_a_declared_length_over_the_limit_is_413_closing_the_connection(api, settings):
    settings.INTAKE_MAX_BODY_BYTES = 100

    response = api.generic("POST", "/api/v1/leads/", b"x" * 500, content_type="application/json")

    assert response.status_code == 413
    assert response["Connection"] == "close"


def test_a_chunked_form_hook_delivery_is_read(client, make_source):
    source = make_source(name="Zapier", channel=Channel.WEB, adapter=Adapter.FORM)
    body = b"name=Ann+Lee&email=ann.lee%40acme-roofing.com"

    response = post_chunked(
        client, f"/hooks/form/{source.public_id}/", body, "application/x-www-form-urlencoded"
    )

    assert response.status_code == 201, response.content[:300]
    assert bytes(Submission.objects.get().body) == body


def test_a_chunked_mailgun_post_is_verified_from_the_body_read(client, make_source):
    # Mailgun's signature is inside the form fields, read through request.POST.
    source = make_source(
        name="Inbox", channel=Channel.EMAIL, adapter=Adapter.EMAIL, secret=MAILGUN_KEY
    )
    body = urlencode(signed(mailgun_email())).encode()

    response = post_chunked(
        client, f"/hooks/email/{source.public_id}/", body, "application/x-www-form-urlencoded"
    )

    assert response.status_code == 200, response.content[:300]
    assert Lead.objects.get().email == "jane.buyer@gmail.com"


def test_an_oversized_chunked_hook_delivery_is_413_closing_the_connection(
    client, make_source, settings
):
    settings.INTAKE_MAX_BODY_BYTES = 100
    source = make_source(name="Zapier", channel=Channel.WEB, adapter=Adapter.FORM)

    response = post_chunked(client, f"/hooks/form/{source.public_id}/", b"a=" + b"x" * 500)

    assert response.status_code == 413
    assert response["Connection"] == "close"
    assert not Submission.objects.exists()


def test_a_chunked_html_form_post_is_read(client, make_source):
    source = make_source(name="Site", channel=Channel.WEB, adapter=Adapter.FORM)
    body = b"name=Ann+Lee&email=ann.lee%40acme-roofing.com"

    response = post_chunked(
        client, f"/f/{source.public_id}/", body, "application/x-www-form-urlencoded"
    )

    assert response.status_code == 200, response.content[:300]
    assert bytes(Submission.objects.get().body) == body
    assert Lead.objects.get().full_name == "Ann Lee"


def test_an_oversized_chunked_html_form_post_is_413_closing_the_connection(
    client, make_source, settings
):
    settings.INTAKE_MAX_BODY_BYTES = 100
    source = make_source(name="Site", channel=Channel.WEB, adapter=Adapter.FORM)

    response = post_chunked(
        client, f"/f/{source.public_id}/", b"a=" + b"x" * 500, "application/x-www-form-urlencoded"
    )

    assert response.status_code == 413
    assert response["Connection"] == "close"


class BrokenStream:
    """gunicorn's input raises when the chunked framing is broken mid-body."""

    def read(self, size=-1):
        raise ValueError("Invalid chunk size")

    readline = read


@pytest.mark.parametrize("door", ["api", "hook", "form"])
def test_a_body_the_server_cannot_read_is_400_closing_the_connection(client, make_source, door):
    source = make_source(name="Any", channel=Channel.WEB, adapter=Adapter.FORM)
    url = {
        "api": "/api/v1/leads/",
        "hook": f"/hooks/form/{source.public_id}/",
        "form": f"/f/{source.public_id}/",
    }[door]

    response = client.generic(
        "POST",
        url,
        b"",
        CONTENT_LENGTH="",
        CONTENT_TYPE="application/json",
        HTTP_ACCEPT="application/json",
        HTTP_AUTHORIZATION=f"Bearer {source.raw_key}",
        **{"wsgi.input": BrokenStream(), "wsgi.input_terminated": True},
    )

    assert response.status_code == 400, response.content[:300]
    assert "could not be read" in response.json()["errors"]["body"][0]
    assert response["Connection"] == "close"
    assert not Submission.objects.exists()
