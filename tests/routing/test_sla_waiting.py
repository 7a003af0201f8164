"""A lead waiting on the customer: the clock pauses (unless the policy says otherwise) until
the time the rep gave, the rep's next contact, or the customer's repeat inquiry."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from intake.models import Lead, LeadEvent
from routing.models import Assignment, SlaState
from routing.services import (
    activity_log,
    lead_status_change,
    lead_wait_on_customer,
    route_lead,
    sla_sweep,
)
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
MINUTE = timedelta(minutes=1)
# Enough for qualification to let the lead through to routing without a review.
ANN = {"full_name": "Ann Lee", "email": "ann.lee@gmail.com", "request_type": "home"}


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sue", is_staff=True)


@pytest.fixture
def pool(make_rep, make_rule):
    return make_rule(pool_reps=[make_rep("ann")])


def routed(make_leads):
    (lead,) = make_leads(1)
    route_lead(lead, now=MONDAY_10)
    lead.refresh_from_db()
    return lead


def clock(lead) -> Assignment:
    return Assignment.objects.get(lead=lead, ended_at__isnull=True)


def sla_events(lead) -> list[LeadEvent]:
    return list(LeadEvent.objects.filter(lead=lead, kind__startswith="sla_").order_by("id"))


def wait(lead, user, minutes_from_start, **kwargs) -> bool:
    with time_machine.travel(MONDAY_10 + minutes_from_start * MINUTE, tick=False):
        return lead_wait_on_customer(lead=lead, user=user, **kwargs)


def test_waiting_on_the_customer_pauses_the_clock_and_the_sweep_never_breaches_it(
    pool, make_policy, make_leads, staff
):
    make_policy()  # 30 minutes; remind at half, reassign at the deadline
    lead = routed(make_leads)

    assert wait(lead, staff, 5, note="sent the quote, waiting for the signed form")

    paused = clock(lead)
    assert paused.sla_state == SlaState.PAUSED
    assert paused.sla_paused_at == MONDAY_10 + 5 * MINUTE
    assert paused.sla_due_at is None and paused.sla_next_step_at is None
    event = sla_events(lead)[-1]
    assert event.kind == "sla_paused" and event.data["reason"] == "waiting on the customer"
    note = LeadEvent.objects.get(lead=lead, kind="note")
    assert note.message == "Waiting on the customer — sent the quote, waiting for the signed form"
    # Long past the deadline and every step: nothing is due.
    assert sla_sweep(MONDAY_10 + 3 * 24 * 60 * MINUTE) == 0
    assert clock(lead).sla_state == SlaState.PAUSED
    assert [e.kind for e in sla_events(lead)] == ["sla_started", "sla_paused"]


def test_the_sweep_resumes_the_clock_at_the_time_the_rep_gave(pool, make_policy, make_leads, staff):
    make_policy()
    lead = routed(make_leads)
    until = MONDAY_10 + 120 * MINUTE

    assert wait(lead, staff, 5, until=until)

    assert clock(lead).sla_due_at == until
    assert sla_sweep(until - MINUTE) == 0
    assert sla_sweep(until) == 1
    resumed = clock(lead)
    assert resumed.sla_state == SlaState.RUNNING
    assert resumed.sla_started_at == until and resumed.sla_due_at == until + 30 * MINUTE
    assert [e.kind for e in sla_events(lead)] == ["sla_started", "sla_paused", "sla_resumed"]


def test_the_reps_next_contact_resumes_the_clock_and_meets_it(pool, make_policy, make_leads, staff):
    make_policy()
    lead = routed(make_leads)
    wait(lead, staff, 5)

    with time_machine.travel(MONDAY_10 + 300 * MINUTE, tick=False):
        activity_log(lead=lead, user=staff, kind="call", outcome="reached")

    assert clock(lead).sla_state == SlaState.MET
    assert [e.kind for e in sla_events(lead)] == [
        "sla_started",
        "sla_paused",
        "sla_resumed",
        "sla_met",
    ]


def test_a_callback_pause_is_not_resumed_by_the_customer(pool, make_policy, api, staff):
    make_policy()
    with time_machine.travel(MONDAY_10, tick=False):
        post_lead(api, ANN)
    lead = Lead.objects.get()
    callback = MONDAY_10 + 120 * MINUTE
    with time_machine.travel(MONDAY_10 + 5 * MINUTE, tick=False):
        activity_log(lead=lead, user=staff, kind="call", outcome="scheduled", callback_at=callback)
    with time_machine.travel(MONDAY_10 + 10 * MINUTE, tick=False):
        post_lead(api, ANN)

    assert clock(lead).sla_state == SlaState.PAUSED and clock(lead).sla_due_at == callback


def test_the_customers_repeat_inquiry_resumes_the_clock(pool, make_policy, api, staff):
    make_policy()
    with time_machine.travel(MONDAY_10, tick=False):
        first = post_lead(api, ANN)
    lead = Lead.objects.get(pk=first.json()["id"])
    assert clock(lead).sla_state == SlaState.RUNNING
    wait(lead, staff, 5)
    assert clock(lead).sla_state == SlaState.PAUSED

    with time_machine.travel(MONDAY_10 + 200 * MINUTE, tick=False):
        again = post_lead(api, {**ANN, "message": "signed"})

    assert again.status_code == 200 and again.json()["id"] == lead.pk
    resumed = clock(lead)
    assert resumed.sla_state == SlaState.RUNNING
    assert resumed.sla_started_at == MONDAY_10 + 200 * MINUTE
    assert resumed.sla_due_at == MONDAY_10 + 230 * MINUTE
    event = sla_events(lead)[-1]
    assert event.kind == "sla_resumed"
    assert event.message == "SLA clock resumed: the customer inquired again"


def test_a_policy_that_does_not_pause_while_waiting_keeps_the_clock_running(
    pool, make_policy, make_leads, staff
):
    make_policy(pause_while_waiting_on_customer=False)
    lead = routed(make_leads)

    assert not wait(lead, staff, 5)

    running = clock(lead)
    assert running.sla_state == SlaState.RUNNING
    assert running.sla_due_at == MONDAY_10 + 30 * MINUTE
    # The rep's note is on the timeline all the same, and the deadline still counts.
    assert LeadEvent.objects.filter(lead=lead, kind="note").exists()
    sla_sweep(MONDAY_10 + 30 * MINUTE)
    assert "sla_breached" in [e.kind for e in sla_events(lead)]


def test_a_resume_time_in_the_past_or_a_closed_lead_is_refused(
    pool, make_policy, make_leads, staff
):
    make_policy()
    lead = routed(make_leads)
    with pytest.raises(ValidationError) as past:
        wait(lead, staff, 5, until=MONDAY_10)
    assert "until" in past.value.message_dict
    assert clock(lead).sla_state == SlaState.RUNNING

    lead_status_change(lead=lead, user=staff, status="lost", reason="went elsewhere")
    with pytest.raises(ValidationError) as closed:
        wait(lead, staff, 10)
    assert "lead" in closed.value.message_dict
    assert not LeadEvent.objects.filter(lead=lead, kind="note").exists()


# --- the lead page ---------------------------------------------------------------------------


@pytest.fixture
def given(make_policy, make_leads, personas, give):
    make_policy()
    with time_machine.travel(MONDAY_10, tick=False):
        lead = make_leads(1, full_name="Ann Lee", email="ann.lee@gmail.com")[0]
        give(lead, rep=personas.ann)
    return lead


def post_wait(client, user, lead, **fields):
    client.force_login(user)
    with time_machine.travel(MONDAY_10 + 5 * MINUTE, tick=False):
        return client.post(f"/leads/{lead.pk}/wait/", {"note": "", **fields})


def test_the_lead_page_marks_the_lead_waiting_with_a_resume_time_in_the_reps_zone(
    client, given, personas
):
    page = post_wait(client, personas.ann.user, given, until="2026-11-30T14:30")

    assert page.status_code == 302
    assert clock(given).sla_due_at == datetime(2026, 11, 30, 20, 30, tzinfo=UTC)  # Chicago
    with time_machine.travel(MONDAY_10 + 6 * MINUTE, tick=False):
        html = client.get(f"/leads/{given.pk}/").content.decode()
    assert "Resume at (America/Chicago time)" in html  # the picker's label
    assert "Resumes (America/Chicago)</dt><dd>Mon 2026-11-30 14:30</dd>" in html
    assert "Paused until 14:30 (America/Chicago)" in html


def test_the_lead_page_marks_the_lead_waiting_with_no_set_time(client, given, personas):
    assert (
        post_wait(client, personas.ann.user, given, note="needs the floor plan").status_code == 302
    )

    html = client.get(f"/leads/{given.pk}/").content.decode()
    assert "Paused: waiting on the customer" in html
    assert "When the customer inquires again or a contact is logged" in html
    assert "Waiting on the customer — needs the floor plan" in html


def test_a_resume_time_in_the_past_is_the_services_message_on_the_picker(client, given, personas):
    page = post_wait(client, personas.ann.user, given, until="2026-11-30T09:00")

    assert page.status_code == 400
    assert page.context["wait_form"].errors["until"] == ["Choose a resume time in the future."]
    assert clock(given).sla_state == SlaState.RUNNING
