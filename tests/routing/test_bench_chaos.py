"""The chaos probe's invariant: every open lead is owned, queued, in review or parked."""

import pytest

from bench.chaos_bench import open_lead_whereabouts
from intake import services as intake_services
from intake.models import Door
from routing.models import RoutingRule
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

LEAD = {"full_name": "Ann Lee", "email": "ann@gmail.com", "request_type": "home"}


def test_a_routed_lead_is_owned_and_a_lead_nobody_could_take_is_queued(
    api, make_rep, make_rule, team
):
    make_rule(
        name="Florida",
        pool_reps=[make_rep("sam", paused=True)],
        condition={"field": "state", "op": "equals", "value": "FL"},
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
        order=1,
    )
    make_rule(name="Everyone", pool_reps=[make_rep("kim")], order=2)

    owned = post_lead(api, LEAD).json()["id"]
    queued = post_lead(api, {**LEAD, "email": "bo@gmail.com", "state": "FL"}).json()["id"]

    assert open_lead_whereabouts() == {owned: "owned", queued: "queued"}


def test_a_lead_held_for_review_or_parked_after_a_routing_error_is_accounted_for(
    api, make_rep, make_rule, monkeypatch
):
    from routing.services import engine

    make_rule(pool_reps=[make_rep("sam")])
    # No request type: the classifier is unsure and a person reviews the lead.
    held = post_lead(api, {"full_name": "Ann Lee", "email": "ann@gmail.com"}).json()["id"]
    monkeypatch.setattr(engine, "_choose", lambda *args, **kwargs: 1 / 0)
    parked = post_lead(api, {**LEAD, "email": "bo@gmail.com"}).json()["id"]

    assert open_lead_whereabouts() == {held: "review", parked: "parked"}


def test_a_lead_stored_but_never_qualified_or_routed_is_nowhere(source, make_rep, make_rule):
    """What a worker killed between intake's commit and routing leaves behind."""
    make_rule(pool_reps=[make_rep("sam")])
    submission = intake_services.submission_store(
        source=source, door=Door.API, body=b'{"email": "ann@gmail.com"}'
    )
    lead = intake_services.submission_ingest(submission=submission).lead

    assert open_lead_whereabouts() == {lead.pk: "nowhere"}


def test_test_leads_are_left_out(api, make_rep, make_rule):
    make_rule(pool_reps=[make_rep("sam")])

    post_lead(api, {**LEAD, "email": "qa@example.com"})

    assert open_lead_whereabouts() == {}


def test_a_lead_the_sweep_will_try_again_is_retrying(api, make_rep, make_rule, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from intake.models import Lead
    from qualification.services import qualify
    from routing.services import stranded_lead_claim

    make_rule(pool_reps=[make_rep("sam")])
    monkeypatch.setattr(qualify, "lead_judge", lambda *args, **kwargs: 1 / 0)
    lead = Lead.objects.get(pk=post_lead(api, LEAD).json()["id"])
    assert open_lead_whereabouts() == {lead.pk: "nowhere"}  # until the sweep takes it up

    assert stranded_lead_claim(lead=lead, now=timezone.now() - timedelta(seconds=1))

    assert open_lead_whereabouts() == {lead.pk: "retrying"}
