"""`GET /health/`: whether this installation works — the database answers, the broker takes
tasks, and every scheduled sweep runs on time (`leadrouter.heartbeat`). 200 with
`"status": "ok"`, or 503 with `"status": "fail"` and each failing check's reason in plain
words. Each check catches its own errors: the endpoint answers 503, never 500, whatever breaks.
"""

import time
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_q.models import OrmQ

from leadrouter import heartbeat

# A probe waits at most this long for the broker: a load balancer's health check must get an
# answer, 503 included, before its own timeout.
BROKER_TIMEOUT_SECONDS = 1.0


def database_probe() -> None:
    """Raises unless the database answers a statement."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def broker_probe() -> str:
    """Raises unless the broker of django-q takes tasks; names the broker."""
    if settings.REDIS_URL:
        _redis_client().ping()
        return "redis"
    # The ORM broker is a table of the database: readable means tasks can be queued.
    OrmQ.objects.exists()
    return "database"


@cache
def _redis_client():
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
    )


def _timed(probe: Callable[[], object], failure: str) -> dict:
    started = time.perf_counter()
    try:
        answer = probe()
    except Exception as exc:
        return {"ok": False, "reason": f"{failure}: {type(exc).__name__}: {exc}"}
    check: dict = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if isinstance(answer, str):
        check["broker"] = answer
    return check


def _sweeps_check() -> tuple[dict, list[str]]:
    now = timezone.now()
    try:
        states = heartbeat.sweep_states(now)
    except Exception as exc:
        return {}, [f"sweeps: cannot read their heartbeats: {type(exc).__name__}: {exc}"]
    sweeps = {}
    for name, state in states.items():
        beat = state.heartbeat
        age = state.age(now)
        sweeps[name] = {
            "last_finished_at": beat.last_finished_at.isoformat() if beat else None,
            "age_seconds": round(age.total_seconds()) if age is not None else None,
            "duration_ms": beat.duration_ms if beat else None,
            "rows_acted": beat.rows_acted if beat else None,
            "last_error": beat.last_error if beat else "",
            "ok": state.on_time,
        }
        if state.reason:
            sweeps[name]["reason"] = state.reason
    failures = [
        f"sweep {name!r}: {state.reason}" for name, state in states.items() if not state.on_time
    ]
    return sweeps, failures


def _details(now) -> dict:
    """The registered details (`heartbeat.HEALTH_DETAILS`). They inform; they never fail the
    check: a stranded lead, say, is repaired by its sweep within minutes, and a sweep that
    stops is caught by its heartbeat."""
    details = {}
    for name, provider in heartbeat.HEALTH_DETAILS.items():
        try:
            details[name] = provider(now)
        except Exception as exc:
            details[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return details


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    database = _timed(database_probe, "the database does not answer")
    broker = _timed(broker_probe, "the task broker does not answer")
    sweeps, failures = _sweeps_check()
    failures = [
        f"{name}: {check['reason']}"
        for name, check in (("database", database), ("broker", broker))
        if not check["ok"]
    ] + failures
    body: dict[str, object] = {
        "status": "fail" if failures else "ok",
        "checks": {"database": database, "broker": broker, "sweeps": sweeps},
        "details": _details(timezone.now()),
    }
    if failures:
        body["failures"] = failures
    return JsonResponse(body, status=503 if failures else 200)
