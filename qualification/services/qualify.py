"""Qualify one lead: signals, then the trained models (or the rule score before there are
any), an optional LLM, a confidence, and the reasons a person must look at it."""

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from intake.models import Account, Channel, Lead, LeadEvent, LeadStatus
from intake.services import WebhookEventType, webhook_event_record
from qualification import llm
from qualification.models import (
    Qualification,
    ReviewTask,
    Signal,
    Urgency,
)
from qualification.services.records import email_kind, lead_record, lead_values
from qualification.services.registry import Loaded, loaded
from qualification.services.review import review_suggestion
from qualification.services.signals import signals_apply

logger = logging.getLogger(__name__)

# Confidence of decisions made without a trained model: a signal the manager wrote is nearly
# certain; a request type the form or source supplied is likely; a default is a guess.
SIGNAL_CONFIDENCE = 0.95
GIVEN_REQUEST_TYPE_CONFIDENCE = 0.75
UNKNOWN_REQUEST_TYPE_CONFIDENCE = 0.3
DEFAULT_URGENCY_CONFIDENCE = 0.6
LLM_CONFIDENCE = 0.8
# A classifier this sure that contradicts the request type the lead gave is a conflict.
CONFLICT_CONFIDENCE = 0.8

# The transparent score used until enough outcomes exist to train the conversion model.
RULE_SCORE_BASE = 20
RULE_SCORE_POINTS = (
    ("has a valid phone", 20, lambda lead: bool(lead.phone_e164)),
    ("has a valid email", 15, lambda lead: email_kind(lead) in ("free", "business")),
    ("business email", 10, lambda lead: email_kind(lead) == "business"),
    ("company given", 5, lambda lead: bool(lead.company)),
    ("wrote a message", 10, lambda lead: len(lead.message.split()) >= 5),
    ("location known", 5, lambda lead: bool(lead.postal_code or lead.state)),
    ("came back more than once", 10, lambda lead: lead.touch_count > 1),
)


@dataclass
class Decision:
    value: str
    confidence: float
    reason: dict[str, Any]


@dataclass
class Judgement:
    score: int
    score_source: str
    probability: float | None
    request_type: Decision
    urgency: Decision
    reasons: list[dict[str, Any]] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    summary: str = ""
    models_used: dict[str, int] = field(default_factory=dict)


def _clamp(score: float) -> int:
    return max(0, min(100, round(score)))


def _score(lead: Lead, record, signal_delta: int, models) -> tuple[int, str, float | None, list]:
    if models.conversion is not None:
        version, model = models.conversion
        scored = model.predict(record)
        reasons = [
            {
                "kind": "model",
                "text": f"conversion model v{version.pk}: {scored.probability:.0%} likely to "
                "convert",
                "weight": round(scored.probability, 4),
            }
        ]
        reasons += [
            {"kind": "feature", "text": item.label, "weight": round(item.value, 3)}
            for item in scored.contributions
        ]
        return _clamp(scored.probability * 100 + signal_delta), "model", scored.probability, reasons
    points = [(label, value) for label, value, test in RULE_SCORE_POINTS if test(lead)]
    reasons = [
        {
            "kind": "rule",
            "text": f"rule score (no trained conversion model yet): base {RULE_SCORE_BASE}",
            "weight": RULE_SCORE_BASE,
        }
    ]
    reasons += [{"kind": "rule", "text": label, "weight": value} for label, value in points]
    total = RULE_SCORE_BASE + sum(value for _, value in points) + signal_delta
    return _clamp(total), "rules", None, reasons


def _request_type(lead: Lead, record, signal_value: str, models) -> tuple[Decision, str | None]:
    """The request type and, when the classifier contradicts the lead, the conflict."""
    if signal_value:
        return Decision(signal_value, SIGNAL_CONFIDENCE, _why("signal", signal_value)), None
    given = lead.request_type
    if models.request_type is not None:
        version, model = models.request_type
        predicted = model.predict(record)
        reason = _why(
            "classifier",
            f"{predicted.label} ({predicted.confidence:.0%}, request-type model v{version.pk}"
            + (
                f"; words: {', '.join(term for term, _ in predicted.evidence[:3])}"
                if predicted.evidence
                else ""
            )
            + ")",
        )
        if given and given != predicted.label:
            conflict = None
            if predicted.confidence >= CONFLICT_CONFIDENCE:
                conflict = (
                    f"signals conflict: the lead asked for {given!r}, the model reads "
                    f"{predicted.label!r} ({predicted.confidence:.0%})"
                )
            return Decision(given, 1 - predicted.confidence, reason), conflict
        if given:
            return Decision(
                given, max(predicted.confidence, GIVEN_REQUEST_TYPE_CONFIDENCE), reason
            ), None
        return Decision(predicted.label, predicted.confidence, reason), None
    if given:
        return Decision(
            given,
            GIVEN_REQUEST_TYPE_CONFIDENCE,
            _why("rule", f"{given} (given by the lead or its source)"),
        ), None
    return Decision("", UNKNOWN_REQUEST_TYPE_CONFIDENCE, _why("rule", "request type unknown")), None


