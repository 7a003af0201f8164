"""Routing decisions: methods, constraints with reasons, fallbacks, owners, fairness rules."""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from intake.models import LeadEvent, LeadStatus
from qualification.models import ReviewTask
from routing.models import Assignment, RotationState, RoutingDecision, RoutingRule, Skill, TimeOff
from routing.services import route_lead

pytestmark = pytest.mark.django_db


def owners(leads):
    return Counter(route_lead(lead).rep.user.username for lead in leads)


def test_round_robin_rotates_evenly_and_explains_itself(make_rep, make_rule, make_leads):
    reps = [make_rep(name) for name in ("ana", "ben", "cai")]
    make_rule(pool_reps=reps)

    decisions = [route_lead(lead) for lead in make_leads(9)]

    assert Counter(d.rep.user.username for d in decisions) == {"ana": 3, "ben": 3, "cai": 3}
    first = decisions[0]
    assert first.outcome == "assigned" and first.method == "round_robin"
    assert "round robin" in first.explanation and "waited longest" in first.explanation
    assert {c["rep"] for c in first.candidates} == {"Ana", "Ben", "Cai"}
    assignment = Assignment.objects.get(lead=first.lead)
    assert assignment.reason == "initial" and assignment.user == first.rep.user
    first.lead.refresh_from_db()
    assert first.lead.status == LeadStatus.ASSIGNED


def test_weighted_round_robin_gives_exact_shares(make_rep, make_rule, make_leads):
    heavy, light = make_rep("heavy", weight=3), make_rep("light", weight=1)
    make_rule(pool_reps=[heavy, light], method=RoutingRule.Method.WEIGHTED)

    counts = owners(make_leads(400))

    assert counts == {"heavy": 300, "light": 100}


def test_least_loaded_picks_the_rep_with_fewest_open_leads(make_rep, make_rule, make_leads):
    busy, free = make_rep("busy"), make_rep("free")
    rule = make_rule(pool_reps=[busy, free], method=RoutingRule.Method.LEAST_LOADED)
    for lead in make_leads(3):
        Assignment.objects.create(
            lead=lead,
            rep=busy,
            user=busy.user,
            reason="manual",
            assigned_at=timezone.now(),
            rule=rule,
        )

    decision = route_lead(make_leads(1)[0])

    assert decision.rep == free and "least loaded" in decision.explanation


def test_constraints_exclude_reps_with_the_reason(
    make_rep, make_rule, make_leads, time_machine, require_licence
):
    require_licence()
    time_machine.move_to(
        datetime(2026, 11, 24, 15, 0, tzinfo=ZoneInfo("America/Chicago")), tick=False
    )
    closer = Skill.objects.create(name="commercial")
    licensed = make_rep("licensed", licensed_states=["TX"])
    licensed.skills.add(closer)
    unlicensed = make_rep("unlicensed", licensed_states=["OK"])
    no_skill = make_rep("noskill", licensed_states=["TX"])
    asleep = make_rep(
        "asleep",
        licensed_states=["TX"],
        working_hours={"tue": [["06:00", "09:00"]], "wed": [["09:00", "17:00"]]},
    )
    asleep.skills.add(closer)
    away = make_rep("away", licensed_states=["TX"])
    away.skills.add(closer)
    TimeOff.objects.create(
        rep=away,
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=2),
        reason="vacation",
    )
    rule = make_rule(
        pool_reps=[licensed, unlicensed, no_skill, asleep, away],
        require_working_now=True,
    )
    rule.required_skills.add(closer)

    decision = route_lead(make_leads(1, state="TX")[0])

    assert decision.rep == licensed
    why = {c["rep"]: c["excluded"] for c in decision.candidates}
    assert why["Unlicensed"] == "not licensed in TX"
    assert why["Noskill"] == "lacks skill commercial"
    assert why["Asleep"] == "off until Wed 09:00 CST"
    assert why["Away"].startswith("on time off until")
    assert why["Licensed"] is None


