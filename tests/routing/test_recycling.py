"""Recycling rules, one sweep at a time on a frozen clock: leads nobody works go back to the
pool after N business days of their team's calendar; lost leads get another try after N days;
the cap; a sweep run twice recycles once."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from intake.models import LeadEvent, LeadStatus, LostReason
from routing.models import (
    Assignment,
    BusinessCalendar,
    OpeningHours,
    RecyclingRule,
    RoutingRule,
    SlaState,
    Team,
)
from routing.services import (
    activity_log,
    lead_recycle_count,
    lead_status_change,
    lead_wait_on_customer,
    recycling_sweep,
    route_lead,
)
from routing.services.recycling import ordinal
from routing.tasks import recycle_leads

pytestmark = pytest.mark.django_db

# Friday Nov 20 2026, 10:00 in Chicago. The team works Mon-Fri 09:00-17:00 with US holidays:
# Thanksgiving (Thursday Nov 26) is closed.
FRIDAY_10 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
THANKSGIVING_18 = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # Thu Nov 26 18:00 in Chicago
FRIDAY_27_CLOSE = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # Fri Nov 27 17:00 in Chicago
MINUTE = timedelta(minutes=1)


@pytest.fixture
def calendar_team(team):
    calendar = BusinessCalendar.objects.create(
        name="Austin hours", time_zone="America/Chicago", holiday_country="US"
    )
    for weekday in range(5):
        OpeningHours.objects.create(
            calendar=calendar, weekday=weekday, opens=time(9), closes=time(17)
        )
    team.calendar = calendar
    team.save(update_fields=["calendar"])
    return team


@pytest.fixture
def reps(calendar_team, make_rep):
    return [make_rep(name, team=calendar_team) for name in ("ann", "bob", "cal")]


@pytest.fixture
def rule(reps, make_rule):
    return make_rule(pool_reps=reps)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sue", is_staff=True)


def idle_rule(**fields) -> RecyclingRule:
    fields.setdefault("business_days", 4)
    return RecyclingRule.objects.create(
        name=fields.pop("name", "Idle four days"), kind=RecyclingRule.Kind.NOT_WORKED, **fields
    )


def routed_lead(make_leads, now=FRIDAY_10):
    (lead,) = make_leads(1)
    route_lead(lead, now=now)
    lead.refresh_from_db()
    return lead


def owner(lead) -> Assignment:
    return Assignment.objects.select_related("rep").get(lead=lead, ended_at__isnull=True)


def recycled_events(lead) -> list[LeadEvent]:
    return list(LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.RECYCLED).order_by("id"))


# --- not worked -----------------------------------------------------------------------------


def test_a_lead_nobody_works_is_recycled_after_four_open_days_skipping_weekend_and_holiday(
    rule, make_leads, make_policy
):
    make_policy()  # every new assignment gets a running SLA clock
    lead = routed_lead(make_leads)
    first = owner(lead)
    recycling = idle_rule()

    # Mon, Tue, Wed worked days gone, Thanksgiving closed: three business days, not four.
    with time_machine.travel(THANKSGIVING_18, tick=False):
        assert recycle_leads() == "recycled 0 lead(s)"
    with time_machine.travel(FRIDAY_27_CLOSE - MINUTE, tick=False):
        assert recycle_leads() == "recycled 0 lead(s)"
    assert owner(lead).pk == first.pk

    with time_machine.travel(FRIDAY_27_CLOSE, tick=False):
        assert recycle_leads() == "recycled 1 lead(s)"

    new = owner(lead)
    first.refresh_from_db()
    assert first.ended_at == FRIDAY_27_CLOSE
    assert first.sla_state == SlaState.STOPPED
    assert new.reason == Assignment.Reason.RECYCLED
    assert new.get_reason_display() == "Recycled"
    assert new.rep_id is not None and new.rep_id != first.rep_id
    assert new.rule_id == rule.pk
    assert new.sla_state == SlaState.RUNNING  # its own clock, as every new owner's
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    (event,) = recycled_events(lead)
    assert event.data["rule"] == recycling.pk
    assert (event.data["recycle"], event.data["max_recycles"]) == (1, 2)
    assert event.data["from"]["rep"] == first.rep_id
    assert event.data["to"]["rep"] == new.rep_id
    assert event.message.startswith(
        f"Recycled by “Idle four days” (1st of 2): not worked for 4 business day(s); "
        f"from {first.rep} to {new.rep}"
    )
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.SLA_STARTED).count() == 2
    assert lead_recycle_count(lead.pk) == 1


def test_a_logged_call_starts_the_idle_days_again(rule, reps, make_leads):
    lead = routed_lead(make_leads)
    ann = owner(lead).rep
    idle_rule()
    tuesday_10 = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    activity_log(lead=lead, user=ann.user, kind="call", outcome="no_answer", now=tuesday_10)

    # After the call: Wed, (Thanksgiving), Fri, Mon, Tue.
    assert recycling_sweep(FRIDAY_27_CLOSE) == 0
    tuesday_close = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert recycling_sweep(tuesday_close - MINUTE) == 0
    assert owner(lead).rep == ann

    assert recycling_sweep(tuesday_close) == 1
    assert owner(lead).rep != ann


def test_a_call_back_agreed_for_later_counts_as_work_until_then(rule, make_leads):
    lead = routed_lead(make_leads)
    ann = owner(lead).rep
    idle_rule(business_days=1)
    monday_10 = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    activity_log(
        lead=lead,
        user=ann.user,
        kind="call",
        outcome="scheduled",
        now=monday_10,
        callback_at=datetime(2026, 12, 2, 16, 0, tzinfo=UTC),  # Wednesday Dec 2
    )

    assert recycling_sweep(datetime(2026, 12, 2, 23, 0, tzinfo=UTC)) == 0
    assert recycling_sweep(datetime(2026, 12, 3, 23, 0, tzinfo=UTC)) == 1


def test_marking_the_lead_as_waiting_on_the_customer_counts_as_work(rule, make_leads):
    lead = routed_lead(make_leads)
    ann = owner(lead).rep
    idle_rule(business_days=1)
    lead_wait_on_customer(
        lead=lead,
        user=ann.user,
        now=datetime(2026, 11, 24, 16, 0, tzinfo=UTC),  # Tuesday
    )

    assert recycling_sweep(datetime(2026, 11, 24, 23, 0, tzinfo=UTC)) == 0  # Tuesday's close
    assert recycling_sweep(datetime(2026, 11, 25, 23, 0, tzinfo=UTC)) == 1  # Wednesday's


def test_a_rule_saved_without_its_days_recycles_nothing(rule, make_leads, staff):
    lead = routed_lead(make_leads)
    RecyclingRule.objects.create(name="Broken idle", kind="not_worked")
    RecyclingRule.objects.create(name="Broken lost", kind="lost", lost_reasons=["other"])
    lead_status_change(lead=lead, user=staff, status="lost", reason="gone", now=FRIDAY_10)

    assert recycling_sweep(FRIDAY_10 + timedelta(days=400)) == 0


def test_the_current_owner_is_never_picked_again_even_when_the_method_would(
    reps, make_rule, make_leads
):
    ann, bob, _ = reps
    make_rule(pool_reps=[ann, bob], method=RoutingRule.Method.LEAST_LOADED)
    lead = routed_lead(make_leads)
    assert owner(lead).rep == ann
    others = make_leads(3)
    for other in others:
        Assignment.objects.create(
            lead=other, rep=bob, user=bob.user, reason="manual", assigned_at=FRIDAY_10
        )
    idle_rule()

    # Least loaded would give it back to ann (1 open lead against bob's 3).
    assert recycling_sweep(FRIDAY_27_CLOSE) == 1
    assert owner(lead).rep == bob


def test_with_the_exclusion_off_the_method_may_pick_the_same_rep(reps, make_rule, make_leads):
    ann, bob, _ = reps
    make_rule(pool_reps=[ann, bob], method=RoutingRule.Method.LEAST_LOADED)
    lead = routed_lead(make_leads)
    for other in make_leads(3):
        Assignment.objects.create(
            lead=other, rep=bob, user=bob.user, reason="manual", assigned_at=FRIDAY_10
        )
    idle_rule(exclude_previous_owner=False)

    assert recycling_sweep(FRIDAY_27_CLOSE) == 1
    new = owner(lead)
    assert (new.rep, new.reason) == (ann, Assignment.Reason.RECYCLED)


def test_nobody_eligible_but_the_owner_leaves_the_lead_and_the_next_sweep_tries_again(
    reps, make_rule, make_leads, make_rep
):
    ann = reps[0]
    make_rule(pool_reps=[ann])
    lead = routed_lead(make_leads)
    idle_rule()

    assert recycling_sweep(FRIDAY_27_CLOSE) == 0
    assert owner(lead).rep == ann
    assert not recycled_events(lead)

    routing_rule = RoutingRule.objects.get()
    routing_rule.pool_reps.add(reps[1])
    assert recycling_sweep(FRIDAY_27_CLOSE + timedelta(hours=1)) == 1
    assert owner(lead).rep == reps[1]


def test_a_recycling_rule_may_send_an_idle_lead_to_another_rules_pool(
    reps, make_rule, make_rep, make_leads
):
    make_rule(pool_reps=reps[:1])
    closers = make_rule(name="Closers", pool_reps=[make_rep("dee")], order=200)
    lead = routed_lead(make_leads)
    idle_rule(target_rule=closers)

    assert recycling_sweep(FRIDAY_27_CLOSE) == 1
    new = owner(lead)
    assert (str(new.rep), new.rule) == ("Dee", closers)


def test_a_team_filter_leaves_other_teams_leads_alone(rule, make_leads):
    lead = routed_lead(make_leads)
    idle_rule(team=Team.objects.create(name="Dallas office"))

    assert recycling_sweep(FRIDAY_27_CLOSE) == 0
    assert not recycled_events(lead)


def test_the_cap_stops_recycling_after_max_recycles(rule, make_leads):
    lead = routed_lead(make_leads)
    idle_rule(business_days=1, max_recycles=2)

    monday_close = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    assert recycling_sweep(monday_close) == 1  # idle since Friday: Monday ended
    assert recycling_sweep(monday_close + timedelta(days=1)) == 1  # since Monday: Tuesday
    assert recycling_sweep(monday_close + timedelta(days=2)) == 0  # twice: the cap
    assert recycling_sweep(monday_close + timedelta(days=10)) == 0

    events = recycled_events(lead)
    assert [(e.data["recycle"], e.data["last"]) for e in events] == [(1, False), (2, True)]
    assert "(2nd of 2)" in events[1].message
    assert events[1].message.endswith("; the last time this rule recycles it")
    assert lead_recycle_count(lead.pk) == 2


def test_the_sweep_run_twice_recycles_a_lead_once(rule, make_leads):
    lead = routed_lead(make_leads)
    idle_rule()

    assert recycling_sweep(FRIDAY_27_CLOSE) == 1
    assert recycling_sweep(FRIDAY_27_CLOSE) == 0
    assert len(recycled_events(lead)) == 1
    assert Assignment.objects.filter(lead=lead, reason=Assignment.Reason.RECYCLED).count() == 1


def test_closed_and_test_leads_are_not_recycled_as_idle(rule, make_leads, staff):
    won = routed_lead(make_leads)
    lead_status_change(lead=won, user=staff, status="won", value=10, now=FRIDAY_10 + MINUTE)
    (test_lead,) = make_leads(1, is_test=True)
    route_lead(test_lead, now=FRIDAY_10)
    idle_rule()

    assert recycling_sweep(FRIDAY_27_CLOSE + timedelta(days=30)) == 0


# --- lost -----------------------------------------------------------------------------------


@pytest.fixture
def reengagement(make_rep):
    return Team.objects.create(name="Re-engagement", time_zone="America/Chicago")


def lost_rule(queue: Team, **fields) -> RecyclingRule:
    return RecyclingRule.objects.create(
        name=fields.pop("name", "Not now, 30 days"),
        kind=RecyclingRule.Kind.LOST,
        days=30,
        lost_reasons=fields.pop("lost_reasons", [LostReason.NOT_NOW]),
        target=RecyclingRule.Target.TEAM_QUEUE,
        target_team=queue,
        **fields,
    )


def test_a_lead_lost_for_not_now_goes_to_the_reengagement_queue_30_days_later(
    rule, make_leads, staff, reengagement
):
    lead = routed_lead(make_leads)
    ann = owner(lead).rep
    lead_status_change(
        lead=lead, user=staff, status="lost", lost_reason=LostReason.NOT_NOW, now=FRIDAY_10
    )
    lost_rule(reengagement)

    with time_machine.travel(FRIDAY_10 + timedelta(days=30) - MINUTE, tick=False):
        assert recycle_leads() == "recycled 0 lead(s)"
    with time_machine.travel(FRIDAY_10 + timedelta(days=30), tick=False):
        assert recycle_leads() == "recycled 1 lead(s)"

    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW  # open again, waiting in the queue
    assert (lead.closed_at, lead.lost_reason, lead.closed_reason) == (None, "", "")
    new = owner(lead)
    assert (new.queue_team, new.rep, new.reason) == (reengagement, None, "recycled")
    (event,) = recycled_events(lead)
    assert event.data["reopened"] == {
        "from": "lost",
        "to": "new",
        "lost_reason": "not_now",
        "closed_reason": "Not ready yet (timing)",
    }
    assert event.data["from"]["rep"] == ann.pk
    assert "lost (Not ready yet (timing)) 30 day(s) ago; from Ann to Re-engagement's queue" in (
        event.message
    )


def test_a_lead_lost_for_another_reason_stays_lost(rule, make_leads, staff, reengagement):
    lead = routed_lead(make_leads)
    lead_status_change(
        lead=lead, user=staff, status="lost", lost_reason=LostReason.PRICE, now=FRIDAY_10
    )
    lost_rule(reengagement)

    assert recycling_sweep(FRIDAY_10 + timedelta(days=90)) == 0
    lead.refresh_from_db()
    assert lead.status == LeadStatus.LOST


def test_a_lost_lead_sent_to_a_rule_is_reopened_as_assigned_to_another_rep(rule, make_leads, staff):
    lead = routed_lead(make_leads)
    ann = owner(lead).rep
    lead_status_change(lead=lead, user=staff, status="lost", reason="no budget", now=FRIDAY_10)
    RecyclingRule.objects.create(
        name="Other", kind="lost", days=7, lost_reasons=[LostReason.OTHER], target_rule=rule
    )

    assert recycling_sweep(FRIDAY_10 + timedelta(days=7)) == 1
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    new = owner(lead)
    assert new.rep not in (None, ann)
    assert new.sla_state == ""  # no policy: no clock


def test_a_lost_lead_whose_person_came_back_is_not_reopened(rule, make_leads, staff, reengagement):
    lead = routed_lead(make_leads)
    lead_status_change(lead=lead, user=staff, status="lost", lost_reason="not_now", now=FRIDAY_10)
    (newer,) = make_leads(1)
    newer.contact = lead.contact
    newer.save(update_fields=["contact"])
    lost_rule(reengagement)

    assert recycling_sweep(FRIDAY_10 + timedelta(days=31)) == 0
    lead.refresh_from_db()
    assert lead.status == LeadStatus.LOST


def test_the_cap_counts_recycles_by_every_rule(rule, make_leads, staff, reengagement):
    lead = routed_lead(make_leads)
    idle_rule(business_days=1, max_recycles=1)
    assert recycling_sweep(datetime(2026, 11, 23, 23, 0, tzinfo=UTC)) == 1
    lead_status_change(
        lead=lead, user=staff, status="lost", lost_reason="not_now", now=FRIDAY_10 + MINUTE * 5000
    )
    lost_rule(reengagement, max_recycles=1)

    assert recycling_sweep(FRIDAY_10 + timedelta(days=90)) == 0
    lost_rule(reengagement, name="Second chance", max_recycles=2)
    assert recycling_sweep(FRIDAY_10 + timedelta(days=90)) == 1
    assert [e.data["recycle"] for e in recycled_events(lead)] == [1, 2]


# --- the lost reason on a status change ----------------------------------------------------


def test_lost_needs_a_reason_from_the_list_or_typed(rule, make_leads, staff):
    lead = routed_lead(make_leads)
    with pytest.raises(ValidationError) as refused:
        lead_status_change(lead=lead, user=staff, status="lost")
    assert refused.value.message_dict["reason"] == ["Say why the lead is lost."]
    with pytest.raises(ValidationError):
        lead_status_change(lead=lead, user=staff, status="lost", lost_reason="bored")
    with pytest.raises(ValidationError):
        lead_status_change(lead=lead, user=staff, status="won", value=5, lost_reason="price")

    lead_status_change(lead=lead, user=staff, status="lost", lost_reason="competitor")
    lead.refresh_from_db()
    assert (lead.lost_reason, lead.closed_reason) == ("competitor", "Chose a competitor")
    status = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.STATUS)
    assert status.data["lost_reason"] == "competitor"


def test_the_lead_page_form_sets_the_lost_reason(client, personas, give, make_leads):
    (lead,) = make_leads(1)
    give(lead, rep=personas.ann)
    client.force_login(personas.ann.user)

    response = client.post(
        reverse("routing:lead-status", args=[lead.pk]),
        {"status": "lost", "lost_reason": "price", "reason": "over their budget by half"},
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason, lead.closed_reason) == (
        "lost",
        "price",
        "over their budget by half",
    )
    page = client.get(reverse("routing:lead", args=[lead.pk])).content.decode()
    assert "Price or budget · over their budget by half" in page


# --- configuration --------------------------------------------------------------------------


def test_a_rule_is_validated_in_plain_words(rule, team):
    with pytest.raises(ValidationError) as refused:
        RecyclingRule(name="x", kind="not_worked").clean()
    assert "business_days" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        RecyclingRule(name="x", kind="lost", days=30).clean()
    assert refused.value.message_dict["lost_reasons"] == [
        "Choose the lost reasons this rule recycles."
    ]
    with pytest.raises(ValidationError) as refused:
        RecyclingRule(name="x", kind="lost", days=30, lost_reasons=["nope"]).clean()
    assert refused.value.message_dict["lost_reasons"] == ["Unknown reason(s): nope."]
    with pytest.raises(ValidationError) as refused:
        RecyclingRule(name="x", kind="not_worked", business_days=3, target="team_queue").clean()
    assert "target_team" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        RecyclingRule(name="x", kind="not_worked", business_days=3, days=4).clean()
    assert "days" in refused.value.message_dict
    rule.is_active = False
    rule.save()
    with pytest.raises(ValidationError) as refused:
        RecyclingRule(name="x", kind="not_worked", business_days=3, target_rule=rule).clean()
    assert "target_rule" in refused.value.message_dict
    RecyclingRule(name="x", kind="lost", days=30, lost_reasons=["price"]).clean()
    RecyclingRule(
        name="x", kind="not_worked", business_days=3, target="team_queue", target_team=team
    ).clean()


def test_the_admin_picks_lost_reasons_from_ticks_and_lists_rules_in_plain_words(admin_client, team):
    form = admin_client.get(reverse("admin:routing_recyclingrule_add")).content.decode()
    assert 'type="checkbox" name="lost_reasons" value="not_now"' in form

    response = admin_client.post(
        reverse("admin:routing_recyclingrule_add"),
        {
            "name": "Not now",
            "order": 10,
            "is_active": "on",
            "kind": "lost",
            "days": 30,
            "lost_reasons": ["not_now", "no_response"],
            "target": "team_queue",
            "target_team": team.pk,
            "exclude_previous_owner": "on",
            "max_recycles": 2,
        },
    )

    assert response.status_code == 302, response.content.decode()
    saved = RecyclingRule.objects.get()
    assert saved.lost_reasons == ["not_now", "no_response"]
    listing = admin_client.get(reverse("admin:routing_recyclingrule_changelist")).content.decode()
    assert "lost (Not ready yet (timing), No response: never reached) 30 day(s) ago" in listing
    assert "Austin office&#x27;s queue" in listing

    refused = admin_client.post(
        reverse("admin:routing_recyclingrule_add"),
        {"name": "Bad", "order": 1, "kind": "lost", "target": "rule", "max_recycles": 2},
    )
    assert refused.status_code == 200
    assert "Choose the lost reasons this rule recycles." in refused.content.decode()


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
    ]
