"""One rotation for the whole team: rules whose pool is a team with `one_rotation_for_team`
take turns from one rotation, so a rep in several rules is balanced overall, not per rule."""

from collections import Counter

import pytest

from routing.models import RotationState, RoutingRule, Skill
from routing.services import route_lead

pytestmark = pytest.mark.django_db

TEXAS = {"field": "state", "op": "equals", "value": "TX"}


def alternating_leads(make_leads, n):
    """n leads, one for the Texas rule then one for the catch-all rule, and so on."""
    leads = []
    for i in range(n):
        leads += make_leads(1, state="TX" if i % 2 == 0 else "OK")
    return leads


@pytest.fixture
def two_rules_over_one_team(make_rep, make_rule):
    for name in ("ana", "ben", "cai"):
        make_rep(name)
    make_rule("Texas", order=1, condition=TEXAS)
    make_rule("Everyone else", order=2)


@pytest.mark.usefixtures("two_rules_over_one_team")
def test_without_the_option_each_rule_rotates_on_its_own(make_leads):
    owners = [route_lead(lead).rep.user.username for lead in alternating_leads(make_leads, 6)]

    # Each rule starts its own rotation: its first lead goes to ana, its second to ben.
    assert owners == ["ana", "ana", "ben", "ben", "cai", "cai"]
    assert RotationState.objects.filter(team__isnull=False).count() == 0


@pytest.mark.usefixtures("two_rules_over_one_team")
def test_with_the_option_the_rules_share_one_rotation(make_leads, team):
    team.one_rotation_for_team = True
    team.save()

    decisions = [route_lead(lead) for lead in alternating_leads(make_leads, 6)]

    assert [d.rep.user.username for d in decisions] == ["ana", "ben", "cai", "ana", "ben", "cai"]
    assert {d.rule.name for d in decisions} == {"Texas", "Everyone else"}
    assert "one rotation for the whole Austin office team" in decisions[1].explanation
    assert decisions[1].method_state["shared_rotation_team"] == team.pk
    # One row per rep, the team's; no rule keeps a rotation of its own.
    assert RotationState.objects.filter(rule__isnull=False).count() == 0
    assert list(
        RotationState.objects.filter(team=team).values_list("assigned_count", flat=True)
    ) == [2, 2, 2]


def test_a_rep_in_both_rules_is_balanced_overall_only_with_the_option(
    make_rep, make_rule, make_leads, team
):
    """Texas leads need a skill only ana and ben have; cai takes only the other leads. Per
    rule, ana and ben get all the Texas leads and an equal share of the rest as well. With one
    rotation, a rep who just took a Texas lead waits behind cai for the next lead of the other
    rule: cai gets half as many again. (Round robin gives each lead to whoever waited longest,
    so cai, who can take only half the leads, cannot reach a full third.)"""
    commercial = Skill.objects.create(name="commercial")
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rep("cai")
    ana.skills.add(commercial)
    ben.skills.add(commercial)
    make_rule("Texas", order=1, condition=TEXAS).required_skills.add(commercial)
    make_rule("Everyone else", order=2)

    per_rule = Counter(
        route_lead(lead).rep.user.username for lead in alternating_leads(make_leads, 24)
    )
    team.one_rotation_for_team = True
    team.save()
    shared = Counter(
        route_lead(lead).rep.user.username for lead in alternating_leads(make_leads, 24)
    )

    assert per_rule == {"ana": 10, "ben": 10, "cai": 4}
    assert shared == {"ana": 9, "ben": 9, "cai": 6}


def test_a_rule_whose_pool_is_named_reps_keeps_its_own_rotation(
    make_rep, make_rule, make_leads, team
):
    team.one_rotation_for_team = True
    team.save()
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule("Named", pool_reps=[ana, ben])

    route_lead(make_leads(1)[0])

    assert RotationState.objects.filter(team__isnull=False).count() == 0
    assert RotationState.objects.filter(rule__name="Named").count() == 2


def test_weighted_shares_hold_across_rules_sharing_the_rotation(
    make_rep, make_rule, make_leads, team
):
    team.one_rotation_for_team = True
    team.save()
    make_rep("heavy", weight=3)
    make_rep("light", weight=1)
    make_rule("Texas", order=1, condition=TEXAS, method=RoutingRule.Method.WEIGHTED)
    make_rule("Everyone else", order=2, method=RoutingRule.Method.WEIGHTED)

    counts = Counter(
        route_lead(lead).rep.user.username for lead in alternating_leads(make_leads, 40)
    )

    assert counts == {"heavy": 30, "light": 10}
