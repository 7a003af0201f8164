"""What a routing rule's condition can test: the lead as signals see it, plus its
qualification (score, tier, urgency, the judged request type)."""

from typing import Any

from intake.models import Lead
from qualification.services.records import lead_values
from qualification.services.signals import CONDITION_FIELDS

ROUTING_FIELDS = (*CONDITION_FIELDS, "score", "tier", "urgency", "confidence")


def routing_values(lead: Lead) -> dict[str, Any]:
    values = lead_values(lead)
    qualification = getattr(lead, "qualification", None)
    if qualification is not None:
        values.update(
            score=qualification.score,
            tier=qualification.tier,
            urgency=qualification.urgency,
            confidence=qualification.confidence,
            request_type=qualification.request_type or values["request_type"],
        )
    return values
