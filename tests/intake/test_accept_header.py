"""The API and the hooks answer JSON whatever the Accept header says.

DRF's browsable renderer was chosen for `Accept: text/html` and failed (no parsers on the
submit view) after the lead was committed and routed: the caller saw a 500 and retried, making
a second touch. Vendors and scripts send odd Accept headers; none may change the answer.
"""

import json

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from intake import services
from intake.models import Adapter, IdempotencyKey, Lead, Submission
from tests.conftest import post_lead
from tests.intake.hooks.conftest import post_hook

pytestmark = pytest.mark.django_db

ACCEPTS = [
    "text/html",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "*/*",
    "application/xml",
    "garbage",
    "text/html;q=abc, ;;, /",
    "application/json; indent=x",
]
LEAD = {"full_name": "Ann Lee", "email": "ann.lee@acme-roofing.com", "postal_code": "78701"}


def user_client(django_user_model) -> APIClient:
    user = django_user_model.objects.create_user("manager", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_lead"))
    _, raw = services.api_token_create(username=user.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_lead_submitted_with_any_accept_header_is_answered_201_json_once(api, accept):
    response = post_lead(api, LEAD, HTTP_ACCEPT=accept)

    assert response.status_code == 201, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["id"] == Lead.objects.get().pk


@pytest.mark.parametrize("accept", ACCEPTS)
def test_an_idempotent_submit_and_its_replay_answer_json_with_any_accept(api, accept):
    first = post_lead(api, LEAD, HTTP_ACCEPT=accept, HTTP_IDEMPOTENCY_KEY="k-1")
    replay = post_lead(api, LEAD, HTTP_ACCEPT=accept, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201, first.content[:300]
    assert replay.status_code == 200, replay.content[:300]
    assert replay["Content-Type"].startswith("application/json")
    assert json.loads(replay.content) == json.loads(first.content)
    assert IdempotencyKey.objects.get().response_status == 201
    assert Lead.objects.get().touch_count == 1


@pytest.mark.parametrize("accept", ACCEPTS)
def test_errors_answer_json_with_any_accept(api, source, accept):
    invalid = post_lead(api, {"email": {"x": 1}}, HTTP_ACCEPT=accept)
    unauthenticated = APIClient().post(
        "/api/v1/leads/", b"{}", content_type="application/json", HTTP_ACCEPT=accept
    )
    listed_with_source_key = api.get("/api/v1/leads/", HTTP_ACCEPT=accept)

    assert invalid.status_code == 400
    assert "email" in json.loads(invalid.content)["errors"]
    assert unauthenticated.status_code == 401
    assert listed_with_source_key.status_code == 403
    for response in (invalid, unauthenticated, listed_with_source_key):
        assert response["Content-Type"].startswith("application/json")
    assert Submission.objects.get().status == Submission.Status.INVALID


@pytest.mark.parametrize("accept", ACCEPTS)
def test_reads_answer_json_with_any_accept(api, django_user_model, accept):
    lead_id = post_lead(api, LEAD).json()["id"]
    client = user_client(django_user_model)

    for url in ("/api/v1/leads/", f"/api/v1/leads/{lead_id}/", "/api/v1/reps/"):
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200, (url, response.content[:300])
        assert response["Content-Type"].startswith("application/json"), url
        json.loads(response.content)


@pytest.mark.parametrize("accept", ACCEPTS)
def test_hooks_answer_json_with_any_accept(client, make_source, accept):
    source = make_source(name="Zapier", channel="web", adapter=Adapter.FORM)
    body = b"name=Ann+Lee&email=ann.lee%40acme-roofing.com"

    response = post_hook(
        client, source, body, "application/x-www-form-urlencoded", HTTP_ACCEPT=accept
    )

    assert response.status_code == 201, response.content[:300]
    assert json.loads(response.content)["lead"] == Lead.objects.get().pk


@pytest.mark.parametrize("accept", ACCEPTS)
def test_the_schema_and_docs_never_fail_on_an_accept_header(client, accept):
    schema = client.get("/api/schema/", HTTP_ACCEPT=accept)

    assert schema.status_code in (200, 406), schema.content[:300]
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/?format=json").status_code == 200
