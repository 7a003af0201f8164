"""Per source key rate limit: a fixed one-minute window counted where every web process sees
it — in Redis when it is configured, else in the database (`RateWindow`)."""

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from intake.models import RateWindow, Source

WINDOW_SECONDS = 60
_RATE = RateWindow._meta.db_table


def _count_in_redis(key: str) -> int:
    # add() creates the counter and incr() is atomic on Redis.
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        return 1


def _count_in_database(source_id: int, minute: int) -> int:
    # One atomic upsert: the database cache's incr() is a read then a write, which loses
    # counts under concurrency and costs four statements per request.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_RATE} (source_id, minute, count) VALUES (%s, %s, 1) "  # noqa: S608 - table from meta
            f"ON CONFLICT (source_id, minute) DO UPDATE SET count = {_RATE}.count + 1 "
            "RETURNING count",
            [source_id, minute],
        )
        return cursor.fetchone()[0]


def rate_windows_purge(*, now=None) -> int:
    """Forget counters of windows that ended over an hour ago (hourly schedule)."""
    now = now or timezone.now()
    cutoff = int((now - timedelta(hours=1)).timestamp() // WINDOW_SECONDS)
    deleted, _ = RateWindow.objects.filter(minute__lt=cutoff).delete()
    return deleted


def source_rate_check(source: Source) -> tuple[bool, float]:
    """Count one request for a source; return (allowed, seconds until the window resets).

    Every web process shares one count: in Redis when the cache is Redis, else in the
    database.
    """
    limit = source.rate_limit_per_minute or settings.INTAKE_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        count = _count_in_redis(f"intake:rate:{source.pk}:{window}")
    else:
        count = _count_in_database(source.pk, window)
    return count <= limit, (window + 1) * WINDOW_SECONDS - now


class SourceRateThrottle(BaseThrottle):
    """The per-source limit for requests authenticated with a source key."""

    def allow_request(self, request, view) -> bool:
        source = request.auth
        if not isinstance(source, Source):
            return True
        allowed, self._wait = source_rate_check(source)
        return allowed

    def wait(self) -> float:
        return self._wait
