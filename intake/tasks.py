"""django-q2 tasks of intake. Their dotted paths are an API: schedules refer to them by name."""

from intake import rate_limit, services
from leadrouter import pipeline
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
