"""`/api/v1/leads/` is served by one view per method and answers as one resource."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from intake import services
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

ALLOW = "GET, POST, HEAD, OPTIONS"


@pytest.fixture
def reader(django_user_model):
    user = django_user_model.objects.create_user("reader")
    user.user_permissions.add(Permission.objects.get(codename="view_lead"))
    _, raw = services.api_token_create(username=user.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_each_method_goes_to_its_view_and_every_answer_names_the_paths_methods(api, reader):
    submitted = post_lead(api, {"email": "ann@gmail.com"})
    listed = reader.get("/api/v1/leads/")
    head = reader.head("/api/v1/leads/")

    assert submitted.status_code == 201 and listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [submitted.json()["id"]]
    assert head.status_code == 200 and head.content == b""
    assert submitted["Allow"] == listed["Allow"] == head["Allow"] == ALLOW


def test_a_user_token_cannot_submit_and_a_source_key_cannot_list(api, reader):
    assert post_lead(reader, {"email": "ann@gmail.com"}).status_code == 403
    assert api.get("/api/v1/leads/").status_code == 403


def test_a_method_the_path_does_not_serve_is_405_naming_the_methods_it_does(reader):
    response = reader.put("/api/v1/leads/", {}, format="json")

    assert response.status_code == 405
    assert response.json() == {"errors": {"detail": ['Method "PUT" not allowed.']}}
    assert response["Allow"] == ALLOW


def test_a_source_key_submits_without_a_csrf_token(source):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {source.raw_key}")

    assert post_lead(client, {"email": "ann@gmail.com"}).status_code == 201
