"""Growth benchmark: what a new lead, an import and the busiest pages cost as history grows.

    bench/run growth [--sizes 1000,50000,200000] [--leads N] [--import-rows N]
                     [--page-runs N] [--database-url URL]

For each size (leads already in the database, ascending), history is filled in bulk up to that
size: realistic rows written with bulk_create, not through the pipeline, so that 200,000 leads
take a minute or two rather than hours. Each lead has a contact with an e-mail and a phone
identity, the submission it came from, three timeline events (received, qualified, routed), a
qualification, a routing decision and an assignment to one of 50 reps; they are spread over the
last two years. The newest leads are open (at most 1,500, as many as 50 reps can work: a rep's
queue is bounded by their capacity, not by the team's history) and a few of them wait in a team
queue or in the review queue; every older lead is won, lost or disqualified. Then, at that size:

1. Per lead: N new leads through the whole in-process pipeline (store, parse, gate, dedup,
   qualify, route), interleaved with the intake benchmark's bare-insert floor (a Submission,
   a Contact and a Lead); p50/p99 and the ratio to the floor at that size.
2. Import: a CSV of new people through `import_csv` (what `import_leads` and the admin's upload
   run), rows per second.
3. Pages, each the median of a few requests through Django's test client as the user who
   opens it: the admin lead list, the admin lead list with a search, the API list, the API
   `q=` search by e-mail, by phone and by name prefix, a rep's queue, the manager board and
   the review queue.

PostgreSQL's tables are VACUUMed and ANALYZEd after each fill, as autovacuum would have done;
SQLite is left without statistics, as Django leaves it.
"""

import argparse
import csv
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from intake_bench import floor_insert, new_lead, setup_django, time_interleaved  # noqa: E402
from routing_bench import build_organisation, routable_payloads, summary  # noqa: E402

OPEN_LEADS = 1500
CHUNK = 5000
FIRST = [
    "Ann", "Bob", "Maria", "Wei", "Priya", "Luis", "Emma", "Kwame", "Olga", "Hiro", "Fatima",
    "Sean", "Ines", "Tomas", "Aisha", "Noah", "Lena", "Omar", "Chloe", "Ravi",
]  # fmt: skip
# 1,000 surnames (40 roots x 25 endings): a name prefix matches a few in a thousand leads,
# not one in twenty.
LAST = [
    root + ending
    for root in (
        "Lee", "Stone", "Garc", "Chen", "Pat", "Lop", "Dav", "Oka", "Nov", "Sat", "Had", "Mur",
        "Sil", "Berg", "Khan", "Mey", "Ross", "Dub", "Kow", "Ngu", "Alv", "Bak", "Car", "Dia",
        "Ev", "Fis", "Gor", "Hal", "Ito", "Jan", "Kim", "Lar", "Mor", "Nel", "Ort", "Par",
        "Qui", "Rey", "Sch", "Tor",
    )
    for ending in (
        "", "a", "an", "ar", "as", "berg", "by", "el", "er", "es", "ez", "i", "ia", "ic",
        "in", "is", "man", "o", "off", "on", "ova", "s", "son", "ton", "y",
    )
]  # fmt: skip
STATES = ["TX", "OK", "FL", "CO", "CA", "NY", "GA", "AZ"]
REQUEST_TYPES = ["quote", "claim", "renewal", "question", "callback"]
# Not the new leads' area codes (routable_payloads): history never shares their phones.
AREAS = ["212", "404", "602", "405", "617", "206", "702", "801"]


def setup(database_url: str | None, sqlite_path: str | None) -> None:
    # Pages are rendered in-process, without collectstatic's manifest.
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    path = None
    if not database_url:
        path = Path(sqlite_path or Path(tempfile.mkdtemp()) / "growth.sqlite3")
        for stale in path.parent.glob(path.name + "*"):  # the file and its -wal, -shm
            stale.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
    setup_django(database_url, path)
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed


