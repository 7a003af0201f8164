"""Recycling benchmark: one sweep of a "not worked" rule over many open leads, of which some are
idle long enough.

    bench/run recycling [--open N] [--due N] [--database-url URL]

N open leads (default 50,000) owned by 10 reps of a 09:00-17:00 team with US holidays, each
with a contact attempt and four timeline events (received, routed, a status change, a note),
as worked leads have; `--due` of them (default 1,000) were last worked 30 days ago, the rest
yesterday; PostgreSQL's tables are then ANALYZEd (never-analyzed tables get nested loops
over every lead: 7.5 s for the listing). A rule recycles leads not worked for 5 business days
back to the pool. Timed: the
rule's listing of its due leads (what every hourly run pays, due or not), and one
`routing.services.recycling_sweep` (at most 200 leads a run), with its statements per lead.
"""

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from intake_bench import fresh_database, setup_django  # noqa: E402
from routing_bench import analyze  # noqa: E402
from sla_bench import office_team, timed_statements  # noqa: E402


def build(open_count: int, due_count: int):
    from django.utils import timezone

    from intake import services
    from intake.models import Contact, Lead, LeadEvent, LeadStatus
    from routing.models import (
        Activity,
        Assignment,
        RecyclingRule,
    )

    now = timezone.now()
    _, reps, rule = office_team()
    rule.pool_reps.set(reps)
    RecyclingRule.objects.create(name="Idle a week", kind="not_worked", business_days=5)
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
                    status=LeadStatus.CONTACTED,
                    received_at=now - timedelta(days=40),
                    last_touch_at=now,
                )
                for contact in contacts
            ]
        )
        worked = [
            now - timedelta(days=30) if start + i < due_count else now - timedelta(days=1)
            for i in range(size)
        ]
        Assignment.objects.bulk_create(
            [
                Assignment(
                    lead=lead,
                    rep=reps[(start + i) % len(reps)],
                    user_id=reps[(start + i) % len(reps)].user_id,
                    rule=rule,
                    reason="initial",
                    assigned_at=now - timedelta(days=35),
                    notified_at=now,
                )
                for i, lead in enumerate(leads)
            ]
        )
        Activity.objects.bulk_create(
            [
                Activity(lead=lead, kind="call", outcome="reached", at=worked[i])
                for i, lead in enumerate(leads)
            ]
        )
        LeadEvent.objects.bulk_create(
            [
                LeadEvent(lead=lead, kind=kind, at=worked[i] - timedelta(hours=hours))
                for i, lead in enumerate(leads)
                for kind, hours in (("received", 9), ("routed", 8), ("status", 1), ("note", 0))
            ]
        )
    return now


def time_listing(now, runs: int = 5) -> dict:
    from routing.models import RecyclingRule
    from routing.services.config import routing_setup
    from routing.services.recycling import SWEEP_LIMIT, _not_worked

    rule = RecyclingRule.objects.get()
    setup = routing_setup()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        listed = list(
            _not_worked(rule, now, setup)
            .order_by("idle_since", "id")
            .values_list("lead_id", flat=True)[:SWEEP_LIMIT]
        )
        timings.append(time.perf_counter() - started)
    return {"listed": len(listed), "ms_best": round(min(timings) * 1000, 1)}


def time_sweep(now) -> dict:
    from routing.services import recycling_sweep

    recycled, elapsed, statements = timed_statements(lambda: recycling_sweep(now))
    return {
        "recycled": recycled,
        "seconds": round(elapsed, 3),
        "ms_per_lead": round(elapsed * 1000 / max(recycled, 1), 2),
        "statements_per_lead": round(statements / max(recycled, 1), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=50_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup_django(args.database_url)
    fresh_database()
    started = time.perf_counter()
    now = build(args.open, args.due)
    analyze()  # PostgreSQL's statistics, as autovacuum keeps them on a database in use
    result = {
        "open": args.open,
        "due": args.due,
        "build_seconds": round(time.perf_counter() - started, 1),
        "listing": time_listing(now),
        "sweep": time_sweep(now),
    }
    from django.db import connection

    result["database"] = connection.vendor
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
