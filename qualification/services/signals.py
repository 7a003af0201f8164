"""Manager-written signals applied to one lead (compiled once per process by the registry,
recompiled within a minute of an edit)."""

from dataclasses import dataclass, field
from typing import Any

from leadrouter.conditions import compile_condition
from qualification.models import Signal
from qualification.services.registry import active_signals

# Lead fields a condition may name (besides attributes.<name>); see records.lead_values.
CONDITION_FIELDS = (
    "message",
    "full_name",
    "email",
    "phone",
    "company",
    "company_domain",
    "postal_code",
    "city",
    "state",
    "country",
    "time_zone",
    "source",
    "channel",
    "request_type",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "landing_page",
    "email_kind",
    "phone_type",
    "hour",
    "weekday",
    "touch_count",
    "flags",
)


@dataclass
class SignalOutcome:
    score_delta: int = 0
    urgency: str = ""
    request_type: str = ""
    tags: list[str] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)


def signals_apply(values: dict[str, Any], signals=None) -> SignalOutcome:
    """Every active signal that matches adds its effects, in order; the first signal to set
    urgency or request type wins (the manager orders them)."""
    outcome = SignalOutcome()
    for signal, condition in signals if signals is not None else active_signals():
        match = condition.matches(values)
        if match is None:
            continue
        because = f"{signal.name}: {match}"
        if signal.score_delta:
            outcome.score_delta += signal.score_delta
        if signal.set_urgency and not outcome.urgency:
            outcome.urgency = signal.set_urgency
        if signal.set_request_type and not outcome.request_type:
            outcome.request_type = signal.set_request_type
        if signal.add_tag and signal.add_tag not in outcome.tags:
            outcome.tags.append(signal.add_tag)
        if signal.send_to_review:
            outcome.review_reasons.append(f"{signal.review_reason} ({signal.name})")
        outcome.reasons.append({"kind": "signal", "text": because, "weight": signal.score_delta})
    return outcome


def signal_try(signal: Signal, values: dict[str, Any]) -> SignalOutcome:
    """One signal against one lead, for the admin's "test against a sample lead"."""
    return signals_apply(values, signals=[(signal, compile_condition(signal.condition))])
