"""The order of the steps a lead goes through, in exactly one place.

Every door stores its submission first (`intake.services.submission_store`) and then calls
`process_submission`. Each app's services do their one step without knowing the next:
intake (parse, gate, dedup) → qualification (signals, models, review) → routing (its own issue;
until it exists a lead stops after qualification with `routing` empty).
"""

import logging
import traceback

from intake import services as intake_services
from intake.adapters import SpamSubmission
from intake.fields import LeadFieldErrors
from intake.models import Lead, LeadEvent, Submission
from qualification import services as qualification_services
from routing import services as routing_services

logger = logging.getLogger(__name__)


def process_submission(submission: Submission | int, *, actor=None) -> intake_services.IngestResult:
    """Run one stored submission (the instance just stored, or its id) through the pipeline.

    1. Intake: parse with the door's adapter, quality gate, dedupe → a new or merged lead.
    2. Invalid input marks the submission invalid with field-by-field reasons.
    3. An unexpected error marks it failed with the traceback; it stays reprocessable and the
       caller answers without a 500 (the submission is safe either way).
    4. A new lead (not a historical import) is qualified; one held for review waits there.
    """
    if not isinstance(submission, Submission):
        submission = Submission.objects.select_related("source").get(pk=submission)
    try:
        result = intake_services.submission_ingest(submission=submission, actor=actor)
    except SpamSubmission:
        intake_services.submission_mark_spam(submission=submission)
        return intake_services.IngestResult(submission=submission, spam=True)
    except LeadFieldErrors as exc:
        intake_services.submission_mark_invalid(submission=submission, errors=exc.errors)
        return intake_services.IngestResult(submission=submission, errors=exc.errors)
    except Exception:
        logger.exception(
            "Processing submission %s failed; it is kept for reprocessing", submission.pk
        )
        intake_services.submission_mark_failed(
            submission=submission, error_detail=traceback.format_exc()
        )
        return intake_services.IngestResult(submission=submission, failed=True)
    if result.created and not result.lead.is_historical:
        qualification = qualify_lead(result.lead, actor=actor)
        if qualification is not None and not qualification.needs_review:
            route_lead(result.lead)
    return result


def qualify_lead(lead: Lead, *, actor=None, replace: bool = False):
    """Qualify a new lead. A failure here never loses the lead: it stays stored, the error
    is on its timeline, and `manage.py qualify_leads` runs it again."""
    try:
        return qualification_services.lead_qualify(lead, actor=actor, replace=replace)
    except Exception:
        logger.exception("Qualifying lead %s failed; the lead is kept", lead.pk)
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.QUALIFIED,
            message="Qualification failed; the lead is kept unqualified and will be retried",
            data={"error": traceback.format_exc()[-2000:]},
        )
        return None


def route_lead(lead: Lead):
    """Route a qualified lead that no person needs to review. Test leads are never routed. A
    routing error never loses or blocks the lead: it is parked with the error on its decision
    and timeline, and the `route_parked_leads` schedule tries again."""
    if lead.is_test or lead.is_historical:
        return None
    try:
        return routing_services.route_lead(lead)
    except Exception:
        logger.exception("Routing lead %s failed; it is parked for a retry", lead.pk)
        return routing_services.routing_park(lead=lead, error=traceback.format_exc())


def release_after_review(*, task, user, disqualify: bool = False, **decision):
    """A reviewer's decision, then routing for a lead that was not disqualified."""
    task = qualification_services.review_decide(
        task=task, user=user, disqualify=disqualify, **decision
    )
    if not disqualify:
        route_lead(Lead.objects.get(pk=task.lead_id))
    return task