def test_caps_hold_and_name_the_count(make_rep, make_rule, make_leads, team, django_user_model):
    capped = make_rep("capped", max_open_leads=2)
    make_rule(pool_reps=[capped], fallback=RoutingRule.Fallback.TEAM_QUEUE, fallback_team=team)

    decisions = [route_lead(lead) for lead in make_leads(3)]

    assert [d.outcome for d in decisions] == ["assigned", "assigned", "team_queue"]
    assert decisions[2].candidates[0]["excluded"] == "at capacity 2/2"
    assert "Austin office's unassigned queue" in decisions[2].explanation
    queued = Assignment.objects.get(lead=decisions[2].lead)
    assert queued.rep is None and queued.queue_team == team and queued.reason == "fallback"


def test_the_daily_cap_counts_in_the_reps_local_day(make_rep, make_rule, make_leads, time_machine):
    tokyo = make_rep("tokyo", time_zone="Asia/Tokyo", max_new_per_day=1)
    make_rule(pool_reps=[tokyo], fallback=RoutingRule.Fallback.REVIEW)
    # 23:30 in Tokyo: one lead today, then the cap; 30 minutes later it is a new day there.
    time_machine.move_to(datetime(2026, 11, 24, 23, 30, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
    first, second = (route_lead(lead) for lead in make_leads(2))
    time_machine.move_to(datetime(2026, 11, 25, 0, 5, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
    third = route_lead(make_leads(1)[0])

    assert (first.outcome, second.outcome, third.outcome) == ("assigned", "review", "assigned")
    assert second.candidates[0]["excluded"] == "reached today's cap 1/1"


def test_fallbacks_next_rule_manager_and_review(make_rep, make_rule, make_leads, django_user_model):
    boss = django_user_model.objects.create_user("boss")
    nobody = make_rep("nobody", is_active=False)
    make_rule("First", pool_reps=[nobody], order=1)
    make_rule(
        "Second",
        pool_reps=[nobody],
        order=2,
        fallback=RoutingRule.Fallback.MANAGER,
        fallback_user=boss,
    )

    decision = route_lead(make_leads(1)[0])

    assert decision.outcome == "manager" and decision.rule.name == "Second"
    assert [t["result"] for t in decision.rules_tried] == [
        "matched, but nobody eligible",
        "matched, but nobody eligible",
    ]
    assert Assignment.objects.get(lead=decision.lead).user == boss


def test_a_lead_no_rule_takes_lands_in_the_review_queue(make_rule, make_leads):
    make_rule(condition={"field": "state", "op": "equals", "value": "CA"})

    decision = route_lead(make_leads(1, state="TX")[0])

    assert decision.outcome == "review"
    assert decision.rules_tried == [{"rule": "Everyone", "result": "condition did not match"}]
    assert ReviewTask.objects.get(lead=decision.lead).reasons == [
        "no routing rule could take this lead"
    ]


def test_rules_match_on_qualification(make_rep, make_rule, make_leads):
    from qualification.models import Qualification

    vip, rest = make_rep("vip"), make_rep("rest")
    make_rule(
        "Hot", pool_reps=[vip], order=1, condition={"field": "tier", "op": "equals", "value": "A"}
    )
    make_rule("Others", pool_reps=[rest], order=2)
    hot, cold = make_leads(2)
    for lead, tier in ((hot, "A"), (cold, "C")):
        Qualification.objects.create(
            lead=lead,
            score=90 if tier == "A" else 10,
            tier=tier,
            confidence=0.9,
            score_source="rules",
        )

    assert route_lead(hot).rep == vip and route_lead(cold).rep == rest


def test_the_previous_owner_gets_a_returning_contact_without_using_a_turn(
    make_rep, make_rule, make_leads, source
):
    from intake.models import Lead

    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben], method=RoutingRule.Method.OWNER)
    first = make_leads(1)[0]
    assert route_lead(first).rep == ana
    Lead.objects.filter(pk=first.pk).update(status=LeadStatus.WON)
    again = Lead.objects.create(
        contact=first.contact, source=source, channel=source.channel, received_at=timezone.now()
    )

    decision = route_lead(again)

    assert decision.rep == ana and "previous owner" in decision.explanation
    assert Assignment.objects.get(lead=again).reason == "owner"
    assert route_lead(make_leads(1)[0]).rep == ben  # ana's owner lead used no rotation turn


def test_adding_a_rep_resets_nobody_and_a_returning_rep_is_neither_flooded_nor_starved(
    make_rep, make_rule, make_leads
):
    ana, ben = make_rep("ana", weight=1), make_rep("ben", weight=1)
    rule = make_rule(pool_reps=[ana, ben], method=RoutingRule.Method.WEIGHTED)
    owners(make_leads(10))
    ben.paused = True
    ben.save()
    owners(make_leads(20))  # all to ana while ben is paused
    ben.paused = False
    ben.save()
    cai = make_rep("cai")
    rule.pool_reps.add(cai)

    counts = owners(make_leads(30))

    # Ben does not get 20 catch-up leads, and Cai joins as an equal: 10 each.
    assert counts == {"ana": 10, "ben": 10, "cai": 10}


def test_a_deactivated_user_drops_out_at_once(make_rep, make_rule, make_leads):
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben])
    ben.user.is_active = False
    ben.user.save()

    assert owners(make_leads(4)) == {"ana": 4}


