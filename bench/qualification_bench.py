"""Qualification benchmark: what qualifying adds to intake, and how long training takes.

    bench/run qualification [--history 10000] [--leads 1000] [--database-url URL]

1. Imports `--history` past leads as a CSV import with a known outcome would (about 30 mixed
   attributes and a message each, outcomes that depend on some of them, the request type
   given), and records reviewer decisions (request type, urgency) on a quarter of them.
2. Times `models_train()` on that history (all three models: conversion, request type, urgency).
3. With the trained models loaded, sends `--leads` new leads through intake twice, interleaved:
   without the qualification step and with it, and prints the per-lead p50/p99 of each and the
   difference (the cost of qualifying, including its database writes).
"""

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from intake_bench import fresh_database, percentile, setup_django  # noqa: E402

TYPES = {
    "auto": ["my car was rear-ended", "quote for a new pickup truck", "add my teen driver"],
    "home": ["roof damaged by hail", "insure the house we are buying", "water in the basement"],
    "life": ["term life for my family", "whole life policy questions", "coverage for my spouse"],
}
URGENCY = {"urgent": "today please, it is an emergency", "low": "no rush, just looking"}


def person(rng: random.Random, i: int) -> tuple[dict, bool, str, str]:
    kind = rng.choice(list(TYPES))
    urgency = rng.choice(["urgent", "normal", "normal", "low"])
    attributes = {f"q{k}": rng.choice(["a", "b", "c", "d"]) for k in range(20)}
    attributes |= {f"n{k}": str(rng.randint(0, 100)) for k in range(10)}
    budget = rng.choice([500, 2000, 8000, 20000])
    attributes["budget"] = str(budget)
    attributes["channel_pref"] = rng.choice(["phone", "email", "text"])
    odds = 0.1 + 0.5 * (budget >= 8000) + 0.2 * (attributes["q3"] == "a")
    won = rng.random() < odds
    message = rng.choice(TYPES[kind]) + (f", {URGENCY[urgency]}" if urgency in URGENCY else "")
    payload = {
        "full_name": f"Person {i}",
        "email": f"person{i}@gmail.com",
        "phone": f"+1512555{i % 10000:04d}",
        "message": message,
        "attributes": attributes,
    }
    return payload, won, kind, urgency


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    fresh_database()

    from django.contrib.auth import get_user_model
    from django.db import connection

    from intake import services as intake_services
    from intake.models import Door, Lead
    from leadrouter import pipeline
    from qualification import services
    from qualification.models import ReviewTask

    rng = random.Random(11)
    source, _ = intake_services.source_create(name=f"bench-q-{time.time_ns()}")
    reviewer = get_user_model().objects.create_user(f"bench-reviewer-{time.time_ns()}")

    started = time.perf_counter()
    decided = []
    for i in range(args.history):
        payload, won, kind, urgency = person(rng, i)
        row = {key: value for key, value in payload.items() if key != "attributes"}
        row |= payload["attributes"] | {"request_type": kind, "Won": "yes" if won else "no"}
        submission = intake_services.submission_store(
            source=source,
            door=Door.CSV,
            body=json.dumps(row).encode(),
            content_type="application/json",
            options={"outcome_column": "Won"},
        )
        lead = pipeline.process_submission(submission).lead
        if lead is None:
            raise SystemExit(f"history row made no lead: {row}")
        if i % 4 == 0:
            decided.append(
                ReviewTask(
                    lead=lead,
                    status=ReviewTask.Status.DONE,
                    decision=ReviewTask.Decision.CONFIRMED,
                    decided_by=reviewer,
                    decided_at=lead.received_at,
                    decided_request_type=kind,
                    decided_urgency=urgency,
                )
            )
    ReviewTask.objects.bulk_create(decided)
    load_seconds = time.perf_counter() - started

    started = time.perf_counter()
    results = services.models_train()
    train_seconds = time.perf_counter() - started

    new_people = [person(rng, args.history + i)[0] for i in range(args.leads)]
    bare, full = [], []

    def run(payload: dict, qualify: bool) -> float:
        submission = intake_services.submission_store(
            source=source,
            door=Door.API,
            body=json.dumps(payload).encode(),
            content_type="application/json",
        )
        begin = time.perf_counter()
        if qualify:
            pipeline.process_submission(submission)
        else:
            intake_services.submission_ingest(submission=submission)
        return time.perf_counter() - begin

    for i, payload in enumerate(new_people):
        bare.append(run({**payload, "email": f"bare{i}@gmail.com", "phone": ""}, qualify=False))
        full.append(run({**payload, "email": f"full{i}@gmail.com", "phone": ""}, qualify=True))

    judge_times = []
    from qualification.services import lead_judge

    sample = list(Lead.objects.filter(is_historical=False).select_related("source")[:500])
    for lead in sample:
        begin = time.perf_counter()
        lead_judge(lead)
        judge_times.append(time.perf_counter() - begin)

    def ms(values, pct):
        return percentile(values, pct) * 1000

    print(f"qualification benchmark on {connection.vendor}")
    print(f"history: {args.history} leads loaded in {load_seconds:.0f} s")
    print(f"train_models on {args.history} leads: {train_seconds:.1f} s")
    for r in results:
        metrics = r.version.metrics if r.version else {}
        shown = {k: metrics[k] for k in ("roc_auc", "macro_f1", "accuracy") if k in metrics}
        print(f"  {r.kind}: {r.note}  {shown}")
    print(f"{'':26} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, values in (
        ("intake only", bare),
        ("intake + qualification", full),
        ("judge only (no writes)", judge_times),
    ):
        mean = statistics.mean(values) * 1000
        print(f"{name:26} {ms(values, 50):8.2f} {ms(values, 99):8.2f} {mean:8.2f}")
    print(
        f"qualification adds {ms(full, 50) - ms(bare, 50):.2f} ms at p50 "
        f"({ms(full, 99) - ms(bare, 99):.2f} ms at p99)"
    )


if __name__ == "__main__":
    main()
