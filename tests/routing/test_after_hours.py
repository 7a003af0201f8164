"""After hours, one step at a time: a rule holds a lead when nobody of its pool is working, the
release sweep routes it at the next opening (in the team's zone, past holidays), and queued
leads go to reps who become available. A frozen clock; the sweeps called directly."""

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from django_q.models import Schedule

from intake.models import LeadEvent, LeadStatus
from leadrouter.heartbeat import SWEEPS
from qualification.models import Qualification
from routing.models import (
    Assignment,
    BusinessCalendar,
    HeldLead,
    OpeningHours,
    RoutingDecision,
    RoutingRule,
    TimeOff,
)
from routing.selectors import stranded_leads
from routing.services import (
    held_leads_release,
    lead_assign_manually,
    lead_status_change,
    queued_lead_pin,
    queued_leads_offer,
    route_lead,
)
from routing.tasks import offer_queued_leads, release_held_leads

pytestmark = pytest.mark.django_db

FRIDAY_18 = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # Fri Nov 27, 18:00 in Chicago (CST)
SATURDAY_10 = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Mon Nov 30, 09:00 CST
MINUTE = timedelta(minutes=1)
SHIFTS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
HOLD = RoutingRule.AfterHours.HOLD


@pytest.fixture
def calendar(team):
    """The team works 09:00-17:00 on weekdays in Chicago, closed on US public holidays."""
    calendar = BusinessCalendar.objects.create(
        name="Austin hours", time_zone="America/Chicago", holiday_country="US"
    )
    for weekday in range(5):
        OpeningHours.objects.create(
            calendar=calendar, weekday=weekday, opens=time(9), closes=time(17)
        )
    team.calendar = calendar
    team.save(update_fields=["calendar"])
    return calendar


@pytest.fixture
def shift_reps(make_rep):
    """Reps of the team working 09:00-17:00 on weekdays in Chicago."""

    def make(count, **fields):
        return [
            make_rep(f"shift{i}", working_hours=SHIFTS, time_zone="America/Chicago", **fields)
            for i in range(count)
        ]

    return make


@pytest.fixture
def hold_rule(make_rule, team, calendar):
    """The team's rule: after hours, hold; otherwise (everyone busy) the team's queue."""
    return make_rule(
        after_hours=HOLD,
        require_working_now=True,
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )


def leads_at(make_leads, time_machine, at, count=1, urgency=None):
    time_machine.move_to(at, tick=False)
    leads = make_leads(count)
    if urgency:
        for lead in leads:
            Qualification.objects.create(
                lead=lead, score=50, tier="B", urgency=urgency, confidence=0.9, score_source="rules"
            )
    return leads


def route_at(time_machine, at, leads):
    time_machine.move_to(at, tick=False)
    return [route_lead(lead) for lead in leads]


def event_kinds(lead) -> list[str]:
    return list(
        LeadEvent.objects.filter(lead=lead)
        .exclude(kind=LeadEvent.Kind.SLA_STARTED)
        .order_by("id")
        .values_list("kind", flat=True)
    )


@pytest.mark.usefixtures("hold_rule")
def test_a_friday_evening_lead_is_held_and_released_monday_9_in_the_teams_zone(
    shift_reps, make_leads, time_machine
):
    shift_reps(2)
    (lead,) = leads_at(make_leads, time_machine, FRIDAY_18)

    (decision,) = route_at(time_machine, FRIDAY_18, [lead])

    assert decision.outcome == RoutingDecision.Outcome.HELD
    assert decision.explanation == (
        "Rule “Everyone” matched. Held until Mon Nov 30 09:00 CST: "
        "nobody on the Austin office team is working."
    )
    hold = HeldLead.objects.get(lead=lead)
    assert hold.hold_until == MONDAY_9 and hold.released_at is None
    assert not Assignment.objects.filter(lead=lead).exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert event_kinds(lead) == [LeadEvent.Kind.HELD]

    time_machine.move_to(MONDAY_9 - MINUTE, tick=False)
    assert release_held_leads() == "released 0 held lead(s)"
    assert HeldLead.objects.get(lead=lead).released_at is None

    time_machine.move_to(MONDAY_9, tick=False)
    assert release_held_leads() == "released 1 held lead(s); assigned: 1"

    assert HeldLead.objects.get(lead=lead).released_at == MONDAY_9
    assignment = Assignment.objects.get(lead=lead)
    assert assignment.rep is not None and assignment.assigned_at == MONDAY_9
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    assert event_kinds(lead) == ["held", "released", "routed"]


