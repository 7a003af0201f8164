"""Heartbeats of the scheduled sweeps: each run of a sweep records when it started and ended,
how long it took, how many rows it acted on and its error (`record_sweep`); `sweep_states`
judges from them, and from each sweep's django-q schedule, whether every sweep runs on time.
`GET /health/` (`leadrouter.health`) and the heartbeats' admin page read that judgement.

A sweep's heartbeat is named like its schedule (the schedules are made by name in the apps'
migrations), and its expected interval is read from that schedule, so retiming a schedule in
the admin retimes its judgement too.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.db import connection
from django.utils import timezone
from django_q.models import Schedule

from leadrouter import sql
from leadrouter.models import SweepHeartbeat

logger = logging.getLogger(__name__)

# The sweeps that record a heartbeat, by the name of their schedule: the one list `GET /health/`
# judges. A sweep whose task wraps its run in `record_sweep` belongs here.
SWEEPS = (
    "routing: retry parked leads",
    "routing: recover stranded leads",
    "routing: send owed notifications",
    "routing: SLA sweep",
    "routing: recycle leads",
    "routing: release held leads",
    "routing: offer queued leads",
    "intake: purge expired idempotency keys",
    "intake: purge old rate limit windows",
    "intake: send due webhooks",
    "reporting: send weekly digests",
    "reporting: refresh reports",
)

# What the sweeps leave to do right now, shown under "details" by `GET /health/`: an app
# registers one function per detail from its `AppConfig.ready()` (`health_detail_register`),
# so that health reads the apps' numbers without importing an app.
HEALTH_DETAILS: dict[str, Callable[[datetime], dict]] = {}


def health_detail_register(name: str, provider: Callable[[datetime], dict]) -> None:
    """Show `provider(now)` as the detail `name` of `GET /health/` (informative: a detail
    never fails the check)."""
    HEALTH_DETAILS[name] = provider


# One run may be missed (a cluster restarting, a long run) and the scheduler looks for due
# schedules every 30 seconds: late after two intervals and a minute, 3 minutes for the
# every-minute sweeps, 2 h 1 min for the hourly ones (the purges, recycling).
MISSED_RUNS_TOLERATED = 2
SCHEDULER_SLACK = timedelta(minutes=1)


@dataclass
class Beat:
    """The run being recorded: the sweep sets `rows_acted` to the number of rows it acted on."""

    rows_acted: int | None = None


@contextmanager
def record_sweep(name: str) -> Iterator[Beat]:
    """Record one run of the sweep `name` (one of `SWEEPS`) around the `with` block:

        with record_sweep("routing: retry parked leads") as beat:
            ...
            beat.rows_acted = retried

    An exception is recorded as the run's error and raised again. The record is one upsert at
    the end of the run, so two clusters sweeping at once both record (the later end wins)."""
    if name not in SWEEPS:
        raise ValueError(f"{name!r} is not in leadrouter.heartbeat.SWEEPS")
    beat = Beat()
    started_at = timezone.now()
    started = time.monotonic()
    error = ""
    try:
        yield beat
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        duration_ms = round((time.monotonic() - started) * 1000)
        try:
            _heartbeat_upsert(name, started_at, duration_ms, beat.rows_acted, error)
        except Exception:
            # The sweep's own outcome (its result or its exception) matters more than its
            # heartbeat: a heartbeat that cannot be written shows as a late sweep soon enough.
            logger.exception("could not record the heartbeat of %s", name)


def _heartbeat_upsert(
    name: str, started_at: datetime, duration_ms: int, rows_acted: int | None, error: str
) -> None:
    values = {
        "name": name,
        "last_started_at": started_at,
        "last_finished_at": timezone.now(),
        "duration_ms": duration_ms,
        "rows_acted": rows_acted,
        "last_error": error,
        "failing_since": started_at if error else None,
        "runs": 1,
    }
    sql.execute(
        _upsert_statement(connection.vendor),
        [sql.prepare(SweepHeartbeat, column, values[column]) for column in _UPSERT_COLUMNS],
    )


_UPSERT_COLUMNS = (
    "name",
    "last_started_at",
    "last_finished_at",
    "duration_ms",
    "rows_acted",
    "last_error",
    "failing_since",
    "runs",
)


@cache
def _upsert_statement(vendor: str) -> str:
    # One statement on both databases: an insert that turns into an update of the existing
    # row, so two first runs at once never collide on the unique name.
    table = sql.Table(SweepHeartbeat)
    replaced = ", ".join(
        f"{table[column]} = EXCLUDED.{table[column]}" for column in _UPSERT_COLUMNS[1:6]
    )
    failing = table["failing_since"]
    return (
        f"INSERT INTO {table} ({', '.join(table[column] for column in _UPSERT_COLUMNS)}) "  # noqa: S608 - names from meta
        f"VALUES ({sql.parameter_marks(len(_UPSERT_COLUMNS))}) "
        f"ON CONFLICT ({table['name']}) DO UPDATE SET {replaced}, "
        # A failure keeps the start of the failures before it; a success ends them.
        f"{failing} = CASE WHEN EXCLUDED.{failing} IS NULL THEN NULL "
        f"ELSE COALESCE({table}.{failing}, EXCLUDED.{failing}) END, "
        f"{table['runs']} = {table}.{table['runs']} + 1"
    )


@dataclass(frozen=True)
class SweepState:
    """Whether one sweep runs on time, and why not in plain words."""

    name: str
    heartbeat: SweepHeartbeat | None
    late_after: timedelta | None
    on_time: bool
    reason: str

    def age(self, now: datetime) -> timedelta | None:
        """Time since the sweep's last run ended, None before its first."""
        return now - self.heartbeat.last_finished_at if self.heartbeat else None


