"""Repairs for a process killed between two steps: a lead stranded between intake,
qualification and routing, and an assignment whose notification was never queued.

Both are found by a sweep (`routing.tasks`, every minute) and claimed by a conditional update,
so that two clusters, or one run delivered twice, never both repair the same row.
"""

from datetime import datetime

from django.db.models import F, Q
from django.utils import timezone

from intake.models import Lead, LeadEvent
from routing.models import Assignment
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