@pytest.mark.usefixtures("hold_rule")
def test_a_holiday_of_the_teams_calendar_pushes_the_release_to_tuesday(
    shift_reps, make_leads, time_machine
):
    # Labor Day, Monday September 7, 2026: the reps' own hours say Monday, the calendar not.
    shift_reps(2)
    friday_18 = datetime(2026, 9, 4, 23, 0, tzinfo=UTC)  # 18:00 CDT
    monday_10 = datetime(2026, 9, 7, 15, 0, tzinfo=UTC)  # 10:00 CDT, the holiday
    tuesday_9 = datetime(2026, 9, 8, 14, 0, tzinfo=UTC)  # 09:00 CDT
    friday_lead, monday_lead = leads_at(make_leads, time_machine, friday_18, count=2)
    route_at(time_machine, friday_18, [friday_lead])

    # A lead arriving during the holiday, while the reps' hours say they work, is held too.
    (decision,) = route_at(time_machine, monday_10, [monday_lead])

    assert decision.outcome == RoutingDecision.Outcome.HELD
    assert "Held until Tue Sep 08 09:00 CDT: the Austin office team is closed now" in (
        decision.explanation
    )
    assert set(HeldLead.objects.values_list("hold_until", flat=True)) == {tuesday_9}
    assert held_leads_release(now=monday_10) == Counter()
    assert held_leads_release(now=tuesday_9) == Counter({"assigned": 2})


def test_without_the_hold_option_the_rule_takes_its_fallback_as_before(
    shift_reps, make_rule, team, calendar, make_leads, time_machine
):
    shift_reps(2)
    make_rule(
        require_working_now=True,
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )
    (lead,) = leads_at(make_leads, time_machine, FRIDAY_18)

    (decision,) = route_at(time_machine, FRIDAY_18, [lead])

    assert decision.outcome == RoutingDecision.Outcome.TEAM_QUEUE
    assert not HeldLead.objects.exists()


@pytest.mark.usefixtures("hold_rule")
def test_reps_at_work_but_full_are_not_after_hours_the_lead_takes_the_fallback(
    shift_reps, make_leads, time_machine
):
    shift_reps(1, max_open_leads=1)
    first, second = leads_at(make_leads, time_machine, MONDAY_9, count=2)

    decisions = route_at(time_machine, MONDAY_9, [first, second])

    assert [d.outcome for d in decisions] == ["assigned", "team_queue"]
    assert not HeldLead.objects.exists()


@pytest.mark.usefixtures("hold_rule")
def test_a_pool_of_paused_reps_has_no_opening_to_wait_for(shift_reps, make_leads, time_machine):
    shift_reps(2, paused=True)
    (lead,) = leads_at(make_leads, time_machine, FRIDAY_18)

    (decision,) = route_at(time_machine, FRIDAY_18, [lead])

    assert decision.outcome == RoutingDecision.Outcome.TEAM_QUEUE


@pytest.mark.usefixtures("hold_rule")
def test_the_hold_waits_for_the_first_rep_back_from_time_off(shift_reps, make_leads, time_machine):
    ann, bob = shift_reps(2)
    wednesday_12 = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)  # noon CST
    TimeOff.objects.create(rep=ann, starts_at=FRIDAY_18, ends_at=wednesday_12)
    TimeOff.objects.create(rep=bob, starts_at=FRIDAY_18, ends_at=wednesday_12 + timedelta(days=7))
    (lead,) = leads_at(make_leads, time_machine, SATURDAY_10)

    route_at(time_machine, SATURDAY_10, [lead])

    assert HeldLead.objects.get(lead=lead).hold_until == wednesday_12
    assert held_leads_release(now=wednesday_12) == Counter({"assigned": 1})
    assert Assignment.objects.get(lead=lead).rep == ann


