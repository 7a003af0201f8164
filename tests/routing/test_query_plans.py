"""No hot path reads a whole big table: the plan of every statement a new lead, an import and
the busiest pages run (tests/query_plans.py). A full scan is invisible at a test's size and
grows with the team's history; an index lookup does not."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from intake.csv_import import import_csv
from intake.models import Lead
from leadrouter import pipeline
from qualification.models import ReviewTask
from tests.conftest import post_lead
from tests.query_plans import captured_statements, full_scans

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(personas, give, api):
    """Leads given to Ann and Bob and to the team's queue, one waiting in review."""
    for i, name in enumerate(["Ann Lee", "Bob Stone", "Cy Cedar", "Di Park"]):
        response = post_lead(
            api,
            {
                "full_name": name,
                "email": f"person{i}@example.com",
                "phone": f"512-555-01{i:02d}",
                "postal_code": "78701",
                "request_type": "home",
            },
        )
        lead = Lead.objects.get(pk=response.json()["id"])
        if i < 3:
            give(lead, rep=[personas.ann, personas.bob][i % 2])
        else:
            give(lead, team=personas.team)
    post_lead(api, {"full_name": "No Contact"})  # nothing to reach: held for review
    assert ReviewTask.objects.filter(status="open").exists()
    return personas


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def assert_no_full_scan(statements):
    assert statements, "nothing was captured"
    assert full_scans(statements) == []


def test_a_new_lead_reads_identities_and_leads_by_index(history, api):
    with captured_statements() as statements:
        response = post_lead(
            api, {"full_name": "Eve Moss", "email": "eve@example.com", "phone": "512-555-0199"}
        )
    assert response.status_code == 201

    assert_no_full_scan(statements)


def test_a_repeat_inquiry_and_an_import_read_by_index(history, source):
    text = (
        "full_name,email,phone\n"
        "Ann Lee,person0@example.com,512-555-0100\n"
        "Fay Wu,fay@example.com,512-555-0177\n"
    )
    with captured_statements() as statements:
        report = import_csv(
            source=source,
            text=text.splitlines(keepends=True),
            process=pipeline.process_submission,
        )
    assert report.counts["created"] + report.counts["merged"] == 2

    assert_no_full_scan(statements)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "person1@example.com"},
        {"q": "(512) 555-0101"},
        {"q": "cedar"},
        {"status__exact": "assigned", "state__exact": "TX", "request_type__exact": "quote"},
        {"received_at__gte": "2020-01-01", "received_at__lt": "2100-01-01"},
    ],
)
def test_the_admin_lead_list_reads_by_index(history, django_user_model, query):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    with captured_statements() as statements:
        response = client_for(admin).get(reverse("admin:intake_lead_changelist"), query)
    assert response.status_code == 200

    assert_no_full_scan(statements)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=assigned&state=TX&tier=A",
        "?state=tx&tier=A",
        "?state=Texas&urgency=high&channel=web",
        "?q=person1@example.com",
        "?q=(512)%20555-0101",
        "?q=Ceda",
        "?owner=ann",
    ],
)
def test_the_api_lead_list_reads_by_index(history, query):
    with captured_statements() as statements:
        response = client_for(history.staff).get(f"/api/v1/leads/{query}")
    assert response.status_code == 200

    assert_no_full_scan(statements)


def test_the_queue_the_board_and_the_review_queue_read_by_index(history, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    assert Lead.objects.filter(assignments__user=history.ann.user).exists()
    pages = [
        (history.ann.user, reverse("routing:queue")),
        (history.manager, reverse("routing:board")),
        (history.staff, reverse("routing:board")),
        (admin, reverse("qualification:review-queue")),
    ]
    for user, url in pages:
        with captured_statements() as statements:
            response = client_for(user).get(url)
        assert response.status_code == 200, url

        assert_no_full_scan(statements)


def test_a_team_managers_list_counts_assignments_and_pages_by_date(history):
    """A manager sees every lead their reps ever had (40,000 of 200,000 in the growth bench):
    the list counts their active assignments, never reading a lead, and its first page walks
    the leads' date index, stopping at the page, instead of sorting every one of them."""
    with captured_statements() as statements:
        response = client_for(history.manager).get("/api/v1/leads/")
    assert response.json()["count"] == 4

    counts = [sql for sql, _ in statements if "COUNT(" in sql.upper()]
    assert counts and not [sql for sql in counts if "intake_lead" in sql]
    assert_no_full_scan(statements)
    if connection.vendor == "sqlite":  # PostgreSQL chooses by cost, on a test's few rows
        page = next(s for s in statements if s[0].startswith('SELECT "intake_lead"."id"'))
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {page[0]}", page[1])
            steps = [row[-1] for row in cursor.fetchall()]
        assert not [step for step in steps if "TEMP B-TREE FOR ORDER BY" in step], steps
