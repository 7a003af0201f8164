"""The lead API's SLA: the detail shows the lead's clock and its ladder, the list filters by
the clock's state and by what is overdue now; a frozen clock, the sweep called directly."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from intake import services as intake_services
from routing.services import activity_log, route_lead, sla_sweep
from tests.query_plans import captured_statements, full_scans
from tests.routing import test_sla as routing_sla

REMIND, REASSIGN = routing_sla.REMIND, routing_sla.REASSIGN

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # the team has no calendar: always open
MINUTE = timedelta(minutes=1)


def at(minutes: int) -> str:
    """The API's text of MONDAY_10 plus `minutes`."""
    return (MONDAY_10 + minutes * MINUTE).isoformat().replace("+00:00", "Z")


@pytest.fixture
def reps(make_rep, make_rule):
    reps = [make_rep(name) for name in ("ann", "bob", "cal")]
    make_rule(pool_reps=reps)
    return reps


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sue", is_staff=True)


def client_for(user) -> APIClient:
    _, raw = intake_services.api_token_create(username=user.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def routed(make_leads, minutes: int = 0):
    (lead,) = make_leads(1)
    route_lead(lead, now=MONDAY_10 + minutes * MINUTE)
    return lead


def sla_at(user, lead, minutes: int) -> dict | None:
    with time_machine.travel(MONDAY_10 + minutes * MINUTE, tick=False):
        response = client_for(user).get(f"/api/v1/leads/{lead.pk}/")
    assert response.status_code == 200, response.content
    return response.json()["sla"]


def step(kind, due, done=None, outcome=None) -> dict:
    return {"kind": kind, "due_at": due, "done_at": done, "outcome": outcome}


def test_a_routed_lead_shows_its_running_clock_and_ladder_then_the_reminder_done(
    reps, make_policy, make_leads, staff
):
    make_policy()  # 30 minutes; remind at 50 %, reassign at 100 %
    lead = routed(make_leads)

    assert sla_at(staff, lead, 1) == {
        "policy": "Standard",
        "target_minutes": 30,
        "started_at": at(0),
        "due_at": at(30),
        "state": "running",
        "reassignments": 0,
        "steps": [step(REMIND, at(15)), step(REASSIGN, at(30))],
    }

    assert sla_sweep(MONDAY_10 + 16 * MINUTE) == 1
    assert sla_at(staff, lead, 16)["steps"] == [
        step(REMIND, at(15), at(16), "done"),
        step(REASSIGN, at(30)),
    ]


def test_a_logged_contact_meets_the_clock_and_the_rest_of_the_ladder_will_not_come(
    reps, make_policy, make_leads, staff
):
    make_policy()
    lead = routed(make_leads)

    with time_machine.travel(MONDAY_10 + 5 * MINUTE, tick=False):
        activity_log(lead=lead, user=staff, kind="call", outcome="reached")

    sla = sla_at(staff, lead, 6)
    assert (sla["state"], sla["due_at"]) == ("met", at(30))
    assert sla["steps"] == [step(REMIND, None), step(REASSIGN, None)]


def test_a_callback_pauses_the_clock_until_then(reps, make_policy, make_leads, staff):
    make_policy()
    lead = routed(make_leads)

    with time_machine.travel(MONDAY_10 + 5 * MINUTE, tick=False):
        activity_log(
            lead=lead,
            user=staff,
            kind="call",
            outcome="scheduled",
            callback_at=MONDAY_10 + 120 * MINUTE,
        )

    sla = sla_at(staff, lead, 6)
    assert (sla["state"], sla["due_at"]) == ("paused", at(120))
    assert [s["due_at"] for s in sla["steps"]] == [None, None]


def test_a_missed_deadline_shows_breached(reps, make_policy, make_leads, staff):
    make_policy(steps=((REMIND, 50, None),))
    lead = routed(make_leads)

    # A first sweep after the deadline: the reminder it overtook is skipped, not sent late.
    assert sla_sweep(MONDAY_10 + 31 * MINUTE) == 2

    sla = sla_at(staff, lead, 31)
    assert (sla["state"], sla["due_at"]) == ("breached", at(30))
    assert sla["steps"] == [step(REMIND, at(15), at(31), "skipped")]


def test_an_sla_reassignment_shows_the_new_owners_clock_and_counts(
    reps, make_policy, make_leads, staff
):
    make_policy()
    lead = routed(make_leads)

    sla_sweep(MONDAY_10 + 30 * MINUTE)

    sla = sla_at(staff, lead, 31)
    assert (sla["state"], sla["started_at"], sla["due_at"]) == ("running", at(30), at(60))
    assert sla["reassignments"] == 1
    assert sla["steps"] == [step(REMIND, at(45)), step(REASSIGN, at(60))]


def test_a_lead_that_never_had_a_clock_has_no_sla(reps, make_leads, staff):
    lead = routed(make_leads)  # no policy

    assert sla_at(staff, lead, 1) is None


@pytest.fixture
def clocks(reps, make_policy, make_leads):
    """At 10:45 (nothing swept since 10:31): ann's lead breached at 10:30, bob's running and
    overdue since 10:40, cal's running until 10:55, and a lead nobody owns without a clock."""
    make_policy(steps=())
    breached = routed(make_leads, 0)
    sla_sweep(MONDAY_10 + 31 * MINUTE)
    overdue = routed(make_leads, 10)
    running = routed(make_leads, 25)
    (no_clock,) = make_leads(1)
    return {"breached": breached, "overdue": overdue, "running": running, "none": no_clock}


def listed(user, clocks, **params) -> set[str]:
    with time_machine.travel(MONDAY_10 + 45 * MINUTE, tick=False):
        response = client_for(user).get("/api/v1/leads/", params)
    assert response.status_code == 200, response.content
    names = {lead.pk: name for name, lead in clocks.items()}
    return {names[lead["id"]] for lead in response.json()["results"]}


def test_the_list_filters_by_sla_state_and_overdue_now(clocks, staff):
    assert listed(staff, clocks, sla_state="breached") == {"breached"}
    assert listed(staff, clocks, sla_state="running") == {"overdue", "running"}
    assert listed(staff, clocks, sla_state=["breached", "running"]) == {
        "breached",
        "overdue",
        "running",
    }
    assert listed(staff, clocks, overdue="true") == {"overdue"}
    assert listed(staff, clocks, overdue="false") == {"breached", "running", "none"}
    assert listed(staff, clocks, overdue="true", sla_state="breached") == set()


def test_an_unknown_sla_state_is_400(clocks, staff):
    response = client_for(staff).get("/api/v1/leads/", {"sla_state": "late"})

    assert response.status_code == 400
    assert "sla_state" in response.json()["errors"]


def test_a_rep_filters_only_their_own_leads(clocks, reps):
    ann, bob, _ = reps

    assert listed(bob.user, clocks, overdue="true") == {"overdue"}
    assert listed(ann.user, clocks, overdue="true") == set()
    assert listed(ann.user, clocks, sla_state=["breached", "running"]) == {"breached"}
    response = client_for(ann.user).get(f"/api/v1/leads/{clocks['overdue'].pk}/")
    assert response.status_code == 404


def test_the_managers_board_filters_the_same_way(clocks, team, django_user_model):
    team.manager = django_user_model.objects.create_user("mia")
    team.save(update_fields=["manager"])
    client = Client()
    client.force_login(team.manager)

    with time_machine.travel(MONDAY_10 + 45 * MINUTE, tick=False):
        response = client.get(reverse("routing:board"), {"overdue": "true"})

    assert response.status_code == 200
    assert [lead.pk for lead in response.context["page"]] == [clocks["overdue"].pk]
    assert 'name="sla_state"' in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "?sla_state=breached",
        "?sla_state=running&sla_state=paused",
        "?overdue=true",
        "?overdue=false",
        "{overdue}/",
    ],
)
def test_the_filters_and_the_detail_read_by_index(clocks, staff, path):
    client = client_for(staff)
    url = "/api/v1/leads/" + path.format(overdue=clocks["overdue"].pk)
    with (
        time_machine.travel(MONDAY_10 + 45 * MINUTE, tick=False),
        captured_statements() as statements,
    ):
        response = client.get(url)
    assert response.status_code == 200

    assert statements and full_scans(statements) == []
    if "overdue=" in path and connection.vendor == "sqlite":
        # Only the due timers, not every open assignment: the sweep's partial index. (SQLite's
        # plan is fixed by the indexes; PostgreSQL's by the table's size: on a test's few rows
        # it joins lead by lead through the active assignment instead.)
        plans = []
        for sql, params in statements:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plans.append(str(cursor.fetchall()))
        assert any("assignment_sla_due" in p for p in plans), "\n".join(plans)


