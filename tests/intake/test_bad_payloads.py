"""No payload of any shape, size or encoding produces a 500; each bad one gets a clear reason."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake import services
from intake.models import Lead, Submission
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

CORPUS = [
    (b"", "body"),
    (b"   ", "body"),
    (b"null", "body"),
    (b"[]", "body"),
    (b'"a string"', "body"),
    (b"42", "body"),
    (b"{", "body"),
    (b"{'single': 'quotes'}", "body"),
    (b'{"email": "a@b.com",}', "body"),
    (b"\xff\xfe\x00\x00garbage", "body"),
    (b'{"phone": NaN}', "body"),
    (b'{"phone": Infinity}', "body"),
    (b'{"phone": 1e999}', "body"),
    (b'{"phone": ' + b"9" * 5000 + b"}", "body"),
    (b"[" * 100_000 + b"]" * 100_000, "body"),
    (b'{"attributes": ' + b'{"a": ' * 50 + b"1" + b"}" * 50 + b"}", "attributes"),
    (json.dumps({"email": {"nested": "object"}}).encode(), "email"),
    (json.dumps({"email": True}).encode(), "email"),
    (json.dumps({"first_name": "x" * 100_000}).encode(), "first_name"),
    (json.dumps({"attributes": [1, 2, 3]}).encode(), "attributes"),
    (json.dumps({"attributes": {str(i): i for i in range(500)}}).encode(), "attributes"),
    (json.dumps({"utm_source": "google"}).encode(), "non_field_errors"),
    (json.dumps({}).encode(), "non_field_errors"),
]


@pytest.mark.parametrize(("body", "field"), CORPUS, ids=range(len(CORPUS)))
def test_bad_payloads_get_400_naming_the_field_and_are_kept(api, body, field):
    response = post_lead(api, body)

    assert response.status_code == 400, response.content[:300]
    errors = response.json()["errors"]
    assert field in errors or any(key.startswith(field) for key in errors), errors
    assert all(reason for reasons in errors.values() for reason in reasons)
    submission = Submission.objects.get(pk=response.json()["submission"])
    assert bytes(submission.body) == body  # kept exactly as it arrived
    assert submission.status == Submission.Status.INVALID


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x"]
)
def test_a_wrong_content_type_is_400(api, content_type):
    response = post_lead(api, b'{"email": "a@gmail.com"}', content_type=content_type)

    assert response.status_code == 400
    assert "content_type" in response.json()["errors"]


def test_control_characters_and_lone_surrogates_are_removed_and_flagged(api):
    body = (
        '{"full_name": "Ann\\u0000 Lee\\u0007", "message": "hi\\ud800 there", '
        '"attributes": {"note\\u0000": "x\\u0000y"}}'
    )
    response = post_lead(api, body.encode())

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert lead.full_name == "Ann Lee"
    assert lead.message == "hi there"
    assert lead.attributes == {"note": "xy"}
    assert "control_characters_removed" in lead.flags


def test_numbers_are_accepted_for_text_fields(api):
    response = post_lead(api, {"phone": 5125550134, "postal_code": 78701, "full_name": "Ann"})

    assert response.status_code == 201
    assert response.json()["postal_code"] == "78701"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "first_name",
        "full_name",
        "email",
        "phone",
        "postal_code",
        "state",
        "message",
        "attributes",
        "external_id",
        "country",
        "whatever",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.dictionaries(field_names, json_values, max_size=6))
def test_no_json_object_produces_a_server_error(api, payload):
    response = post_lead(api, json.dumps(payload))

    assert response.status_code in (200, 201, 400), response.content[:500]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300))
def test_no_bytes_produce_a_server_error(api, body):
    assert post_lead(api, body).status_code in (200, 201, 400)


def test_a_nul_in_an_attribute_key_alone_is_removed_and_flagged(api):
    response = post_lead(api, {"full_name": "Ann Lee", "attributes": {"roof\u0000": "tile"}})

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert lead.attributes == {"roof": "tile"}
    assert "control_characters_removed" in lead.flags
    assert Submission.objects.get().status == Submission.Status.PROCESSED


def test_a_nul_in_a_header_name_or_value_is_stored_without_it(api):
    response = post_lead(
        api,
        {"full_name": "Ann Lee"},
        HTTP_USER_AGENT="bot\x00/1.0\ud800",
        **{"HTTP_X_TRACE\x00ID": "t-1"},
    )

    assert response.status_code == 201, response.content
    headers = Submission.objects.get().headers
    assert headers["user-agent"] == "bot/1.0"
    assert headers["x-traceid"] == "t-1"


def test_errors_and_error_details_that_quote_input_are_stored_without_nul(source):
    # Reasons and tracebacks may quote what the sender sent; jsonb refuses \u0000 in keys
    # as well as values, and text columns refuse NUL.
    submission = services.submission_store(source=source, door="api", body=b"{}")

    services.submission_mark_invalid(
        submission=submission, errors={"attributes.a\x00b": ["bad \x00value\ud800"]}
    )
    services.submission_mark_failed(
        submission=submission, error_detail="Traceback\nValueError: a\x00b"
    )
    assert submission.error_detail == "Traceback\nValueError: ab"
    services.submission_mark_rejected(submission=submission, reason="sig\x00nature")

    submission.refresh_from_db()
    assert submission.errors == {"attributes.ab": ["bad value"]}
    assert submission.error_detail == "signature"
