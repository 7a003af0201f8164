"""Routing benchmark: decision time with 50 reps and 30 rules, and intake to assignment.

    bench/run routing [--leads N] [--api-leads N] [--rate R] [--database-url URL]

1. Decisions: an organisation of 5 teams x 10 reps (licences, skills, languages, territories,
   weights) and 30 ordered rules (29 conditional rules the typical lead walks past, constraints on
   most, a catch-all last); N qualified leads are routed one by one with
   `routing.services.route_lead`, each timed in-process (the whole call: locks, rules,
   constraints, method, assignment, decision and event rows, commit).
2. In-process intake to assignment: the intake benchmark's bare-insert floor (a Submission, a
   Contact and a Lead) beside the whole pipeline (store, parse, gate, dedup, qualify, route),
   interleaved in rounds; the ratio is pipeline / floor per lead.
3. Through the API: gunicorn (default 2 workers x 4 threads) on the same database, leads POSTed at a
   steady R leads/s from 8 client threads; the latency is request to 201 answer, which is sent
   after the lead is assigned (the answer names its owner).
"""

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from intake_bench import (  # noqa: E402
    floor_insert,
    fresh_database,
    new_lead,
    payloads,
    percentile,
    setup_django,
    time_interleaved,
)

STATES = ["TX", "OK", "FL", "CO", "CA", "NY", "GA", "AZ"]


def routable_payloads(count: int, seed: int) -> list[bytes]:
    """The intake benchmark's stream, with the request type the form asked for, so that
    qualification is sure of it and no lead waits for a person's review."""
    bodies = []
    for body in payloads(count, seed=seed):
        lead = json.loads(body)
        # Each part of the benchmark sends other people: nobody merges into an earlier lead.
        lead["email"] = lead["email"].replace("person", f"s{seed}-person")
        bodies.append(json.dumps({**lead, "request_type": "quote"}).encode())
    return bodies


def summary(times: list[float]) -> dict:
    return {
        "n": len(times),
        "per_s": len(times) / sum(times),
        "p50_ms": percentile(times, 50) * 1000,
        "p99_ms": percentile(times, 99) * 1000,
        "max_ms": max(times) * 1000,
        "mean_ms": statistics.mean(times) * 1000,
    }


def build_organisation(seed: int = 11) -> None:
    """5 teams x 10 reps and 30 rules; the catch-all is last, so a typical lead is tested
    against every rule's condition before one takes it."""
    from django.contrib.auth import get_user_model

    from routing.models import LicenceRequirement, Rep, RoutingRule, Skill, Team, Territory

    rng = random.Random(seed)
    users = get_user_model()
    # Every lead needs a rep licensed in its state (an insurance agency), for every rule.
    LicenceRequirement.objects.update_or_create(
        pk=1, defaults={"applies_to": LicenceRequirement.AppliesTo.EVERY_LEAD}
    )
    skills = [Skill.objects.create(name=name) for name in ("auto", "home", "life", "commercial")]
    territories = [
        Territory.objects.create(name=f"T-{state}", states=[state]) for state in STATES[:5]
    ]
    teams = [Team.objects.create(name=f"Team {i}") for i in range(5)]
    for i in range(50):
        user = users.objects.create_user(f"bench-rep-{i}", first_name=f"Rep{i}")
        rep = Rep.objects.create(
            user=user,
            team=teams[i % 5],
            weight=rng.choice([1, 1, 2, 3]),
            licensed_states=rng.sample(STATES, 5),
            languages=["en"] + (["es"] if i % 3 == 0 else []),
            max_open_leads=10_000,
            max_new_per_day=10_000,
        )
        rep.skills.set(rng.sample(skills, 2))
        rep.territories.set(rng.sample(territories, 2))
    methods = [
        RoutingRule.Method.ROUND_ROBIN,
        RoutingRule.Method.WEIGHTED,
        RoutingRule.Method.LEAST_LOADED,
    ]
    for i in range(29):
        # Conditions a typical web lead from the benchmark's stream does not meet.
        condition = [
            {"field": "channel", "op": "equals", "value": "sms"},
            {"field": "utm_campaign", "op": "equals", "value": f"campaign-{i}"},
            {"field": "score", "op": "gte", "value": 101},
            {"field": "message", "op": "contains_any", "value": ["commercial fleet", f"x{i}"]},
        ][i % 4]
        rule = RoutingRule.objects.create(
            name=f"Rule {i:02d}",
            order=i,
            condition=condition,
            pool_team=teams[i % 5],
            method=methods[i % 3],
            require_working_now=False,
        )
        rule.required_skills.set([skills[i % 4]])
    RoutingRule.objects.create(
        name="Everyone else",
        order=100,
        condition={"field": "state", "op": "in", "value": STATES},
        pool_team=teams[0],
        method=RoutingRule.Method.WEIGHTED,
        require_working_now=False,
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=teams[0],
    )
    extra = RoutingRule.objects.get(name="Everyone else")
    # The catch-all pools two teams (20 reps) so constraints have a real pool to filter.
    extra.pool_reps.set(Rep.objects.filter(team=teams[1]))


def qualified_leads(count: int, source) -> list:
    from intake import services
    from intake.models import Door
    from leadrouter import pipeline

    leads = []
    for body in routable_payloads(count, seed=23):
        submission = services.submission_store(
            source=source, door=Door.API, body=body, content_type="application/json"
        )
        lead = services.submission_ingest(submission=submission).lead
        if lead is None:
            raise SystemExit(f"bench payload made no lead: {body!r}")
        pipeline.qualification_step(lead)
        leads.append(lead)
    return leads


