"""Routing as the last step of the pipeline: the API answers with the owner and why."""

import pytest

from intake.models import Lead, LeadStatus
from routing.models import RoutingDecision
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

LEAD = {"full_name": "Ann Lee", "email": "ann@gmail.com", "request_type": "home"}


def test_an_api_lead_is_routed_at_once_and_the_answer_says_to_whom_and_why(
    api, make_rep, make_rule
):
    make_rule(pool_reps=[make_rep("sam")])

    body = post_lead(api, LEAD).json()

    assert body["owner"] == "sam" and body["status"] == "assigned"
    assert body["routing"]["rule"] == "Everyone" and body["routing"]["method"] == "round_robin"
    assert "round robin: Sam" in body["routing"]["explanation"]


def test_a_rep_sees_only_the_leads_they_own(api, make_rep, make_rule, client):
    sam, kim = make_rep("sam"), make_rep("kim")
    make_rule(pool_reps=[sam, kim])
    first = post_lead(api, LEAD).json()["id"]
    second = post_lead(api, {**LEAD, "email": "bo@gmail.com"}).json()["id"]
    client.force_login(sam.user)

    listing = client.get("/api/v1/leads/").json()

    assert [row["id"] for row in listing["results"]] == [first]
    assert client.get(f"/api/v1/leads/{second}/").status_code == 404


def test_test_leads_are_never_routed(api, make_rep, make_rule):
    make_rule(pool_reps=[make_rep("sam")])

    body = post_lead(api, {**LEAD, "email": "qa@example.com"}).json()

    assert body["owner"] is None and body["routing"] is None


def test_a_routing_error_parks_the_lead_and_the_schedule_retries_it(
    api, make_rep, make_rule, monkeypatch
):
    from routing import tasks
    from routing.services import engine

    make_rule(pool_reps=[make_rep("sam")])
    real = engine._choose

    def broken(*args, **kwargs):
        raise RuntimeError("rotation table unavailable")

    monkeypatch.setattr(engine, "_choose", broken)
    body = post_lead(api, LEAD).json()

    assert body["status"] == "new" and body["routing"]["outcome"] == "error"
    assert "rotation table unavailable" in body["routing"]["explanation"]

    monkeypatch.setattr(engine, "_choose", real)
    assert tasks.route_parked_leads() == "retried 1 parked lead(s)"
    lead = Lead.objects.get(pk=body["id"])
    assert lead.status == LeadStatus.ASSIGNED
    assert RoutingDecision.objects.filter(lead=lead).count() == 2


def test_of_two_runs_that_listed_the_same_parked_lead_only_the_first_to_claim_it_retries(
    make_leads,
):
    from routing.selectors import parked_leads
    from routing.services import parked_lead_claim, routing_park

    lead = make_leads(1)[0]
    routing_park(lead=lead, error="RuntimeError: rotation table unavailable")
    listed_here, listed_there = list(parked_leads()), list(parked_leads())

    assert parked_lead_claim(lead=listed_here[0]) is True
    assert parked_lead_claim(lead=listed_there[0]) is False  # another worker got there first


def test_a_bulk_import_rotates_exactly_like_leads_sent_one_by_one(
    api, source, make_rep, make_rule, tmp_path
):
    from django.core.management import call_command

    reps = [make_rep(name) for name in ("ana", "ben", "cai")]
    make_rule(pool_reps=reps)
    one_by_one = [
        post_lead(
            api, {"full_name": f"Api {i}", "email": f"api{i}@gmail.com", "request_type": "quote"}
        ).json()["owner"]
        for i in range(4)
    ]
    path = tmp_path / "list.csv"
    path.write_text(
        "full_name,email,request_type\n"
        + "".join(f"Row {i},row{i}@gmail.com,quote\n" for i in range(8))
    )

    call_command("import_leads", str(path), "--source", source.name)

    imported = [
        lead.assignments.get().user.username
        for lead in Lead.objects.filter(email__startswith="row").order_by("pk")
    ]
    # The rotation simply continues: ana, ben, cai, ana | ben, cai, ana, ben, cai, ana, ben, cai.
    assert one_by_one == ["ana", "ben", "cai", "ana"]
    assert imported == ["ben", "cai", "ana", "ben", "cai", "ana", "ben", "cai"]
