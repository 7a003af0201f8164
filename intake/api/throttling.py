"""Per source key rate limit, counted in the shared cache (Redis when scaled out)."""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from intake.models import Source

WINDOW_SECONDS = 60


def source_rate_check(source: Source) -> tuple[bool, float]:
    """Count one request for a source; return (allowed, seconds until the window resets).

    A fixed one-minute window: add() creates the counter and incr() is atomic on Redis, so
    every web process shares one count.
    """
    limit = source.rate_limit_per_minute or settings.INTAKE_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"intake:rate:{source.pk}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
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
