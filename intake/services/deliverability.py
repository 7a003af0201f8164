"""Email deliverability (a DNS lookup of the domain's mail servers), off the request path.

A lookup can take seconds, so intake never waits for it: when INTAKE_EMAIL_CHECK_DELIVERABILITY
is on, a new lead with a valid email gets a django-q2 task after its transaction commits, and
the task records the result on the lead as flags, a check and a timeline event.
"""

from typing import Any

from django.conf import settings
from django.db import transaction

from intake.models import Lead, LeadEvent
from intake.quality.email import check_email
from intake.quality.flags import FlagCode

TASK = "intake.tasks.check_email_deliverability"
DELIVERABILITY_FLAGS = (FlagCode.EMAIL_UNDELIVERABLE, FlagCode.EMAIL_DELIVERABILITY_UNKNOWN)


def deliverability_enqueue(lead: Lead) -> None:
    if not (settings.INTAKE_EMAIL_CHECK_DELIVERABILITY and lead.email_normalized):
        return

    def send():
        from django_q.tasks import async_task

        async_task(TASK, lead.pk, task_name=f"deliverability-{lead.pk}")

    transaction.on_commit(send)


def lead_check_deliverability(lead_id: int, *, dns_resolver: Any = None) -> str:
    """Look up the lead's email domain and record deliverable / undeliverable / unknown."""
    lead = Lead.objects.filter(pk=lead_id).only("email").first()
    if lead is None or not lead.email:
        return "no lead or no email"
    check = check_email(
        lead.email,
        check_deliverability=True,
        timeout=settings.INTAKE_EMAIL_DNS_TIMEOUT,
        dns_resolver=dns_resolver,
    )
    found = {flag.code: flag.reason for flag in check.flags if flag.code in DELIVERABILITY_FLAGS}
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        flags = {k: v for k, v in lead.flags.items() if k not in DELIVERABILITY_FLAGS}
        lead.flags = {**flags, **found}
        lead.checks = {
            **lead.checks,
            "email": {**lead.checks.get("email", {}), "deliverability": check.deliverability},
        }
        lead.save(update_fields=["flags", "checks", "updated_at"])
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.VERIFIED,
            message=f"Email deliverability: {check.deliverability.replace('_', ' ')}"
            + (f" ({'; '.join(found.values())})" if found else ""),
            data={"deliverability": check.deliverability, "flags": found},
        )
    return check.deliverability