def fresh_database() -> None:
    """A new, empty database (PostgreSQL: dropped and created again; flushing 200,000 leads
    would take longer than building them)."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does after bulk inserts: statistics, and the visibility map
            # without which an index-only count still visits every table page.
            cursor.execute("VACUUM ANALYZE")


def reset_sequences() -> None:
    """History is written with explicit ids; PostgreSQL's sequences must continue after them."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    models = [
        m for m in apps.get_models() if m._meta.app_label in ("intake", "qualification", "routing")
    ]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


class History:
    """Fills the database with past leads, in bulk, up to a given size."""

    def __init__(self, source, reps, teams, seed: int = 5):
        from django.utils import timezone

        self.source = source
        self.reps = reps
        self.teams = teams
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.count = 0
        self.next_ids: dict[str, int] = {}

    def _id(self, model) -> int:
        from django.db.models import Max

        label = model._meta.label
        if label not in self.next_ids:
            self.next_ids[label] = (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        value = self.next_ids[label]
        self.next_ids[label] = value + 1
        return value

    def fill(self, size: int) -> float:
        """Add leads until there are `size` of them (ids continue after any row already there);
        returns the seconds it took. Every lead is older than the leads already there, so that
        the newest ones stay the open ones."""
        started = time.perf_counter()
        self.next_ids = {}
        target = size
        while self.count < target:
            n = min(CHUNK, target - self.count)
            self._chunk(n, target)
            self.count += n
        reset_sequences()
        self._reopen(target)
        analyze()
        return time.perf_counter() - started

    def _chunk(self, n: int, target: int) -> None:
        from django.db import transaction

        from intake.models import Contact, ContactIdentity, Lead, LeadEvent, Submission
        from qualification.models import Qualification, ReviewTask
        from routing.models import Assignment, RoutingDecision

        rng = self.rng
        span = timedelta(days=730).total_seconds()
        contacts, identities, submissions, leads, events = [], [], [], [], []
        qualifications, decisions, assignments, reviews = [], [], [], []
        for _ in range(n):
            index = self._id(Lead)  # also names the person: unique e-mail and phone
            first, last = rng.choice(FIRST), rng.choice(LAST)
            state = rng.choice(STATES)
            email = f"{first}.{last}{index}@example{index % 97}.com".lower()
            area = AREAS[index % len(AREAS)]
            e164 = f"+1{area}{2000000 + index % 7999999:07d}"
            received = self.now - timedelta(seconds=rng.random() * span + 3 * 86400)
            contact = Contact(id=self._id(Contact))
            contacts.append(contact)
            identities += [
                ContactIdentity(
                    id=self._id(ContactIdentity), contact=contact, kind="email", value=email
                ),
                ContactIdentity(
                    id=self._id(ContactIdentity), contact=contact, kind="phone", value=e164
                ),
            ]
            request_type = rng.choice(REQUEST_TYPES)
            status = rng.choice(["won", "lost", "lost", "disqualified"])
            lead = Lead(
                id=index,
                contact=contact,
                source=self.source,
                channel=self.source.channel,
                status=status,
                request_type=request_type,
                received_at=received,
                closed_at=received + timedelta(days=rng.randint(1, 30)),
                first_name=first,
                last_name=last,
                full_name=f"{first} {last}",
                email=email,
                email_normalized=email,
                phone=f"({area}) {e164[5:8]}-{e164[8:]}",
                phone_e164=e164,
                phone_region="US",
                company=rng.choice(["", "", "Acme Roofing", "Cedar Dental", f"Shop {index % 500}"]),
                postal_code=f"{rng.randint(10000, 99999)}",
                city="Austin",
                state=state,
                country="US",
                message="Need a quote for home insurance, closing next month.",
                utm_source="google",
                utm_campaign=rng.choice(["spring-home", "fall-auto", "brand"]),
                attributes={"budget": rng.choice([1000, 5000, 20000]), "homeowner": True},
                checks={"email": {"ok": True}, "phone": {"ok": True, "type": "mobile"}},
            )
            leads.append(lead)
            submission = Submission(
                id=self._id(Submission),
                source=self.source,
                door="api",
                received_at=received,
                content_type="application/json",
                body=json.dumps({"email": email, "first_name": first}).encode(),
                status="processed",
                attempts=1,
                processed_at=received,
                lead=lead,
            )
            submissions.append(submission)
            rep = self.reps[index % len(self.reps)]
            for kind, offset in (("received", 0), ("qualified", 1), ("routed", 2)):
                events.append(
                    LeadEvent(
                        id=self._id(LeadEvent),
                        lead=lead,
                        kind=kind,
                        at=received + timedelta(seconds=offset),
                        message=kind,
                        data={},
                        submission=submission if kind == "received" else None,
                    )
                )
            score = rng.randint(10, 95)
            qualifications.append(
                Qualification(
                    id=self._id(Qualification),
                    lead=lead,
                    score=score,
                    tier="A" if score >= 70 else "B" if score >= 40 else "C",
                    urgency=rng.choice(["urgent", "high", "normal", "normal", "low"]),
                    request_type=request_type,
                    confidence=0.9,
                    reasons=[{"kind": "rule", "text": "budget given", "weight": 10}],
                    score_source="rules",
                )
            )
            decisions.append(
                RoutingDecision(
                    id=self._id(RoutingDecision),
                    lead=lead,
                    outcome="assigned",
                    method="weighted",
                    rep=rep,
                    rules_tried=[{"rule": "Everyone else", "matched": True}],
                    candidates=[{"rep": rep.pk, "ok": True}],
                    explanation="Everyone else: weighted",
                    duration_ms=2.0,
                )
            )
            # A closed lead keeps its (active) assignment: the owner is who worked it.
            assignments.append(
                Assignment(
                    id=self._id(Assignment),
                    lead=lead,
                    rep=rep,
                    user_id=rep.user_id,
                    reason="initial",
                    assigned_at=received + timedelta(seconds=2),
                )
            )
            if index % 50 == 0:
                reviews.append(
                    ReviewTask(
                        id=self._id(ReviewTask),
                        lead=lead,
                        reasons=["unsure of the request type"],
                        suggestion={"request_type": request_type},
                        status="done",
                        decided_at=received + timedelta(hours=1),
                        decision="confirmed",
                    )
                )
        with transaction.atomic():
            Contact.objects.bulk_create(contacts, batch_size=2000)
            ContactIdentity.objects.bulk_create(identities, batch_size=2000)
            Lead.objects.bulk_create(leads, batch_size=1000)
            Submission.objects.bulk_create(submissions, batch_size=2000)
            LeadEvent.objects.bulk_create(events, batch_size=2000)
            Qualification.objects.bulk_create(qualifications, batch_size=2000)
            RoutingDecision.objects.bulk_create(decisions, batch_size=2000)
            Assignment.objects.bulk_create(assignments, batch_size=2000)
            ReviewTask.objects.bulk_create(reviews, batch_size=2000)

    def _reopen(self, size: int) -> None:
        """The newest leads are the open ones: up to 1,500 (a third of a small history),
        dated within the last three days; 2% of them in a team's queue and 2% in review."""
        from django.db import transaction

        from intake.models import Lead
        from qualification.models import Qualification, ReviewTask
        from routing.models import Assignment

        wanted = min(OPEN_LEADS, size // 3)
        newest = list(
            Lead.objects.filter(is_historical=False)
            .order_by("-received_at", "-id")
            .values_list("id", flat=True)[:wanted]
        )
        already_open = set(
            Lead.objects.filter(
                id__in=newest, status__in=["new", "review", "assigned"]
            ).values_list("id", flat=True)
        )
        # Leads that were open at a smaller size but are no longer among the newest close.
        Lead.objects.filter(status__in=["assigned", "review", "new"]).exclude(id__in=newest).update(
            status="lost", closed_at=self.now
        )
        ReviewTask.objects.filter(status="open").exclude(lead_id__in=newest).update(status="done")
        with transaction.atomic():
            for position, lead_id in enumerate(newest):
                if lead_id in already_open:
                    continue
                if position % 50 == 7:
                    Lead.objects.filter(id=lead_id).update(status="review", closed_at=None)
                    Qualification.objects.filter(lead_id=lead_id).update(needs_review=True)
                    ReviewTask.objects.create(
                        lead_id=lead_id, reasons=["score high, type unsure"], suggestion={}
                    )
                else:
                    Lead.objects.filter(id=lead_id).update(status="assigned", closed_at=None)
                if position % 50 == 3:
                    Assignment.objects.filter(lead_id=lead_id).update(
                        rep=None, user=None, queue_team=self.teams[position % len(self.teams)]
                    )


def csv_rows(count: int, seed: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["first_name", "last_name", "email", "phone", "postal_code", "request_type"])
    for body in routable_payloads(count, seed=seed):
        lead = json.loads(body)
        writer.writerow(
            [
                lead["first_name"],
                lead["last_name"],
                lead["email"].replace("@", f".imp{seed}@"),
                lead["phone"],
                lead["postal_code"],
                "quote",
            ]
        )
    return out.getvalue()


def bench_per_lead(count: int, source, seed: int) -> dict:
    bodies = routable_payloads(count + 10, seed=seed)

    def floor_one(body: bytes) -> None:
        floor_insert(source, body)

    def lead_one(body: bytes) -> None:
        new_lead(source, body)

    for body in bodies[:10]:  # warm-up: imports, caches, prepared statements
        lead_one(body)
        floor_one(body)
    floor_times, lead_times = time_interleaved(bodies[10:], 4, floor_one, lead_one)
    floor, lead = summary(floor_times), summary(lead_times)
    return {"floor": floor, "lead": lead, "ratio_p50": lead["p50_ms"] / floor["p50_ms"]}


def bench_import(count: int, source, seed: int) -> dict:
    from intake.csv_import import import_csv
    from leadrouter import pipeline

    text = csv_rows(count, seed)
    start = time.perf_counter()
    report = import_csv(
        source=source,
        text=text.splitlines(keepends=True),
        process=pipeline.process_submission,
    )
    elapsed = time.perf_counter() - start
    counts = report.counts
    return {"rows": count, "rows_per_s": count / elapsed, "counts": dict(counts)}


def page_users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from routing.models import Team

    users = get_user_model()
    admin, created = users.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    reviewer, created = users.objects.get_or_create(username="bench-reviewer")
    if created:
        reviewer.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="qualification")
        )
    # The manager of the first team: sees its ten reps' leads (a fifth of the history).
    manager, _ = users.objects.get_or_create(username="bench-manager")
    Team.objects.filter(pk=Team.objects.earliest("id").pk).update(manager=manager)
    return admin, reviewer, manager


