"""Outbound webhooks benchmark: what the outbox costs intake, and how fast one worker sends.

    bench/run webhooks [--leads N] [--deliveries N] [--database-url URL]

1. The intake path: N leads through `process_submission`, interleaved in rounds with the bare
   floor (`intake_bench.floor_insert`), from two sources: one no endpoint listens to (the
   outbox costs the endpoints' configuration token only) and one an endpoint subscribed to
   `lead.created` listens to (one outbox row, and its sending queued after commit on
   django-q2's ORM broker). The difference of the two is what the outbox adds to a lead; the
   writer itself (`webhook_event_record` inside a transaction) is timed alone too.
2. Delivery: N deliveries to a receiver on 127.0.0.1 (a threaded http.server answering 200),
   sent by one worker's sweep: each rendered as the API's lead detail, signed, POSTed and
   logged. Deliveries per second and per-send percentiles.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
)


class Receiver(BaseHTTPRequestHandler):
    """Reads the body and answers 200 at once, as a quick receiver (a queue's front) does."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    received = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Receiver.received += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def one_body(name: str) -> bytes:
    """A lead nobody else in the run is (its own email and no phone)."""
    return json.dumps({"full_name": "Warm Up", "email": f"{name}@gmail.com"}).encode()


def summary(times: list[float]) -> dict:
    return {
        "count": len(times),
        "per_s": len(times) / sum(times),
        "p50_ms": percentile(times, 50) * 1000,
        "p99_ms": percentile(times, 99) * 1000,
        "mean_ms": statistics.mean(times) * 1000,
    }


def intake_cost(count: int) -> dict:
    """The intake path without and with a subscribed endpoint, beside the floor."""
    from django.db import transaction

    from intake import services
    from intake.models import WebhookDelivery
    from intake.webhooks import services as webhooks

    quiet, _ = services.source_create(name=f"bench-quiet-{time.time_ns()}")
    heard, _ = services.source_create(name=f"bench-heard-{time.time_ns()}")
    services.webhook_endpoint_create(
        url="http://127.0.0.1:9/never-called", events=["lead.created"], source=heard
    )
    bodies = payloads(count * 2)
    quiet_bodies, heard_bodies = bodies[:count], bodies[count:]
    # Warm up (imports, lazily built tables, the configuration caches) outside the timing.
    new_lead(quiet, one_body("warm-quiet"))
    new_lead(heard, one_body("warm-heard"))
    floor_insert(quiet, bodies[0])

    # The three columns lead by lead (floor, no endpoint, one endpoint; the order turning each
    # time), so that a change of load on this shared machine reaches them alike.
    columns: dict[str, list[float]] = {"floor": [], "quiet": [], "heard": []}
    for i in range(count):
        steps = [
            ("floor", floor_insert, quiet, quiet_bodies[i]),
            ("quiet", new_lead, quiet, quiet_bodies[i]),
            ("heard", new_lead, heard, heard_bodies[i]),
        ]
        for name, step, source, body in steps[i % 3 :] + steps[: i % 3]:
            start = time.perf_counter()
            step(source, body)
            columns[name].append(time.perf_counter() - start)
    floor_times, quiet_times, heard_times = columns["floor"], columns["quiet"], columns["heard"]
    assert WebhookDelivery.objects.filter(lead__source=heard).count() == count + 1, "one row a lead"

    # The writer alone, in a transaction of its own, for a lead of each source.
    lead_quiet = new_lead(quiet, one_body("writer-quiet"))
    lead_heard = new_lead(heard, one_body("writer-heard"))
    quiet_name, heard_name = "writing, no endpoint", "writing, one endpoint"
    writer: dict[str, list[float]] = {quiet_name: [], heard_name: []}
    for _ in range(count):
        for name, lead in ((quiet_name, lead_quiet), (heard_name, lead_heard)):
            with transaction.atomic():
                start = time.perf_counter()
                services.webhook_event_record(event_type="lead.created", lead=lead)
                writer[name].append(time.perf_counter() - start)
    # Queueing the send once the change commits (django-q2's broker: the ORM's table here,
    # Redis with REDIS_URL), timed alone.
    writer["queueing after commit"] = []
    for _ in range(count):
        start = time.perf_counter()
        webhooks.webhooks_send_enqueue(lead_heard.pk)
        writer["queueing after commit"].append(time.perf_counter() - start)
    return {
        "floor": summary(floor_times),
        "intake, no endpoint": summary(quiet_times),
        "intake, one endpoint": summary(heard_times),
        "writer": {name: summary(times) for name, times in writer.items()},
    }


def delivery_rate(count: int) -> dict:
    """One worker's sweep sending `count` deliveries to a local receiver."""
    from intake import services
    from intake.models import Contact, Lead, WebhookAttempt
    from intake.tasks import lead_detail
    from intake.webhooks import services as webhooks

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = str(server.server_address[0]), server.server_address[1]
    source, _ = services.source_create(name=f"bench-send-{time.time_ns()}")
    services.webhook_endpoint_create(
        url=f"http://{host}:{port}/hook", events=["lead.status_changed"], source=source
    )
    from django.utils import timezone

    now = timezone.now()
    contacts = Contact.objects.bulk_create([Contact() for _ in range(count)])
    leads = Lead.objects.bulk_create(
        [
            Lead(
                contact=contact,
                source=source,
                channel=source.channel,
                received_at=now,
                full_name=f"Person {i}",
                email=f"person{i}@gmail.com",
            )
            for i, contact in enumerate(contacts)
        ]
    )
    for lead in leads:
        services.webhook_event_record(
            event_type="lead.status_changed",
            lead=lead,
            data={"status": {"from": "new", "to": "contacted"}},
        )
    times: list[float] = []
    started = time.perf_counter()
    for delivery_id in webhooks.deliveries_due(now=timezone.now()).values_list("id", flat=True):
        start = time.perf_counter()
        webhooks.delivery_send(delivery_id=delivery_id, render=lead_detail)
        times.append(time.perf_counter() - start)
    elapsed = time.perf_counter() - started
    server.shutdown()
    delivered = WebhookAttempt.objects.filter(status_code=200).count()
    assert delivered == count == Receiver.received, (delivered, count, Receiver.received)
    return {**summary(times), "per_s": count / elapsed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args(argv)
    # The benchmark's receiver listens on 127.0.0.1.
    os.environ["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = "true"
    setup_django(args.database_url)
    fresh_database()
    from django.db import connection

    cost = intake_cost(args.leads)
    print(f"webhooks benchmark on {connection.vendor}, {args.leads} leads per column")
    print(f"{'':22} {'leads/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name in ("floor", "intake, no endpoint", "intake, one endpoint"):
        row = cost[name]
        print(
            f"{name:22} {row['per_s']:9.0f} {row['p50_ms']:8.2f} "
            f"{row['p99_ms']:8.2f} {row['mean_ms']:8.2f}"
        )
    quiet, heard, floor = (
        cost["intake, no endpoint"],
        cost["intake, one endpoint"],
        cost["floor"],
    )
    print(
        f"added by an endpoint listening: {heard['p50_ms'] - quiet['p50_ms']:+.3f} ms p50, "
        f"{heard['mean_ms'] - quiet['mean_ms']:+.3f} ms mean per lead; ratio to the floor "
        f"{quiet['p50_ms'] / floor['p50_ms']:.2f}x -> {heard['p50_ms'] / floor['p50_ms']:.2f}x "
        "(p50)"
    )
    for name, row in cost["writer"].items():
        print(
            f"{name}: {row['p50_ms']:.3f} ms p50, "
            f"{row['p99_ms']:.3f} ms p99, {row['mean_ms']:.3f} ms mean"
        )
    sent = delivery_rate(args.deliveries)
    print(
        f"delivery, one worker, local receiver: {sent['per_s']:.0f} deliveries/s; per send "
        f"{sent['p50_ms']:.2f} ms p50, {sent['p99_ms']:.2f} ms p99, {sent['mean_ms']:.2f} ms mean"
    )


if __name__ == "__main__":
    main()
