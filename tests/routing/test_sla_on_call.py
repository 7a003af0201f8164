"""An urgent lead that arrives after hours under a policy that pages: the on-call rep owns it at
once, is paged once, and is held to the target in real minutes; at the next opening an
unanswered lead goes on up the ladder. Other leads and other policies wait for the opening."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django_q.models import OrmQ

from intake.models import LeadEvent, LeadStatus
from routing.models import (
    Assignment,
    HeldLead,
    RoutingDecision,
    RoutingRule,
    SlaPolicy,
    SlaState,
    SlaStep,
)
from routing.selectors import lead_clocks
from routing.services import sla_sweep
from routing.tasks import notify_assignment
from tests.routing.test_sla import clock, kinds, office_hours, policy_form, routed

pytestmark = pytest.mark.django_db

# Saturday 5 December 2026, 02:00 in Chicago (CST, UTC-6); the office opens Monday 09:00.
SATURDAY_02 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
MONDAY_09 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
PAGE = SlaPolicy.AfterHoursUrgent.PAGE


@pytest.fixture
def office(team):
    team.calendar = office_hours()
    team.save(update_fields=["calendar"])
    return team


@pytest.fixture
def reps(make_rep, make_rule, office):
    """Ann and Bob work the team's leads by the rule; Olga is on call (not in the pool)."""
    ann, bob = make_rep("ann"), make_rep("bob")
    olga = make_rep("olga")
    olga.user.email = "olga@example.com"
    olga.user.save(update_fields=["email"])
    rule = make_rule(pool_reps=[ann, bob])
    return ann, bob, olga, rule


def paging_policy(make_policy, olga, **fields):
    return make_policy(
        targets=(("urgent", "", 15), ("", "", 30)),
        steps=((SlaStep.Kind.REMIND, 50, None), (SlaStep.Kind.REASSIGN, 100, None)),
        after_hours_urgent=PAGE,
        on_call_rep=olga,
        **fields,
    )


def test_an_urgent_lead_at_saturday_02_00_goes_to_the_on_call_rep_who_is_paged_once(
    reps, make_policy, make_leads, mailoutbox, django_capture_on_commit_callbacks
):
    ann, _, olga, _ = reps
    policy = paging_policy(make_policy, olga)

    with django_capture_on_commit_callbacks(execute=True):
        lead = routed(make_leads, now=SATURDAY_02, urgency="urgent")

    # Olga owns it, and her clock counts real minutes from arrival: 15 minutes, at night.
    assignment = clock(lead)
    assert assignment.rep == olga and assignment.reason == Assignment.Reason.ON_CALL
    assert assignment.sla_started_at == SATURDAY_02
    assert assignment.sla_due_at == SATURDAY_02 + 15 * MINUTE
    assert assignment.sla_next_step_at == SATURDAY_02 + 8 * MINUTE  # remind at 50 %, rounded up
    assert lead.status == LeadStatus.ASSIGNED
    paged = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.SLA_PAGED)
    assert paged.data["policy"] == policy.pk and paged.data["rep"] == olga.pk
    assert paged.data["due_at"] == (SATURDAY_02 + 15 * MINUTE).isoformat()
    assert paged.data["routed_to"]["rep"] == ann.pk  # whom the rule had picked
    assert kinds(lead) == ["sla_paged", "sla_started"]
    started = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.SLA_STARTED)
    assert started.message.endswith("first contact due in 15 minute(s), night or not")
    decision = RoutingDecision.objects.get(lead=lead)
    assert "on-call rep owns it" in decision.explanation

    # The page is the assignment's message, queued after commit, told once however often it
    # runs (the task delivered twice, the owed-notification sweep's retry).
    (task,) = OrmQ.objects.all()
    assert task.task["func"] == "routing.tasks.notify_assignment"
    assert notify_assignment(assignment.pk) == "sent email"
    assert notify_assignment(assignment.pk) == "nothing to send"
    assert [m.to for m in mailoutbox] == [["olga@example.com"]]
    assert mailoutbox[0].subject.startswith("On call: urgent lead")
    assert "first contact due by 2026-12-05 08:15 UTC" in mailoutbox[0].body


