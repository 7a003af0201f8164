"""What a routing rule's condition can test: the lead as signals see it, plus its
qualification (score, tier, urgency, confidence, the judged request type, and the tags its
signals added)."""

from typing import Any

from intake.models import Lead
from qualification.services.records import lead_values
from qualification.services.signals import CONDITION_FIELDS

# `tags` is a list: `{"field": "tags", "op": "in", "value": ["commercial"]}` matches a lead with
# any of those tags (`not_in`: tags, none of them those; `is_empty`: no tag at all).
ROUTING_FIELDS = (*CONDITION_FIELDS, "score", "tier", "urgency", "confidence", "tags")


def routing_values(lead: Lead) -> dict[str, Any]:
    values = lead_values(lead)
    values["tags"] = []  # a lead not qualified yet has none
    qualification = getattr(lead, "qualification", None)
    if qualification is not None:
        values.update(
            score=qualification.score,
            tier=qualification.tier,
            urgency=qualification.urgency,
            confidence=qualification.confidence,
            request_type=qualification.request_type or values["request_type"],
            tags=list(qualification.tags or ()),
        )
    return values
