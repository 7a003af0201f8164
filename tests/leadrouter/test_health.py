"""`GET /health/`: 200 while the database, the broker and every sweep are fine; 503 naming the
failing check in plain words otherwise — never a 500."""

import socket
from datetime import UTC, datetime, timedelta

import pytest
from django_q.models import Schedule

from leadrouter import health
from leadrouter.heartbeat import SWEEPS, record_sweep
from leadrouter.models import SweepHeartbeat
from tests.leadrouter.test_settings import REDIS_URL

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HOURLY = "intake: purge expired idempotency keys"


@pytest.fixture
def fresh_install(time_machine):
    """The clock at noon, every sweep's schedule first due at noon (as `migrate` leaves them)."""
    time_machine.move_to(NOON, tick=False)
    Schedule.objects.filter(name__in=SWEEPS).update(next_run=NOON)
    return time_machine


@pytest.fixture
def all_swept(fresh_install):
    """Every sweep has just run."""
    for name in SWEEPS:
        with record_sweep(name) as beat:
            beat.rows_acted = 3
    return fresh_install


def run_sweeps(names) -> None:
    """A successful run of each sweep named, now."""
    for name in names:
        with record_sweep(name):
            pass


def all_but(name: str) -> list[str]:
    return [other for other in SWEEPS if other != name]


def health_at(clock, client, when: datetime):
    """`GET /health/` with the clock at `when`."""
    clock.move_to(when, tick=False)
    return client.get("/health/")


def failures(response) -> list[str]:
    return response.json().get("failures", [])


def test_every_check_passes_right_after_the_sweeps_ran(client, all_swept):
    all_swept.move_to(NOON + timedelta(seconds=30), tick=False)

    response = client.get("/health/")

    assert response.status_code == 200, failures(response)
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {
        "ok": True,
        "ms": pytest.approx(0, abs=50),
        "broker": "database",
    }
    assert set(body["checks"]["sweeps"]) == set(SWEEPS)
    assert body["checks"]["sweeps"]["routing: retry parked leads"] == {
        "last_finished_at": "2026-11-30T12:00:00+00:00",
        "age_seconds": 30,
        "duration_ms": 0,
        "rows_acted": 3,
        "last_error": "",
        "ok": True,
    }
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_a_fresh_install_is_healthy_until_its_sweeps_are_overdue_without_a_cluster(
    client, fresh_install
):
    sweeps = client.get("/health/").json()["checks"]["sweeps"]
    assert sweeps["routing: retry parked leads"]["reason"] == "not run yet"
    assert sweeps["routing: retry parked leads"]["age_seconds"] is None

    assert health_at(fresh_install, client, NOON + timedelta(minutes=3)).status_code == 200

    response = health_at(fresh_install, client, NOON + timedelta(minutes=3, seconds=1))

    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert (
        "sweep 'routing: retry parked leads': it has never run, though due for 3 min 1 s "
        "(is the cluster running?)"
    ) in failures(response)
    # The hourly sweeps are not due yet.
    assert not any(HOURLY in failure for failure in failures(response))


def test_an_every_minute_sweep_is_late_3_minutes_after_its_last_run(client, all_swept):
    all_swept.move_to(NOON + timedelta(minutes=1), tick=False)
    run_sweeps(all_but("routing: recover stranded leads"))
    assert health_at(all_swept, client, NOON + timedelta(minutes=3)).status_code == 200

    response = health_at(all_swept, client, NOON + timedelta(minutes=3, seconds=1))

    assert response.status_code == 503
    assert failures(response) == [
        "sweep 'routing: recover stranded leads': its last run ended 3 min 1 s ago; "
        "late after 3 min"
    ]
    sweep = response.json()["checks"]["sweeps"]["routing: recover stranded leads"]
    assert (sweep["ok"], sweep["age_seconds"]) == (False, 181)


def test_an_hourly_sweep_is_late_after_two_intervals_and_a_minute(client, all_swept):
    # Every sweep but the hourly purges (the others run every minute, 10 or 15 minutes).
    more_often = [name for name in SWEEPS if not name.startswith("intake: purge")]
    all_swept.move_to(NOON + timedelta(hours=2, minutes=1), tick=False)
    run_sweeps(more_often)
    assert client.get("/health/").status_code == 200

    late = NOON + timedelta(hours=2, minutes=1, seconds=1)
    all_swept.move_to(late, tick=False)
    run_sweeps(more_often)
    response = health_at(all_swept, client, late)

    assert response.status_code == 503
    assert f"sweep {HOURLY!r}: its last run ended 2 h 1 min ago; late after 2 h 1 min" in (
        failures(response)
    )


def test_a_sweep_failing_for_over_3_minutes_is_late_though_it_runs(client, all_swept):
    for minute in range(1, 5):
        all_swept.move_to(NOON + timedelta(minutes=minute), tick=False)
        run_sweeps(all_but("routing: retry parked leads"))
        with pytest.raises(RuntimeError), record_sweep("routing: retry parked leads"):
            raise RuntimeError("rotation table unavailable")
    assert client.get("/health/").status_code == 200  # failing for 3 minutes: not yet

    response = health_at(all_swept, client, NOON + timedelta(minutes=4, seconds=1))

    assert response.status_code == 503
    assert failures(response) == [
        "sweep 'routing: retry parked leads': its runs have failed for 3 min 1 s "
        "(RuntimeError: rotation table unavailable); late after 3 min"
    ]
    sweep = response.json()["checks"]["sweeps"]["routing: retry parked leads"]
    assert (sweep["age_seconds"], sweep["last_error"]) == (
        1,
        "RuntimeError: rotation table unavailable",
    )


