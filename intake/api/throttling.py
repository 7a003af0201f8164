"""The API's adapter for the per source rate limit (`intake.rate_limit`)."""

from rest_framework.throttling import BaseThrottle

from intake.models import Source
from intake.rate_limit import source_rate_check


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
