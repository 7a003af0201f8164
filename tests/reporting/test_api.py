"""GET /api/v1/reports/weekly/{YYYY-Www}/: the contract's keys, who may read which team, and
answers that name the field when the request is wrong."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from intake import services as intake_services
from routing.models import Team
from tests.reporting.conftest import chicago

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/weekly/{}/"


def client_for(user) -> APIClient:
    _, raw = intake_services.api_token_create(username=user.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def people(team, make_rep, django_user_model):
    from types import SimpleNamespace

    manager = django_user_model.objects.create_user("mia")
    team.manager = manager
    team.save(update_fields=["manager"])
    other_manager = django_user_model.objects.create_user("dan")
    other = Team.objects.create(
        name="Dallas office", manager=other_manager, time_zone="America/New_York"
    )
    return SimpleNamespace(
        team=team,
        other=other,
        manager=manager,
        other_manager=other_manager,
        ann=make_rep("ann"),
        staff=django_user_model.objects.create_user("sue", is_staff=True),
    )


@pytest.fixture
def won_week(people, make_lead, assign, attempt, close):
    """Week 48: one lead routed to Ann, contacted, won for 1,250.50."""
    monday = chicago(2026, 11, 23, 9)
    lead = make_lead(monday)
    assign(lead, monday + timedelta(minutes=3), rep=people.ann)
    attempt(lead, monday + timedelta(minutes=10), rep=people.ann)
    close(lead, monday + timedelta(days=2), value="1250.50")
    return lead


def test_a_manager_reads_their_teams_week_in_its_zone(people, won_week):
    response = client_for(people.manager).get(URL.format("2026-W48"))

    assert response.status_code == 200
    body = response.json()
    contract = {"week", "time_zone", "team", "totals", "by_source", "by_channel", "by_rule"}
    assert contract | {"by_rep", "as_of"} <= set(body)
    assert {"signals", "headlines", "review", "flags", "days"} <= set(body)
    assert (body["week"], body["time_zone"], body["team"]) == (
        "2026-W48",
        "America/Chicago",
        "Austin office",
    )
    assert body["starts_at"] == "2026-11-23T06:00:00Z"
    assert body["as_of"].endswith("Z")
    totals = body["totals"]
    assert {key: totals[key] for key in ("received", "assigned", "contacted", "won")} == {
        "received": 1,
        "assigned": 1,
        "contacted": 1,
        "won": 1,
    }
    assert totals["won_value"] == "1250.50"
    assert totals["close_rate"] == 1.0
    assert body["by_rep"] == [
        {
            "rep": "ann",
            "name": "Ann",
            "is_active": True,
            "assigned": 1,
            "contacted": 1,
            "sla_met": 0,
            "sla_total": 0,
            "sla_met_rate": None,
            "median_first_contact_seconds": 420.0,
            "open_load": 0,
            "won": 1,
            "won_value": "1250.50",
            "closed": 1,
            "close_rate": 1.0,
        }
    ]
    assert body["by_channel"][0]["channel"] == "api"
    assert body["by_source"][0]["source"] == "Website"
    assert body["signals"]["speed_to_assignment"]["p50_seconds"] == 180.0
    assert len(body["days"]) == 7
    assert body["headlines"][0]["key"] == "received"


def test_staff_read_the_organisation_or_any_team(people, won_week):
    staff = client_for(people.staff)

    everyone = staff.get(URL.format("2026-W48")).json()
    dallas = staff.get(URL.format("2026-W48"), {"team": "dallas OFFICE"}).json()

    assert (everyone["team"], everyone["time_zone"], everyone["totals"]["received"]) == (
        None,
        "UTC",
        1,
    )
    assert (dallas["team"], dallas["time_zone"], dallas["totals"]["received"]) == (
        "Dallas office",
        "America/New_York",
        0,
    )


def test_another_managers_team_reads_as_missing(people):
    response = client_for(people.manager).get(URL.format("2026-W48"), {"team": "Dallas office"})

    assert response.status_code == 404
    assert response.json() == {
        "errors": {"detail": ["No team you can read reports of is called 'Dallas office'."]}
    }


def test_a_manager_of_several_teams_names_one(people):
    Team.objects.create(name="Waco office", manager=people.manager)

    response = client_for(people.manager).get(URL.format("2026-W48"))

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "team": [
                "You manage several teams; say which with ?team= (Austin office, Waco office)."
            ]
        }
    }
    named = client_for(people.manager).get(URL.format("2026-W48"), {"team": "Waco office"})
    assert named.status_code == 200


def test_a_rep_may_not_read_reports(people):
    response = client_for(people.ann.user).get(URL.format("2026-W48"))

    assert response.status_code == 403
    assert response.json() == {
        "errors": {"detail": ["Weekly reports are for team managers and staff."]}
    }


def test_anonymous_callers_and_source_keys_are_refused(people, source):
    anonymous = APIClient().get(URL.format("2026-W48"))
    source_key = APIClient()
    source_key.credentials(HTTP_AUTHORIZATION=f"Bearer {source.raw_key}")

    assert anonymous.status_code == 401
    assert source_key.get(URL.format("2026-W48")).status_code == 403


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("2026-W54", "'2026-W54' is not a week of that year."),
        ("2026-11", "'2026-11' is not a week; write it like 2026-W48."),
        ("last-week", "'last-week' is not a week; write it like 2026-W48."),
        ("0001-W01", "'0001-W01' is outside the years reports cover (1900 to 2999)."),
    ],
)
def test_a_bad_week_label_is_a_400_naming_the_week(people, label, reason):
    response = client_for(people.staff).get(URL.format(label))

    assert response.status_code == 400
    assert response.json() == {"errors": {"week": [reason]}}