def test_a_retimed_schedule_retimes_its_judgement(client, all_swept):
    Schedule.objects.filter(name="routing: retry parked leads").update(minutes=10)
    all_swept.move_to(NOON + timedelta(minutes=20), tick=False)
    run_sweeps(all_but("routing: retry parked leads"))

    assert client.get("/health/").status_code == 200


def test_a_sweep_without_its_schedule_fails_with_a_reason(client, all_swept):
    Schedule.objects.filter(name="routing: send owed notifications").delete()

    response = client.get("/health/")

    assert response.status_code == 503
    assert failures(response) == [
        "sweep 'routing: send owed notifications': it has no schedule of that name (run migrate)"
    ]


def test_a_schedule_without_a_next_run_never_runs_and_fails_with_a_reason(client, all_swept):
    Schedule.objects.filter(name=HOURLY).update(next_run=None)

    response = client.get("/health/")

    assert response.status_code == 503
    assert failures(response) == [
        f"sweep {HOURLY!r}: its schedule has no next run time, so it never runs"
    ]


def test_a_cron_schedule_cannot_be_judged_and_says_so(client, all_swept):
    Schedule.objects.filter(name=HOURLY).update(schedule_type=Schedule.CRON, cron="0 * * * *")

    [failure] = failures(client.get("/health/"))

    assert failure == (
        f"sweep {HOURLY!r}: its schedule has no fixed interval to judge it by (make it repeat "
        "every N minutes, hourly or daily)"
    )


@pytest.mark.parametrize(
    ("check", "probe", "error", "reason"),
    [
        (
            "database",
            "database_probe",
            OSError("connection refused"),
            "the database does not answer: OSError: connection refused",
        ),
        (
            "broker",
            "broker_probe",
            RuntimeError("no such table: django_q_ormq"),
            "the task broker does not answer: RuntimeError: no such table: django_q_ormq",
        ),
    ],
)
def test_a_probe_that_fails_is_a_503_naming_its_check(
    client, all_swept, monkeypatch, check, probe, error, reason
):
    def failing():
        raise error

    monkeypatch.setattr(health, probe, failing)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["checks"][check] == {"ok": False, "reason": reason}
    assert failures(response) == [f"{check}: {reason}"]


def _closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


@pytest.fixture
def redis_broker(settings):
    """Set `REDIS_URL` (the Redis broker) for one test, with a new client for it."""

    def use(url: str) -> None:
        settings.REDIS_URL = url
        health._redis_client.cache_clear()

    yield use
    health._redis_client.cache_clear()


def test_a_redis_broker_is_pinged(client, all_swept, redis_broker):
    redis_broker(REDIS_URL)

    response = client.get("/health/")

    assert response.status_code == 200, failures(response)
    assert response.json()["checks"]["broker"]["broker"] == "redis"


def test_a_redis_broker_that_refuses_connections_is_a_503(client, all_swept, redis_broker):
    redis_broker(f"redis://127.0.0.1:{_closed_port()}/0")

    response = client.get("/health/")

    assert response.status_code == 503
    [failure] = failures(response)
    assert failure.startswith("broker: the task broker does not answer: ConnectionError")


def test_a_check_that_breaks_unexpectedly_is_a_503_never_a_500(client, all_swept, monkeypatch):
    from leadrouter import heartbeat

    def broken(now):
        raise KeyError("schedule_type")

    monkeypatch.setattr(heartbeat, "sweep_states", broken)

    response = client.get("/health/")

    assert response.status_code == 503
    assert failures(response) == ["sweeps: cannot read their heartbeats: KeyError: 'schedule_type'"]
    assert response.json()["checks"]["sweeps"] == {}


def test_health_answers_plain_http_under_production_settings(client, all_swept, settings):
    # A load balancer probes over plain HTTP: the TLS redirect must leave this path alone.
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/health/").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_health_takes_no_writes(client, all_swept):
    assert client.post("/health/").status_code == 405
    assert client.head("/health/").status_code == 200
    assert SweepHeartbeat.objects.count() == len(SWEEPS)


def test_health_reads_six_statements_whatever_the_number_of_sweeps(
    client, all_swept, django_assert_num_queries
):
    # The database, the broker's table, the schedules, the heartbeats, the stranded count,
    # the Monday digests owed.
    with django_assert_num_queries(6):
        assert client.get("/health/").status_code == 200


def test_the_stranded_lead_count_is_a_detail_that_never_fails_the_check(
    client, all_swept, make_leads
):
    all_swept.move_to(NOON + timedelta(seconds=30), tick=False)
    assert client.get("/health/").json()["details"]["stranded_leads"]["count"] == 0

    make_leads(2)  # nobody owns, queues, reviews or retries them
    all_swept.move_to(NOON + timedelta(minutes=2, seconds=30), tick=False)
    run_sweeps(SWEEPS)  # the sweeps run on time (and have not repaired them yet)

    response = client.get("/health/")

    assert response.status_code == 200, failures(response)
    detail = response.json()["details"]["stranded_leads"]
    assert detail["count"] == 2
    assert "routing: recover stranded leads" in detail["meaning"]


def test_a_detail_that_breaks_says_why_and_the_check_still_answers(client, all_swept, monkeypatch):
    from leadrouter import heartbeat

    def broken(now):
        raise RuntimeError("no such table")

    monkeypatch.setitem(heartbeat.HEALTH_DETAILS, "stranded_leads", broken)
    all_swept.move_to(NOON + timedelta(seconds=30), tick=False)

    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json()["details"]["stranded_leads"] == {"error": "RuntimeError: no such table"}
