"""Leads whose data must be fetched from the vendor after the webhook answered (Meta Lead Ads
notifications carry only ids). Each fetch is a row, run by a django-q2 task, retried with
exponential backoff; one that gives up stays visible in the admin and can be retried there.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from intake.fields import storable_json, storable_text
from intake.models import Door, Source, Submission, VendorFetch
from intake.services.leads import SubmissionProcessor
from intake.services.submissions import submission_store
from leadrouter.http_client import HttpError

logger = logging.getLogger(__name__)

TASK = "intake.tasks.vendor_fetch_run"
# Seconds before retry N (1-based): 30 s, 2 min, 8 min, 32 min, ~2 h, then every 4 h.
BACKOFF_BASE_SECONDS = 30
BACKOFF_FACTOR = 4
BACKOFF_MAX_SECONDS = 4 * 3600


def backoff_delay(attempts: int) -> timedelta:
    seconds = BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def _enqueue(fetch_id: int, at: datetime | None = None) -> None:
    """Queue the fetch after the surrounding transaction commits (the worker must see it)."""
    from django_q.models import Schedule
    from django_q.tasks import async_task, schedule

    def send():
        if at is None:
            async_task(TASK, fetch_id, task_name=f"vendor-fetch-{fetch_id}")
        else:
            schedule(
                TASK,
                fetch_id,
                name=f"vendor-fetch-{fetch_id}-retry-{int(at.timestamp())}",
                schedule_type=Schedule.ONCE,
                repeats=1,
                next_run=at,
            )

    transaction.on_commit(send)


@transaction.atomic
def vendor_fetches_create(
    *, notification: Submission, leads: list[tuple[str, dict]]
) -> list[VendorFetch]:
    """One fetch per vendor lead id named by a notification; a lead already known (the
    vendor's retry of the notification) is not fetched twice."""
    created = []
    for vendor_lead_id, context in leads:
        # The id and context come from the vendor's body: cleaned before the lookup too, so a
        # retried notification finds the fetch its first delivery made.
        fetch, is_new = VendorFetch.objects.get_or_create(
            source_id=notification.source_id,
            vendor_lead_id=storable_text(vendor_lead_id, multiline=False)[:200],
            defaults={"notification": notification, "context": storable_json(context)},
        )
        if is_new:
            created.append(fetch)
            _enqueue(fetch.pk)
    return created


def vendor_fetch_run(fetch_id: int, *, process: SubmissionProcessor) -> str:
    """Fetch one lead's data from its vendor, store it raw as a submission and hand it to
    `process` (the task passes `leadrouter.pipeline.process_submission`); on a retryable
    failure schedule the next attempt, else give up visibly."""
    from intake.hooks import get_hook
    from intake.hooks.base import DeferredHook

    with transaction.atomic():
        fetch = (
            VendorFetch.objects.select_for_update()
            .select_related("source", "notification")
            .filter(pk=fetch_id, status=VendorFetch.Status.PENDING)
            .first()
        )
        if fetch is None:
            return "nothing to do"
        fetch.attempts += 1
        fetch.next_attempt_at = None
        fetch.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
    source: Source = fetch.source
    hook = get_hook(source.adapter)
    if not isinstance(hook, DeferredHook):
        return _failed(fetch, f"adapter {source.adapter!r} does not fetch leads", retryable=False)
    try:
        body = hook.fetch_lead(source, fetch.vendor_lead_id)
    except HttpError as exc:
        return _failed(fetch, str(exc), retryable=exc.retryable)

    submission = submission_store(
        source=source,
        door=Door.HOOK,
        body=body,
        content_type="application/json",
        options={
            "adapter": source.adapter,
            "fetched": True,
            "notification": fetch.notification_id,
            "context": fetch.context,
        },
        delivery_id=f"fetched:{fetch.vendor_lead_id}",
    )
    result = process(submission)
    VendorFetch.objects.filter(pk=fetch.pk).update(
        status=VendorFetch.Status.DONE,
        result=submission,
        last_error="",
        updated_at=timezone.now(),
    )
    if result.errors or result.failed or result.lead is None:
        return f"fetched; submission {submission.pk} is {submission.status}"
    return f"lead {result.lead.pk} {'created' if result.created else 'merged'}"


def _failed(fetch: VendorFetch, error: str, *, retryable: bool) -> str:
    fetch.last_error = storable_text(error)[:5000]  # may quote the vendor's answer
    if retryable and fetch.attempts < settings.VENDOR_FETCH_MAX_ATTEMPTS:
        fetch.next_attempt_at = timezone.now() + backoff_delay(fetch.attempts)
        fetch.save(update_fields=["last_error", "next_attempt_at", "updated_at"])
        _enqueue(fetch.pk, at=fetch.next_attempt_at)
        return f"attempt {fetch.attempts} failed, retrying at {fetch.next_attempt_at}: {error}"
    fetch.status = VendorFetch.Status.GAVE_UP
    fetch.save(update_fields=["status", "last_error", "updated_at"])
    logger.warning("Gave up fetching %s after %s attempt(s): %s", fetch, fetch.attempts, error)
    return f"gave up after {fetch.attempts} attempt(s): {error}"


def vendor_fetch_retry(*, fetch: VendorFetch) -> None:
    """Start a fetch that gave up (or is waiting) again now, from the admin."""
    VendorFetch.objects.filter(pk=fetch.pk).exclude(status=VendorFetch.Status.DONE).update(
        status=VendorFetch.Status.PENDING, next_attempt_at=None, updated_at=timezone.now()
    )
    _enqueue(fetch.pk)
