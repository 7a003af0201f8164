"""Qualification tags as a routing condition field: a tag a signal added routes the lead."""

import pytest
from django.core.exceptions import ValidationError

from intake.models import Lead
from qualification.models import Signal
from routing.models import RoutingDecision, RoutingRule
from routing.services import RuleEdit, routing_replay, routing_simulate
from tests.conftest import ROUTABLE_LEAD, post_lead

pytestmark = pytest.mark.django_db

COMMERCIAL = {"field": "tags", "op": "in", "value": ["commercial"]}


@pytest.fixture
def commercial_desk(make_rep, make_rule):
    """A signal tags warehouse leads "commercial"; the first rule takes those, the next the
    rest."""
    Signal.objects.create(
        name="Commercial property",
        condition={"field": "message", "op": "contains_any", "value": ["warehouse"]},
        add_tag="commercial",
    )
    cora, rest = make_rep("cora"), make_rep("rest")
    make_rule("Commercial desk", pool_reps=[cora], order=1, condition=COMMERCIAL)
    make_rule("Everyone", pool_reps=[rest], order=2)
    return cora, rest


def submit(api, message, **person):
    response = post_lead(api, {**ROUTABLE_LEAD, "message": message, **person})
    assert response.status_code == 201, response.content
    return RoutingDecision.objects.get(lead_id=response.json()["id"])


def test_a_lead_a_signal_tagged_goes_to_the_rule_that_asks_for_the_tag(api, commercial_desk):
    cora, _ = commercial_desk

    decision = submit(api, "Our warehouse roof leaks, please call")

    assert decision.lead.qualification.tags == ["commercial"]
    assert decision.rep == cora and decision.rule.name == "Commercial desk"
    assert decision.rules_tried == [{"rule": "Commercial desk", "result": "matched: Cora chosen"}]


def test_a_lead_without_the_tag_goes_on_to_the_next_rule(api, commercial_desk):
    _, rest = commercial_desk

    decision = submit(api, "Our house roof leaks, please call")

    assert decision.lead.qualification.tags == []
    assert decision.rep == rest
    assert decision.rules_tried[0] == {
        "rule": "Commercial desk",
        "result": "condition did not match",
    }


def test_a_rule_can_ask_for_leads_with_no_tag_or_without_one(make_rule):
    for condition in (
        {"field": "tags", "op": "is_empty"},
        {"field": "tags", "op": "not_in", "value": ["commercial"]},
        COMMERCIAL,
    ):
        RoutingRule(name="Tagged", condition=condition).full_clean()
    with pytest.raises(ValidationError, match="labels"):
        RoutingRule(
            name="Typo", condition={"field": "labels", "op": "in", "value": ["x"]}
        ).full_clean()


def test_simulating_a_typed_lead_qualifies_it_and_routes_it_by_its_tag(commercial_desk):
    simulated = routing_simulate(
        lead_fields={**ROUTABLE_LEAD, "message": "A warehouse in Austin", "state": "TX"}
    )

    assert simulated.rep_name == "Cora" and simulated.rule_name == "Commercial desk"


def test_replay_shows_where_tagged_leads_would_go_with_the_tag_condition_changed(
    api, commercial_desk
):
    _, rest = commercial_desk
    submit(api, "Our warehouse roof leaks")
    submit(api, "Our house roof leaks", email="bo@gmail.com", phone="+1 512 555 0177")
    rule = RoutingRule.objects.get(name="Commercial desk")

    result = routing_replay(
        rule_changes=[
            RuleEdit(rule=rule, values={"condition": {**COMMERCIAL, "value": ["industrial"]}})
        ],
        leads=Lead.objects.order_by("pk"),
    )

    (moved,) = result.changed
    assert moved.before.rep_name == "Cora" and moved.after.rep_id == rest.pk
    assert RoutingRule.objects.get(name="Commercial desk").condition == COMMERCIAL
