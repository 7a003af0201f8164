import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from intake import services
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db


def client_for(user):
    _, raw = services.api_token_create(username=user.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user("manager")
    user.user_permissions.add(Permission.objects.get(codename="view_lead"))
    return user


@pytest.fixture
def rep(django_user_model):
    return django_user_model.objects.create_user("rep")


@pytest.fixture
def leads(api):
    return [
        post_lead(
            api, {"full_name": "Ann Lee", "email": "ann@gmail.com", "postal_code": "78701"}
        ).json(),
        post_lead(api, {"full_name": "Bob Stone", "phone": "000-000-0000"}).json(),
    ]


def test_a_manager_lists_leads_with_filters(manager, leads):
    client = client_for(manager)

    everything = client.get("/api/v1/leads/").json()
    assert everything["count"] == 2
    assert client.get("/api/v1/leads/?state=tx").json()["count"] == 1
    assert (
        client.get("/api/v1/leads/?flag=uncontactable").json()["results"][0]["full_name"]
        == "Bob Stone"
    )
    assert client.get("/api/v1/leads/?q=ann@").json()["count"] == 1


def test_the_state_filter_takes_a_code_or_a_name_in_any_case(manager, api, leads):
    post_lead(api, {"full_name": "Eve Roy", "email": "eve@gmail.com", "state": "Ontario"})
    client = client_for(manager)

    def count(state):
        return client.get("/api/v1/leads/", {"state": state}).json()["count"]

    assert [count("TX"), count("tx"), count("Texas"), count("texas")] == [1, 1, 1, 1]
    assert [count("ontario"), count("ONTARIO"), count("CA")] == [1, 1, 0]


def test_a_received_filter_with_a_far_offset_compares_in_utc(manager, leads):
    # -21:04 is a valid ISO 8601 offset; PostgreSQL refuses offsets past 15:59 (it was a 500).
    client = client_for(manager)

    after = client.get("/api/v1/leads/", {"received_after": "2026-01-06T03:20:05-21:04"})
    before = client.get("/api/v1/leads/", {"received_before": "2026-01-06T03:20:05+23:30"})

    assert (after.status_code, after.json()["count"]) == (200, 2)
    assert (before.status_code, before.json()["count"]) == (200, 0)


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])
def test_a_received_filter_with_no_utc_instant_is_400(manager, value):
    # The instant falls outside year 1-9999 in UTC: no database can compare it (it was a 500).
    response = client_for(manager).get("/api/v1/leads/", {"received_before": value})

    assert response.status_code == 400
    assert response.json()["errors"]["received_before"] == ["Enter a valid date/time."]


def test_the_detail_has_flags_checks_and_the_timeline(manager, leads):
    body = client_for(manager).get(f"/api/v1/leads/{leads[0]['id']}/").json()

    assert body["checks"]["email"]["is_valid"] is True
    assert [event["kind"] for event in body["events"]][:2] == ["received", "verified"]
    assert body["routing"] is None
    assert 0 <= body["qualification"]["score"] <= 100
    assert "qualified" in [event["kind"] for event in body["events"]]


def test_a_rep_without_leads_sees_none_and_gets_404_for_others(rep, leads):
    client = client_for(rep)

    assert client.get("/api/v1/leads/").json()["count"] == 0
    assert client.get(f"/api/v1/leads/{leads[0]['id']}/").status_code == 404


def test_a_source_key_cannot_read(api, leads):
    assert api.get("/api/v1/leads/").status_code == 403
    assert api.get(f"/api/v1/leads/{leads[0]['id']}/").status_code == 403


def test_reading_without_credentials_is_401(db):
    assert APIClient().get("/api/v1/leads/").status_code == 401


def test_a_revoked_token_is_401(manager):
    from django.utils import timezone

    token, raw = services.api_token_create(username="manager")
    token.revoked_at = timezone.now()
    token.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert client.get("/api/v1/leads/").status_code == 401


def test_the_list_has_a_fixed_query_budget(manager, api, django_assert_max_num_queries):
    for i in range(10):
        post_lead(api, {"email": f"p{i}@gmail.com"})
    client = client_for(manager)

    # Constant whatever the page size: count, leads, and one prefetch per related step.
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/leads/").status_code == 200


def test_the_openapi_schema_and_offline_docs_are_served(db):
    schema = APIClient().get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/leads/" in schema.content

    docs = APIClient().get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
    assert b"swagger-ui" in docs.content


@pytest.mark.parametrize("param", ["q", "source", "state", "flag", "owner", "team", "queue"])
def test_a_nul_in_a_filter_is_400_or_ignored_never_500(manager, leads, param):
    response = client_for(manager).get("/api/v1/leads/", {param: "a\x00b"})

    assert response.status_code in (200, 400), response.content[:300]
