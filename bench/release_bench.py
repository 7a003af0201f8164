"""After-hours release benchmark: leads held over the weekend, released at Monday's shift start
over a team's reps, through the engine and its rotation.

    bench/run release [--leads N] [--reps R] [--database-url URL]

1. Hold: a team of R reps (default 50) working 09:00-17:00 on weekdays in Chicago, with the
   same business calendar (US holidays); one rule for the team, round robin, "hold until the
   next opening". N leads (default 5,000; a tenth urgent, all test leads) are routed at
   Friday 18:00 CST with `routing.services.route_lead`: each is held until Monday 09:00 (each
   decision timed).
2. Release: at Monday 09:00 the release sweep's work, `routing.services.held_leads_release`,
   batch after batch of 500 until none is due, each lead timed (claim, route, commit); the
   whole release's wall time, leads per second, and p50 / p90 / p99 per lead.
3. Floor: the intake benchmark's bare-insert floor (a Submission, a Contact and a Lead, each
   committed as intake commits them), 100 inserts after each batch, in the same process; the
   ratio is a lead's release / a floor insert, at p50.
4. Spread: leads per rep, max - min (the issue's target: at most 1), and whether every urgent
   lead was released before every normal one.
"""

import argparse
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from intake_bench import floor_insert, fresh_database, percentile, setup_django  # noqa: E402

FRIDAY_18 = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # Fri Nov 27, 18:00 CST
MONDAY_9 = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Mon Nov 30, 09:00 CST
SHIFTS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
FLOOR_PER_BATCH = 100


def build(lead_count: int, rep_count: int):
    """The team, its calendar, its reps, the hold rule and the leads (not yet routed)."""
    from django.contrib.auth import get_user_model

    from intake import services
    from intake.models import Contact, Lead, LeadStatus
    from qualification.models import Qualification
    from routing.models import BusinessCalendar, OpeningHours, Rep, RoutingRule, Team

    calendar = BusinessCalendar.objects.create(
        name="Office", time_zone="America/Chicago", holiday_country="US"
    )
    for weekday in range(5):
        OpeningHours.objects.create(
            calendar=calendar, weekday=weekday, opens=clock_time(9), closes=clock_time(17)
        )
    team = Team.objects.create(name="Sales", calendar=calendar, time_zone="America/Chicago")
    users = get_user_model()
    for i in range(rep_count):
        Rep.objects.create(
            user=users.objects.create_user(f"rep{i}"),
            team=team,
            time_zone="America/Chicago",
            working_hours=SHIFTS,
        )
    RoutingRule.objects.create(
        name="Sales",
        pool_team=team,
        require_working_now=True,
        after_hours=RoutingRule.AfterHours.HOLD,
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )
    source, _key = services.source_create(name="Bench", channel="api", adapter="api")
    contacts = Contact.objects.bulk_create([Contact() for _ in range(lead_count)])
    leads = Lead.objects.bulk_create(
        [
            Lead(
                contact=contact,
                source=source,
                channel=source.channel,
                status=LeadStatus.NEW,
                received_at=FRIDAY_18,
                last_touch_at=FRIDAY_18,
                is_test=True,
            )
            for contact in contacts
        ]
    )
    Qualification.objects.bulk_create(
        [
            Qualification(
                lead=lead,
                score=50,
                tier="B",
                urgency="urgent" if i % 10 == 0 else "normal",
                confidence=0.9,
                score_source="rules",
            )
            for i, lead in enumerate(leads)
        ]
    )
    return source, leads


def spread(per_rep: dict[int, int], reps: int) -> int:
    """Max - min leads per rep, a rep with none counting as 0."""
    counts = list(per_rep.values()) + [0] * (reps - len(per_rep))
    return max(counts) - min(counts) if counts else 0


def urgent_first(released_order: list[str]) -> bool:
    """Whether every urgent lead was released before every other one."""
    others = [i for i, urgency in enumerate(released_order) if urgency != "urgent"]
    urgents = [i for i, urgency in enumerate(released_order) if urgency == "urgent"]
    return not others or not urgents or max(urgents) < min(others)