# The detail: the token, the lead with its source and qualification, its active assignment
# with its user, its routing decisions, its events, and the SLA's three (the lead's
# assignments, the clock's step records, the routing configuration's token), whatever the
# lead's history. The same on both databases.
DETAIL_BUDGET = {"sqlite": 8, "postgresql": 8}


def detail_statements(user, lead, minutes: int) -> int:
    client = client_for(user)
    with time_machine.travel(MONDAY_10 + minutes * MINUTE, tick=False):
        client.get(f"/api/v1/leads/{lead.pk}/")  # the configuration in memory
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/leads/{lead.pk}/")
    assert response.status_code == 200 and response.json()["sla"] is not None
    return len(queries.captured_queries)


def test_the_detail_reads_the_sla_in_a_fixed_number_of_statements(
    reps, make_policy, make_leads, staff
):
    make_policy()
    worked = routed(make_leads)
    # Reminded and reassigned twice by 11:01: three clocks, five step records.
    sla_sweep(MONDAY_10 + 61 * MINUTE)
    fresh = routed(make_leads, 61)

    assert detail_statements(staff, fresh, 61) == DETAIL_BUDGET[connection.vendor]
    assert detail_statements(staff, worked, 61) == DETAIL_BUDGET[connection.vendor]


def test_the_openapi_document_lists_the_filters_and_the_sla(db):
    document = APIClient().get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/leads/"]["get"]["parameters"]}

    assert parameters["sla_state"]["schema"]["items"]["enum"] == [
        "breached",
        "met",
        "paused",
        "running",
        "stopped",
    ]
    assert parameters["sla_state"]["explode"] is True
    assert parameters["overdue"]["schema"]["type"] == "boolean"
    sla = document["components"]["schemas"]["Sla"]
    assert set(sla["properties"]) == {
        "policy",
        "target_minutes",
        "started_at",
        "due_at",
        "state",
        "reassignments",
        "steps",
    }
