"""SLA benchmark: one sweep over many open clocks of which a few are due, and what starting a
clock adds to a lead.

    bench/run sla [--open N] [--due N] [--database-url URL]
    bench/run sla --cluster [--clocks N] [--minutes M] [--database-url URL]

1. Sweep: N open assignments (default 100,000), each with a running clock under a default
   policy (30 minutes, remind at 50 %, reassign at 100 %); `--due` of them (default 1,000) have
   their reminder due now, the rest tomorrow. One `routing.services.sla_sweep` is timed, with
   the statements it ran (counted by an execute wrapper) per point it acted on.
2. Clock start: `sla_start` on an unsaved assignment, 2,000 times, against a 09:00-17:00
   calendar with US holidays: the business-time bookkeeping a routed lead pays (its
   `sla_started` event is written with the decision's ROUTED event in one statement).

`--cluster`: the delay from deadline to action with the real task cluster. N running clocks
(default 200) under an M-minute policy (default 4) on a 24/7 calendar (remind at 50 %, notify
the manager at 100 %), started by `sla_start` at staggered times so that their points fall due
spread over the next M minutes; then `manage.py qcluster` runs the migration's "routing: SLA
sweep" schedule until every point is performed, and is stopped with SIGINT. Reported: each
step record's `done_at - due_at` (`done_at` is the sweep's clock). The schedule runs every
minute and django-q2's scheduler looks at schedules every 30 s, so delays up to ~60-90 s are
the design, not a fault.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from intake_bench import fresh_database, percentile, setup_django  # noqa: E402

LEAD_IN_SECONDS = 45  # the cluster's start-up: no point falls due before it can run


def assigned_leads(source, count: int, now) -> list:
    """`count` new test leads (nobody is emailed), each with its own contact, status assigned."""
    from intake.models import Contact, Lead, LeadStatus

    contacts = Contact.objects.bulk_create([Contact() for _ in range(count)])
    return Lead.objects.bulk_create(
        [
            Lead(
                contact=contact,
                source=source,
                channel=source.channel,
                status=LeadStatus.ASSIGNED,
                received_at=now,
                last_touch_at=now,
                is_test=True,
            )
            for contact in contacts
        ]
    )


def office_team():
    """The benchmarks' office: a 09:00-17:00 Chicago calendar with US holidays, its team of 10
    reps and a round-robin rule over the team. Returns (team, reps, rule)."""
    from django.contrib.auth import get_user_model

    from routing.models import BusinessCalendar, OpeningHours, Rep, RoutingRule, Team

    calendar = BusinessCalendar.objects.create(
        name="Office", time_zone="America/Chicago", holiday_country="US"
    )
    for weekday in range(5):
        OpeningHours.objects.create(
            calendar=calendar, weekday=weekday, opens=clock_time(9), closes=clock_time(17)
        )
    team = Team.objects.create(name="Office", calendar=calendar)
    users = get_user_model()
    reps = [
        Rep.objects.create(user=users.objects.create_user(f"rep{i}"), team=team) for i in range(10)
    ]
    rule = RoutingRule.objects.create(name="Everyone", pool_team=team, require_working_now=False)
    return team, reps, rule


def build(open_count: int, due_count: int):
    from django.utils import timezone

    from intake import services
    from routing.models import (
        Assignment,
        SlaPolicy,
        SlaState,
        SlaStep,
        SlaTarget,
    )

    now = timezone.now()
    team, reps, rule = office_team()
    policy = SlaPolicy.objects.create(name="Standard", is_default=True)
    SlaTarget.objects.create(policy=policy, minutes=30)
    remind = SlaStep.objects.create(policy=policy, order=1, kind="remind", percent=50)
    SlaStep.objects.create(policy=policy, order=2, kind="reassign", percent=100)
    source, _ = services.source_create(name="Bench", channel="api", adapter="api")
    batch = 5000
    for start in range(0, open_count, batch):
        size = min(batch, open_count - start)
        leads = assigned_leads(source, size, now)
        Assignment.objects.bulk_create(
            [
                Assignment(
                    lead=lead,
                    rep=reps[(start + i) % len(reps)],
                    user_id=reps[(start + i) % len(reps)].user_id,
                    rule=rule,
                    reason="initial",
                    assigned_at=now - timedelta(minutes=20),
                    notified_at=now,
                    sla_policy=policy,
                    sla_target_minutes=30,
                    sla_started_at=now - timedelta(minutes=20),
                    sla_due_at=now + timedelta(minutes=10),
                    sla_state=SlaState.RUNNING,
                    sla_next_step=remind,
                    sla_next_step_at=(
                        now - timedelta(minutes=5)
                        if start + i < due_count
                        else now + timedelta(days=1)
                    ),
                )
                for i, lead in enumerate(leads)
            ]
        )
    return now, rule, reps[0], team


def timed_statements(work):
    """(what `work()` returned, its seconds, the statements it ran)."""
    from django.db import connection

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
    return result, elapsed, statements


def time_sweep(now) -> dict:
    from routing.services import sla_sweep

    acted, elapsed, statements = timed_statements(lambda: sla_sweep(now))
    return {
        "acted": acted,
        "seconds": round(elapsed, 3),
        "ms_per_acted": round(elapsed * 1000 / max(acted, 1), 3),
        "statements": statements,
        "statements_per_acted": round(statements / max(acted, 1), 2),
    }


def time_clock_start(now, rule, rep, runs: int = 2000) -> dict:
    from intake.models import Lead
    from routing.models import Assignment
    from routing.services.config import routing_setup
    from routing.services.sla_clock import sla_start

    lead = Lead.objects.select_related("qualification").first()
    assert lead is not None, "build() made the leads"
    setup = routing_setup()

    def assignment():
        return Assignment(
            lead=lead, rep=rep, user_id=rep.user_id, rule=rule, reason="initial", assigned_at=now
        )

    started = time.perf_counter()
    for _ in range(runs):
        assignment()
    floor = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(runs):
        sla_start(assignment=assignment(), lead=lead, now=now, setup=setup, events=[])
    elapsed = time.perf_counter() - started - floor
    return {"runs": runs, "ms_per_lead": round(elapsed * 1000 / runs, 4)}


def build_clocks(count: int, minutes: int):
    """`count` leads with running clocks whose remind (50 %) and notify-manager (100 %) points
    fall due between LEAD_IN_SECONDS from now and `minutes` from now."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from intake import services
    from intake.models import LeadEvent
    from routing.models import (
        Assignment,
        BusinessCalendar,
        Rep,
        RoutingRule,
        SlaPolicy,
        SlaStep,
        SlaTarget,
        Team,
    )
    from routing.services.config import routing_setup
    from routing.services.sla_clock import sla_start

    calendar = BusinessCalendar.objects.create(name="Always", always_open=True)
    team = Team.objects.create(name="Desk", calendar=calendar)
    users = get_user_model()
    reps = [
        Rep.objects.create(user=users.objects.create_user(f"rep{i}"), team=team) for i in range(10)
    ]
    rule = RoutingRule.objects.create(name="Everyone", pool_team=team, require_working_now=False)
    policy = SlaPolicy.objects.create(name="Bench", is_default=True, calendar=calendar)
    SlaTarget.objects.create(policy=policy, minutes=minutes)
    SlaStep.objects.create(policy=policy, order=1, kind="remind", percent=50)
    SlaStep.objects.create(policy=policy, order=2, kind="notify_manager", percent=100)
    source, _ = services.source_create(name="Bench", channel="api", adapter="api")
    now = timezone.now()
    leads = assigned_leads(source, count, now)
    setup = routing_setup()
    # Clock i starts `lag` earlier than clock 0: the reminders fall due over the first half
    # of the window, the deadlines (and the manager notices) over the second.
    span = max(minutes * 60 / 2 - LEAD_IN_SECONDS, 0)
    first_start = now - timedelta(seconds=minutes * 60 / 2 - LEAD_IN_SECONDS)
    assignments: list[Assignment] = []
    events: list[LeadEvent] = []
    for i, lead in enumerate(leads):
        rep = reps[i % len(reps)]
        started = first_start + timedelta(seconds=span * i / max(count - 1, 1))
        assignment = Assignment(
            lead=lead, rep=rep, user_id=rep.user_id, rule=rule, reason="initial", assigned_at=now
        )
        assert sla_start(assignment=assignment, lead=lead, now=started, setup=setup, events=events)
        assignments.append(assignment)
    Assignment.objects.bulk_create(assignments)
    LeadEvent.objects.bulk_create(events)
    return now


