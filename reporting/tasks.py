"""Reporting's scheduled work: the reports computed ahead for the pages and the API."""

from django.utils import timezone

from leadrouter.heartbeat import record_sweep
from reporting import services


def refresh_reports() -> str:
    """Compute and store the running and the previous week of every team and of the
    organisation (every 10 minutes, by the schedule "reporting: refresh reports" made in a
    migration; two clusters running it at once both store, the later one's stays)."""
    with record_sweep("reporting: refresh reports") as beat:
        beat.rows_acted = services.reports_refresh(now=timezone.now())
    return f"stored {beat.rows_acted} report(s)"
