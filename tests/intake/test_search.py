"""The lead search (API `q=`, the admin's search box) and the admin's value filters, all of
which read by index (tests/routing/test_query_plans.py checks the plans)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from intake import selectors
from intake.models import Lead
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(api):
    ann = post_lead(
        api,
        {"full_name": "Ann Leeson", "email": "Ann.Lee@Example.com", "phone": "512-555-0134"},
    ).json()
    bob = post_lead(
        api, {"full_name": "Bob Stone", "email": "bob@example.com", "company": "Cedar Roofing"}
    ).json()
    return ann, bob


@pytest.fixture
def viewer(django_user_model, client):
    user = django_user_model.objects.create_user("viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_lead"))
    client.force_login(user)
    return client


def found(client, term):
    return sorted(
        row["full_name"] for row in client.get("/api/v1/leads/", {"q": term}).json()["results"]
    )


def test_an_address_or_a_phone_in_any_format_finds_the_person(people, viewer):
    assert found(viewer, "ann.lee@example.com") == ["Ann Leeson"]
    assert found(viewer, "  ANN.LEE@EXAMPLE.COM ") == ["Ann Leeson"]
    assert found(viewer, "ann.lee@") == ["Ann Leeson"]  # the start of an address
    assert found(viewer, "(512) 555-0134") == ["Ann Leeson"]
    assert found(viewer, "+1 512 555 0134") == ["Ann Leeson"]
    assert found(viewer, "5125550134") == ["Ann Leeson"]


def test_a_name_or_company_is_found_by_its_start_in_any_case(people, viewer):
    assert found(viewer, "lee") == ["Ann Leeson"]  # the surname
    assert found(viewer, "ANN L") == ["Ann Leeson"]  # the full name
    assert found(viewer, "cedar") == ["Bob Stone"]  # the company
    assert found(viewer, "eeson") == []  # not a substring: that would read every lead
    assert found(viewer, "nobody") == []


def test_a_repeat_inquiry_under_another_address_is_found_by_the_first_one(api, viewer):
    first = post_lead(
        api, {"full_name": "Cy Moss", "email": "cy@example.com", "phone": "512-555-0177"}
    )
    Lead.objects.filter(pk=first.json()["id"]).update(status="won")
    # Same phone, new address: the same contact, whose identities hold both.
    post_lead(
        api, {"full_name": "Cy Moss", "email": "cy.moss@work.example", "phone": "512-555-0177"}
    )

    assert found(viewer, "cy@example.com") == ["Cy Moss", "Cy Moss"]


def test_a_lead_id_finds_that_lead(people, viewer):
    ann, _ = people

    assert found(viewer, str(ann["id"])) == ["Ann Leeson"]


def test_the_admin_filters_list_each_state_and_request_type_once(api, admin_client):
    for state_zip, request_type in [("78701", "home"), ("33130", "auto"), ("78702", "home")]:
        post_lead(
            api, {"full_name": "Dee Fox", "postal_code": state_zip, "request_type": request_type}
        )
    Lead.objects.update(request_type="home")
    Lead.objects.filter(postal_code="33130").update(request_type="auto")

    assert selectors.lead_distinct_values("state") == ["FL", "TX"]
    assert selectors.lead_distinct_values("request_type") == ["auto", "home"]
    page = admin_client.get(reverse("admin:intake_lead_changelist"), {"state": "FL"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1


def test_the_admin_lead_list_filters_by_date_received(api, admin_client):
    post_lead(api, {"full_name": "Eve Hart", "email": "eve@example.com"})
    Lead.objects.update(received_at="2020-05-01T12:00:00Z")
    post_lead(api, {"full_name": "Fay Wu", "email": "fay@example.com"})
    url = reverse("admin:intake_lead_changelist")

    page = admin_client.get(
        url, {"received_at__gte": "2020-01-01", "received_at__lt": "2021-01-01"}
    )

    assert b"Eve Hart" in page.content and b"Fay Wu" not in page.content
