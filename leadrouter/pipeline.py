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

import functools
import logging
import traceback

from django.utils import timezone

from intake import services as intake_services
from intake.adapters import SpamSubmission
from intake.csv_import import OwnerMatcher
from intake.fields import LeadFieldErrors
from intake.hooks.hubspot import crm_events
from intake.models import Lead, LeadEvent, LeadStatus, Submission
from qualification import selectors as qualification_selectors
from qualification import services as qualification_services
from routing import services as routing_services
from routing.recovery_policy import RECOVERY_ATTEMPTS
from routing.services import calls, sla_customer_returned

logger = logging.getLogger(__name__)


def process_submission(submission: Submission | int, *, actor=None) -> intake_services.IngestResult:
    """Run one stored submission (the instance just stored, or its id) through the pipeline.

    1. Intake: parse with the door's adapter, quality gate, dedupe → a new or merged lead.
    2. Invalid input marks the submission invalid with field-by-field reasons.
    3. An unexpected error marks it failed with the traceback; it stays reprocessable and the
       caller answers without a 500 (the submission is safe either way).
    4. A spam submission is marked spam and makes no lead.
    5. An imported lead whose row names its owner is recorded as theirs
       (`routing.services.assignment_import`): a closed one whoever they are, an open one if
       they are an active rep.
    6. A new lead (not a historical import, not owned by step 5) is qualified, then routed
       (`qualify_and_route`); one held for review waits there, and a merged lead is neither
       re-qualified nor re-routed.
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
    if result.created and result.lead:
        history = result.history
        owned = None
        if history is not None and history.owner_id is not None:
            owned = imported_owner_step(result.lead, rep_id=history.owner_id)
        if owned is None and not result.lead.is_historical:
            qualify_and_route(result.lead, actor=actor)
    elif result.merged and result.lead:
        # The customer came back: a clock paused while the lead waited on them resumes.
        sla_customer_returned(lead=result.lead, now=timezone.now())
    return result


def imported_owner_step(lead: Lead, *, rep_id: int):
    """Record an imported lead's owner (`routing.services.assignment_import`), except that an
    error never raises or loses the lead: it stays without an owner, the error is on its
    timeline, and an open one is routed like a new lead."""
    try:
        return routing_services.assignment_import(lead=lead, rep_id=rep_id)
    except Exception:
        logger.exception("Recording the imported owner of lead %s failed", lead.pk)
        _failure_record(
            lead,
            LeadEvent.Kind.IMPORTED,
            "Recording the owner from the file failed; the lead is kept without one",
            rep_id=rep_id,
        )
        return None


def _failure_record(lead: Lead, kind: str, message: str, **data) -> None:
    """A step's failure on the lead's timeline, with the end of the traceback."""
    LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        message=message,
        data={**data, "error": traceback.format_exc()[-2000:]},
    )


def imported_owners(*, create: bool = False, team: str | None = None) -> OwnerMatcher:
    """What an import (`intake.csv_import.import_csv`, from `import_leads` or the admin's
    upload) matches the owners of its history rows with: routing's reps
    (`routing.services.imported_owners_match`), unknown owners added as inactive reps of
    `team` (or the only team) with `create`."""
    return functools.partial(routing_services.imported_owners_match, create=create, team=team)


def process_crm_events(submission: Submission) -> int:
    """Keep a verified batch of CRM events (HubSpot's deal and lifecycle changes) and queue
    their application to the leads they name (`routing.services.hubspot_events_apply`, a
    status change like the lead page's); returns how many events it holds."""
    events = crm_events(bytes(submission.body)) or []
    routing_services.hubspot_events_receive(submission=submission, count=len(events))
    return len(events)


def qualify_and_route(lead: Lead, *, actor=None, replace: bool = False):
    """Qualify a lead, then route it unless a person must review it first (or it failed);
    a lead given to a rep may then ring them at once (`instant_callback_step`)."""
    qualification = qualification_step(lead, actor=actor, replace=replace)
    if qualification is not None and not qualification.needs_review:
        decision = routing_step(lead)
        if decision is not None and decision.rep_id is not None:
            instant_callback_step(lead)
    return qualification


def instant_callback_step(lead: Lead):
    """`routing.services.calls.instant_callback_offer` (an urgent lead's source may ring its
    new rep at once), except that an error never raises: the lead is routed either way, and
    the SLA clock runs as if nothing was tried."""
    try:
        return calls.instant_callback_offer(lead=lead)
    except Exception:
        logger.exception("Offering an instant call-back for lead %s failed", lead.pk)
        _failure_record(lead, LeadEvent.Kind.CALL, "Instant call-back failed; nobody was called")
        return None


CALL_FAILED = "Sorry, we cannot put your call through right now. Please try again shortly."


def answer_call(*, lead: Lead, source, call_sid: str, caller: str, base: str) -> str:
    """The step after intake for an inbound call (`intake.hooks.twilio_voice`): whom it rings,
    as TwiML (`routing.services.calls.inbound_call_answer`). The lead is already stored and
    routed; an error here never raises: the caller hears an apology and the lead waits for
    its owner like any other."""
    try:
        return calls.inbound_call_answer(
            lead=lead, source=source, call_sid=call_sid, caller=caller, base=base
        )
    except Exception:
        logger.exception("Answering call %s (lead %s) failed", call_sid, lead.pk)
        _failure_record(
            lead,
            LeadEvent.Kind.CALL,
            "The call could not be put through; the caller heard an apology",
            call_sid=call_sid,
        )
        return calls.apology(CALL_FAILED)


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
        _failure_record(
            lead,
            LeadEvent.Kind.QUALIFIED,
            "Qualification failed; the lead is kept unqualified and will be retried",
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
