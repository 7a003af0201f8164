"""The OpenAPI document (`/api/schema/`) describes the API as it answers.

Two kinds of test: every documented answer, reached on purpose and checked against the document
(status, content type, body and headers); and a bounded schemathesis run that generates
requests from the document and checks the same things, plus that nothing answers 5xx.
"""

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.config import SchemathesisConfig

from intake import fields
from intake import services as intake_services
from intake.models import Lead, LeadStatus
from leadrouter.api.services import MAX_IDEMPOTENCY_KEY_LENGTH
from routing.models import Rep, Team

# The document is read once, when this module is imported; the database is only needed when a
# test calls the application (each call goes through the WSGI handler, inside the test's
# transaction).
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261130,
        "generation": {
            "deterministic": True,
            "database": "none",
            # NUL in ids and headers is another change's subject (PostgreSQL refuses it).
            "allow-x00": False,
        },
        "operations": [
            {
                # The coverage phase enumerates boundary bodies up front (thousands for this
                # body, minutes at collection); the fuzzing phase generates bodies instead.
                "include-path": "/api/v1/leads/",
                "include-method": "POST",
                "phases": {"coverage": {"enabled": False}},
            }
        ],
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]

GOOD_LEAD = {
    "full_name": "Maria Garcia",
    "email": "maria.garcia@acme-roofing.com",
    "phone": "(512) 555-0134",
    "postal_code": "78701",
    "message": "Need a roof inspection this week",
    "attributes": {"roof": {"type": "tile", "age_years": 12, "storeys": [1, 2]}},
}


