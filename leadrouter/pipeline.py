"""The order of the steps a lead goes through, in exactly one place.

Every door stores its submission first (`intake.services.submission_store`) and then calls
`process_submission`. Each app's services do their one step without knowing the next:
intake (parse, gate, dedup) → qualification (signals, models, review: `qualification_step`)
→ routing (`routing_step`). A step here wraps its app's service so that a failure is recorded
and retried later instead of raised: a lead, once stored, is never lost.

A process killed between two steps (a worker's SIGKILL between intake's commit and routing)
leaves a lead that no step owns; `recover_stranded_lead`, run by the every-minute sweep
`routing.tasks.recover_stranded_leads`, runs its remaining steps.
"""

import logging
import traceback

from django.utils import timezone

from intake import services as intake_services
from intake.adapters import SpamSubmission
from intake.fields import LeadFieldErrors
from intake.hooks.hubspot import crm_events
from intake.models import Lead, LeadEvent, LeadStatus, Submission
from qualification import selectors as qualification_selectors
from qualification import services as qualification_services
from routing import services as routing_services
from routing.recovery_policy import RECOVERY_ATTEMPTS
from routing.services import sla_customer_returned

logger = logging.getLogger(__name__)


def process_submission(submission: Submission | int, *, actor=None) -> intake_services.IngestResult:
    """Run one stored submission (the instance just stored, or its id) through the pipeline.

    1. Intake: parse with the door's adapter, quality gate, dedupe → a new or merged lead.
    2. Invalid input marks the submission invalid with field-by-field reasons.
    3. An unexpected error marks it failed with the traceback; it stays reprocessable and the
       caller answers without a 500 (the submission is safe either way).
    4. A spam submission is marked spam and makes no lead.
    5. A new lead (not a historical import) is qualified, then routed (`qualify_and_route`);
       one held for review waits there, and a merged lead is neither re-qualified nor re-routed.
    """
    if isinstance(submission, int):
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
    if result.created and result.lead and not result.lead.is_historical:
        qualify_and_route(result.lead, actor=actor)
    elif result.merged and result.lead:
        # The customer came back: a clock paused while the lead waited on them resumes.
        sla_customer_returned(lead=result.lead, now=timezone.now())
    return result


def process_crm_events(submission: Submission) -> int:
    """Keep a verified batch of CRM events (HubSpot's deal and lifecycle changes) and queue
    their application to the leads they name (`routing.services.hubspot_events_apply`, a
    status change like the lead page's); returns how many events it holds."""
    events = crm_events(bytes(submission.body)) or []
    routing_services.hubspot_events_receive(submission=submission, count=len(events))
    return len(events)


def qualify_and_route(lead: Lead, *, actor=None, replace: bool = False):
    """Qualify a lead, then route it unless a person must review it first (or it failed)."""
    qualification = qualification_step(lead, actor=actor, replace=replace)
    if qualification is not None and not qualification.needs_review:
        routing_step(lead)
    return qualification


def recover_stranded_lead(lead: Lead, *, now=None) -> str:
    """Run the remaining steps of a lead the sweep found stranded (`routing.selectors.
    stranded_leads`), once even if two sweeps listed it.

    1. Claim it (conditional update; counts the attempt, sets the backoff before the next).
       Not claimed: another worker got there first. A lead past new (or in review with no
       open task) that nobody owns goes to the review queue, with the reason.
    2. Record on its timeline that the sweep recovered it, and why.
    3. Not qualified: qualify it. If qualification fails, the next sweep tries again after
       the backoff; after the last attempt the lead goes to a person ("qualification failed").
    4. Qualified and no review needed: route it (a routing error parks it, as always). A
       qualification that asks for review but whose lead was never held: hold it.
    """
    if not routing_services.stranded_lead_claim(lead=lead, now=now):
        return "claimed elsewhere"
    if lead.status != LeadStatus.NEW:
        # Past routing (assigned, contacted, qualified) or in review, yet nobody owns or
        # reviews it: an ended assignment with no next one, a restored backup. Routing only
        # takes new leads, and the lead's history matters: a person decides where it goes.
        why = f"{lead.get_status_display().lower()} but nobody owns or reviews it"
        routing_services.stranded_lead_record(lead=lead, why=why)
        qualification_services.review_hold(lead=lead, reason=f"stranded: {why}")
        return "sent to review"
    qualification = qualification_selectors.lead_qualification(lead.pk)
    if qualification is None:
        why = "not qualified"
    elif qualification.needs_review:
        why = "qualified for review but not held"
    else:
        why = "qualified but not routed"
    routing_services.stranded_lead_record(lead=lead, why=why)
    if qualification is None:
        qualification = qualification_step(lead)
        if qualification is None:
            if lead.recovery_attempts < RECOVERY_ATTEMPTS:
                return "qualification failed; retried later"
            qualification_services.review_hold(lead=lead, reason="qualification failed")
            return "qualification failed; sent to review"
        if qualification.needs_review:
            return "qualified; held for review"
    elif qualification.needs_review:
        qualification_services.review_hold(lead=lead, reason="qualification asked for review")
        return "held for review"
    routing_step(lead)
    return "routed"


def qualification_step(lead: Lead, *, actor=None, replace: bool = False):
    """The qualification step: `qualification.services.lead_qualify`, except that a failure
    never loses the lead and never raises. The lead stays stored unqualified (None is
    returned), the error is on its timeline, and the stranded-lead sweep (or
    `manage.py qualify_leads`) runs the step again."""
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


def routing_step(lead: Lead):
    """The routing step for a qualified lead that no person needs to review:
    `routing.services.route_lead`, except that test and historical leads are never routed and
    an error never raises, loses or blocks the lead: it is parked with the error on its
    decision and timeline, and the `route_parked_leads` schedule tries again."""
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
        routing_step(Lead.objects.get(pk=task.lead_id))
    return task
