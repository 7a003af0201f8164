"""SLA benchmark: one sweep over many open clocks of which a few are due, and what starting a
clock adds to a lead.

    bench/run sla [--open N] [--due N] [--database-url URL]

1. Sweep: N open assignments (default 100,000), each with a running clock under a default
   policy (30 minutes, remind at 50 %, reassign at 100 %); `--due` of them (default 1,000) have
   their reminder due now, the rest tomorrow. One `routing.services.sla_sweep` is timed, with
   the statements it ran (counted by an execute wrapper) per point it acted on.
2. Clock start: `sla_start` on an unsaved assignment, 2,000 times, against a 09:00-17:00
   calendar with US holidays: the business-time bookkeeping a routed lead pays (its
   `sla_started` event is written with the decision's ROUTED event in one statement).
"""

import argparse
import json
import sys
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from intake_bench import fresh_database, setup_django  # noqa: E402


def build(open_count: int, due_count: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from intake import services
    from intake.models import Contact, Lead, LeadStatus
    from routing.models import (
        Assignment,
        BusinessCalendar,
        OpeningHours,
        Rep,
        RoutingRule,
        SlaPolicy,
        SlaState,
        SlaStep,
        SlaTarget,
        Team,
    )

    now = timezone.now()
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
    policy = SlaPolicy.objects.create(name="Standard", is_default=True)
    SlaTarget.objects.create(policy=policy, minutes=30)
    remind = SlaStep.objects.create(policy=policy, order=1, kind="remind", percent=50)
    SlaStep.objects.create(policy=policy, order=2, kind="reassign", percent=100)
    source, _ = services.source_create(name="Bench", channel="api", adapter="api")
    batch = 5000
    for start in range(0, open_count, batch):
        size = min(batch, open_count - start)
        contacts = Contact.objects.bulk_create([Contact() for _ in range(size)])
        leads = Lead.objects.bulk_create(
            [
                Lead(
                    contact=contact,
                    source=source,
                    channel=source.channel,
                    status=LeadStatus.ASSIGNED,
                    received_at=now,
                    last_touch_at=now,
                    is_test=True,  # nobody is emailed
                )
                for contact in contacts
            ]
        )
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


def time_sweep(now) -> dict:
    from django.db import connection

    from routing.services import sla_sweep

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        acted = sla_sweep(now)
        elapsed = time.perf_counter() - started
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
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