@pytest.fixture(autouse=True)
def _one_connection():
    """Keep the test's connection open across requests, as Django's test client does.

    Schemathesis calls the WSGI handler directly, whose request signals would otherwise close
    the connection that holds the test's transaction. (Django's test client reconnects them
    after each request: these tests make every call through schemathesis.)
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(make_source, django_user_model):
    """A source key, a staff user's token, a rep (with no email address) and their token, and
    one lead that went through the whole pipeline."""
    source = make_source()
    staff = django_user_model.objects.create_user("sam", is_staff=True)
    rep_user = django_user_model.objects.create_user("ann", first_name="Ann")
    team = Team.objects.create(name="Austin office", time_zone="America/Chicago", manager=staff)
    Rep.objects.create(user=rep_user, team=team)
    # Through the WSGI handler like every call here (Django's test client would reconnect the
    # signals `_one_connection` disconnects).
    call("/api/v1/leads/", "POST", key=source.raw_key, body=GOOD_LEAD, expected=201)
    return {
        "source": source,
        "source_key": source.raw_key,
        "staff_token": intake_services.api_token_create(username="sam")[1],
        "rep_token": intake_services.api_token_create(username="ann")[1],
        "lead": Lead.objects.get(),
    }


def call(path, method, *, key=None, expected, headers=None, **case):
    """Make one request as documented and check the answer against the document (the
    response's headers have lowercase names and lists of values)."""
    headers = dict(headers or {})
    if key:
        headers["Authorization"] = f"Bearer {key}"
    operation_case = schema[path][method].Case(headers=headers, **case)
    response = operation_case.call_and_validate(checks=CHECKS)
    assert response.status_code in (expected if isinstance(expected, set) else {expected}), (
        response.text
    )
    return response


# --- the request body -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lead_body_is_published_with_every_field_and_limit_from_intake_fields():
    document = APIClient().get("/api/schema/?format=json").json()
    body = document["paths"]["/api/v1/leads/"]["post"]["requestBody"]
    assert body["required"] is True
    ref = body["content"]["application/json"]["schema"]["$ref"]
    lead = document["components"]["schemas"][ref.rsplit("/", 1)[1]]

    assert set(lead["properties"]) == set(fields.LEAD_FIELDS)
    for name, max_length in fields.STRING_FIELDS.items():
        assert lead["properties"][name]["type"] == "string"
        assert lead["properties"][name]["maxLength"] == max_length
    assert lead["properties"]["is_test"]["type"] == "boolean"
    attributes = lead["properties"]["attributes"]
    assert attributes["type"] == "object"
    assert attributes["maxProperties"] == fields.MAX_ATTRIBUTES
    at_least_one = [branch["required"] for branch in lead["anyOf"] if "required" in branch]
    assert at_least_one == [[name] for name in (*fields.IDENTIFYING_FIELDS, "attributes")]
    assert lead["x-lead-field-aliases"]["zip code"] == "postal_code"
    key = document["paths"]["/api/v1/leads/"]["post"]["parameters"][0]
    assert (key["name"], key["schema"]["maxLength"]) == (
        "Idempotency-Key",
        MAX_IDEMPOTENCY_KEY_LENGTH,
    )


@pytest.mark.django_db
def test_attribute_nesting_is_documented_exactly_as_deep_as_intake_accepts():
    components = APIClient().get("/api/schema/?format=json").json()["components"]["schemas"]

    def deepest_container(schema_ref, depth=1):
        schema_ = components[schema_ref["$ref"].rsplit("/", 1)[1]]
        obj = next(branch for branch in schema_["anyOf"] if branch.get("type") == "object")
        if obj.get("maxProperties") == 0:
            return depth
        return deepest_container(obj["additionalProperties"], depth + 1)

    first_level = components["LeadSubmitRequest"]["properties"]["attributes"]
    documented = deepest_container(first_level["additionalProperties"])
    nested: dict = {}
    for _ in range(documented - 1):
        nested = {"x": nested}
    fields.validate_lead_fields({"attributes": {"a": {**nested, "y": 1}}})
    deeper: dict = {"x": nested}
    with pytest.raises(fields.LeadFieldErrors):
        fields.validate_lead_fields({"attributes": {"a": {**deeper, "y": 1}}})
    assert documented == fields.MAX_ATTRIBUTE_DEPTH


# --- every documented answer, reached on purpose ----------------------------------------------

LEADS = "/api/v1/leads/"


@pytest.mark.django_db
def test_submitting_answers_as_documented(world):
    key = world["source_key"]
    # A new person: 201; the same person again: merged into the open lead, 200.
    person = {"full_name": "Ann Lee", "email": "ann@b-roofing.com"}
    call(LEADS, "POST", key=key, body=person, expected=201)
    call(LEADS, "POST", key=key, body=person, expected=200)
    # A replay (header documented), the same key with another body, a bad key.
    idem = {"Idempotency-Key": "order-1"}
    call(LEADS, "POST", key=key, headers=idem, body={"email": "x@c-roofing.com"}, expected=201)
    replay = call(
        LEADS, "POST", key=key, headers=idem, body={"email": "x@c-roofing.com"}, expected=200
    )
    assert replay.headers["idempotent-replayed"] == ["true"]
    call(LEADS, "POST", key=key, headers=idem, body={"email": "y@c-roofing.com"}, expected=422)
    too_long = {"Idempotency-Key": "k" * (MAX_IDEMPOTENCY_KEY_LENGTH + 1)}
    call(LEADS, "POST", key=key, headers=too_long, body=GOOD_LEAD, expected=400)
    # Input that cannot become a lead: 400 naming the fields, with the stored submission.
    bad = call(LEADS, "POST", key=key, body={"email": ["a"], "attributes": "no"}, expected=400)
    assert set(bad.json()["errors"]) == {"email", "attributes"}
    assert bad.json()["submission"]
    call(LEADS, "POST", key=key, body={"company": ""}, expected=400)
    # Credentials: none or wrong (401, with WWW-Authenticate), a user token (403).
    unauthenticated = call(LEADS, "POST", body=GOOD_LEAD, expected=401)
    assert unauthenticated.headers["www-authenticate"] == ["Bearer"]
    call(LEADS, "POST", key="lrs_wrong", body=GOOD_LEAD, expected=401)
    call(LEADS, "POST", key=world["staff_token"], body=GOOD_LEAD, expected=403)


@pytest.mark.django_db
def test_a_key_still_in_flight_is_409_as_documented(world):
    body = b'{"full_name": "Kim Park"}'
    intake_services.idempotency_claim(source=world["source"], key="k-1", body=body)

    call(
        LEADS,
        "POST",
        key=world["source_key"],
        headers={"Idempotency-Key": "k-1"},
        body={"full_name": "Kim Park"},
        expected=409,
    )


@pytest.mark.django_db
def test_an_oversized_body_is_413_as_documented(world, settings):
    settings.INTAKE_MAX_BODY_BYTES = 1000

    call(LEADS, "POST", key=world["source_key"], body={"message": "x" * 2000}, expected=413)


@pytest.mark.django_db
def test_a_failure_while_processing_is_202_as_documented(world, monkeypatch):
    from intake.services import leads

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(leads, "contact_resolve", explode)

    body = call(LEADS, "POST", key=world["source_key"], body=GOOD_LEAD, expected=202).json()
    assert body["status"] == "failed"


@pytest.mark.django_db
def test_throttling_is_429_with_retry_after_as_documented(world):
    world["source"].rate_limit_per_minute = 1
    world["source"].save(update_fields=["rate_limit_per_minute"])

    # The world's own lead counted in this minute's window, unless the minute just turned.
    call(
        LEADS, "POST", key=world["source_key"], body={"full_name": "Lee Wong"}, expected={201, 429}
    )
    throttled = call(LEADS, "POST", key=world["source_key"], body=GOOD_LEAD, expected=429)
    assert int(throttled.headers["retry-after"][0]) >= 1


@pytest.mark.django_db
def test_reading_leads_answers_as_documented(world):
    staff = world["staff_token"]
    listing = call(LEADS, "GET", key=staff, query={"status": ["new", "review"]}, expected=200)
    assert listing.json()["results"][0]["qualification"]["tier"]
    call(LEADS, "GET", key=staff, query={"received_after": "yesterday"}, expected=400)
    call(LEADS, "GET", key=staff, query={"page": 2}, expected=404)
    call(LEADS, "GET", expected=401)
    call(LEADS, "GET", key=world["source_key"], expected=403)

    detail = "/api/v1/leads/{lead_id}/"
    lead_id = world["lead"].pk
    lead = call(detail, "GET", key=staff, path_parameters={"lead_id": lead_id}, expected=200)
    assert lead.json()["events"]
    # The rep does not own it; an id that is no lead's; a path that is no id.
    call(detail, "GET", key=world["rep_token"], path_parameters={"lead_id": lead_id}, expected=404)
    call(detail, "GET", key=staff, path_parameters={"lead_id": lead_id + 1}, expected=404)
    call(detail, "GET", key=staff, path_parameters={"lead_id": "abc"}, expected=404)
    call(detail, "GET", path_parameters={"lead_id": lead_id}, expected=401)
    call(detail, "GET", key=world["source_key"], path_parameters={"lead_id": lead_id}, expected=403)


@pytest.mark.django_db
def test_listing_reps_answers_as_documented(world):
    reps = "/api/v1/reps/"
    # The rep has no email address: "" is still a documented value.
    body = call(reps, "GET", key=world["staff_token"], expected=200).json()
    assert body["results"][0]["email"] == ""
    call(reps, "GET", key=world["staff_token"], query={"team": "x"}, expected=400)
    call(reps, "GET", key=world["staff_token"], query={"page": 0}, expected=404)
    call(reps, "GET", expected=401)
    call(reps, "GET", key=world["rep_token"], expected=403)
    call(reps, "GET", key=world["source_key"], expected=403)


@pytest.mark.django_db
def test_logging_an_activity_answers_as_documented(world):
    activities = "/api/v1/leads/{lead_id}/activities/"
    staff, lead_id = world["staff_token"], world["lead"].pk
    where = {"path_parameters": {"lead_id": lead_id}}
    call_back = (timezone.now() + timedelta(days=1)).isoformat()

    body = {"kind": "call", "outcome": "scheduled", "callback_at": call_back}
    logged = call(activities, "POST", key=staff, body=body, expected=201, **where)
    assert logged.json()["lead"] == lead_id
    call(activities, "POST", key=staff, body={"kind": "fax", "outcome": "x"}, expected=400, **where)
    call(activities, "POST", body=body, expected=401, **where)
    call(activities, "POST", key=world["source_key"], body=body, expected=403, **where)
    # The rep does not work this lead; an id that is no lead's.
    call(activities, "POST", key=world["rep_token"], body=body, expected=404, **where)
    call(
        activities,
        "POST",
        key=staff,
        body=body,
        expected=404,
        path_parameters={"lead_id": lead_id + 1},
    )
    # The world's lead waits in review (no status change there): closed directly.
    Lead.objects.filter(pk=lead_id).update(status=LeadStatus.LOST)
    call(activities, "POST", key=staff, body=body, expected=409, **where)


@pytest.mark.django_db
def test_the_weekly_report_answers_as_documented(world, django_user_model):
    weekly = "/api/v1/reports/weekly/{week}/"
    staff = world["staff_token"]
    week = {"path_parameters": {"week": "2026-W48"}}
    body = call(weekly, "GET", key=staff, expected=200, **week).json()
    assert body["week"] == "2026-W48"
    team = call(weekly, "GET", key=staff, query={"team": "Austin office"}, expected=200, **week)
    assert team.json()["team"] == "Austin office"
    call(weekly, "GET", key=staff, query={"team": "Nowhere"}, expected=404, **week)
    call(weekly, "GET", key=staff, path_parameters={"week": "2026-W54"}, expected=400)
    call(weekly, "GET", key=world["rep_token"], expected=403, **week)
    call(weekly, "GET", key=world["source_key"], expected=403, **week)
    call(weekly, "GET", expected=401, **week)


# --- generated requests -----------------------------------------------------------------------


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_documented_answers_and_never_a_server_error(case, world):
    # Each operation with the credentials it documents: a source key submits, a user reads
    # and logs activities.
    submits = case.method == "POST" and case.path == LEADS
    key = world["source_key"] if submits else world["staff_token"]
    case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
