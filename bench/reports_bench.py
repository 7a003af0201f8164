"""Reports benchmark: a weekly report over a year of 1,000,000 leads.

    bench/run reports [--leads 1000000] [--runs 10] [--database-url URL] [--sqlite-path FILE]
                      [--regenerate] [--build-only]

The database holds a year of leads written in bulk by `bench/report_history.py` (sources,
qualification, review, routing with SLA clocks and reassignments, contact attempts, wins and
losses, merges, test leads, an import's history, reps who left). It is built once and reused: a
marker table records the generator's version, the number of leads, the seed and the year's last
moment, and a database whose marker matches is only migrated (new indexes) and analysed.
`--regenerate` builds it again. Default databases: SQLite at
`<tmp>/leadrouter-reports-bench.sqlite3`; PostgreSQL with `--database-url` (e.g. postgres://postgres@127.0.0.1:5432/lr_reports_bench,
created if missing).

Timed, for a week in the middle of the year:
1. `reporting.selectors.report_for_period` with history (the previous week and the 8-week
   average, as the page shows), for the whole organisation and for one team: the plain queries
   (`--live-runs` times; the earlier weeks' headline figures come from its 15-minute cache after
   the first, "cold", call);
2. storing that week's reports as the sweep `reporting: refresh reports` stores the running and
   the previous week (the team's; the organisation's in its zone and the team's);
3. `GET /api/v1/reports/weekly/{week}/` with a staff token (whole organisation, `?team=`) and
   `/reports/weekly/{week}/` through Django's test client as staff and as the team's manager,
   `--runs` times each, reading the stored reports;
4. unless `--skip-sweep`, one run of the sweep itself (every team and the organisation).

Each line: calls per second, the first (cold) call's ms, p50/p90/p99 wall-clock ms, the median
CPU ms (this process and, on PostgreSQL, its server process: the work done, which a busy shared
machine does not inflate), the queries it ran, and the ratio of its p50 to the floor's. The
floor is the least any weekly figure costs: the bare COUNT(*) of the leads received that week
(one indexed range count). The query counts of `report_for_period` (as of a given time, so
that all of its history is computed) are also taken for the busiest and the quietest weeks of
the year: they must not grow with the leads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from intake_bench import percentile, setup_django  # noqa: E402

MARKER_TABLE = "bench_reports_dataset"
MIDDLE_DAYS_BEFORE_END = 182


def setup(database_url: str | None, sqlite_path: str | None) -> None:
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    path = None
    if not database_url:
        path = Path(sqlite_path or Path(tempfile.gettempdir()) / "leadrouter-reports-bench.sqlite3")
        path.parent.mkdir(parents=True, exist_ok=True)
    setup_django(database_url, path)
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed


def read_marker() -> dict | None:
    from django.db import connection

    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT marker FROM {MARKER_TABLE}")  # noqa: S608 - a constant
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def write_marker(marker: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (marker TEXT NOT NULL)")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s)", [json.dumps(marker)])  # noqa: S608 - a constant


def empty_database() -> None:
    """A new, empty, migrated database (PostgreSQL: dropped and created; SQLite: a new file)."""
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    connection.close()
    if connection.vendor == "postgresql":
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    else:
        for stale in Path(name).parent.glob(Path(name).name + "*"):  # the file, -wal, -shm
            stale.unlink()
    call_command("migrate", verbosity=0)


def ensure_database_exists() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # PostgreSQL: what autovacuum does after bulk inserts (statistics, the visibility map).
        # SQLite: the statistics its planner uses for indexes, which Django never gathers.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def dataset(size: int, seed: int, regenerate: bool) -> dt.datetime:
    """The year of leads, built or reused; the moment the year ends."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from report_history import GENERATOR_VERSION, Dataset
    from routing_bench import build_organisation

    ensure_database_exists()
    wanted = {"version": GENERATOR_VERSION, "leads": size, "seed": seed}
    marker = None if regenerate else read_marker()
    if marker and all(marker.get(key) == value for key, value in wanted.items()):
        print(f"[{connection.vendor}] reusing the year of {size:,} leads (marker matches)")
        call_command("migrate", verbosity=0)  # indexes added since it was built
        started = time.perf_counter()
        analyze()
        print(f"  analysed in {time.perf_counter() - started:.0f} s", flush=True)
        return dt.datetime.fromisoformat(marker["end"])
    print(f"[{connection.vendor}] building a year of {size:,} leads", flush=True)
    empty_database()
    build_organisation()
    end = timezone.now().replace(microsecond=0)
    generator = Dataset(size=size, end=end, seed=seed)
    seconds = generator.fill(progress=lambda line: print(line, flush=True))
    started = time.perf_counter()
    analyze()
    print(f"  built in {seconds:.0f} s, analysed in {time.perf_counter() - started:.0f} s")
    write_marker({**wanted, "end": end.isoformat(), "build_seconds": round(seconds)})
    return end