def _urgency(record, signal_value: str, models) -> Decision:
    if signal_value:
        return Decision(signal_value, SIGNAL_CONFIDENCE, _why("signal", f"urgency {signal_value}"))
    if record["fields"]["channel"] == Channel.PHONE:
        # The person called: they want to talk now, whatever a model trained on forms says.
        return Decision(
            Urgency.URGENT, SIGNAL_CONFIDENCE, _why("rule", "urgency urgent (a phone call)")
        )
    if models.urgency is not None:
        version, model = models.urgency
        predicted = model.predict(record)
        return Decision(
            predicted.label,
            predicted.confidence,
            _why(
                "classifier",
                f"urgency {predicted.label} ({predicted.confidence:.0%}, model v{version.pk})",
            ),
        )
    return Decision(
        Urgency.NORMAL, DEFAULT_URGENCY_CONFIDENCE, _why("rule", "urgency normal (default)")
    )


def _why(kind: str, text: str) -> dict[str, Any]:
    return {"kind": kind, "text": text}


def _known_request_types(models) -> list[str]:
    types = set(
        Signal.objects.exclude(set_request_type="").values_list("set_request_type", flat=True)
    )
    types |= set(
        Lead.objects.exclude(request_type="").values_list("request_type", flat=True).distinct()[:50]
    )
    if models.request_type is not None:
        types |= set(models.request_type[1].classes)
    return sorted(types)


def _ask_llm(lead: Lead, judgement: Judgement, models) -> str:
    """Ask the LLM when the local decision is unsure; its answer replaces any local decision
    less certain than it (defaults, unsure models), never a signal. Returns an event note."""
    try:
        extracted = llm.extract(
            lead.message,
            request_types=_known_request_types(models),
            context={"source": lead.source.name},
        )
    except llm.LlmUnavailable as exc:
        return f"LLM extractor unavailable ({exc}); the local models decided"
    if extracted.request_type and judgement.request_type.confidence < LLM_CONFIDENCE:
        judgement.request_type = Decision(
            extracted.request_type, LLM_CONFIDENCE, _why("llm", f"{extracted.request_type} (LLM)")
        )
    if judgement.urgency.confidence < LLM_CONFIDENCE:
        judgement.urgency = Decision(
            extracted.urgency, LLM_CONFIDENCE, _why("llm", f"urgency {extracted.urgency} (LLM)")
        )
    judgement.summary = extracted.summary
    return "LLM extractor answered"