def sweep_states(now: datetime) -> dict[str, SweepState]:
    """Every sweep of `SWEEPS` judged at `now` (two statements)."""
    schedules = {s.name: s for s in Schedule.objects.filter(name__in=SWEEPS)}
    heartbeats = {h.name: h for h in SweepHeartbeat.objects.filter(name__in=SWEEPS)}
    return {name: _judge(name, schedules.get(name), heartbeats.get(name), now) for name in SWEEPS}


def _judge(
    name: str, schedule: Schedule | None, heartbeat: SweepHeartbeat | None, now: datetime
) -> SweepState:
    if schedule is None:
        return SweepState(
            name, heartbeat, None, False, "it has no schedule of that name (run migrate)"
        )
    if schedule.next_run is None:
        # The scheduler only runs schedules whose next run has passed: this one never runs.
        return SweepState(
            name, heartbeat, None, False, "its schedule has no next run time, so it never runs"
        )
    interval = _interval(schedule)
    if interval is None:
        return SweepState(
            name,
            heartbeat,
            None,
            False,
            "its schedule has no fixed interval to judge it by (make it repeat every N "
            "minutes, hourly or daily)",
        )
    late_after = interval * MISSED_RUNS_TOLERATED + SCHEDULER_SLACK
    if heartbeat is None:
        # Never run: a fresh install counts from the time its schedule first fell due, so a
        # cluster started with the web processes turns this on time before it is late.
        waiting = now - schedule.next_run
        if waiting > late_after:
            return SweepState(
                name,
                None,
                late_after,
                False,
                f"it has never run, though due for {_minutes(waiting)} (is the cluster running?)",
            )
        return SweepState(name, None, late_after, True, "not run yet")
    if now - heartbeat.last_finished_at > late_after:
        reason = f"its last run ended {_minutes(now - heartbeat.last_finished_at)} ago"
    elif heartbeat.failing_since and now - heartbeat.failing_since > late_after:
        reason = (
            f"its runs have failed for {_minutes(now - heartbeat.failing_since)} "
            f"({heartbeat.last_error})"
        )
    else:
        return SweepState(name, heartbeat, late_after, True, "")
    return SweepState(
        name, heartbeat, late_after, False, f"{reason}; late after {_minutes(late_after)}"
    )


def _interval(schedule: Schedule) -> timedelta | None:
    if schedule.schedule_type in (Schedule.ONCE, Schedule.CRON):
        return None
    return schedule.calculate_next_run(schedule.next_run) - schedule.next_run


def _minutes(span: timedelta) -> str:
    # Seconds while they matter: "3 min 24 s" late, against a limit of 3 min.
    seconds = int(span.total_seconds())
    minutes = seconds // 60
    if minutes < 10 and seconds % 60:
        return f"{minutes} min {seconds % 60} s"
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"
