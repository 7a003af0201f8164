"""Intake benchmark: N leads through the intake service in-process, beside the bare floor.

    bench/run intake [--leads N] [--database-url URL]

The floor inserts the same rows a lead needs (a Submission committed on its own, then a Contact
and a Lead in one transaction) with no parsing, verification, enrichment or dedup. The intake
path stores the raw submission and runs `process_submission`: parse, quality gate, dedup,
events. Both run in the same process against a fresh database, interleaved in rounds so that
neither gets a warmer cache; the ratio is intake time / floor time per lead.
"""

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str | None, sqlite_path: str | Path | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadrouter.settings")
    # Measured as production runs (DEBUG off, which also keeps Django from recording every
    # query), so the run brings its own key: the settings refuse the public development one.
    os.environ.setdefault("SECRET_KEY", f"bench-only-{secrets.token_urlsafe(32)}")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ["SQLITE_PATH"] = str(sqlite_path or Path(tempfile.mkdtemp()) / "bench.sqlite3")
    import django

    django.setup()


def fresh_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
    else:
        call_command("migrate", verbosity=0)


def valid_phone(rng: random.Random, area: str) -> str:
    """A number phonenumbers accepts as valid, like most real leads' (a random exchange may
    be unassigned, and an invalid phone is flagged rather than used for dedup)."""
    import phonenumbers

    while True:
        number = f"({area}) {rng.randint(201, 989)}-{rng.randint(0, 9999):04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number, "US")):
            return number


def payloads(count: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    first = ["Ann", "Bob", "Maria", "Wei", "Priya", "Luis", "Emma", "Kwame"]
    last = ["Lee", "Stone", "Garcia", "Chen", "Patel", "Lopez", "Davis", "Okafor"]
    zips = [("78701", "512"), ("33130", "305"), ("80202", "303"), ("94105", "415")]
    bodies = []
    for i in range(count):
        # Distinct people (no merges), realistic field mix, like a steady stream of web leads.
        zip_code, area = zips[i % len(zips)]
        bodies.append(
            json.dumps(
                {
                    "first_name": rng.choice(first),
                    "last_name": rng.choice(last),
                    "email": f"person{i}@{rng.choice(['gmail.com', 'acme-roofing.com'])}",
                    "phone": valid_phone(rng, area),
                    "postal_code": zip_code,
                    "message": "Need a quote for home insurance, closing next month.",
                    "utm_source": "google",
                    "utm_campaign": "spring-home",
                    "attributes": {"budget": 5000, "homeowner": True},
                }
            ).encode()
        )
    return bodies


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def floor_insert(source, body: bytes) -> None:
    """The bare-insert floor every benchmark compares with: the Submission, Contact and Lead rows
    a new lead needs, each committed as intake commits them, with no logic."""
    from django.db import transaction
    from django.utils import timezone

    from intake.models import Contact, Door, Lead, Submission

    now = timezone.now()
    with transaction.atomic():
        Submission.objects.create(
            source=source, door=Door.API, body=body, content_type="application/json"
        )
    with transaction.atomic():
        contact = Contact.objects.create()
        Lead.objects.create(contact=contact, source=source, channel=source.channel, received_at=now)


def new_lead(source, body: bytes):
    """One body through the API door's path in-process (store raw, then the pipeline); the
    lead it made. Stops the benchmark if it made none: the figures would measure something
    else."""
    from intake import services
    from intake.models import Door
    from leadrouter import pipeline

    submission = services.submission_store(
        source=source, door=Door.API, body=body, content_type="application/json"
    )
    result = pipeline.process_submission(submission)
    if not result.created:
        raise SystemExit(f"bench lead was not created: {result}")
    return result.lead


def time_interleaved(bodies: list[bytes], rounds: int, floor, measured):
    """Seconds per body of `floor` and of `measured`, alternating in `rounds` chunks, so that a
    change of load on this shared machine reaches both columns alike."""
    floor_times: list[float] = []
    measured_times: list[float] = []
    per_round = len(bodies) // rounds
    for r in range(rounds):
        chunk = bodies[r * per_round : (r + 1) * per_round]
        for body in chunk:
            start = time.perf_counter()
            floor(body)
            floor_times.append(time.perf_counter() - start)
        for body in chunk:
            start = time.perf_counter()
            measured(body)
            measured_times.append(time.perf_counter() - start)
    return floor_times, measured_times


def run(count: int, rounds: int) -> dict:
    from intake import services

    source, _ = services.source_create(name=f"bench-{time.time_ns()}")
    bodies = payloads(count)

    def floor_one(body: bytes) -> None:
        floor_insert(source, body)

    def intake_one(body: bytes) -> None:
        new_lead(source, body)

    # Warm up imports and lazily built indexes (phone geocoder, ZIP table) outside the timing.
    intake_one(json.dumps({"full_name": "Warm Up", "email": "warmup@gmail.com"}).encode())
    floor_one(bodies[0])
    floor_times, intake_times = time_interleaved(bodies, rounds, floor_one, intake_one)

    def summary(times: list[float]) -> dict:
        return {
            "leads": len(times),
            "leads_per_s": len(times) / sum(times),
            "p50_ms": percentile(times, 50) * 1000,
            "p99_ms": percentile(times, 99) * 1000,
            "mean_ms": statistics.mean(times) * 1000,
        }

    floor, intake = summary(floor_times), summary(intake_times)
    return {
        "floor": floor,
        "intake": intake,
        "ratio_mean": intake["mean_ms"] / floor["mean_ms"],
        "ratio_p50": intake["p50_ms"] / floor["p50_ms"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    fresh_database()
    from django.db import connection

    result = run(args.leads, args.rounds)
    print(f"intake benchmark on {connection.vendor}, {args.leads} leads")
    print(f"{'':8} {'leads/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name in ("floor", "intake"):
        row = result[name]
        print(
            f"{name:8} {row['leads_per_s']:9.0f} {row['p50_ms']:8.2f} "
            f"{row['p99_ms']:8.2f} {row['mean_ms']:8.2f}"
        )
    print(
        f"ratio intake/floor: {result['ratio_mean']:.2f}x (mean), {result['ratio_p50']:.2f}x (p50)"
    )


if __name__ == "__main__":
    main()