def lead_judge(lead: Lead, *, snapshot: Loaded | None = None) -> tuple[Judgement, str]:
    """Everything about a lead's qualification, without saving anything. Settings, models and
    signals all come from one snapshot of the registry (`snapshot`, else the current one)."""
    snapshot = snapshot or loaded()
    config = snapshot.settings
    models = snapshot.models
    signals = signals_apply(lead_values(lead), snapshot.signals)
    record = lead_record(lead)
    score, source, probability, score_reasons = _score(lead, record, signals.score_delta, models)
    request_type, conflict = _request_type(lead, record, signals.request_type, models)
    judgement = Judgement(
        score=score,
        score_source=source,
        probability=probability,
        request_type=request_type,
        urgency=_urgency(record, signals.urgency, models),
        tags=signals.tags,
        review_reasons=list(signals.review_reasons),
        models_used={
            kind: loaded[0].pk
            for kind, loaded in (
                ("conversion", models.conversion),
                ("request_type", models.request_type),
                ("urgency", models.urgency),
            )
            if loaded is not None
        },
    )
    threshold = config.review_confidence_below
    llm_note = ""
    if llm.llm_enabled() and min(request_type.confidence, judgement.urgency.confidence) < threshold:
        llm_note = _ask_llm(lead, judgement, models)
    judgement.reasons = (
        score_reasons + signals.reasons + [judgement.request_type.reason, judgement.urgency.reason]
    )

    if conflict:
        judgement.review_reasons.append(conflict)
    confidence = min(judgement.request_type.confidence, judgement.urgency.confidence)
    if confidence < threshold:
        decision, what = min(
            (judgement.request_type, "request type"),
            (judgement.urgency, "urgency"),
            key=lambda pair: pair[0].confidence,
        )
        judgement.review_reasons.append(
            f"not sure of the {what}: {decision.value or 'unknown'} at "
            f"{decision.confidence:.0%} (review below {threshold:.0%})"
        )
    unusable = "uncontactable" in lead.flags
    if unusable:
        judgement.review_reasons.append(f"contact data unusable: {lead.flags['uncontactable']}")
    if judgement.urgency.value in (Urgency.HIGH, Urgency.URGENT) and (
        unusable or not lead.full_name
    ):
        judgement.review_reasons.append(
            f"signals conflict: {judgement.urgency.value} but incomplete "
            f"({'no usable phone or email' if unusable else 'no name'})"
        )
    strategic = (
        Account.objects.filter(pk=lead.account_id, is_strategic=True)
        .values_list("domain", flat=True)
        .first()
        if lead.account_id
        else None
    )
    if strategic:
        judgement.review_reasons.append(f"strategic account {strategic}")
    if config.review_score_at_least is not None and score >= config.review_score_at_least:
        judgement.review_reasons.append(
            f"exceptional: score {score} (review at {config.review_score_at_least}+)"
        )
    return judgement, llm_note


def lead_qualify(lead: Lead, *, actor=None, replace: bool = False) -> Qualification:
    """Judge a lead and record it: the Qualification, an event, and a review task when a
    person must decide (a test lead is judged but never held for review: it is never routed).
    `replace` re-judges a lead that already has a qualification."""
    snapshot = loaded()
    config = snapshot.settings
    judgement, llm_note = lead_judge(lead, snapshot=snapshot)
    needs_review = bool(judgement.review_reasons) and not lead.is_test
    confidence = round(min(judgement.request_type.confidence, judgement.urgency.confidence), 4)
    with transaction.atomic():
        values = {
            "score": judgement.score,
            "tier": config.tier_for(judgement.score),
            "urgency": judgement.urgency.value,
            "request_type": judgement.request_type.value,
            "confidence": confidence,
            "needs_review": needs_review,
            "reasons": judgement.reasons
            + [{"kind": "review", "text": reason} for reason in judgement.review_reasons],
            "tags": judgement.tags,
            "score_source": judgement.score_source,
            "conversion_probability": judgement.probability,
            "summary": judgement.summary,
            "models_used": judgement.models_used,
        }
        if replace:
            qualification, _ = Qualification.objects.update_or_create(lead=lead, defaults=values)
        else:
            qualification = Qualification.objects.create(lead=lead, **values)
        events = [
            LeadEvent(
                lead=lead,
                kind=LeadEvent.Kind.QUALIFIED,
                actor=actor,
                message=f"Qualified: score {qualification.score} (tier {qualification.tier}, "
                f"{judgement.score_source}), {qualification.urgency} urgency, "
                f"{qualification.request_type or 'request type unknown'}, "
                f"confidence {confidence:.0%}" + (f". {llm_note}" if llm_note else ""),
                data={
                    "score": qualification.score,
                    "tier": qualification.tier,
                    "reasons": qualification.reasons,
                },
            )
        ]
        if needs_review:
            review = {
                "reasons": judgement.review_reasons,
                "suggestion": review_suggestion(qualification),
            }
            if replace:
                ReviewTask.objects.update_or_create(
                    lead=lead, status=ReviewTask.Status.OPEN, defaults=review
                )
            else:
                ReviewTask.objects.create(lead=lead, **review)
            Lead.objects.filter(pk=lead.pk, status=LeadStatus.NEW).update(
                status=LeadStatus.REVIEW, updated_at=timezone.now()
            )
            events.append(
                LeadEvent(
                    lead=lead,
                    kind=LeadEvent.Kind.REVIEW,
                    actor=actor,
                    message="Held for review: " + "; ".join(judgement.review_reasons),
                    data={"reasons": judgement.review_reasons},
                )
            )
        LeadEvent.objects.bulk_create(events)
        webhook_event_record(
            event_type=WebhookEventType.LEAD_QUALIFIED,
            lead=lead,
            data={"needs_review": needs_review},
        )
    return qualification