def bench_pages(runs: int, reps) -> dict:
    from django.test import Client

    from intake.models import Lead

    admin, reviewer, manager = page_users()
    # Someone from the middle of the history, searched for as a person would: the e-mail,
    # the phone as typed, the first five letters of the surname.
    sample = Lead.objects.order_by("id")[Lead.objects.count() // 2]
    rep = max(reps, key=lambda r: r.assignments.filter(lead__status="assigned").count())
    as_admin, as_rep, as_reviewer, as_manager = Client(), Client(), Client(), Client()
    as_manager.force_login(manager)
    as_admin.force_login(admin)
    as_rep.force_login(rep.user)
    as_reviewer.force_login(reviewer)
    pages = [
        ("admin lead list", as_admin, "/admin/intake/lead/"),
        ("admin list, search", as_admin, f"/admin/intake/lead/?q={sample.email_normalized}"),
        ("API list", as_admin, "/api/v1/leads/"),
        ("API list, filters", as_admin, "/api/v1/leads/?status=assigned&state=TX&tier=A"),
        ("API q= e-mail", as_admin, f"/api/v1/leads/?q={sample.email_normalized}"),
        ("API q= phone", as_admin, f"/api/v1/leads/?q={sample.phone.replace(' ', '%20')}"),
        ("API q= name prefix", as_admin, f"/api/v1/leads/?q={sample.last_name[:5]}"),
        ("rep's queue", as_rep, "/queue/"),
        ("board (staff)", as_admin, "/board/"),
        ("board (a team's manager)", as_manager, "/board/"),
        ("API list (a team's manager)", as_manager, "/api/v1/leads/"),
        ("review queue", as_reviewer, "/review/"),
    ]
    out = {}
    for name, client, url in pages:
        times = []
        for _ in range(runs + 1):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
        out[name] = statistics.median(times[1:]) * 1000  # the first one warms caches
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,50000,200000", help="leads in history")
    parser.add_argument("--leads", type=int, default=200, help="new leads timed at each size")
    parser.add_argument("--import-rows", type=int, default=300)
    parser.add_argument("--page-runs", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--sqlite-path", default=None, help="that SQLite file (replaced)")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    setup(args.database_url, args.sqlite_path)
    fresh_database()
    from django.db import connection

    from intake import services
    from routing.models import Rep, Team

    build_organisation()
    source, _ = services.source_create(name="bench-web")
    reps = list(Rep.objects.select_related("user").order_by("id"))
    history = History(source, reps, list(Team.objects.order_by("id")))
    results = []
    for n, size in enumerate(sizes):
        fill = history.fill(size)
        print(f"[{connection.vendor}] {size} leads filled in {fill:.0f} s", flush=True)
        per_lead = bench_per_lead(args.leads, source, seed=100 + n)
        imported = bench_import(args.import_rows, source, seed=200 + n)
        pages = bench_pages(args.page_runs, reps)
        results.append((size, per_lead, imported, pages))
        history.count = size + args.leads + 10 + args.import_rows + 20
        print(
            f"  lead p50 {per_lead['lead']['p50_ms']:.2f} ms, import {imported['rows_per_s']:.0f}"
            f" rows/s, pages {max(pages.values()):.0f} ms max",
            flush=True,
        )
        if n < len(sizes) - 1:
            report(connection.vendor, results)  # so far: the largest size takes longest
    report(connection.vendor, results)


def report(vendor: str, results: list) -> None:
    sizes = [size for size, *_ in results]
    head = "".join(f"{size:>10,}" for size in sizes)
    print(
        f"\ngrowth benchmark on {vendor}: 50 reps, 30 rules; "
        f"history of {', '.join(map(str, sizes))} leads"
    )
    print(f"{'':34}{head}", flush=True)

    def line(name: str, values: list[float], fmt: str = "{:10.2f}") -> None:
        print(f"{name:34}" + "".join(fmt.format(v) for v in values))

    line("new lead p50 ms", [r[1]["lead"]["p50_ms"] for r in results])
    line("new lead p99 ms", [r[1]["lead"]["p99_ms"] for r in results])
    line("floor (bare inserts) p50 ms", [r[1]["floor"]["p50_ms"] for r in results])
    line("ratio to the floor (p50)", [r[1]["ratio_p50"] for r in results])
    line("import rows/s", [r[2]["rows_per_s"] for r in results], "{:10.0f}")
    for name in results[0][3]:
        line(f"{name} ms", [r[3][name] for r in results], "{:10.1f}")
    first, last = results[0], results[-1]
    growth = last[1]["lead"]["p50_ms"] / first[1]["lead"]["p50_ms"]
    print(
        f"at {sizes[-1]:,} vs {sizes[0]:,}: new lead p50 {growth:.2f}x, "
        f"import rate {first[2]['rows_per_s'] / last[2]['rows_per_s']:.2f}x slower, "
        f"slowest page {max(last[3].values()):.1f} ms ({max(last[3], key=last[3].get)})"
    )
    print(f"  import outcomes at the last size: {last[2]['counts']}")


if __name__ == "__main__":
    main()
