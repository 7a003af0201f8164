"""django-q2 tasks of intake. Their dotted paths are an API: schedules refer to them by name."""

from intake import rate_limit, services
from intake.webhooks import services as webhooks
from leadrouter import pipeline
from leadrouter.api.selectors import lead_detail_get
from leadrouter.api.serializers import LeadDetailSerializer
from leadrouter.heartbeat import record_sweep


def purge_idempotency_keys() -> int:
    """Forget idempotency keys past their retention (INTAKE_IDEMPOTENCY_TTL_HOURS)."""
    with record_sweep("intake: purge expired idempotency keys") as beat:
        beat.rows_acted = services.idempotency_purge_expired()
    return beat.rows_acted


def rate_windows_purge() -> int:
    """Forget the rate limit's counters of windows that ended over an hour ago (hourly)."""
    with record_sweep("intake: purge old rate limit windows") as beat:
        beat.rows_acted = rate_limit.rate_windows_purge()
    return beat.rows_acted


def vendor_fetch_run(fetch_id: int) -> str:
    """Fetch one vendor lead's data (Meta Lead Ads) and run it through the pipeline."""
    return services.vendor_fetch_run(fetch_id, process=pipeline.process_submission)


def check_email_deliverability(lead_id: int) -> str:
    """Look up a new lead's email domain (INTAKE_EMAIL_CHECK_DELIVERABILITY)."""
    return services.lead_check_deliverability(lead_id)


def webhooks_send_for_lead(lead_id: int) -> str:
    """Send a lead's due webhook deliveries in order (queued after the commit that wrote
    them by `intake.webhooks.services.webhook_event_record`)."""
    delivered = webhooks.webhooks_send_for_lead(lead_id=lead_id, render=lead_detail)
    return f"delivered {delivered} webhook(s)"


def webhooks_sweep() -> str:
    """Send every due webhook delivery: retries on their schedule, and sends whose queueing
    was lost (every minute, by the schedule "intake: send due webhooks" made in a migration;
    two clusters may run it at once)."""
    with record_sweep("intake: send due webhooks") as beat:
        beat.rows_acted = webhooks.webhooks_sweep(render=lead_detail)
    return f"attempted {beat.rows_acted} webhook(s)"


def lead_detail(lead_id: int) -> dict:
    """The lead as `GET /api/v1/leads/{id}/` shows it: the `data.lead` of a webhook body."""
    return LeadDetailSerializer(lead_detail_get(lead_id=lead_id)).data
