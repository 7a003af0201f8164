"""GET /api/v1/reps/: who may list reps, what each rep looks like, filters and query budget."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from intake import services as intake_services
from routing.models import Assignment, Skill, Team, Territory, TimeOff
from routing.services.assignments import assignment_replace

pytestmark = pytest.mark.django_db

# A Monday, 12:00 in Chicago.
NOON_CHICAGO = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def client_for(user) -> APIClient:
    _, raw = intake_services.api_token_create(username=user.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture(autouse=True)
def _noon(time_machine):
    time_machine.move_to(NOON_CHICAGO, tick=False)


@pytest.fixture
def manager(team, django_user_model):
    user = django_user_model.objects.create_user("alice", email="alice@example.com")
    team.manager = user
    team.save(update_fields=["manager"])
    return user


@pytest.fixture
def other_team(django_user_model):
    boss = django_user_model.objects.create_user("otto")
    return Team.objects.create(name="Dallas office", manager=boss)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sam", is_staff=True)


def assign(rep, lead, at, reason=Assignment.Reason.INITIAL):
    return assignment_replace(lead=lead, now=at, reason=reason, rep=rep)


def by_username(body) -> dict:
    return {rep["username"]: rep for rep in body["results"]}


# --- who may list ---------------------------------------------------------------------------


def test_a_manager_sees_only_their_teams_reps(manager, make_rep, other_team):
    mine = make_rep("ann")
    make_rep("dave", team=other_team)

    body = client_for(manager).get("/api/v1/reps/").json()

    assert body["count"] == 1
    assert [rep["id"] for rep in body["results"]] == [mine.pk]


def test_staff_see_every_rep(staff, make_rep, other_team):
    make_rep("ann")
    make_rep("dave", team=other_team)

    body = client_for(staff).get("/api/v1/reps/").json()

    assert sorted(by_username(body)) == ["ann", "dave"]


def test_the_view_rep_permission_sees_every_rep(django_user_model, make_rep, other_team):
    analyst = django_user_model.objects.create_user("ivy")
    analyst.user_permissions.add(Permission.objects.get(codename="view_rep"))
    make_rep("ann")
    make_rep("dave", team=other_team)

    assert client_for(analyst).get("/api/v1/reps/").json()["count"] == 2


def test_a_plain_rep_is_refused(make_rep):
    rep = make_rep("ann")

    response = client_for(rep.user).get("/api/v1/reps/")

    assert response.status_code == 403
    assert response.json() == {
        "errors": {"detail": ["Only team managers and staff can list reps."]}
    }


def test_a_source_key_is_refused(api, make_rep):
    make_rep("ann")

    response = api.get("/api/v1/reps/")

    assert response.status_code == 403
    assert "source key may only submit" in response.json()["errors"]["detail"][0]


def test_without_credentials_it_is_401(db):
    assert APIClient().get("/api/v1/reps/").status_code == 401


def test_a_logged_in_manager_session_works_too(manager, make_rep):
    make_rep("ann")
    client = APIClient()
    client.force_login(manager)

    assert client.get("/api/v1/reps/").json()["count"] == 1


# --- the rep shape --------------------------------------------------------------------------


def test_each_rep_has_profile_capacity_load_and_availability(manager, team, make_rep, make_leads):
    spanish = Skill.objects.create(name="spanish")
    central = Territory.objects.create(name="Central TX", states=["TX"])
    rep = make_rep(
        "ann",
        weight=3,
        max_open_leads=5,
        max_new_per_day=4,
        languages=["en", "es"],
        licensed_states=["TX", "OK"],
        working_hours={"mon": [["09:00", "17:00"]]},
    )
    rep.user.first_name, rep.user.last_name, rep.user.email = "Ann", "Lee", "ann@example.com"
    rep.user.save()
    rep.skills.set([spanish])
    rep.territories.set([central])
    yesterday_lead, today_lead, closed_lead = make_leads(3)
    # 05:59 UTC is 23:59 on Sunday in Chicago: open, but not new today.
    assign(rep, yesterday_lead, datetime(2026, 11, 23, 5, 59, tzinfo=UTC))
    assign(rep, today_lead, NOON_CHICAGO - timedelta(hours=1))
    assign(rep, closed_lead, NOON_CHICAGO - timedelta(hours=2))
    closed_lead.status = "lost"
    closed_lead.save(update_fields=["status"])

    (body,) = client_for(manager).get("/api/v1/reps/").json()["results"]

    assert body == {
        "id": rep.pk,
        "username": "ann",
        "name": "Ann Lee",
        "email": "ann@example.com",
        "team": {"id": team.pk, "name": "Austin office"},
        "is_active": True,
        "paused": False,
        "paused_until": None,
        "weight": 3,
        "skills": ["spanish"],
        "languages": ["en", "es"],
        "licensed_states": ["TX", "OK"],
        "territories": ["Central TX"],
        "time_zone": "America/Chicago",
        "working_hours": {"mon": [["09:00", "17:00"]]},
        "capacity": {"max_open_leads": 5, "max_new_per_day": 4},
        "load": {"open_leads": 2, "new_today": 2},
        "availability": {"available": True, "reason": "", "time_off_until": None},
    }


def test_availability_says_why_a_rep_cannot_take_a_lead(manager, make_rep, make_leads):
    make_rep("paula", paused=True)
    away = make_rep("tom")
    back = NOON_CHICAGO + timedelta(days=2)
    TimeOff.objects.create(rep=away, starts_at=NOON_CHICAGO - timedelta(days=1), ends_at=back)
    full = make_rep("fred", max_open_leads=1)
    assign(full, make_leads(1)[0], NOON_CHICAGO - timedelta(minutes=5))
    make_rep("nina", working_hours={"tue": [["09:00", "17:00"]]})

    reps = by_username(client_for(manager).get("/api/v1/reps/").json())

    assert reps["paula"]["availability"] == {
        "available": False,
        "reason": "paused",
        "time_off_until": None,
    }
    assert reps["tom"]["availability"]["available"] is False
    assert reps["tom"]["availability"]["reason"] == "on time off until Nov 25 12:00"
    assert reps["tom"]["availability"]["time_off_until"] == "2026-11-25T18:00:00Z"
    assert reps["fred"]["availability"]["reason"] == "at capacity 1/1"
    assert reps["fred"]["load"] == {"open_leads": 1, "new_today": 1}
    assert reps["nina"]["availability"]["reason"].startswith("off until Tue 09:00")


def test_a_manual_assignment_counts_as_open_but_not_as_new_today(manager, make_rep, make_leads):
    rep = make_rep("ann")
    assign(rep, make_leads(1)[0], NOON_CHICAGO, reason=Assignment.Reason.MANUAL)

    (body,) = client_for(manager).get("/api/v1/reps/").json()["results"]

    assert body["load"] == {"open_leads": 1, "new_today": 0}


# --- filters and pagination -----------------------------------------------------------------


@pytest.fixture
def roster(make_rep, other_team):
    spanish = Skill.objects.create(name="Spanish")
    ann = make_rep("ann", licensed_states=["TX", "OK"])
    ann.skills.set([spanish])
    bob = make_rep("bob", paused=True, licensed_states=["tx"])
    cy = make_rep("cy", team=other_team, licensed_states=["CA"])
    cy.skills.set([spanish])
    return ann, bob, cy


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["ann", "bob", "cy"]),
        ("available=true", ["ann", "cy"]),
        ("available=false", ["bob"]),
        ("skill=spanish", ["ann", "cy"]),
        ("state=tx", ["ann", "bob"]),
        ("state=CA", ["cy"]),
        ("state=NY", []),
        ("skill=Spanish&state=TX&available=true", ["ann"]),
    ],
)
def test_filters_by_availability_skill_and_licensed_state(staff, roster, query, expected):
    body = client_for(staff).get(f"/api/v1/reps/?{query}").json()

    assert sorted(by_username(body)) == expected
    assert body["count"] == len(expected)


def test_filters_by_team_within_what_the_user_may_see(staff, manager, team, other_team, roster):
    assert sorted(by_username(client_for(staff).get(f"/api/v1/reps/?team={team.pk}").json())) == [
        "ann",
        "bob",
    ]
    # A manager asking for another team's reps gets none of them, not an error.
    assert client_for(manager).get(f"/api/v1/reps/?team={other_team.pk}").json()["count"] == 0


def test_a_bad_filter_value_names_the_field(staff, roster):
    response = client_for(staff).get("/api/v1/reps/?team=austin")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["team"]


def test_the_list_is_paginated_like_the_leads_list(staff, make_rep, monkeypatch):
    from rest_framework.pagination import PageNumberPagination

    # The class reads PAGE_SIZE once, at import: overriding the setting would not reach it.
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    for name in ("ann", "bob", "cy"):
        make_rep(name)
    client = client_for(staff)

    first = client.get("/api/v1/reps/").json()
    second = client.get(first["next"]).json()

    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3
    assert [r["username"] for r in first["results"] + second["results"]] == ["ann", "bob", "cy"]


# --- query budget ---------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?available=true&skill=spanish&state=TX"])
def test_the_query_count_does_not_grow_with_the_number_of_reps(
    manager, make_rep, make_leads, django_assert_max_num_queries, query
):
    spanish = Skill.objects.create(name="spanish")
    territory = Territory.objects.create(name="Texas", states=["TX"])
    leads = iter(make_leads(40))
    client = client_for(manager)

    def add_reps(n):
        for _ in range(n):
            rep = make_rep(licensed_states=["TX"])
            rep.skills.set([spanish])
            rep.territories.set([territory])
            assign(rep, next(leads), NOON_CHICAGO)
            TimeOff.objects.create(
                rep=rep,
                starts_at=NOON_CHICAGO + timedelta(days=1),
                ends_at=NOON_CHICAGO + timedelta(days=2),
            )

    add_reps(2)
    # Token (read, last used), manager check (two permission reads, managed team), count,
    # page, two prefetches, three load queries: 12. The filters add the availability check
    # (the reps and their three load queries) and the licence read: 17.
    budget = 12 if not query else 17
    with django_assert_max_num_queries(budget):
        assert len(client.get(f"/api/v1/reps/{query}").json()["results"]) == 2
    add_reps(20)
    with django_assert_max_num_queries(budget):
        assert len(client.get(f"/api/v1/reps/{query}").json()["results"]) == 22


def test_the_schema_documents_the_reps_list(db):
    schema = APIClient().get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/reps/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"team", "available", "skill", "state"}
    rep = schema["components"]["schemas"]["Rep"]["properties"]
    assert {"capacity", "load", "availability", "licensed_states"} <= set(rep)
