"""A person's decision on a held lead: confirm, correct or disqualify. Every decision is an
event on the lead and a training label for the classifiers."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intake.models import Lead, LeadEvent, LeadStatus
from intake.services import WebhookEventType, webhook_event_record
from qualification.models import Qualification, QualificationSettings, ReviewTask, Tier, Urgency


def review_suggestion(qualification: Qualification) -> dict:
    """What the reviewer is shown as the system's suggestion (and confirms by default)."""
    return {
        "request_type": qualification.request_type,
        "urgency": qualification.urgency,
        "tier": qualification.tier,
        "score": qualification.score,
        "confidence": qualification.confidence,
    }


@transaction.atomic
def review_decide(
    *,
    task: ReviewTask,
    user,
    request_type: str = "",
    urgency: str = "",
    tier: str = "",
    disqualify: bool = False,
    note: str = "",
) -> ReviewTask:
    """Record the reviewer's decision and release the lead (to routing, or out as
    disqualified). Values left empty keep the system's suggestion."""
    task = ReviewTask.objects.select_for_update().get(pk=task.pk)
    if task.status != ReviewTask.Status.OPEN:
        raise ValidationError("This review was already decided.")
    if urgency and urgency not in Urgency.values:
        raise ValidationError({"urgency": f"Must be one of {', '.join(Urgency.values)}."})
    if tier and tier not in Tier.values:
        raise ValidationError({"tier": f"Must be one of {', '.join(Tier.values)}."})
    suggestion = task.suggestion
    final = {
        "request_type": (request_type or suggestion.get("request_type", "")).strip()[:50],
        "urgency": urgency or suggestion.get("urgency", Urgency.NORMAL),
        "tier": tier or suggestion.get("tier", Tier.C),
    }
    changed = any(final[key] != suggestion.get(key) for key in final)
    task.decision = (
        ReviewTask.Decision.DISQUALIFIED
        if disqualify
        else ReviewTask.Decision.CORRECTED
        if changed
        else ReviewTask.Decision.CONFIRMED
    )
    task.status = ReviewTask.Status.DONE
    task.decided_at = timezone.now()
    task.decided_by = user
    task.decided_request_type = final["request_type"]
    task.decided_urgency = final["urgency"]
    task.decided_tier = final["tier"]
    task.note = note
    task.save()

    config = QualificationSettings.load()
    qualification = Qualification.objects.select_for_update().filter(lead_id=task.lead_id).first()
    if qualification is None:
        # Held because its qualification kept failing: the reviewer's judgement is the first.
        qualification = Qualification(
            lead_id=task.lead_id, score=0, tier=Tier.C, confidence=1.0, score_source="review"
        )
    qualification.request_type = final["request_type"]
    qualification.urgency = final["urgency"]
    if final["tier"] != qualification.tier:
        # The reviewer's tier stands; the score moves to the bottom of that tier's band.
        qualification.tier = final["tier"]
        qualification.score = {
            Tier.A: max(qualification.score, config.tier_a_min_score),
            Tier.B: min(
                max(qualification.score, config.tier_b_min_score), config.tier_a_min_score - 1
            ),
            Tier.C: min(qualification.score, config.tier_b_min_score - 1),
        }[Tier(final["tier"])]
    qualification.confidence = 1.0
    qualification.needs_review = False
    qualification.reasons = [
        *qualification.reasons,
        {"kind": "review", "text": f"{task.get_decision_display()} by {user}"},
    ]
    qualification.save()

    lead = Lead.objects.select_for_update().get(pk=task.lead_id)
    new_status = LeadStatus.DISQUALIFIED if disqualify else LeadStatus.NEW
    if lead.status == LeadStatus.REVIEW or disqualify:
        lead.status = new_status
        if disqualify:
            lead.closed_at = timezone.now()
        lead.save(update_fields=["status", "closed_at", "updated_at"])
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.REVIEW,
        actor=user,
        message=f"Review: {task.get_decision_display().lower()} — "
        f"{final['request_type'] or 'no request type'}, {final['urgency']} urgency, "
        f"tier {final['tier']}" + (f". {note}" if note else ""),
        data={"decision": task.decision, **final, "suggestion": suggestion},
    )
    webhook_event_record(
        event_type=WebhookEventType.REVIEW_DECIDED,
        lead=lead,
        data={
            "review": {
                "decision": task.decision,
                "decided_by": user.get_username(),
                **final,
                "note": note,
            }
        },
    )
    return task


def review_hold(*, lead: Lead, reason: str) -> ReviewTask:
    """Put a lead in front of a person (for example when no routing rule could take it)."""
    qualification = Qualification.objects.filter(lead=lead).first()
    suggestion = review_suggestion(qualification) if qualification else {}
    with transaction.atomic():
        task = (
            ReviewTask.objects.select_for_update()
            .filter(lead=lead, status=ReviewTask.Status.OPEN)
            .first()
        )
        if task is None:
            task = ReviewTask.objects.create(lead=lead, reasons=[reason], suggestion=suggestion)
        elif reason not in task.reasons:
            task.reasons = [*task.reasons, reason]
            task.save(update_fields=["reasons"])
        Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.REVIEW, updated_at=timezone.now())
        LeadEvent.objects.create(
            lead=lead, kind=LeadEvent.Kind.REVIEW, message=f"Held for review: {reason}"[:500]
        )
    return task
