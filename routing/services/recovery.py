"""Repairs: a lead whose routing failed (parked, retried by a sweep), a lead stranded between
intake, qualification and routing by a process killed between two steps, and an assignment
whose notification was never queued.

Each is found by a sweep (`routing.tasks`, every minute) and claimed by a conditional update,
so that two clusters, or one run delivered twice, never both repair the same row.
"""

from datetime import datetime

from django.db.models import F, Q
from django.utils import timezone

from intake.models import Lead, LeadEvent, LeadStatus
from routing.models import Assignment, RoutingDecision
from routing.recovery_policy import RECOVERY_ATTEMPTS, recovery_backoff


def stranded_lead_claim(*, lead: Lead, now: datetime | None = None) -> bool:
    """Claim a stranded lead, as `stranded_leads()` listed it, for one recovery attempt.

    A conditional update on the attempt count as listed: of two sweeps that listed the lead,
    exactly one goes on; if it updated nothing, another worker got there first (or the lead
    moved on). The claim also counts the attempt and sets the backoff before the next one, so
    a worker killed during the repair leaves the lead for a later sweep, not for nobody.
    """
    now = now or timezone.now()
    attempt = lead.recovery_attempts + 1
    claimed = Lead.objects.filter(
        pk=lead.pk, status=lead.status, recovery_attempts=lead.recovery_attempts
    ).update(
        recovery_attempts=F("recovery_attempts") + 1,
        recover_after=now + recovery_backoff(attempt),
        updated_at=now,
    )
    if claimed:
        lead.recovery_attempts = attempt
    return bool(claimed)


def stranded_lead_record(*, lead: Lead, why: str) -> LeadEvent:
    """The timeline's line: the sweep took the lead up, which attempt, and why."""
    return LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.RECOVERED,
        message=f"Recovered by the sweep (attempt {lead.recovery_attempts} of "
        f"{RECOVERY_ATTEMPTS}): stranded, {why}",
        data={"reason": why, "attempt": lead.recovery_attempts},
    )


def owed_notification_claim(*, assignment: Assignment, now: datetime | None = None) -> bool:
    """Claim an assignment, as `assignments_owing_notification()` listed it, to queue its
    notification again: a conditional update on `notify_queued_at` as listed, so two clusters
    never both queue it and neither does again before `NOTIFY_REQUEUE_EVERY`."""
    as_listed = (
        Q(notify_queued_at__isnull=True)
        if assignment.notify_queued_at is None
        else Q(notify_queued_at=assignment.notify_queued_at)
    )
    return bool(
        Assignment.objects.filter(as_listed, pk=assignment.pk, notified_at__isnull=True).update(
            notify_queued_at=now or timezone.now()
        )
    )


def routing_park(*, lead: Lead, error: str) -> RoutingDecision:
    """Record a routing failure on the lead (visible, retried by `route_parked_leads`)."""
    decision = RoutingDecision.objects.create(
        lead=lead,
        outcome=RoutingDecision.Outcome.ERROR,
        explanation="Routing failed; the lead is parked and will be retried: "
        + error.strip().splitlines()[-1][:300],
    )
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.ROUTED,
        message=decision.explanation[:500],
        data={"outcome": decision.outcome, "error": error[-2000:]},
    )
    return decision


def parked_lead_claim(*, lead: Lead, now: datetime | None = None) -> bool:
    """Claim a parked lead, as `parked_leads()` listed it, for one retry. Two clusters'
    schedules (or one run delivered twice) list the same leads: a conditional update on the
    lead's `updated_at` as listed lets exactly one of them go on. If it updated nothing,
    another worker got there first (or the lead changed since it was listed): leave it. The
    claim only saves the loser the wait; `route_lead` itself never routes a lead twice."""
    return bool(
        Lead.objects.filter(pk=lead.pk, status=LeadStatus.NEW, updated_at=lead.updated_at).update(
            updated_at=now or timezone.now()
        )
    )