@pytest.mark.usefixtures("hold_rule")
def test_a_lead_still_nobody_works_for_at_its_release_is_held_again_not_looped(
    shift_reps, make_leads, time_machine
):
    (ann,) = shift_reps(1)
    (lead,) = leads_at(make_leads, time_machine, FRIDAY_18)
    route_at(time_machine, FRIDAY_18, [lead])
    # Ann books Monday off after the lead was held: nobody works at Monday's opening.
    TimeOff.objects.create(rep=ann, starts_at=SATURDAY_10, ends_at=MONDAY_9 + timedelta(days=1))

    time_machine.move_to(MONDAY_9, tick=False)
    assert release_held_leads() == "released 1 held lead(s); held: 1"

    old, new = HeldLead.objects.filter(lead=lead).order_by("id")
    assert old.released_at == MONDAY_9 and new.released_at is None
    assert new.hold_until == MONDAY_9 + timedelta(days=1)  # Tuesday 09:00, when she is back
    assert release_held_leads() == "released 0 held lead(s)"
    assert event_kinds(lead) == ["held", "released", "held"]


@pytest.mark.usefixtures("hold_rule")
def test_urgent_leads_are_released_before_older_normal_ones_then_in_arrival_order(
    shift_reps, make_leads, time_machine
):
    shift_reps(1)
    normal = [leads_at(make_leads, time_machine, FRIDAY_18 + i * MINUTE)[0] for i in range(3)]
    (urgent,) = leads_at(make_leads, time_machine, SATURDAY_10, urgency="urgent")
    (high,) = leads_at(make_leads, time_machine, SATURDAY_10 + MINUTE, urgency="high")
    route_at(time_machine, SATURDAY_10 + MINUTE, [*reversed(normal), high, urgent])

    held_leads_release(now=MONDAY_9)

    released = LeadEvent.objects.filter(kind=LeadEvent.Kind.RELEASED).order_by("id")
    assert [event.lead_id for event in released] == [urgent.pk, high.pk] + [
        lead.pk for lead in normal
    ]


@pytest.mark.usefixtures("hold_rule")
def test_a_release_spreads_the_held_leads_evenly_over_the_reps(
    shift_reps, make_leads, time_machine
):
    reps = shift_reps(5)
    leads = leads_at(make_leads, time_machine, FRIDAY_18, count=23)
    route_at(time_machine, FRIDAY_18, leads)

    assert held_leads_release(now=MONDAY_9) == Counter({"assigned": 23})

    per_rep = Counter(Assignment.objects.values_list("rep_id", flat=True))
    assert set(per_rep) == {rep.pk for rep in reps}
    assert max(per_rep.values()) - min(per_rep.values()) <= 1, per_rep


@pytest.mark.usefixtures("hold_rule")
def test_the_sweep_run_twice_releases_each_lead_once(shift_reps, make_leads, time_machine):
    shift_reps(3)
    leads = leads_at(make_leads, time_machine, FRIDAY_18, count=6)
    route_at(time_machine, FRIDAY_18, leads)

    time_machine.move_to(MONDAY_9, tick=False)
    assert release_held_leads() == "released 6 held lead(s); assigned: 6"
    assert release_held_leads() == "released 0 held lead(s)"

    assert Assignment.objects.count() == 6
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.RELEASED).count() == 6
    assert RoutingDecision.objects.filter(outcome="assigned").count() == 6


@pytest.mark.usefixtures("hold_rule")
def test_held_leads_are_not_stranded(shift_reps, make_leads, time_machine):
    shift_reps(1)
    held, stranded = leads_at(make_leads, time_machine, FRIDAY_18, count=2)
    route_at(time_machine, FRIDAY_18, [held])

    assert list(stranded_leads(now=SATURDAY_10)) == [stranded]


