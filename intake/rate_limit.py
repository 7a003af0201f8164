"""Per source rate limit: a fixed one-minute window counted where every web process sees it —
in Redis when it is configured, else in the database (`RateWindow`, one atomic upsert per
request). Every door (the API, the hooks, the form) counts through `source_rate_check`; the
hourly `rate_windows_purge` schedule forgets the database's old windows."""

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from intake.models import RateWindow, Source
from leadrouter import sql

WINDOW_SECONDS = 60


def _count_in_redis(key: str) -> int:
    # add() creates the counter and incr() is atomic on Redis.
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        return 1


def _count_in_database(source_id: int, minute: int) -> int:
    # One atomic upsert (the ORM has no "add one and return it"): a read then a write loses
    # counts under concurrency, and the database cache's incr() cost four statements a request.
    return sql.upsert_increment(RateWindow, "count", source_id=source_id, minute=minute)


def rate_windows_purge(*, now=None) -> int:
    """Forget counters of windows that ended over an hour ago."""
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