def table_sizes() -> dict[str, int]:
    from intake.models import Lead, LeadEvent
    from qualification.models import ReviewTask
    from routing.models import Activity, Assignment

    return {
        "leads": Lead.objects.count(),
        "assignments": Assignment.objects.count(),
        "activities": Activity.objects.count(),
        "events": LeadEvent.objects.count(),
        "review tasks": ReviewTask.objects.count(),
    }


def cpu_seconds() -> float:
    """CPU time spent so far by this process and, on PostgreSQL, by its server process (same
    machine): the work a call did, whatever else the shared machine was running meanwhile."""
    from django.db import connection

    spent = time.process_time()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        spent += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return spent


def timed(call, runs: int) -> tuple[list[float], list[float], int, float]:
    """Wall-clock and CPU seconds of each of `runs` calls, after one that counts the queries
    and warms the imports, caches and the database's buffers (its seconds: the cold call)."""
    from django.db import connection

    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    # Counted at the driver, not from Django's query log: a request clears that log.
    cold = time.perf_counter()
    with connection.execute_wrapper(count):
        call()
    cold = time.perf_counter() - cold
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        call()
        times.append(time.perf_counter() - start)
        cpu.append(cpu_seconds() - start_cpu)
    return times, cpu, len(statements), cold


def stats(times: list[float], cpu: list[float], cold: float) -> dict:
    return {
        "cold_ms": cold * 1000,
        "per_s": len(times) / sum(times),
        "p50_ms": percentile(times, 50) * 1000,
        "p90_ms": percentile(times, 90) * 1000,
        "p99_ms": percentile(times, 99) * 1000,
        "cpu_ms": statistics.median(cpu) * 1000,
    }


def store_week(week, team) -> int:
    """Store the reports of `week` the pages and the API read: the team's in its zone, and
    the organisation's in its zone and in the team's (a viewer's); how many."""
    from intake.selectors import organisation_time_zone
    from reporting.periods import week_parse
    from reporting.selectors import report_for_period
    from reporting.services import stored_report_save

    scopes = {(team, team.time_zone), (None, team.time_zone), (None, organisation_time_zone().key)}
    for scope, zone in scopes:
        period = week_parse(week.label, ZoneInfo(zone))
        started = time.perf_counter()
        report = report_for_period(period=period, team=scope)
        stored_report_save(report=report, team=scope, seconds=time.perf_counter() - started)
    return len(scopes)