def per_lead(times: list[float]) -> dict:
    return {
        "n": len(times),
        "p50_ms": round(percentile(times, 50) * 1000, 3),
        "p90_ms": round(percentile(times, 90) * 1000, 3),
        "p99_ms": round(percentile(times, 99) * 1000, 3),
        "max_ms": round(max(times) * 1000, 3),
    }


def run(lead_count: int, rep_count: int) -> dict:
    from django.db import connection

    from intake.models import LeadEvent
    from routing import selectors
    from routing.models import Assignment, HeldLead
    from routing.services import held_lead_release, route_lead

    source, leads = build(lead_count, rep_count)
    hold_times = []
    for lead in leads:
        started = time.perf_counter()
        decision = route_lead(lead, now=FRIDAY_18)
        hold_times.append(time.perf_counter() - started)
        assert decision is not None and decision.outcome == "held", decision
    holds_until = set(HeldLead.objects.values_list("hold_until", flat=True))
    assert holds_until == {MONDAY_9}, holds_until

    release_times: list[float] = []
    floor_times: list[float] = []
    outcomes: Counter = Counter()
    body = b'{"full_name": "Floor Lead"}'
    started_release = time.perf_counter()
    floor_seconds = 0.0
    while True:
        batch = list(selectors.held_leads_due(now=MONDAY_9)[:500])
        if not batch:
            break
        for hold in batch:
            started = time.perf_counter()
            outcomes[held_lead_release(hold=hold, now=MONDAY_9)] += 1
            release_times.append(time.perf_counter() - started)
        floor_started = time.perf_counter()
        for _ in range(FLOOR_PER_BATCH):
            started = time.perf_counter()
            floor_insert(source, body)
            floor_times.append(time.perf_counter() - started)
        floor_seconds += time.perf_counter() - floor_started
    release_seconds = time.perf_counter() - started_release - floor_seconds

    per_rep = Counter(Assignment.objects.filter(rep__isnull=False).values_list("rep_id", flat=True))
    released_order = list(
        LeadEvent.objects.filter(kind=LeadEvent.Kind.RELEASED)
        .order_by("id")
        .values_list("lead__qualification__urgency", flat=True)
    )
    release = per_lead(release_times)
    floor = per_lead(floor_times)
    return {
        "database": connection.vendor,
        "leads": lead_count,
        "reps": rep_count,
        "hold_at_friday_18": per_lead(hold_times),
        "release_at_monday_9": {
            **release,
            "seconds": round(release_seconds, 2),
            "leads_per_s": round(len(release_times) / release_seconds, 1),
            "outcomes": dict(outcomes),
        },
        "floor": floor,
        "ratio_to_floor_p50": round(release["p50_ms"] / floor["p50_ms"], 2),
        "per_rep": {"min": min(per_rep.values()), "max": max(per_rep.values())},
        "spread": spread(per_rep, rep_count),
        "urgent_released_first": urgent_first(released_order),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    fresh_database()
    result = run(args.leads, args.reps)
    release = result["release_at_monday_9"]
    print(
        f"release benchmark on {result['database']}: {args.leads} held leads, {args.reps} reps\n"
        f"  hold (Friday 18:00): p50 {result['hold_at_friday_18']['p50_ms']:.2f} ms per lead\n"
        f"  release (Monday 09:00): {release['seconds']:.1f} s, {release['leads_per_s']:.0f} "
        f"leads/s; per lead p50 {release['p50_ms']:.2f} ms, p90 {release['p90_ms']:.2f} ms, "
        f"p99 {release['p99_ms']:.2f} ms\n"
        f"  floor (bare inserts): p50 {result['floor']['p50_ms']:.2f} ms; "
        f"ratio {result['ratio_to_floor_p50']:.2f}x (p50)\n"
        f"  spread: {result['per_rep']['min']}-{result['per_rep']['max']} leads per rep "
        f"(max - min {result['spread']}); urgent first: {result['urgent_released_first']}"
    )
    print(json.dumps(result, indent=2))
    if result["spread"] > 1 or not result["urgent_released_first"]:
        raise SystemExit("the release was not fair: see spread and urgent first above")


if __name__ == "__main__":
    main()
