"""Submissions: the raw request, committed before anything parses it.

Every text column and JSON document written here (headers, content type, delivery id, errors,
error details) may carry what the sender chose, so each goes through `storable_text` or
`storable_json`: a NUL that PostgreSQL refuses must not fail a request after it was stored.
"""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from intake.fields import storable_json, storable_text
from intake.models import Source, Submission

# Never stored: credentials a replayed or leaked submission must not carry.
SECRET_HEADERS = {
    "authorization",
    "cookie",
    "proxy-authorization",
    "x-api-key",
    "x-webhook-secret",
}
MAX_HEADERS = 50
MAX_HEADER_LENGTH = 1000


def headers_for_audit(headers: Mapping[str, str]) -> dict[str, str]:
    """The request headers worth keeping with a submission, minus credentials."""
    kept: dict[str, str] = {}
    for name, value in headers.items():
        lowered = storable_text(name, multiline=False).lower()
        if not lowered or lowered in SECRET_HEADERS:
            continue
        kept[lowered[:MAX_HEADER_LENGTH]] = storable_text(value, multiline=False)[
            :MAX_HEADER_LENGTH
        ]
        if len(kept) >= MAX_HEADERS:
            break
    return kept


def submission_store(
    *,
    source: Source | None,
    door: str,
    body: bytes,
    content_type: str = "",
    headers: Mapping[str, str] | None = None,
    remote_addr: str = "",
    options: dict | None = None,
    status: str = Submission.Status.RECEIVED,
    error_detail: str = "",
    received_at=None,
    delivery_id: str = "",
) -> Submission:
    """Store a raw submission in a transaction of its own, so it survives whatever comes next."""
    with transaction.atomic(durable=True):
        return Submission.objects.create(
            source=source,
            door=door,
            body=body,
            content_type=storable_text(content_type, multiline=False)[:255],
            headers=headers_for_audit(headers or {}),
            remote_addr=storable_text(remote_addr or "", multiline=False)[:64],
            options=storable_json(options or {}),
            status=status,
            error_detail=storable_text(error_detail),
            received_at=received_at or timezone.now(),
            delivery_id=storable_text(delivery_id, multiline=False)[:200],
        )


def submission_mark_invalid(*, submission: Submission, errors: dict[str, list[str]]) -> None:
    submission.status = Submission.Status.INVALID
    submission.errors = storable_json(errors)
    submission.error_detail = ""
    submission.processed_at = timezone.now()
    submission.attempts += 1
    submission.save(update_fields=["status", "errors", "error_detail", "processed_at", "attempts"])


def submission_mark_spam(*, submission: Submission) -> None:
    submission.status = Submission.Status.SPAM
    submission.processed_at = timezone.now()
    submission.attempts += 1
    submission.save(update_fields=["status", "processed_at", "attempts"])


def submission_mark_failed(*, submission: Submission, error_detail: str) -> None:
    """Keep a submission whose processing crashed, with the error, for reprocessing."""
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.FAILED,
        error_detail=storable_text(error_detail)[:20_000],
        processed_at=timezone.now(),
        attempts=submission.attempts + 1,
    )
    submission.refresh_from_db()


def submission_is_reprocessable(submission: Submission) -> bool:
    """Only submissions that never became a lead are read again (spam and rejects are audit)."""
    return (
        submission.status
        in (
            Submission.Status.RECEIVED,
            Submission.Status.INVALID,
            Submission.Status.FAILED,
        )
        and submission.source_id is not None
    )


def submission_mark_rejected(*, submission: Submission, reason: str) -> None:
    """Keep a delivery that failed verification for audit; it is never parsed or trusted."""
    submission.status = Submission.Status.REJECTED
    submission.error_detail = storable_text(reason)[:2000]
    submission.processed_at = timezone.now()
    submission.save(update_fields=["status", "error_detail", "processed_at"])


def submission_claim_delivery(*, submission: Submission, delivery_id: str) -> Submission | None:
    """Record the vendor's delivery id; return the earlier submission of this source that
    already handled the same delivery (a vendor retry), marking this one a duplicate of it."""
    # Cleaned before the lookup too: a retry sends the same id, so it finds the same row.
    delivery_id = storable_text(delivery_id, multiline=False)[:200]
    if not delivery_id:
        return None
    submission.delivery_id = delivery_id
    earlier = (
        Submission.objects.filter(source=submission.source, delivery_id=delivery_id)
        .exclude(pk=submission.pk)
        .filter(
            status__in=(
                Submission.Status.PROCESSED,
                Submission.Status.MERGED,
                Submission.Status.DEFERRED,
                Submission.Status.DUPLICATE,
            )
        )
        .order_by("received_at", "pk")
        .first()
    )
    fields = ["delivery_id"]
    if earlier is not None:
        submission.status = Submission.Status.DUPLICATE
        submission.lead_id = earlier.lead_id
        submission.processed_at = timezone.now()
        submission.error_detail = f"retry of submission {earlier.pk}"
        fields += ["status", "lead", "processed_at", "error_detail"]
    submission.save(update_fields=fields)
    return earlier


def submission_mark_applied(*, submission_id: int, detail: str) -> None:
    """A deferred delivery that updates leads (a CRM's status changes) has been applied."""
    Submission.objects.filter(pk=submission_id).update(
        status=Submission.Status.PROCESSED,
        error_detail=storable_text(detail)[:2000],
        processed_at=timezone.now(),
    )


def submission_mark_deferred(*, submission: Submission, detail: str) -> None:
    """The delivery names leads whose data a background task fetches from the vendor."""
    submission.status = Submission.Status.DEFERRED
    submission.error_detail = storable_text(detail)[:2000]
    submission.processed_at = timezone.now()
    submission.save(update_fields=["status", "error_detail", "processed_at"])