def weeks_by_volume(end: dt.datetime, zone) -> tuple:
    """The busiest and the quietest full weeks of the year (arrivals)."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from intake.models import Lead
    from reporting.periods import week_of

    first = week_of(end - dt.timedelta(days=358), zone)
    last = week_of(end - dt.timedelta(days=7), zone)
    per_day = dict(
        Lead.objects.filter(received_at__gte=first.start, received_at__lt=last.end)
        .annotate(day=TruncDate("received_at", tzinfo=zone))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    weeks = []
    week = first
    while week.first_day <= last.first_day:
        weeks.append((sum(per_day.get(day, 0) for day in week.days()), week))
        week = week.next()
    weeks.sort(key=lambda pair: pair[0])
    return weeks[-1], weeks[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads in the year")
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each request")
    parser.add_argument(
        "--live-runs", type=int, default=3, help="timed runs of report_for_period (seconds each)"
    )
    parser.add_argument("--skip-sweep", action="store_true", help="do not time the sweep")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file")
    parser.add_argument("--sqlite-path", default=None, help="that SQLite file (kept, reused)")
    parser.add_argument("--regenerate", action="store_true", help="build the year again")
    parser.add_argument("--build-only", action="store_true", help="build or check it, then stop")
    args = parser.parse_args(argv)
    setup(args.database_url, args.sqlite_path)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    end = dataset(args.leads, args.seed, args.regenerate)
    vendor = connection.vendor
    sizes = table_sizes()
    if args.build_only:
        print(f"[{vendor}] " + ", ".join(f"{n:,} {name}" for name, n in sizes.items()))
        return

    from django.utils import timezone

    from intake import services
    from intake.models import Lead
    from reporting import tasks
    from reporting.periods import week_of
    from reporting.selectors import report_for_period
    from routing.models import Team

    team = Team.objects.select_related("manager").order_by("id").get(name="Team 0")
    manager = team.manager
    assert manager is not None  # the dataset gives every team one
    zone = ZoneInfo(team.time_zone)
    week = week_of(end - dt.timedelta(days=MIDDLE_DAYS_BEFORE_END), zone)
    week_leads = Lead.objects.filter(received_at__gte=week.start, received_at__lt=week.end)
    print(
        f"[{vendor}] week {week.label} ({team.time_zone}): {week_leads.count():,} leads arrived, "
        f"of {sizes['leads']:,}; " + ", ".join(f"{n:,} {name}" for name, n in sizes.items())
    )

    staff_token = services.api_token_create(username="bench-staff", name="reports bench")[1]
    as_staff, as_manager = Client(), Client()
    as_staff.force_login(get_user_model().objects.get(username="bench-staff"))
    as_manager.force_login(manager)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {staff_token}"}

    def get(client, url, **headers):
        def call():
            response = client.get(url, **headers)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")

        return call

    api = f"/api/v1/reports/weekly/{week.label}/"
    team_query = urlencode({"team": team.name})
    page = f"/reports/weekly/{week.label}/"
    live = [
        ("floor: COUNT(*) of the week's leads", week_leads.count, args.runs),
        (
            "report_for_period, organisation",
            lambda: report_for_period(period=week, team=None, with_history=True),
            args.live_runs,
        ),
        (
            "report_for_period, one team",
            lambda: report_for_period(period=week, team=team, with_history=True),
            args.live_runs,
        ),
    ]
    served = [
        ("API JSON, organisation (staff token)", get(Client(), api, **bearer)),
        ("API JSON, ?team= (staff token)", get(Client(), f"{api}?{team_query}", **bearer)),
        ("page, organisation (staff)", get(as_staff, page)),
        ("page, the team's manager", get(as_manager, page)),
    ]
    results = []
    for name, call, runs in live:
        times, cpu, queries, cold = timed(call, runs)
        results.append((name, stats(times, cpu, cold), queries))
        print(f"  {name}: p50 {results[-1][1]['p50_ms']:.1f} ms", flush=True)
    # What the sweep does for the running and the previous week, done for the measured one.
    started, started_cpu = time.perf_counter(), cpu_seconds()
    stored = store_week(week, team)
    sweep_like = (time.perf_counter() - started, cpu_seconds() - started_cpu)
    print(f"  {stored} reports of {week.label} stored in {sweep_like[0]:.1f} s", flush=True)
    for name, call in served:
        times, cpu, queries, cold = timed(call, args.runs)
        results.append((f"{name}, stored", stats(times, cpu, cold), queries))
        print(f"  {name}: p50 {results[-1][1]['p50_ms']:.1f} ms", flush=True)
    sweep = None
    if not args.skip_sweep:
        started, started_cpu = time.perf_counter(), cpu_seconds()
        outcome = tasks.refresh_reports()
        sweep = (outcome, time.perf_counter() - started, cpu_seconds() - started_cpu)
        print(f"  the sweep: {outcome} in {sweep[1]:.1f} s", flush=True)

    busiest, quietest = weeks_by_volume(end, zone)
    now = timezone.now()
    budget = []
    for leads, other in (busiest, quietest):
        counts = []
        for other_team in (None, team):
            # As of a given time: the whole history is computed, none from the cache.
            _, _, queries, _ = timed(
                lambda t=other_team, w=other: report_for_period(period=w, team=t, as_of=now), 0
            )
            counts.append(queries)
        budget.append((other.label, leads, counts))

    floor = results[0][1]["p50_ms"]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\nreports benchmark on {vendor}: {sizes['leads']:,} leads over a year, week "
        f"{week.label} ({week_leads.count():,} arrivals), {args.runs} runs each; "
        f"load average {load} on {os.cpu_count()} cores"
    )
    columns = ("per s", "cold ms", "p50 ms", "p90 ms", "p99 ms", "CPU ms", "queries", "÷ floor")
    print(f"{'':42}" + "".join(f"{c:>10}" for c in columns))
    for name, s, queries in results:
        print(
            f"{name:42}{s['per_s']:10.2f}{s['cold_ms']:10.1f}{s['p50_ms']:10.1f}{s['p90_ms']:10.1f}"
            f"{s['p99_ms']:10.1f}{s['cpu_ms']:10.1f}{queries:10d}{s['p50_ms'] / floor:10.1f}"
        )
    print(
        f"stored reports of {week.label} (the team's, the organisation's in each zone it is "
        f"read in): {stored} in {sweep_like[0]:.1f} s ({sweep_like[1]:.1f} s CPU)"
    )
    if sweep:
        print(
            f"the sweep (running and previous week of every team and the organisation): "
            f"{sweep[0]} in {sweep[1]:.1f} s ({sweep[2]:.1f} s CPU)"
        )
    print("queries of report_for_period (organisation, one team) in other weeks:")
    for label, leads, counts in budget:
        print(f"  {label}: {leads:,} arrivals -> {counts[0]}, {counts[1]} queries")


if __name__ == "__main__":
    main()