def test_a_lead_from_a_known_household_goes_to_its_owner_and_says_so(
    make_rep, make_rule, make_leads
):
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben], method=RoutingRule.Method.OWNER)
    (spouse,) = make_leads(1, address="12 Oak Ave", household_key="78701|12 OAK AVE")
    assert route_lead(spouse).rep == ana
    (partner,) = make_leads(1, address="12 Oak Avenue", household_key="78701|12 OAK AVE")

    decision = route_lead(partner)

    assert decision.rep == ana and "owner of the household" in decision.explanation


def test_an_owner_who_cannot_take_the_lead_falls_back_to_the_rotation(
    make_rep, make_rule, make_leads
):
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben], method=RoutingRule.Method.OWNER)
    (first,) = make_leads(1, household_key="78701|12 OAK AVE")
    assert route_lead(first).rep == ana
    ana.paused = True
    ana.save()

    decision = route_lead(make_leads(1, household_key="78701|12 OAK AVE")[0])

    assert decision.rep == ben
    assert "the owner of the household is not eligible; round robin" in decision.explanation


def test_a_rep_skipped_for_one_leads_licence_keeps_their_place(
    make_rep, make_rule, make_leads, require_licence
):
    require_licence()
    both = make_rep("both", licensed_states=["TX", "OK"])
    texan = make_rep("texan", licensed_states=["TX"])
    make_rule(pool_reps=[both, texan])
    assert owners(make_leads(2, state="TX")) == {"both": 1, "texan": 1}
    # Two Oklahoma leads only "both" may take; the Texan is still next for Texas.
    assert owners(make_leads(2, state="OK")) == {"both": 2}

    assert route_lead(make_leads(1, state="TX")[0]).rep == texan


def test_time_off_booked_ahead_applies_when_it_starts(
    make_rep, make_rule, make_leads, time_machine
):
    time_machine.move_to(
        datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("America/Chicago")), tick=False
    )
    ana, ben = make_rep("ana"), make_rep("ben")
    make_rule(pool_reps=[ana, ben])
    TimeOff.objects.create(
        rep=ana,
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=3),
        reason="dentist",
    )
    assert owners(make_leads(2)) == {"ana": 1, "ben": 1}  # routing has loaded the booking

    time_machine.move_to(timezone.now() + timedelta(hours=2), tick=False)
    decision = route_lead(make_leads(1)[0])

    assert decision.rep == ben
    assert {c["rep"]: c["excluded"] for c in decision.candidates}["Ana"] == (
        "on time off until Nov 24 12:00"
    )


def test_a_lead_already_routed_is_not_routed_again_and_nothing_is_recorded_twice(
    make_rep, make_rule, make_leads, team
):
    ann = make_rep("ann", max_open_leads=1)
    make_rule(
        pool_reps=[ann],
        condition={"field": "state", "op": "equals", "value": "CA"},
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )
    leads = [*make_leads(2, state="CA"), *make_leads(1, state="TX")]
    first = [route_lead(lead) for lead in leads]
    assert [d.outcome for d in first] == ["assigned", "team_queue", "review"]

    # A late second delivery of each routing task: owned by ann, in a team's queue (still
    # "new"), waiting for a person.
    assert [route_lead(lead) for lead in leads] == [None, None, None]

    assert RoutingDecision.objects.count() == 3
    assert Assignment.objects.count() == 2
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.ROUTED).count() == 3
    assert ReviewTask.objects.count() == 1
    assert RotationState.objects.get(rep=ann).assigned_count == 1
