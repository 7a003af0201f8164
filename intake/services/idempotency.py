"""Idempotency keys, as Stripe does them.

A source may send `Idempotency-Key`. The first request with a key claims it; a replay with the
same body gets the first answer back; the same key with another body is refused (422); a replay
while the first is still running is refused (409). Keys are kept at least 24 hours.
"""

import enum
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.fields import storable_json, storable_text
from intake.models import IdempotencyKey, Source


class Claim(enum.Enum):
    NEW = "new"
    REPLAY = "replay"
    IN_FLIGHT = "in_flight"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class IdempotencyClaim:
    state: Claim
    record_id: int | None = None
    response_status: int | None = None
    response_body: dict | None = None


def request_fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def idempotency_key_clean(key: str) -> str:
    """The key as stored and looked up: request text cleaned like lead text (a NUL removed,
    surrounding blanks dropped), so every replay of the same header finds the same row."""
    return storable_text(key, multiline=False)


def idempotency_claim(*, source: Source, key: str, body: bytes) -> IdempotencyClaim:
    """Claim `key` for this request, or say why it cannot be claimed.

    1. Insert the key; the unique constraint decides between concurrent first requests.
    2. On conflict, read the stored row: an expired row is replaced, another body is a mismatch,
       a finished row is replayed, and an unfinished one is in flight unless its lock is stale
       (the first request died), in which case one caller takes it over.
    """
    key = idempotency_key_clean(key)
    fingerprint = request_fingerprint(body)
    now = timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                created = IdempotencyKey.objects.create(
                    source=source, key=key, request_hash=fingerprint, locked_at=now
                )
            return IdempotencyClaim(Claim.NEW, record_id=created.pk)
        except IntegrityError:
            pass
        record = IdempotencyKey.objects.filter(source=source, key=key).first()
        if record is None:
            continue  # purged between our insert and our read; try again
        if record.created_at < now - timedelta(hours=settings.INTAKE_IDEMPOTENCY_TTL_HOURS):
            IdempotencyKey.objects.filter(pk=record.pk, created_at=record.created_at).delete()
            continue
        if record.request_hash != fingerprint:
            return IdempotencyClaim(Claim.MISMATCH, record_id=record.pk)
        if record.response_status is not None:
            return IdempotencyClaim(
                Claim.REPLAY,
                record_id=record.pk,
                response_status=record.response_status,
                response_body=record.response_body,
            )
        stale_before = now - timedelta(seconds=settings.INTAKE_IDEMPOTENCY_LOCK_SECONDS)
        if record.locked_at is None or record.locked_at < stale_before:
            # Conditional update: if it changed nothing, another caller took it over first.
            taken = IdempotencyKey.objects.filter(
                pk=record.pk, locked_at=record.locked_at, response_status__isnull=True
            ).update(locked_at=now)
            if taken:
                return IdempotencyClaim(Claim.NEW, record_id=record.pk)
        return IdempotencyClaim(Claim.IN_FLIGHT, record_id=record.pk)
    return IdempotencyClaim(Claim.IN_FLIGHT)


def idempotency_complete(*, record_id: int, status: int, body: dict) -> None:
    IdempotencyKey.objects.filter(pk=record_id).update(
        response_status=status, response_body=storable_json(body), locked_at=None
    )


def idempotency_release(*, record_id: int) -> None:
    """Forget a claim whose request never produced an answer, so the client can retry."""
    IdempotencyKey.objects.filter(pk=record_id, response_status__isnull=True).delete()


def idempotency_purge_expired(*, now=None) -> int:
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.INTAKE_IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
