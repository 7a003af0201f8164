"""A state licence is a legal constraint set once for every path a lead takes to a rep: rules
and their fallbacks, managers' assignments, queue claims, SLA reassignment, on-call pages. A
lead nobody licensed can take waits in a team's queue, saying so."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intake.models import LeadStatus
from qualification.models import Qualification
from routing.models import (
    Assignment,
    LicenceRequirement,
    RoutingDecision,
    RoutingRule,
    SlaStep,
)
from routing.services import (
    RuleEdit,
    lead_assign_manually,
    queue_lead_claim,
    queue_take_next,
    route_lead,
    routing_replay,
    routing_simulate,
    sla_sweep,
)
from routing.services.simulation import LicenceGap

pytestmark = pytest.mark.django_db

# Monday 30 November 2026, 19:00 in Chicago: after a 09:00-17:00 shift.
MONDAY_EVENING = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
MONDAY_10 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
NINE_TO_FIVE = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def owner(lead) -> Assignment:
    return Assignment.objects.get(lead=lead, ended_at__isnull=True)


def qualified(lead, request_type: str):
    Qualification.objects.create(
        lead=lead,
        score=50,
        tier="B",
        urgency="normal",
        request_type=request_type,
        confidence=0.9,
        score_source="rules",
    )
    return lead


@pytest.fixture
def reported_rules(make_rep, make_rule, team, require_licence):
    """The user's report: a Nevada rule saved with the defaults (working now, next rule) whose
    only licensed rep is off for the night, then a catch-all whose rep holds Texas only."""
    require_licence()
    nevada_rep = make_rep("nora", licensed_states=["NV"], working_hours=NINE_TO_FIVE)
    texan = make_rep("tex", licensed_states=["TX"])
    make_rule(
        "Nevada",
        order=10,
        condition={"field": "state", "op": "equals", "value": "NV"},
        pool_reps=[nevada_rep],
        require_working_now=True,
    )
    catch_all = make_rule(
        "Catch-all",
        order=20,
        pool_reps=[texan],
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )
    return nevada_rep, texan, catch_all


def test_a_nevada_lead_nobody_licensed_can_take_waits_in_a_queue_not_with_the_texan(
    reported_rules, make_leads, team
):
    _, texan, _ = reported_rules
    (lead,) = make_leads(1, state="NV")

    decision = route_lead(lead, now=MONDAY_EVENING)

    assert decision.outcome == RoutingDecision.Outcome.TEAM_QUEUE
    assert decision.explanation.startswith("Nobody licensed in NV can take it")
    assert "Austin office's unassigned queue" in decision.explanation
    queued = owner(lead)
    assert queued.rep is None and queued.queue_team == team
    assert queued.note.startswith("Nobody licensed in NV can take it")
    assert not Assignment.objects.filter(rep=texan).exists()
    catch_all = next(t for t in decision.rules_tried if t["rule"] == "Catch-all")
    assert catch_all["candidates"][0]["excluded"] == "not licensed in NV"


def test_the_same_lead_goes_to_the_licensed_rep_in_her_hours(reported_rules, make_leads):
    nevada_rep, _, _ = reported_rules
    (lead,) = make_leads(1, state="NV")

    assert route_lead(lead, now=MONDAY_10).rep == nevada_rep


def test_rules_that_all_try_the_next_rule_end_in_the_pool_reps_team_queue_not_review(
    reported_rules, make_leads, team
):
    _, _, catch_all = reported_rules
    catch_all.fallback, catch_all.fallback_team = RoutingRule.Fallback.NEXT_RULE, None
    catch_all.save()
    (lead,) = make_leads(1, state="NV")

    decision = route_lead(lead, now=MONDAY_EVENING)

    assert decision.outcome == RoutingDecision.Outcome.TEAM_QUEUE
    assert decision.explanation.startswith("Nobody licensed in NV can take it")
    assert owner(lead).queue_team == team
    assert lead.reviews.count() == 0


def test_a_lead_needing_a_licence_is_queued_rather_than_given_to_a_fallback_manager(
    make_rep, make_rule, make_leads, team, django_user_model, require_licence
):
    require_licence()
    manager = django_user_model.objects.create_user("mia")
    make_rule(
        pool_reps=[make_rep("tex", licensed_states=["TX"])],
        fallback=RoutingRule.Fallback.MANAGER,
        fallback_user=manager,
    )
    (lead,) = make_leads(1, state="NV")

    decision = route_lead(lead)

    assert decision.outcome == RoutingDecision.Outcome.TEAM_QUEUE
    assert owner(lead).queue_team == team and owner(lead).user is None


def test_without_a_licence_requirement_the_catch_all_takes_the_lead(
    make_rep, make_rule, make_leads
):
    texan = make_rep("tex", licensed_states=["TX"])
    make_rule(pool_reps=[texan])
    (lead,) = make_leads(1, state="NV")

    assert route_lead(lead).rep == texan


def test_only_the_listed_request_types_need_a_licence(
    make_rep, make_rule, make_leads, require_licence
):
    require_licence("Quote", "refinance")
    texan = make_rep("tex", licensed_states=["TX"])
    make_rule(pool_reps=[texan])
    quote, repair, arrived_as_refinance = make_leads(3, state="NV")
    qualified(quote, "quote")  # compared without case
    qualified(repair, "service")
    arrived_as_refinance.request_type = "refinance"
    arrived_as_refinance.save(update_fields=["request_type"])

    assert route_lead(repair).rep == texan
    assert route_lead(quote).outcome == RoutingDecision.Outcome.TEAM_QUEUE
    assert route_lead(arrived_as_refinance).outcome == RoutingDecision.Outcome.TEAM_QUEUE


def test_a_change_of_the_requirement_applies_to_the_next_lead(
    make_rep, make_rule, make_leads, require_licence
):
    texan = make_rep("tex", licensed_states=["TX"])
    make_rule(pool_reps=[texan])
    first, second = make_leads(2, state="NV")
    assert route_lead(first).rep == texan  # the configuration is now in memory

    require_licence()

    assert route_lead(second).outcome == RoutingDecision.Outcome.TEAM_QUEUE


def test_a_manager_cannot_give_a_lead_to_a_rep_not_licensed_in_its_state(
    personas, make_leads, require_licence
):
    require_licence()
    personas.ann.licensed_states = ["TX"]
    personas.ann.save()
    (lead,) = make_leads(1, state="NV")

    with pytest.raises(ValidationError) as refused:
        lead_assign_manually(lead=lead, user=personas.staff, rep=personas.ann)

    assert refused.value.message_dict["rep"] == [
        "Ann is not licensed in NV, and this lead needs a rep licensed in its state."
    ]
    assert not Assignment.objects.filter(lead=lead).exists()
    personas.bob.licensed_states = ["NV"]
    personas.bob.save()
    assert lead_assign_manually(lead=lead, user=personas.staff, rep=personas.bob).rep == (
        personas.bob
    )


def test_a_lead_with_no_state_cannot_be_given_to_any_rep(personas, make_leads, require_licence):
    require_licence()
    (lead,) = make_leads(1, state="")

    with pytest.raises(ValidationError) as refused:
        lead_assign_manually(lead=lead, user=personas.staff, rep=personas.ann)

    assert "its state is unknown" in refused.value.message_dict["rep"][0]
    queued = lead_assign_manually(lead=lead, user=personas.staff, team=personas.team)
    assert queued.queue_team == personas.team


@pytest.fixture
def nevada_lead_in_the_queue(personas, make_leads, give, require_licence):
    personas.team.reps_may_claim_queue = True
    personas.team.save(update_fields=["reps_may_claim_queue"])
    personas.ann.licensed_states = ["TX"]
    personas.ann.save()
    (lead,) = make_leads(1, state="NV")
    give(lead, team=personas.team)
    require_licence()
    return lead


def test_a_rep_not_licensed_cannot_take_the_lead_from_the_queue(personas, nevada_lead_in_the_queue):
    lead = nevada_lead_in_the_queue

    with pytest.raises(ValidationError) as refused:
        queue_lead_claim(rep=personas.ann, lead=lead)

    assert refused.value.messages == [
        "You are not licensed in NV, and this lead needs a rep licensed in its state."
    ]
    assert owner(lead).queue_team == personas.team


def test_take_next_passes_over_a_lead_the_rep_may_not_hold(
    personas, nevada_lead_in_the_queue, make_leads, give
):
    (texas,) = make_leads(1, state="TX")
    give(texas, team=personas.team)

    taken = queue_take_next(rep=personas.ann)

    assert taken.lead == texas and taken.rep == personas.ann
    assert owner(nevada_lead_in_the_queue).queue_team == personas.team
    with pytest.raises(ValidationError) as refused:
        queue_take_next(rep=personas.ann)
    assert refused.value.messages == [
        "Nothing is waiting in Austin office's queue that you may take: 1 lead(s) there need "
        "a state licence you do not hold."
    ]
    personas.bob.licensed_states = ["NV"]
    personas.bob.save()
    assert queue_take_next(rep=personas.bob).lead == nevada_lead_in_the_queue


def test_an_sla_reassignment_skips_reps_not_licensed_in_the_leads_state(
    make_rep, make_rule, make_leads, make_policy, require_licence, team, django_user_model
):
    require_licence()
    team.manager = django_user_model.objects.create_user("mia")
    team.save(update_fields=["manager"])
    ann = make_rep("ann", licensed_states=["NV"])
    tex = make_rep("tex", licensed_states=["TX"])
    cal = make_rep("cal", licensed_states=["NV", "TX"])
    make_rule(pool_reps=[ann, tex, cal])
    make_policy(steps=((SlaStep.Kind.REASSIGN, 100, None),), escalate_after_reassignments=5)
    (lead,) = make_leads(1, state="NV")
    route_lead(lead, now=MONDAY_10)
    assert owner(lead).rep == ann

    sla_sweep(MONDAY_10 + timedelta(minutes=30))

    assert owner(lead).rep == cal  # tex's turn came first, but he may not hold it
    sla_sweep(MONDAY_10 + timedelta(minutes=60))
    escalated = owner(lead)
    assert escalated.rep is None and escalated.user == team.manager
    assert not lead.assignments.filter(rep=tex).exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED


def test_the_admin_sets_the_requirement_in_plain_words(admin_client, make_leads):
    make_leads(1, state="NV", request_type="quote")
    url = "/admin/routing/licencerequirement/"
    change = admin_client.get(url, follow=True)
    page = change.content.decode()
    assert "Leads that need a rep licensed in their state" in page
    assert 'value="quote"' in page  # a request type the installation knows: a tick box

    refused = admin_client.post(change.redirect_chain[-1][0], {"applies_to": "request_types"})
    assert "Name at least one request type" in refused.content.decode()

    saved = admin_client.post(
        change.redirect_chain[-1][0],
        {
            "applies_to": "request_types",
            "request_types": ["quote"],
            "other_request_types": "Refinance, QUOTE, ",
        },
    )
    assert saved.status_code == 302
    row = LicenceRequirement.objects.get()
    assert row.request_types == ["quote", "Refinance"]
    assert str(row) == "A state licence for: quote, Refinance"
    assert admin_client.post(f"{url}1/delete/", {"post": "yes"}).status_code == 403
    assert LicenceRequirement.objects.count() == 1


def test_rules_have_no_licence_option_any_more(admin_client):
    page = admin_client.get("/admin/routing/routingrule/add/").content.decode()

    assert "require_license" not in page and "licensed" not in page.lower()


def test_the_simulation_warns_when_nobody_licensed_can_take_the_lead(
    reported_rules, make_leads, admin_client, time_machine
):
    time_machine.move_to(MONDAY_EVENING, tick=False)
    (lead,) = make_leads(1, state="NV")

    decision = routing_simulate(lead=lead)

    assert decision.licence_state == "NV" and decision.rules_without_licensed_rep == ("Catch-all",)
    assert decision.licence_warning == (
        "This lead needs a rep licensed in NV. No rep of “Catch-all” is licensed there. "
        "Nobody licensed can take it now: in a team's unassigned queue."
    )
    page = admin_client.post(reverse("admin:routing_routingrule_simulate"), {"lead": lead.pk})
    assert 'id="licence-warning"' in page.content.decode()
    assert not Assignment.objects.filter(lead=lead).exists()


def test_the_simulation_says_nothing_of_licences_when_a_licensed_rep_takes_it(
    reported_rules, make_leads
):
    (lead,) = make_leads(1, state="NV")

    decision = routing_simulate(lead=lead, now=MONDAY_10)

    assert decision.licence_state == "NV" and decision.licence_warning == ""


def test_the_replay_lists_states_nobody_licensed_in_the_matching_pools_can_take(
    reported_rules, make_leads
):
    nevada_rep, _, catch_all = reported_rules
    nevada, texas = make_leads(2, state="NV")
    texas.state = "TX"
    texas.save(update_fields=["state"])

    saved = routing_replay(leads=[nevada, texas], now=MONDAY_EVENING)
    # With the Nevada rep in the catch-all's pool, the Nevada lead has a licensed rep there.
    edited = routing_replay(
        leads=[nevada, texas],
        now=MONDAY_EVENING,
        rule_changes=[RuleEdit(rule=catch_all, values={"pool_reps": [nevada_rep.pk]})],
    )

    assert saved.licence_gaps == [LicenceGap(state="NV", leads=1, waiting=1, rules=("Catch-all",))]
    assert edited.licence_gaps == [LicenceGap(state="TX", leads=1, waiting=1, rules=("Catch-all",))]


def test_the_lead_page_says_why_a_manager_may_not_give_the_lead_to_a_rep(
    client, personas, make_leads, give, require_licence
):
    (lead,) = make_leads(1, state="NV")
    give(lead, rep=personas.ann)
    require_licence()
    personas.ann.licensed_states = personas.bob.licensed_states = ["TX"]
    personas.ann.save()
    personas.bob.save()
    client.force_login(personas.manager)

    response = client.post(f"/leads/{lead.pk}/assign/", {"target": f"rep:{personas.bob.pk}"})

    assert response.status_code == 400
    assert (
        "Bob is not licensed in NV, and this lead needs a rep licensed in its state."
        in response.content.decode()
    )
    assert owner(lead).rep == personas.ann
