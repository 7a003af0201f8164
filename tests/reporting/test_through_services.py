"""The report reads what the other apps' services write: a lead given to a rep by a manager,
called, handed back, given to another rep, and won a week later."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from intake.models import LeadStatus
from reporting.selectors import report_for_period, report_period
from routing.models import Activity
from routing.services import activity_log, lead_assign_manually, lead_hand_back, lead_status_change
from tests.reporting.conftest import chicago

pytestmark = pytest.mark.django_db


def test_a_lead_worked_through_the_services(team, make_rep, make_lead, django_user_model):
    staff = django_user_model.objects.create_user("sue", is_staff=True)
    ann, bob = make_rep("ann"), make_rep("bob")
    monday = chicago(2026, 11, 23, 9)
    lead = make_lead(monday)

    lead_assign_manually(lead=lead, user=staff, rep=ann, now=monday + timedelta(minutes=5))
    activity_log(
        lead=lead,
        user=ann.user,
        kind=Activity.Kind.CALL,
        outcome=Activity.Outcome.NO_ANSWER,
        now=monday + timedelta(minutes=20),
    )
    lead_hand_back(lead=lead, user=ann.user, reason="Out sick", now=monday + timedelta(hours=1))
    lead_assign_manually(lead=lead, user=staff, rep=bob, now=monday + timedelta(hours=2))
    won_at = chicago(2026, 12, 2, 11)
    with time_machine.travel(won_at, tick=False):
        lead_status_change(lead=lead, user=bob.user, status=LeadStatus.WON, value="900", now=won_at)
    as_of = won_at + timedelta(days=1)

    arrival = report_for_period(
        period=report_period("2026-W48", team), team=team, as_of=as_of, with_history=False
    )
    won_week = report_for_period(
        period=report_period("2026-W49", team), team=team, as_of=as_of, with_history=False
    )

    assert (arrival.totals.received, arrival.totals.assigned, arrival.totals.contacted) == (1, 1, 1)
    assert arrival.signals.speed_to_assignment.p50_seconds == 300
    assert arrival.signals.speed_to_first_contact.p50_seconds == 900
    # Handed back to the team's queue, then given to Bob by hand: one lead, two reasons.
    assert arrival.signals.reassigned == 1
    assert arrival.signals.reassigned_by_reason == {"sla": 0, "hand_back": 1, "manual": 1}
    assert arrival.totals.close_rate == 1.0
    assert [(row.username, row.assigned, row.contacted) for row in arrival.by_rep] == [
        ("ann", 1, 1),
        ("bob", 1, 0),
    ]
    assert (won_week.totals.won, won_week.totals.won_value) == (1, Decimal("900"))
    assert [(row.username, row.won) for row in won_week.by_rep] == [("bob", 1)]
