"""Two sweeps at once (each thread its own connection, as two clusters would be), on SQLite
and PostgreSQL: every due point of every clock is performed exactly once, in order. And on
PostgreSQL a sweep process killed with SIGKILL in the middle of a step: the next sweep
finishes what it left, nothing doubled."""

import multiprocessing
import os
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections
from django.db.models import Count

from intake.models import LeadEvent
from routing.models import Assignment, SlaPolicy, SlaStep, SlaStepRecord, SlaTarget
from routing.services import route_lead, sla_sweep
from tests.routing.test_concurrency_redelivery import together

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = 40
MONDAY_10 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def sweep_together(now) -> list[int]:
    """Two sweeps released at the same moment; what each acted on."""
    return together(lambda: sla_sweep(now))


@pytest.fixture
def routed_leads(make_rep, make_rule, make_leads):
    reps = [make_rep(f"rep{i}") for i in range(4)]
    make_rule(pool_reps=reps)
    policy = SlaPolicy.objects.create(name="Standard", is_default=True)
    SlaTarget.objects.create(policy=policy, minutes=30)
    for order, (kind, percent) in enumerate(
        ((SlaStep.Kind.REMIND, 50), (SlaStep.Kind.REASSIGN, 100)), start=1
    ):
        SlaStep.objects.create(policy=policy, order=order, kind=kind, percent=percent)
    leads = make_leads(LEADS)
    for lead in leads:
        route_lead(lead, now=MONDAY_10)
    return leads


def assert_each_step_once():
    doubled = (
        SlaStepRecord.objects.values("assignment_id", "step_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubled.exists()
    events = Counter(
        LeadEvent.objects.filter(kind__startswith="sla_")
        .exclude(kind=LeadEvent.Kind.SLA_STARTED)
        .values_list("lead_id", "kind")
    )
    assert max(events.values()) == 1, events


def test_two_sweeps_at_once_perform_each_reminder_once(routed_leads):
    acted = sweep_together(MONDAY_10 + 15 * MINUTE)

    assert sum(acted) == LEADS
    assert SlaStepRecord.objects.filter(kind="remind", outcome="done").count() == LEADS
    assert_each_step_once()


def test_two_sweeps_after_three_hours_of_downtime_perform_each_overdue_point_once_in_order(
    routed_leads,
):
    acted = sweep_together(MONDAY_10 + 180 * MINUTE)

    # Per lead: the reminder (skipped: overtaken), the breach, the reassignment.
    assert sum(acted) == 3 * LEADS
    assert sweep_together(MONDAY_10 + 180 * MINUTE) == [0, 0]
    assert_each_step_once()
    for lead in routed_leads:
        steps = list(
            SlaStepRecord.objects.filter(assignment__lead=lead)
            .order_by("id")
            .values_list("kind", "outcome")
        )
        assert steps == [("remind", "skipped"), ("reassign", "done")]
        timeline = list(
            LeadEvent.objects.filter(lead=lead, kind__startswith="sla_")
            .order_by("id")
            .values_list("kind", flat=True)
        )
        assert timeline == ["sla_started", "sla_breached", "sla_started", "sla_reassigned"]
    # Every lead has one owner, the one its reassignment named.
    assert Assignment.objects.filter(ended_at__isnull=True).count() == LEADS
    assert Assignment.objects.filter(ended_at__isnull=True, reason="sla").count() == LEADS


def _sweep_then_hang_in_the_fifth_step(now, inside) -> None:
    """A sweep whose fifth reminder never finishes: it signals, then waits to be killed with
    its transaction open (the step's record inserted, not committed)."""
    from routing import notifications

    performed = []

    def hang_on_the_fifth(record, lead):
        performed.append(record.pk)
        if len(performed) == 5:
            inside.set()
            time.sleep(600)

    notifications.sla_step_notify_on_commit = hang_on_the_fifth
    sla_sweep(now)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real server notices the dead connection"
)
def test_a_sweep_killed_with_sigkill_mid_step_is_finished_by_the_next_one_nothing_doubled(
    routed_leads,
):
    now = MONDAY_10 + 15 * MINUTE
    context = multiprocessing.get_context("fork")
    inside = context.Event()
    connections.close_all()  # the child opens its own connection
    child = context.Process(target=_sweep_then_hang_in_the_fifth_step, args=(now, inside))
    child.start()
    assert inside.wait(timeout=60)
    os.kill(child.pid, signal.SIGKILL)
    child.join()

    # Four reminders committed; the fifth died with its transaction (rolled back by the server).
    assert SlaStepRecord.objects.count() == 4
    assert sla_sweep(now) == LEADS - 4
    assert SlaStepRecord.objects.filter(kind="remind", outcome="done").count() == LEADS
    assert_each_step_once()