def test_an_unanswered_page_breaches_at_night_and_the_ladder_moves_it_at_the_opening(
    reps, make_policy, make_leads
):
    ann, bob, olga, _ = reps
    paging_policy(make_policy, olga)
    lead = routed(make_leads, now=SATURDAY_02, urgency="urgent")

    # The lead page's ladder: the reminder in real minutes, the reassignment at the opening.
    ladder = lead_clocks(lead=lead)[0].steps
    assert [step.due_at for step in ladder] == [SATURDAY_02 + 8 * MINUTE, MONDAY_09]

    assert sla_sweep(SATURDAY_02 + 8 * MINUTE) == 1  # the reminder, to Olga
    # 02:15: breached; the reassign step waits for the team's opening instead of moving the
    # lead to a rep who is off duty.
    assert sla_sweep(SATURDAY_02 + 15 * MINUTE) == 2
    assignment = clock(lead)
    assert assignment.rep == olga and assignment.sla_state == SlaState.BREACHED
    assert assignment.sla_next_step_at == MONDAY_09
    assert sla_sweep(SATURDAY_02 + 15 * MINUTE) == 0
    assert sla_sweep(datetime(2026, 12, 6, 20, 0, tzinfo=UTC)) == 0  # Sunday: nothing

    # Monday 09:00: the normal ladder goes on, to the rule's next rep, never back to Olga.
    assert sla_sweep(MONDAY_09) == 1
    moved = clock(lead)
    assert moved.rep in (ann, bob) and moved.reason == Assignment.Reason.SLA
    assert moved.sla_started_at == MONDAY_09
    assert moved.sla_due_at == MONDAY_09 + 15 * MINUTE  # business minutes again
    assert kinds(lead) == [
        "sla_paged",
        "sla_started",
        "sla_reminder",
        "sla_breached",
        "sla_started",
        "sla_reassigned",
    ]


def test_a_non_urgent_lead_at_the_same_hour_waits_for_monday_with_the_routed_rep(
    reps, make_policy, make_leads
):
    ann, _, olga, _ = reps
    paging_policy(make_policy, olga)

    lead = routed(make_leads, now=SATURDAY_02, urgency="high")

    assignment = clock(lead)
    assert assignment.rep == ann and assignment.reason == Assignment.Reason.INITIAL
    assert assignment.sla_started_at == MONDAY_09
    assert assignment.sla_due_at == MONDAY_09 + 30 * MINUTE
    assert kinds(lead) == ["sla_started"]


def test_an_urgent_lead_in_opening_hours_is_not_paged(reps, make_policy, make_leads):
    ann, _, olga, _ = reps
    paging_policy(make_policy, olga)

    lead = routed(make_leads, now=MONDAY_09 + 60 * MINUTE, urgency="urgent")

    assert clock(lead).rep == ann
    assert clock(lead).sla_due_at == MONDAY_09 + 75 * MINUTE
    assert kinds(lead) == ["sla_started"]


def test_a_policy_that_does_not_page_lets_an_urgent_lead_wait_for_monday(
    reps, make_policy, make_leads
):
    ann, *_ = reps
    make_policy(targets=(("urgent", "", 15),))

    lead = routed(make_leads, now=SATURDAY_02, urgency="urgent")

    assignment = clock(lead)
    assert assignment.rep == ann and assignment.reason == Assignment.Reason.INITIAL
    assert assignment.sla_started_at == MONDAY_09
    assert assignment.sla_due_at == MONDAY_09 + 15 * MINUTE
    assert not LeadEvent.objects.filter(kind=LeadEvent.Kind.SLA_PAGED).exists()


def test_a_deactivated_on_call_rep_is_not_paged(reps, make_policy, make_leads):
    ann, _, olga, _ = reps
    paging_policy(make_policy, olga)
    olga.is_active = False
    olga.save(update_fields=["is_active"])

    lead = routed(make_leads, now=SATURDAY_02, urgency="urgent")

    assert clock(lead).rep == ann
    assert clock(lead).sla_started_at == MONDAY_09


def test_an_on_call_rep_on_time_off_is_not_paged(reps, make_policy, make_leads):
    from routing.models import TimeOff

    ann, _, olga, _ = reps
    paging_policy(make_policy, olga)
    TimeOff.objects.create(
        rep=olga, starts_at=SATURDAY_02 - 60 * MINUTE, ends_at=SATURDAY_02 + 60 * MINUTE
    )

    lead = routed(make_leads, now=SATURDAY_02, urgency="urgent")

    assert clock(lead).rep == ann
    assert clock(lead).sla_started_at == MONDAY_09