def delay_report(delays: list[float], seconds: float, limit: float = 60.0) -> dict:
    """Count, percentiles and maximum of the delays (seconds), and points per second over a
    run of `seconds`; `p99_within_limit`: the issue's target (p99 at most a minute)."""
    if not delays:
        return {"count": 0, "p99_within_limit": False}
    p99 = percentile(delays, 99)
    return {
        "count": len(delays),
        "p50_s": round(percentile(delays, 50), 1),
        "p90_s": round(percentile(delays, 90), 1),
        "p99_s": round(p99, 1),
        "max_s": round(max(delays), 1),
        "limit_s": limit,
        "p99_within_limit": p99 <= limit,
        "points_per_second": round(len(delays) / seconds, 2) if seconds > 0 else None,
    }


def run_cluster(count: int, minutes: int, database_url: str | None) -> dict:
    from chaos_bench import fresh_database as new_database
    from django.core.management import call_command
    from django.db import connection

    work = Path(tempfile.mkdtemp(prefix="leadrouter-sla-"))
    # A new database (not a flushed one): the migrations' rows, the sweep schedule among
    # them, must be there.
    new_database(database_url, work / "sla.sqlite3")
    setup_django(database_url, work / "sla.sqlite3")
    call_command("migrate", verbosity=0)
    from django_q.models import Schedule, Task

    from routing.models import Assignment, SlaStepRecord

    assert Schedule.objects.filter(name="routing: SLA sweep").exists()
    now = build_clocks(count, minutes)
    expected = 2 * count
    connection.close()
    log_path = work / "qcluster.log"
    with open(log_path, "ab") as log:
        started = time.monotonic()
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = started + minutes * 60 + 180
        done = 0
        try:
            while time.monotonic() < deadline and cluster.poll() is None:
                time.sleep(2)
                done = SlaStepRecord.objects.count()
                pending = Assignment.objects.filter(sla_next_step_at__isnull=False).count()
                connection.close()  # no read snapshot held against the cluster's writes
                if done >= expected and not pending:
                    break
        finally:
            cluster.send_signal(signal.SIGINT)
            try:
                cluster.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(cluster.pid, signal.SIGKILL)
                cluster.wait()
    records = list(SlaStepRecord.objects.values_list("due_at", "done_at", "outcome"))
    delays = [(done_at - due_at).total_seconds() for due_at, done_at, _ in records]
    outcomes: dict[str, int] = {}
    for *_, outcome in records:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    sweeps = list(
        Task.objects.filter(func="routing.tasks.sweep_sla").values_list("started", "stopped")
    )
    sweep_seconds = sum((stopped - begun).total_seconds() for begun, stopped in sweeps)
    last_done = max((done_at for _, done_at, _ in records), default=now)
    return {
        "database": connection.vendor,
        "clocks": count,
        "minutes": minutes,
        "points_expected": expected,
        "points_performed": len(records),
        "outcomes": outcomes,
        "breached_clocks": Assignment.objects.filter(sla_state="breached").count(),
        "delay_from_due_to_action": delay_report(delays, (last_done - now).total_seconds()),
        "sweeps": {
            "runs": len(sweeps),
            "seconds": round(sweep_seconds, 2),
            "points_per_sweep_second": round(len(records) / sweep_seconds, 1)
            if sweep_seconds
            else None,
        },
        "cluster_exit_code": cluster.returncode,
        "cluster_log": str(log_path),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--cluster", action="store_true", help="delays under a real qcluster")
    parser.add_argument("--clocks", type=int, default=200)
    parser.add_argument("--minutes", type=int, default=4)
    args = parser.parse_args(argv)
    if args.cluster:
        print(json.dumps(run_cluster(args.clocks, args.minutes, args.database_url), indent=2))
        return
    setup_django(args.database_url)
    fresh_database()
    from django.db import connection

    started = time.perf_counter()
    now, rule, rep, _ = build(args.open, args.due)
    result = {
        "database": connection.vendor,
        "open_assignments": args.open,
        "due": args.due,
        "build_seconds": round(time.perf_counter() - started, 1),
        "sweep": time_sweep(now),
        "clock_start": time_clock_start(now, rule, rep),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