def analyze() -> None:
    """Give PostgreSQL's planner statistics, as autovacuum has on a database in use: on tables
    just filled and never analyzed it plans nested loops over whole indexes (70 ms instead of
    1 ms for the open-lead count)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def bench_decisions(count: int, source) -> tuple[dict, dict, dict]:
    from routing.models import RoutingDecision
    from routing.services import route_lead

    leads = qualified_leads(count + 20, source)
    for lead in leads[:20]:  # warm-up: imports, caches, prepared statements
        route_lead(lead)
    analyze()
    times: list[float] = []
    outcomes: dict[str, int] = {}
    for lead in leads[20:]:
        start = time.perf_counter()
        decision = route_lead(lead)
        times.append(time.perf_counter() - start)
        outcome = decision.outcome if decision else "not routed"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    recorded = list(
        RoutingDecision.objects.filter(lead__in=leads[20:]).values_list("duration_ms", flat=True)
    )
    return summary(times), summary([ms / 1000 for ms in recorded]), outcomes


def bench_pipeline(count: int, rounds: int, source) -> dict:
    from routing.models import Assignment

    bodies = routable_payloads(count, seed=31)
    analyze()

    def floor_one(body: bytes) -> None:
        floor_insert(source, body)

    def pipeline_one(body: bytes) -> None:
        # The check that the lead was assigned is one indexed read; it is left in the
        # timing rather than making the loop differ from what a caller does.
        lead = new_lead(source, body)
        if not Assignment.objects.filter(lead=lead, ended_at__isnull=True).exists():
            raise SystemExit(f"bench lead {lead.pk} was not assigned")

    floor_times, pipeline_times = time_interleaved(bodies, rounds, floor_one, pipeline_one)
    floor, full = summary(floor_times), summary(pipeline_times)
    return {
        "floor": floor,
        "pipeline": full,
        "ratio_p50": full["p50_ms"] / floor["p50_ms"],
        "ratio_mean": full["mean_ms"] / floor["mean_ms"],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_api(count: int, rate: float, key: str, env: dict, workers: int, threads: int) -> dict:
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "leadrouter.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/api/v1/leads/"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        bodies = routable_payloads(count + 20, seed=47)

        def post(body: bytes) -> tuple[float, int, dict]:
            request = urllib.request.Request(  # noqa: S310 - a local http:// URL we built
                url,
                data=body,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                answer = json.loads(response.read())
                return time.perf_counter() - start, response.status, answer

        for body in bodies[:20]:  # warm both workers
            post(body)
        results: list[tuple[float, int, dict]] = []
        lock = threading.Lock()

        def timed(body: bytes) -> None:
            outcome = post(body)
            with lock:
                results.append(outcome)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            for i, body in enumerate(bodies[20:]):
                # A steady arrival rate, whatever the answers' latency.
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(timed, body)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    assigned = sum(1 for _, code, answer in results if code in (200, 201) and answer.get("owner"))
    merged = sum(1 for _, code, _ in results if code == 200)
    for _, code, answer in results:
        if code not in (200, 201) or not answer.get("owner"):
            print(f"  not assigned: {code} {str(answer)[:300]}")
    out = summary([seconds for seconds, _, _ in results])
    out.update(assigned=assigned, merged=merged, achieved_rate=len(results) / elapsed)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=1000, help="routing decisions to time")
    parser.add_argument("--pipeline-leads", type=int, default=1000)
    parser.add_argument("--api-leads", type=int, default=600, help="0 skips the API part")
    parser.add_argument("--rate", type=float, default=20.0, help="API leads per second")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    fresh_database()
    from django.db import connection

    from intake import services

    build_organisation()
    source, key = services.source_create(name="bench-web")
    decisions, recorded, outcomes = bench_decisions(args.leads, source)
    print(f"routing benchmark on {connection.vendor}: 50 reps, 30 rules")
    print(f"{'':28} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean ms':>8}")

    def line(name: str, row: dict) -> None:
        print(
            f"{name:28} {row['per_s']:7.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} "
            f"{row['max_ms']:8.2f} {row['mean_ms']:8.2f}"
        )

    line(f"route_lead ({decisions['n']} leads)", decisions)
    line("  decision (recorded)", recorded)
    print(f"  outcomes: {outcomes}")
    flow = bench_pipeline(args.pipeline_leads, 4, source)
    line("floor (bare inserts)", flow["floor"])
    line("intake → assignment", flow["pipeline"])
    print(f"  ratio to the floor: {flow['ratio_p50']:.2f}x (p50), {flow['ratio_mean']:.2f}x (mean)")
    if args.api_leads:
        # The per-source limit (600/min by default) is raised to let 20 leads/s through.
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="leadrouter.settings",
            INTAKE_RATE_LIMIT_PER_MINUTE="100000",
        )
        connection.close()
        api = bench_api(args.api_leads, args.rate, key, env, args.workers, args.threads)
        line(f"API at {api['achieved_rate']:.1f} leads/s", api)
        print(f"  gunicorn: {args.workers} worker(s) x {args.threads} threads")
        print(
            f"  answered with an owner: {api['assigned']}/{api['n']} "
            f"({api['merged']} merged into an earlier lead of the same person)"
        )


if __name__ == "__main__":
    main()
