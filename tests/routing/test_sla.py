"""SLA clocks, one step at a time: a frozen clock, the sweep called directly, on-commit work
run explicitly."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django_q.models import OrmQ

from intake.models import LeadEvent, LeadStatus
from qualification.models import Qualification
from routing.models import (
    Assignment,
    BusinessCalendar,
    OpeningHours,
    RoutingRule,
    SlaPolicy,
    SlaState,
    SlaStep,
    SlaStepRecord,
    TimeOff,
)
from routing.services import (
    activity_log,
    lead_assign_manually,
    lead_hand_back,
    lead_status_change,
    route_lead,
    sla_sweep,
)
from routing.tasks import notify_sla_step, sweep_sla

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
MINUTE = timedelta(minutes=1)

REMIND, NOTIFY, REASSIGN, ESCALATE = (
    SlaStep.Kind.REMIND,
    SlaStep.Kind.NOTIFY_MANAGER,
    SlaStep.Kind.REASSIGN,
    SlaStep.Kind.ESCALATE,
)


@pytest.fixture
def manager(team, django_user_model):
    user = django_user_model.objects.create_user("mia", email="mia@example.com")
    team.manager = user
    team.save(update_fields=["manager"])
    return user


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sue", is_staff=True)


@pytest.fixture
def three_reps(make_rep, make_rule):
    reps = [make_rep(name) for name in ("ann", "bob", "cal")]
    rule = make_rule(pool_reps=reps)
    return reps, rule


def routed(make_leads, now=MONDAY_10, urgency=None, tier="B"):
    (lead,) = make_leads(1)
    if urgency:
        Qualification.objects.create(
            lead=lead, score=50, tier=tier, urgency=urgency, confidence=0.9, score_source="rules"
        )
    route_lead(lead, now=now)
    lead.refresh_from_db()
    return lead


def clock(lead) -> Assignment:
    return Assignment.objects.get(lead=lead, ended_at__isnull=True)


def kinds(lead) -> list[str]:
    return list(
        LeadEvent.objects.filter(lead=lead, kind__startswith="sla_")
        .order_by("id")
        .values_list("kind", flat=True)
    )


def records(lead) -> list[tuple[str, str]]:
    return list(
        SlaStepRecord.objects.filter(assignment__lead=lead)
        .order_by("id")
        .values_list("kind", "outcome")
    )


# --- configuration --------------------------------------------------------------------------


def test_a_step_gives_a_share_or_an_offset_never_both_nor_neither(make_policy):
    policy = make_policy(steps=())
    for percent, offset in ((50, 10), (None, None)):
        with pytest.raises(ValidationError):
            SlaStep(policy=policy, kind=REMIND, percent=percent, offset_minutes=offset).clean()
    SlaStep(policy=policy, kind=REMIND, percent=50).clean()
    SlaStep(policy=policy, kind=REMIND, offset_minutes=10).clean()


def test_a_policy_names_exactly_one_scope_unless_it_is_the_default(team):
    with pytest.raises(ValidationError):
        SlaPolicy(name="x").clean()
    with pytest.raises(ValidationError):
        SlaPolicy(name="x", is_default=True, team=team).clean()
    with pytest.raises(ValidationError):
        SlaPolicy(name="x", team=team, channel="web").clean()
    SlaPolicy(name="x", team=team).clean()
    SlaPolicy(name="x", is_default=True).clean()


def test_only_one_default_policy_may_exist(make_policy):
    from django.db import IntegrityError

    make_policy("One")
    with pytest.raises(IntegrityError):
        make_policy("Two")


# --- starting a clock -----------------------------------------------------------------------


def test_a_routed_lead_gets_a_running_clock_with_its_urgency_target_and_an_event(
    three_reps, make_policy, make_leads
):
    make_policy(targets=(("urgent", "", 5), ("", "", 30)))

    lead = routed(make_leads, urgency="urgent")

    assignment = clock(lead)
    assert assignment.sla_state == SlaState.RUNNING
    assert assignment.sla_target_minutes == 5
    assert assignment.sla_started_at == MONDAY_10
    assert assignment.sla_due_at == MONDAY_10 + 5 * MINUTE
    # The first point of the ladder: the reminder at 50 % (2.5 minutes, rounded up).
    assert assignment.sla_next_step_at == MONDAY_10 + 3 * MINUTE
    assert assignment.sla_next_step.kind == REMIND
    started = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.SLA_STARTED)
    assert started.data["due_at"] == (MONDAY_10 + 5 * MINUTE).isoformat()
    assert started.data["step"]["kind"] == REMIND
    assert started.data["policy"] == assignment.sla_policy_id


def test_the_tier_specific_target_beats_the_urgency_one(three_reps, make_policy, make_leads):
    make_policy(targets=(("high", "", 30), ("high", "A", 10), ("", "", 60)))

    assert clock(routed(make_leads, urgency="high", tier="A")).sla_target_minutes == 10
    assert clock(routed(make_leads, urgency="high", tier="C")).sla_target_minutes == 30
    assert clock(routed(make_leads, urgency="low")).sla_target_minutes == 60


def test_the_most_specific_policy_wins_rule_then_team_then_source_then_channel(
    three_reps, make_policy, make_leads, team, source
):
    _, rule = three_reps
    make_policy("Default", targets=(("", "", 60),))
    make_policy("Web", channel=source.channel, targets=(("", "", 50),))
    assert clock(routed(make_leads)).sla_target_minutes == 50
    make_policy("Source", source=source, targets=(("", "", 40),))
    assert clock(routed(make_leads)).sla_target_minutes == 40
    make_policy("Team", team=team, targets=(("", "", 20),))
    assert clock(routed(make_leads)).sla_target_minutes == 20
    make_policy("Rule", rule=rule, targets=(("", "", 10),))
    assert clock(routed(make_leads)).sla_target_minutes == 10


def test_without_a_policy_there_is_no_clock(three_reps, make_leads):
    assignment = clock(routed(make_leads))
    assert assignment.sla_state == ""
    assert assignment.sla_next_step_at is None


def test_a_lead_in_a_team_queue_has_a_clock_too(make_policy, make_rule, make_leads, team):
    make_policy()
    make_rule(pool_reps=(), fallback=RoutingRule.Fallback.TEAM_QUEUE, fallback_team=team)
    team.reps.all().delete()

    assignment = clock(routed(make_leads))

    assert assignment.queue_team == team
    assert assignment.sla_state == SlaState.RUNNING


# --- business time ---------------------------------------------------------------------------

FRIDAY_16_58 = datetime(2026, 12, 4, 22, 58, tzinfo=UTC)  # Chicago, CST (UTC-6)


def office_hours(name="Austin hours", **fields) -> BusinessCalendar:
    """Monday to Friday, 09:00-17:00 in Chicago."""
    calendar = BusinessCalendar.objects.create(name=name, time_zone="America/Chicago", **fields)
    for weekday in range(5):
        OpeningHours.objects.create(
            calendar=calendar, weekday=weekday, opens=time(9), closes=time(17)
        )
    return calendar


def test_a_friday_16_58_lead_with_a_30_minute_target_is_due_monday_09_28(
    three_reps, make_policy, make_leads, team
):
    team.calendar = office_hours()
    team.save(update_fields=["calendar"])
    make_policy(steps=((REMIND, 50, None),))

    assignment = clock(routed(make_leads, now=FRIDAY_16_58))

    # Two minutes on Friday, 28 on Monday; the reminder at 15 minutes falls on Monday 09:13.
    assert assignment.sla_started_at == FRIDAY_16_58
    assert assignment.sla_due_at == datetime(2026, 12, 7, 15, 28, tzinfo=UTC)
    assert assignment.sla_next_step_at == datetime(2026, 12, 7, 15, 13, tzinfo=UTC)
    # The weekend's sweeps do nothing.
    assert sla_sweep(datetime(2026, 12, 6, 12, 0, tzinfo=UTC)) == 0


def test_a_lead_after_hours_starts_its_clock_at_the_next_opening(
    three_reps, make_policy, make_leads, team
):
    team.calendar = office_hours()
    team.save(update_fields=["calendar"])
    make_policy()

    assignment = clock(routed(make_leads, now=datetime(2026, 12, 5, 3, 0, tzinfo=UTC)))

    assert assignment.sla_started_at == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    assert assignment.sla_due_at == datetime(2026, 12, 7, 15, 30, tzinfo=UTC)


def test_a_policy_calendar_overrides_the_teams_and_counts_holidays(
    three_reps, make_policy, make_leads, team
):
    team.calendar = BusinessCalendar.objects.create(
        name="24/7", time_zone="America/Chicago", always_open=True
    )
    team.save(update_fields=["calendar"])
    make_policy(calendar=office_hours("US office", holiday_country="US"))

    # Thursday 24 December 2026, 16:50 in Chicago; Friday 25 is Christmas Day.
    assignment = clock(routed(make_leads, now=datetime(2026, 12, 24, 22, 50, tzinfo=UTC)))

    # Ten minutes on Thursday, twenty on Monday 28.
    assert assignment.sla_due_at == datetime(2026, 12, 28, 15, 20, tzinfo=UTC)


# --- the ladder -----------------------------------------------------------------------------


def test_remind_at_50_percent_reassign_at_100_and_escalate_after_2_reassignments(
    three_reps, make_policy, make_leads, manager, mailoutbox, django_capture_on_commit_callbacks
):
    (ann, bob, cal), _ = three_reps
    ann.user.email = "ann@example.com"
    ann.user.save()
    make_policy(escalate_after_reassignments=2)
    lead = routed(make_leads)
    assert clock(lead).rep == ann

    # 15 minutes: the reminder, once, its message after commit.
    assert sla_sweep(MONDAY_10 + 14 * MINUTE) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep(MONDAY_10 + 15 * MINUTE) == 1
        assert sla_sweep(MONDAY_10 + 15 * MINUTE) == 0
    assert kinds(lead) == ["sla_started", "sla_reminder"]
    (task,) = OrmQ.objects.all()
    assert task.task["func"] == "routing.tasks.notify_sla_step"
    record = SlaStepRecord.objects.get()
    assert notify_sla_step(record.pk) == "sent email"
    assert notify_sla_step(record.pk) == "sent nothing"  # delivered twice: told once
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]
    assert "first contact" in mailoutbox[0].body

    # 30 minutes: breached, then reassigned to the next rep, whose clock starts afresh.
    assert sla_sweep(MONDAY_10 + 30 * MINUTE) == 2
    first = Assignment.objects.get(lead=lead, rep=ann)
    assert first.sla_state == SlaState.BREACHED and first.ended_at is not None
    second = clock(lead)
    assert second.rep == bob and second.reason == Assignment.Reason.SLA
    assert second.sla_started_at == MONDAY_10 + 30 * MINUTE
    assert second.sla_due_at == MONDAY_10 + 60 * MINUTE

    # Bob misses it too: cal, the last one who has not missed it.
    sla_sweep(MONDAY_10 + 60 * MINUTE)
    assert clock(lead).rep == cal
    # Cal misses it: two reassignments already, the manager takes it.
    sla_sweep(MONDAY_10 + 90 * MINUTE)
    escalated = clock(lead)
    assert escalated.rep is None and escalated.user == manager
    assert escalated.reason == Assignment.Reason.ESCALATION
    assert kinds(lead).count("sla_reassigned") == 2
    assert kinds(lead)[-2:] == ["sla_started", "sla_escalated"]
    # The manager's clock only reminds: nothing moves the lead again.
    sla_sweep(MONDAY_10 + 10 * 60 * MINUTE)
    assert clock(lead) == escalated
    assert escalated.sla_steps.filter(kind=REASSIGN).count() == 0


def test_reassignment_never_returns_the_lead_to_someone_who_missed_it_and_then_escalates(
    make_rep, make_rule, make_policy, make_leads, manager
):
    ann, bob = make_rep("ann"), make_rep("bob")
    make_rule(pool_reps=[ann, bob])
    make_policy(steps=((REASSIGN, 100, None),), escalate_after_reassignments=5)
    lead = routed(make_leads)
    assert clock(lead).rep == ann

    sla_sweep(MONDAY_10 + 30 * MINUTE)
    assert clock(lead).rep == bob
    sla_sweep(MONDAY_10 + 60 * MINUTE)

    escalated = clock(lead)
    assert escalated.user == manager and escalated.rep is None
    event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.SLA_ESCALATED)
    assert "no eligible rep left" in event.message
    assert lead.assignments.filter(rep=ann).count() == 1


def test_escalation_to_the_team_queue_puts_the_lead_back_to_new(
    make_rep, make_rule, make_policy, make_leads, team
):
    ann = make_rep("ann")
    make_rule(pool_reps=[ann])
    make_policy(steps=((ESCALATE, None, 45),), escalate_to=SlaPolicy.EscalateTo.TEAM_QUEUE)
    lead = routed(make_leads)

    sla_sweep(MONDAY_10 + 45 * MINUTE)

    assert clock(lead).queue_team == team
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert records(lead) == [("escalate", "done")]


def test_the_manager_is_notified_on_the_team_channel(
    three_reps, make_policy, make_leads, manager, mailoutbox
):
    make_policy(steps=((NOTIFY, None, 20),))
    lead = routed(make_leads)

    sla_sweep(MONDAY_10 + 20 * MINUTE)

    assert notify_sla_step(SlaStepRecord.objects.get().pk) == "sent email"
    assert mailoutbox[0].to == ["mia@example.com"]
    assert "Not yet worked" in mailoutbox[0].subject
    assert kinds(lead) == ["sla_started", "sla_reminder"]


def test_a_sweep_after_three_hours_of_downtime_skips_the_overtaken_reminder_and_acts_once(
    three_reps, make_policy, make_leads, django_capture_on_commit_callbacks
):
    (_, bob, _), _ = three_reps
    make_policy(steps=((REMIND, 50, None), (REASSIGN, 100, None)))
    lead = routed(make_leads)

    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep(MONDAY_10 + 180 * MINUTE) == 3
        assert sla_sweep(MONDAY_10 + 180 * MINUTE) == 0

    assert records(lead) == [("remind", "skipped"), ("reassign", "done")]
    assert kinds(lead) == ["sla_started", "sla_breached", "sla_started", "sla_reassigned"]
    # Bob's clock starts when the sweep moved the lead, not three hours ago.
    assert clock(lead).rep == bob
    assert clock(lead).sla_due_at == MONDAY_10 + 210 * MINUTE
    # The skipped reminder sent nothing; bob is told of his new lead.
    assert [task.task["func"] for task in OrmQ.objects.all()] == ["routing.tasks.notify_assignment"]


# --- work on the lead -----------------------------------------------------------------------


def test_a_contact_logged_one_second_before_the_deadline_meets_the_clock(
    three_reps, make_policy, make_leads, staff
):
    make_policy()
    lead = routed(make_leads)
    due = clock(lead).sla_due_at

    with time_machine.travel(due - timedelta(seconds=1), tick=False):
        activity_log(lead=lead, user=staff, kind="call", outcome="no_answer")

    assignment = clock(lead)
    assert assignment.sla_state == SlaState.MET
    assert assignment.sla_next_step_at is None
    assert sla_sweep(due + 60 * MINUTE) == 0
    assert kinds(lead) == ["sla_started", "sla_met"]


def test_a_connected_only_policy_is_not_met_by_a_voicemail(
    three_reps, make_policy, make_leads, staff
):
    make_policy(worked_by=SlaPolicy.WorkedBy.CONNECTED)
    lead = routed(make_leads)

    with time_machine.travel(MONDAY_10 + MINUTE, tick=False):
        activity_log(lead=lead, user=staff, kind="call", outcome="left_voicemail")
        assert clock(lead).sla_state == SlaState.RUNNING
        activity_log(lead=lead, user=staff, kind="call", outcome="reached")
    assert clock(lead).sla_state == SlaState.MET


def test_a_callback_pauses_the_clock_until_then_and_the_sweep_resumes_it(
    three_reps, make_policy, make_leads, staff
):
    (ann, _, _), _ = three_reps
    make_policy(steps=((REMIND, 50, None), (REASSIGN, 100, None)))
    lead = routed(make_leads)
    callback = MONDAY_10 + 120 * MINUTE

    with time_machine.travel(MONDAY_10 + 5 * MINUTE, tick=False):
        activity_log(lead=lead, user=staff, kind="call", outcome="scheduled", callback_at=callback)

    paused = clock(lead)
    assert paused.sla_state == SlaState.PAUSED
    assert paused.sla_due_at == callback
    # Nothing happens while it waits for the callback.
    assert sla_sweep(callback - MINUTE) == 0
    assert sla_sweep(callback) == 1
    resumed = clock(lead)
    assert resumed.rep == ann and resumed.sla_state == SlaState.RUNNING
    assert resumed.sla_started_at == callback
    assert resumed.sla_due_at == callback + 30 * MINUTE
    assert kinds(lead) == ["sla_started", "sla_paused", "sla_resumed"]


def test_a_callback_in_the_past_is_refused(three_reps, make_policy, make_leads, staff):
    lead = routed(make_leads)
    with pytest.raises(ValidationError):
        activity_log(
            lead=lead,
            user=staff,
            kind="call",
            outcome="scheduled",
            callback_at=MONDAY_10 - MINUTE,
            now=MONDAY_10,
        )


@pytest.mark.parametrize(("status", "extra"), [("won", {"value": 900}), ("lost", {"reason": "x"})])
def test_won_or_lost_stops_the_clock(three_reps, make_policy, make_leads, staff, status, extra):
    make_policy()
    lead = routed(make_leads)

    lead_status_change(lead=lead, user=staff, status=status, now=MONDAY_10 + MINUTE, **extra)

    assert Assignment.objects.get(lead=lead).sla_state == SlaState.STOPPED
    assert sla_sweep(MONDAY_10 + 600 * MINUTE) == 0
    assert records(lead) == []


def test_a_manual_reassignment_stops_the_old_clock_and_starts_a_new_one(
    three_reps, make_policy, make_leads, staff
):
    (ann, bob, _), _ = three_reps
    make_policy()
    lead = routed(make_leads)

    with time_machine.travel(MONDAY_10 + 10 * MINUTE, tick=False):
        lead_assign_manually(lead=lead, user=staff, rep=bob)

    old = Assignment.objects.get(lead=lead, rep=ann)
    assert old.sla_state == SlaState.STOPPED and old.sla_next_step_at is None
    new = clock(lead)
    assert new.sla_started_at == MONDAY_10 + 10 * MINUTE
    assert new.sla_state == SlaState.RUNNING


def test_a_hand_back_moves_the_lead_at_once_with_the_queue_managers_clock(
    three_reps, make_policy, make_leads, team
):
    (ann, _, _), _ = three_reps
    make_policy()
    lead = routed(make_leads)

    with time_machine.travel(MONDAY_10 + 2 * MINUTE, tick=False):
        lead_hand_back(lead=lead, user=ann.user, reason="on leave")

    queued = clock(lead)
    assert queued.queue_team == team and queued.sla_state == SlaState.RUNNING
    assert queued.sla_started_at == MONDAY_10 + 2 * MINUTE


def test_time_off_moves_the_reps_running_leads_at_once_to_the_next_rep(
    three_reps, make_policy, make_leads
):
    (ann, bob, _), _ = three_reps
    make_policy()
    lead = routed(make_leads)
    TimeOff.objects.create(
        rep=ann, starts_at=MONDAY_10 + 5 * MINUTE, ends_at=MONDAY_10 + 600 * MINUTE
    )

    assert sla_sweep(MONDAY_10 + 4 * MINUTE) == 0
    assert sla_sweep(MONDAY_10 + 5 * MINUTE) == 1
    assert sla_sweep(MONDAY_10 + 5 * MINUTE) == 0

    moved = clock(lead)
    assert moved.rep == bob and moved.reason == Assignment.Reason.SLA
    assert moved.sla_started_at == MONDAY_10 + 5 * MINUTE
    event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.SLA_REASSIGNED)
    assert event.message.startswith("Ann is on time off")


def test_one_schedule_sweeps_every_minute_made_by_the_migration():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="routing: SLA sweep")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "routing.tasks.sweep_sla",
        Schedule.MINUTES,
        1,
        -1,
    )


def test_the_task_reports_what_it_did(three_reps, make_policy, make_leads):
    make_policy()
    routed(make_leads)

    with time_machine.travel(MONDAY_10 + 15 * MINUTE, tick=False):
        assert sweep_sla() == "acted on 1 SLA point(s)"


# --- the admin ------------------------------------------------------------------------------


def policy_form(steps) -> dict:
    data = {
        "name": "Urgent first",
        "worked_by": "any_attempt",
        "is_default": "on",
        "channel": "",
        "escalate_after_reassignments": 2,
        "escalate_to": "manager",
        "after_hours_urgent": "wait",
        "targets-TOTAL_FORMS": 1,
        "targets-INITIAL_FORMS": 0,
        "targets-0-urgency": "urgent",
        "targets-0-tier": "",
        "targets-0-minutes": 5,
        "steps-TOTAL_FORMS": len(steps),
        "steps-INITIAL_FORMS": 0,
    }
    for i, (kind, percent, offset) in enumerate(steps):
        data |= {
            f"steps-{i}-order": i + 1,
            f"steps-{i}-kind": kind,
            f"steps-{i}-percent": percent or "",
            f"steps-{i}-offset_minutes": offset or "",
        }
    return data


def test_the_admin_saves_a_policy_with_its_targets_and_ladder(admin_client):
    response = admin_client.post(
        "/admin/routing/slapolicy/add/", policy_form([(REMIND, 50, None), (REASSIGN, 100, None)])
    )

    assert response.status_code == 302
    policy = SlaPolicy.objects.get()
    assert list(policy.steps.values_list("kind", "percent")) == [(REMIND, 50), (REASSIGN, 100)]
    assert list(policy.targets.values_list("urgency", "minutes")) == [("urgent", 5)]
    page = admin_client.get(f"/admin/routing/slapolicy/{policy.pk}/change/")
    assert page.status_code == 200


def test_the_admin_refuses_a_step_with_both_a_share_and_an_offset(admin_client):
    response = admin_client.post("/admin/routing/slapolicy/add/", policy_form([(REMIND, 50, 10)]))

    assert response.status_code == 200
    assert "either a share of the target or a fixed offset" in response.content.decode()
    assert not SlaPolicy.objects.exists()