@pytest.mark.usefixtures("hold_rule")
def test_a_lead_the_manager_places_by_hand_is_no_longer_held(
    shift_reps, make_leads, time_machine, django_user_model
):
    (ann,) = shift_reps(1)
    staff = django_user_model.objects.create_user("sue", is_staff=True)
    (lead,) = leads_at(make_leads, time_machine, FRIDAY_18)
    route_at(time_machine, FRIDAY_18, [lead])

    lead_assign_manually(lead=lead, user=staff, rep=ann, now=SATURDAY_10)

    assert HeldLead.objects.get(lead=lead).released_at == SATURDAY_10
    assert held_leads_release(now=MONDAY_9) == Counter()
    assert Assignment.objects.get(lead=lead).reason == Assignment.Reason.MANUAL


@pytest.mark.usefixtures("hold_rule")
def test_a_held_lead_closed_before_its_opening_is_released_without_routing(
    shift_reps, make_leads, time_machine, django_user_model
):
    shift_reps(1)
    staff = django_user_model.objects.create_user("sue", is_staff=True)
    (lead,) = leads_at(make_leads, time_machine, FRIDAY_18)
    route_at(time_machine, FRIDAY_18, [lead])
    lead_status_change(
        lead=lead, user=staff, status=LeadStatus.LOST, reason="spam", now=SATURDAY_10
    )

    assert held_leads_release(now=MONDAY_9) == Counter({"not needed": 1})

    assert HeldLead.objects.get(lead=lead).released_at == MONDAY_9
    assert not Assignment.objects.filter(lead=lead).exists()
    assert not LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.RELEASED).exists()


def test_the_sweeps_have_schedules_and_heartbeats():
    names = {"routing: release held leads", "routing: offer queued leads"}
    assert names <= set(SWEEPS)
    schedules = Schedule.objects.filter(name__in=names)
    assert {(s.func, s.minutes) for s in schedules} == {
        ("routing.tasks.release_held_leads", 1),
        ("routing.tasks.offer_queued_leads", 1),
    }


# Leads waiting in a team's queue, offered again when a rep becomes available.


@pytest.fixture
def queue_rule(make_rule, team):
    """The team's rule without a hold: nobody available → the team's queue."""
    return make_rule(
        require_working_now=True,
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )


@pytest.mark.usefixtures("queue_rule")
def test_reps_back_from_time_off_pick_up_queued_leads_fairly(shift_reps, make_leads, time_machine):
    monday_8 = MONDAY_9 - timedelta(hours=1)
    reps = shift_reps(3)
    for rep in reps:
        TimeOff.objects.create(rep=rep, starts_at=FRIDAY_18, ends_at=MONDAY_9 + timedelta(hours=2))
    normal = leads_at(make_leads, time_machine, monday_8, count=5)
    (urgent,) = leads_at(make_leads, time_machine, monday_8 + MINUTE, urgency="urgent")
    route_at(time_machine, MONDAY_9, [*normal, urgent])
    assert Assignment.objects.filter(queue_team__isnull=False).count() == 6

    # Still away: the shift has started but nobody is back; nothing moves.
    time_machine.move_to(MONDAY_9 + MINUTE, tick=False)
    assert offer_queued_leads() == "0 queued lead(s) taken by a rep"

    time_machine.move_to(MONDAY_9 + timedelta(hours=2), tick=False)
    assert offer_queued_leads() == "6 queued lead(s) taken by a rep"

    active = Assignment.objects.filter(ended_at__isnull=True)
    per_rep = Counter(active.values_list("rep_id", flat=True))
    assert per_rep == {rep.pk: 2 for rep in reps}
    first = active.order_by("id").first()
    assert first is not None and first.lead_id == urgent.pk
    assert first.reason == Assignment.Reason.INITIAL
    decision = RoutingDecision.objects.filter(lead=urgent).first()
    assert decision is not None
    assert decision.explanation.startswith("Offered again from Austin office's queue.")
    assert not Assignment.objects.filter(queue_team__isnull=False, ended_at__isnull=True).exists()