def test_a_lead_urgent_after_hours_in_a_team_queue_goes_to_the_on_call_rep(
    make_rep, make_rule, make_policy, make_leads, office
):
    olga = make_rep("olga")
    make_rule(pool_reps=[], pool_team=None, fallback="team_queue", fallback_team=office)
    paging_policy(make_policy, olga)

    lead = routed(make_leads, now=SATURDAY_02, urgency="urgent")

    assignment = clock(lead)
    assert assignment.rep == olga and assignment.queue_team is None
    assert lead.status == LeadStatus.ASSIGNED


def test_paging_needs_an_active_on_call_rep(make_rep):
    with pytest.raises(ValidationError) as refused:
        SlaPolicy(name="x", is_default=True, after_hours_urgent=PAGE).clean()
    assert "on_call_rep" in refused.value.message_dict
    olga = make_rep("olga", is_active=False)
    with pytest.raises(ValidationError) as refused:
        SlaPolicy(name="x", is_default=True, after_hours_urgent=PAGE, on_call_rep=olga).clean()
    assert "not active" in str(refused.value)
    SlaPolicy(name="x", is_default=True, after_hours_urgent=PAGE, on_call_rep=make_rep()).clean()


def test_the_admin_shows_the_after_hours_fields_and_refuses_paging_without_a_rep(admin_client):
    page = admin_client.get("/admin/routing/slapolicy/add/").content.decode()
    assert "After hours" in page and "Page the on-call rep" in page
    assert 'name="on_call_rep"' in page

    data = policy_form([]) | {"after_hours_urgent": "page"}
    response = admin_client.post("/admin/routing/slapolicy/add/", data)

    assert response.status_code == 200
    assert "Choose the on-call rep to page" in response.content.decode()
    assert not SlaPolicy.objects.exists()


def test_the_admin_saves_a_paging_policy(admin_client, make_rep):
    olga = make_rep("olga")
    data = policy_form([]) | {"after_hours_urgent": "page", "on_call_rep": olga.pk}

    response = admin_client.post("/admin/routing/slapolicy/add/", data)

    assert response.status_code == 302
    policy = SlaPolicy.objects.get()
    assert policy.after_hours_urgent == PAGE and policy.on_call_rep == olga


def test_a_rule_that_holds_after_hours_lets_a_paging_policys_urgent_lead_through_tonight(
    reps, make_rule, make_policy, make_leads, office
):
    # The rule holds leads until Monday when nobody works; the policy pages Olga for urgent
    # ones. Paging wins for the urgent lead (Olga owns it tonight); the normal one is held.
    _, _, olga, pool_rule = reps
    pool_rule.delete()
    make_rule(pool_team=office, after_hours=RoutingRule.AfterHours.HOLD)
    paging_policy(make_policy, olga)

    urgent = routed(make_leads, now=SATURDAY_02, urgency="urgent")
    normal = routed(make_leads, now=SATURDAY_02, urgency="normal")

    assert clock(urgent).rep == olga and not HeldLead.objects.filter(lead=urgent).exists()
    assert not Assignment.objects.filter(lead=normal).exists()
    held = HeldLead.objects.get(lead=normal, released_at__isnull=True)
    assert held.hold_until == MONDAY_09


def test_an_on_call_rep_not_licensed_in_the_leads_state_is_not_paged(
    reps, make_policy, make_leads, require_licence
):
    from qualification.models import Qualification
    from routing.services import route_lead

    ann, bob, olga, _ = reps
    require_licence()
    for rep, states in ((ann, ["NV"]), (bob, ["NV"]), (olga, ["TX"])):
        rep.licensed_states = states
        rep.save(update_fields=["licensed_states"])
    paging_policy(make_policy, olga)
    nevada, texas = make_leads(2, state="NV")
    texas.state = "TX"
    texas.save(update_fields=["state"])
    for lead in (nevada, texas):
        Qualification.objects.create(
            lead=lead, score=50, tier="B", urgency="urgent", confidence=0.9, score_source="rules"
        )
        route_lead(lead, now=SATURDAY_02)

    assert clock(nevada).rep == ann and clock(nevada).sla_started_at == MONDAY_09
    assert not LeadEvent.objects.filter(lead=nevada, kind=LeadEvent.Kind.SLA_PAGED).exists()
    # A Texas lead she may hold: paged as ever (nobody else is licensed in Texas, so it
    # first went to the team's queue).
    assert clock(texas).rep == olga
