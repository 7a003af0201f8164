"""django-q2 tasks of reporting. Their dotted paths are an API: schedules name them."""

from django.utils import timezone

from leadrouter.heartbeat import record_sweep
from reporting import services

SEND_TASK = "reporting.tasks.send_weekly_digest"


def send_weekly_digests() -> str:
    """Queue the Monday digests that are owed (every 15 minutes, by the schedule "reporting:
    send weekly digests" made in a migration): each claimed first, so two clusters running it
    at once queue each manager's digest once."""
    from django_q.tasks import async_task

    with record_sweep("reporting: send weekly digests") as beat:
        claimed = services.weekly_digests_claim(now=timezone.now())
        for digest_id, attempt in claimed:
            async_task(
                SEND_TASK, digest_id, attempt, task_name=f"weekly-digest-{digest_id}-{attempt}"
            )
        beat.rows_acted = len(claimed)
    return f"queued {len(claimed)} weekly digest(s)"


def send_weekly_digest(digest_id: int, attempt: int) -> str:
    """Send one claimed Monday digest (queued by `send_weekly_digests`); a second delivery, or
    one from an older claim, sends nothing."""
    return services.weekly_digest_send(digest_id=digest_id, attempt=attempt, now=timezone.now())


def refresh_reports() -> str:
    """Compute and store the running and the previous week of every team and of the
    organisation (every 10 minutes, by the schedule "reporting: refresh reports" made in a
    migration; two clusters running it at once both store, the later one's stays)."""
    with record_sweep("reporting: refresh reports") as beat:
        beat.rows_acted = services.reports_refresh(now=timezone.now())
    return f"stored {beat.rows_acted} report(s)"
