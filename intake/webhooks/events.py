"""The events a webhook endpoint can subscribe to, and when a failed delivery is tried again."""

from datetime import timedelta

from django.db import models

# The version of the body's `data` (`data.version`): a change that could break a receiver
# (a field renamed or removed, a meaning changed) makes it 2; added fields do not.
BODY_VERSION = 1


class WebhookEventType(models.TextChoices):
    LEAD_CREATED = "lead.created", "lead.created — a new lead arrived (not a repeat inquiry)"
    LEAD_QUALIFIED = "lead.qualified", "lead.qualified — scored (or held for human review)"
    REVIEW_DECIDED = "review.decided", "review.decided — a person decided a held lead"
    LEAD_ASSIGNED = "lead.assigned", "lead.assigned — the lead got its first owner or queue"
    LEAD_REASSIGNED = "lead.reassigned", "lead.reassigned — the lead moved to another owner"
    LEAD_STATUS_CHANGED = "lead.status_changed", "lead.status_changed — any status change"
    LEAD_WON = "lead.won", "lead.won — the lead was won"
    LEAD_LOST = "lead.lost", "lead.lost — the lead was lost"
    SLA_BREACHED = "sla.breached", "sla.breached — the owner missed the response time"


EVENT_TYPES = tuple(WebhookEventType.values)

# Wait after the 1st, 2nd … failed attempt before the next: about three days in all (69 h 35 min
# after the first attempt), as the Standard Webhooks reference services do. After the last,
# the delivery is given up (its log stays in the admin, and "Resend" starts it again).
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=14),
    timedelta(hours=14),
)


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed attempts; None when it is time to give up."""
    if attempts < 1 or attempts > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[attempts - 1]


def parse_event_types(text: str) -> list[str]:
    """Event types written as `lead.created,lead.assigned` (spaces allowed); ValueError naming
    the unknown ones."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in EVENT_TYPES]
    if unknown:
        raise ValueError(
            f"unknown event type(s): {', '.join(unknown)}; use {', '.join(EVENT_TYPES)}"
        )
    if not names:
        raise ValueError(f"no event type given; use {', '.join(EVENT_TYPES)}")
    return list(dict.fromkeys(names))