@pytest.mark.usefixtures("queue_rule")
def test_a_rep_back_takes_queued_leads_up_to_their_capacity_the_rest_wait(
    shift_reps, make_leads, time_machine
):
    (ann,) = shift_reps(1, max_open_leads=2)
    TimeOff.objects.create(rep=ann, starts_at=FRIDAY_18, ends_at=MONDAY_9 + timedelta(hours=1))
    leads = leads_at(make_leads, time_machine, MONDAY_9, count=4)
    route_at(time_machine, MONDAY_9, leads)

    assert queued_leads_offer(now=MONDAY_9 + timedelta(hours=1)) == 2
    assert queued_leads_offer(now=MONDAY_9 + timedelta(hours=1)) == 0

    waiting = Assignment.objects.filter(queue_team__isnull=False, ended_at__isnull=True)
    assert sorted(waiting.values_list("lead_id", flat=True)) == [leads[2].pk, leads[3].pk]
    # Offering changed nothing on the leads still waiting: no decision, no new assignment.
    assert RoutingDecision.objects.filter(lead=leads[3]).count() == 1
    assert Assignment.objects.filter(lead=leads[3]).count() == 1


@pytest.mark.usefixtures("queue_rule")
def test_a_lead_the_manager_pinned_stays_in_the_queue(
    shift_reps, make_leads, time_machine, django_user_model, team
):
    (ann,) = shift_reps(1)
    manager = django_user_model.objects.create_user("mia")
    team.manager = manager
    team.save(update_fields=["manager"])
    TimeOff.objects.create(rep=ann, starts_at=FRIDAY_18, ends_at=MONDAY_9 + timedelta(hours=1))
    pinned, free = leads_at(make_leads, time_machine, MONDAY_9, count=2)
    route_at(time_machine, MONDAY_9, [pinned, free])

    queued_lead_pin(lead=pinned, user=manager, pinned=True, now=MONDAY_9)

    assert queued_leads_offer(now=MONDAY_9 + timedelta(hours=1)) == 1
    assert Assignment.objects.get(lead=pinned, ended_at__isnull=True).rep is None
    assert Assignment.objects.get(lead=free, ended_at__isnull=True).rep == ann
    event = LeadEvent.objects.get(lead=pinned, kind=LeadEvent.Kind.PINNED)
    assert event.actor == manager
    assert event.message == "Kept in Austin office's queue: not offered to reps"

    queued_lead_pin(lead=pinned, user=manager, pinned=False, now=MONDAY_9)
    assert queued_leads_offer(now=MONDAY_9 + timedelta(hours=1)) == 1
    assert Assignment.objects.get(lead=pinned, ended_at__isnull=True).rep == ann


@pytest.mark.usefixtures("queue_rule")
def test_a_lead_put_in_a_queue_by_hand_is_pinned_there(
    shift_reps, make_leads, time_machine, django_user_model, team
):
    shift_reps(1)
    staff = django_user_model.objects.create_user("sue", is_staff=True)
    (lead,) = leads_at(make_leads, time_machine, MONDAY_9)

    lead_assign_manually(lead=lead, user=staff, team=team, now=MONDAY_9)

    assert Assignment.objects.get(lead=lead).pinned
    assert queued_leads_offer(now=MONDAY_9 + MINUTE) == 0


@pytest.mark.usefixtures("queue_rule")
def test_only_a_queued_lead_can_be_pinned(shift_reps, make_leads, time_machine, django_user_model):
    from django.core.exceptions import ValidationError

    shift_reps(1)
    staff = django_user_model.objects.create_user("sue", is_staff=True)
    (lead,) = leads_at(make_leads, time_machine, MONDAY_9)
    route_at(time_machine, MONDAY_9, [lead])

    with pytest.raises(ValidationError, match="waiting in a team's queue"):
        queued_lead_pin(lead=lead, user=staff, pinned=True)
