"""Chaos probe: hostile and duplicate traffic against gunicorn, workers killed, then invariants.

    bench/run chaos [--leads 3000] [--clients 16] [--kill-workers SECONDS] [--kill-cluster [N]]
                    [--database-url postgres://…/lr_chaos] [--redis-url redis://127.0.0.1:6379/9]

1. A fresh database (SQLite file under /tmp/leadrouter-chaos/, or the PostgreSQL database named
   in the URL, dropped and created again), migrated; static files collected (production settings).
2. An organisation: a round-robin team of six reps, a Florida rep with a small cap whose
   overflow goes to the manager, a paused on-call rep whose rule falls back to the team's queue;
   an API source (key from `source_create`), a form-builder hook source and a Typeform source
   (HMAC-signed).
3. gunicorn (workers x threads) and `manage.py qcluster` with production settings (DEBUG=0,
   SECRET_KEY and ALLOWED_HOSTS in their environment).
4. C client threads (stdlib http.client) send N requests: new leads, repeat inquiries of the same
   person (merges), Idempotency-Key replays and key reuse with another body, form-hook and
   Typeform deliveries and the vendors' retries of the same delivery id, test leads, and hostile
   bodies (malformed JSON, wrong types, huge fields, deep nesting, NUL and lone surrogates, NaN,
   odd Accept headers, oversized and chunked bodies, bad keys and signatures). Every attempt
   carries an `X-Chaos-Request` header, kept with its stored submission, so each answer is
   matched to what the database recorded. A request that got no answer (its worker was killed)
   is retried up to four times, as a vendor would.
5. Optionally every K seconds a gunicorn worker is killed with SIGKILL (the master starts
   another), and the whole task cluster is killed with SIGKILL N times and started again.
6. The cluster drains (queue empty, parked leads retried, stranded leads recovered and owed
   notifications sent by the sweeps, notifications settled), then stops
   (SIGTERM to its main process, SIGKILL as a backstop: `timeout` on its process group hangs).
7. The invariants are checked against the database and a reconciliation table is printed; the
   exit status is 1 when any invariant fails.
"""

import argparse
import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from intake_bench import percentile, valid_phone  # noqa: E402

WORK_DIR = Path("/tmp/leadrouter-chaos")  # noqa: S108 - the runs' own folder, kept for inspection
PORTS = range(8620, 8630)
MARKER = "X-Chaos-Request"
SECRET_KEY = "chaos-probe-" + "k" * 50  # a production-length key for the subprocesses
TYPEFORM_SECRET = "chaos-typeform-secret"  # noqa: S105 - a made-up vendor secret
PLACES = [
    ("78701", "512", "TX"),
    ("80202", "303", "CO"),
    ("94105", "415", "CA"),
    ("33130", "305", "FL"),
]
FIRST = ["Ann", "Bob", "Maria", "Wei", "Priya", "Luis", "Emma", "Kwame", "Olga", "Tariq"]
LAST = ["Lee", "Stone", "Garcia", "Chen", "Patel", "Lopez", "Davis", "Okafor", "Novak", "Haddad"]
ROUND_ROBIN_RULE = "Everyone else: round robin"


# --- what is sent -----------------------------------------------------------------------------


@dataclass
class Request:
    """One request of the plan; `expect` is the set of answers a correct server may give."""

    index: int
    kind: str
    door: str  # api, form, typeform
    body: bytes
    headers: dict[str, str]
    expect: set[int]
    person: str = ""  # the email of the valid person it concerns, if any
    delivery: str = ""  # a vendor delivery id (Typeform token, form UniqueID)
    chunked: bool = False


@dataclass
class Attempt:
    """One try of one request, and what came back."""

    request: Request
    attempt: int
    marker: str
    status: int = 0  # 0: no answer (connection dropped, the worker died)
    error: str = ""
    lead_id: int | None = None
    replayed: bool = False
    seconds: float = 0.0


@dataclass
class Plan:
    requests: list[Request] = field(default_factory=list)


def person(rng: random.Random, n: int) -> dict:
    zip_code, area, state = PLACES[n % len(PLACES)]
    return {
        "first_name": rng.choice(FIRST),
        "last_name": rng.choice(LAST),
        "email": f"chaos{n}@{rng.choice(['gmail.com', 'acme-roofing.com', 'yahoo.com'])}",
        "phone": valid_phone(rng, area),
        "postal_code": zip_code,
        "state": state,
    }


def lead_body(rng: random.Random, who: dict, **extra) -> dict:
    message = rng.choice(
        [
            "Need a quote for home insurance, closing next month.",
            "Looking to bundle auto and home.",
            "Please call me about a roof replacement.",
        ]
    )
    body = {**who, "message": message, "request_type": "quote", "utm_source": "chaos"}
    body["attributes"] = {"budget": rng.randint(1000, 20000)}
    body.update(extra)
    return body


def typeform_body(who: dict, token: str) -> dict:
    fields = [
        ("f1", "First name", "short_text", "first_name", "text", who["first_name"]),
        ("f2", "Last name", "short_text", "last_name", "text", who["last_name"]),
        ("f3", "Email", "email", "email", "email", who["email"]),
        ("f4", "Phone", "phone_number", "phone", "phone_number", who["phone"]),
        ("f5", "Zip code", "short_text", "zip", "text", who["postal_code"]),
    ]
    return {
        "event_id": f"ev-{token}",
        "event_type": "form_response",
        "form_response": {
            "form_id": "chaos",
            "token": token,
            "submitted_at": "2026-11-30T02:00:00Z",
            "hidden": {"utm_source": "typeform"},
            "definition": {
                "id": "chaos",
                "title": "Quote",
                "fields": [
                    {"id": fid, "title": title, "type": qtype, "ref": ref}
                    for fid, title, qtype, ref, _, _ in fields
                ],
            },
            "answers": [
                {"type": atype, atype: value, "field": {"id": fid, "type": qtype, "ref": ref}}
                for fid, _, qtype, ref, atype, value in fields
            ],
        },
    }


def typeform_signature(body: bytes, secret: str = TYPEFORM_SECRET) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def hostile_catalogue(rng: random.Random, who: dict) -> list[tuple[str, bytes, dict, set[int]]]:
    """(name, body, extra headers, acceptable answers) for one hostile request of each kind. A
    valid lead sent with odd headers may be stored (2xx) or refused before it is (4xx)."""
    base = lead_body(rng, who)
    as_json = {"Content-Type": "application/json"}

    def dumps(data) -> bytes:
        return json.dumps(data).encode()

    nested: dict = {"leaf": 1}
    for _ in range(60):
        nested = {"n": nested}
    return [
        ("malformed JSON", b'{"first_name": "Ann", "email": ', as_json, {400}),
        ("JSON array, not an object", dumps([base]), as_json, {400}),
        ("wrong types", dumps({**base, "first_name": ["A"], "phone": {"n": 1}}), as_json, {400}),
        ("email is a number", dumps({**base, "email": 12345}), as_json, {200, 201}),
        ("100 kB first name", dumps({**base, "first_name": "A" * 100_000}), as_json, {400}),
        ("300 kB message", dumps({**base, "message": "quote " * 50_000}), as_json, {200, 201, 400}),
        ("attributes nested 60 deep", dumps({**base, "attributes": nested}), as_json, {400}),
        ("JSON nested 50,000 deep", b"[" * 50_000 + b"]" * 50_000, as_json, {400}),
        (
            "NUL in names and message",
            dumps({**base, "first_name": "An\x00n", "message": "a\x00b"}),
            as_json,
            {200, 201},
        ),
        (
            "NUL in external_id",
            dumps({**base, "external_id": f"ext\x00{rng.random()}"}),
            as_json,
            {200, 201, 400},
        ),
        ("NUL in email", dumps({**base, "email": "nul\x00" + who["email"]}), as_json, {200, 201}),
        ("raw NUL byte in body", dumps(base).replace(b'"quote"', b'"quo\x00te"'), as_json, {400}),
        ("lone surrogate", dumps(base).replace(b'"chaos"', b'"\\ud800chaos"'), as_json, {200, 201}),
        (
            "NaN and Infinity",
            dumps(base).replace(b'"budget": ', b'"nan": NaN, "inf": Infinity, "budget": '),
            as_json,
            {200, 201, 400},
        ),
        ("invalid UTF-8", dumps(base).replace(b'"chaos"', b'"\xff\xfe"'), as_json, {400}),
        ("empty body", b"", as_json, {400}),
        ("text/plain JSON", dumps(base), {"Content-Type": "text/plain"}, {200, 201, 400, 415}),
        ("Accept: text/html", dumps(base), {**as_json, "Accept": "text/html"}, {200, 201, 406}),
        (
            "Accept: application/xml",
            dumps(base),
            {**as_json, "Accept": "application/xml"},
            {200, 201, 406},
        ),
        ("Accept: garbage", dumps(base), {**as_json, "Accept": "%%%;q=x, */"}, {200, 201, 406}),
        ("1.5 MB body", dumps({**base, "attributes": {"blob": "x" * 1_500_000}}), as_json, {413}),
        (
            "Idempotency-Key of 300 characters",
            dumps(base),
            {**as_json, "Idempotency-Key": "k" * 300},
            {400},
        ),
        (
            "Idempotency-Key with a NUL",
            dumps(base),
            {**as_json, "Idempotency-Key": "k\x00y"},
            {400},
        ),
        ("no key", dumps(base), {**as_json, "Authorization": ""}, {401}),
        ("wrong key", dumps(base), {**as_json, "Authorization": "Bearer lrs_wrong"}, {401}),
        (
            "10,000 attributes",
            dumps({**base, "attributes": {f"k{i}": i for i in range(10_000)}}),
            as_json,
            {200, 201, 400},
        ),
    ]


def build_plan(count: int, seed: int) -> Plan:
    """The requests, in sending order. A repeat, replay or retry names an earlier request's
    person, key or delivery; with many clients it may still race its original, which is part
    of the test."""
    rng = random.Random(seed)
    plan = Plan()
    people: list[dict] = []
    idem: list[tuple[str, bytes]] = []
    form_deliveries: list[tuple[str, bytes, str]] = []
    typeforms: list[tuple[str, bytes]] = []
    kinds = [
        ("api new", 40),
        ("api repeat", 10),
        ("api review", 3),
        ("api urgent", 3),
        ("api test lead", 1),
        ("api idem new", 5),
        ("api idem replay", 5),
        ("api idem other body", 1),
        ("form new", 5),
        ("form retry", 2),
        ("typeform new", 6),
        ("typeform retry", 3),
        ("typeform bad signature", 1),
        ("hostile", 15),
        ("hostile vendor ids", 1),
    ]
    names, weights = zip(*kinds, strict=True)
    as_json = {"Content-Type": "application/json"}

    def add(kind, door, body, headers, expect, **extra) -> None:
        plan.requests.append(
            Request(len(plan.requests), kind, door, body, headers, expect, **extra)
        )

    def new_person() -> dict:
        who = person(rng, len(people))
        people.append(who)
        return who

    while len(plan.requests) < count:
        kind = rng.choices(names, weights)[0]
        if kind == "api repeat" and people:
            who = rng.choice(people)
            again = lead_body(rng, who, message=f"Calling again ({rng.random():.6f})")
            add(kind, "api", json.dumps(again).encode(), as_json, {200, 201}, person=who["email"])
        elif kind == "api idem replay" and idem:
            key, body = rng.choice(idem)
            who = json.loads(body)["email"]
            add(
                kind,
                "api",
                body,
                {**as_json, "Idempotency-Key": key},
                {200, 201, 409},
                person=who,
            )
        elif kind == "api idem other body" and idem:
            key, body = rng.choice(idem)
            other = json.dumps({**json.loads(body), "message": "another body"}).encode()
            add(kind, "api", other, {**as_json, "Idempotency-Key": key}, {409, 422})
        elif kind == "form retry" and form_deliveries:
            delivery, body, email = rng.choice(form_deliveries)
            add(kind, "form", body, as_json, {200, 201}, person=email, delivery=delivery)
        elif kind == "typeform retry" and typeforms:
            token, body = rng.choice(typeforms)
            who = json.loads(body)["form_response"]["answers"][2]["email"]
            headers = {**as_json, "Typeform-Signature": typeform_signature(body)}
            add(kind, "typeform", body, headers, {200, 201}, person=who, delivery=token)
        elif kind in ("typeform new", "typeform bad signature"):
            who = new_person()
            token = f"tf{len(plan.requests)}x{rng.getrandbits(32):08x}"
            body = json.dumps(typeform_body(who, token)).encode()
            if kind == "typeform bad signature":
                headers = {**as_json, "Typeform-Signature": typeform_signature(body, "wrong")}
                add(kind, "typeform", body, headers, {401})
                continue
            typeforms.append((token, body))
            headers = {**as_json, "Typeform-Signature": typeform_signature(body)}
            add(kind, "typeform", body, headers, {201, 200}, person=who["email"], delivery=token)
        elif kind == "form new":
            who = new_person()
            delivery = f"fs{len(plan.requests)}"
            fields = {
                "Full Name": f"{who['first_name']} {who['last_name']}",
                "E-mail": who["email"],
                "Phone Number": who["phone"],
                "Zip Code": who["postal_code"],
                "UniqueID": delivery,
            }
            if len(plan.requests) % 2:
                body, headers = json.dumps(fields).encode(), as_json
                form_deliveries.append((delivery, body, who["email"]))
            else:
                body = urllib.parse.urlencode(fields).encode()
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
            add(kind, "form", body, headers, {201, 200}, person=who["email"], delivery=delivery)
        elif kind == "hostile vendor ids":
            # Vendor ids (Typeform token, form UniqueID) with a NUL: signed, so they get past
            # verification to the delivery-id claim and the lead's external_id.
            who = new_person()
            token = f"tf\x00{len(plan.requests)}"
            if rng.random() < 0.5:
                body = json.dumps(typeform_body(who, token)).encode()
                headers = {**as_json, "Typeform-Signature": typeform_signature(body)}
                add("hostile: NUL in Typeform token", "typeform", body, headers, {200, 201, 400})
            else:
                fields = {"E-mail": who["email"], "Phone Number": who["phone"], "UniqueID": token}
                body = json.dumps(fields).encode()
                add("hostile: NUL in form UniqueID", "form", body, as_json, {200, 201, 400})
        elif kind == "hostile":
            name, body, headers, expect = rng.choice(hostile_catalogue(rng, new_person()))
            chunked = False
            if rng.random() < 0.08:  # the same body sent chunked, with no Content-Length
                name, chunked = f"{name} (chunked)", True
            add(f"hostile: {name}", "api", body, headers, expect, chunked=chunked)
        else:
            who = new_person()
            extra = {}
            if kind == "api review":
                extra = {"request_type": ""}  # the classifier is unsure: a person reviews it
            elif kind == "api urgent":
                extra = {"message": "URGENT: water in the basement, call ASAP"}
            elif kind == "api test lead":
                people.pop()  # nobody repeats a test lead's person
                who = {**who, "email": who["email"].split("@")[0] + "@example.com"}
            body = json.dumps(lead_body(rng, who, **extra)).encode()
            headers = dict(as_json)
            expect = {201, 200}
            if kind.startswith("api idem"):
                kind = "api idem new"
                # 409: a retry after the first attempt's worker died finds the key in flight.
                expect = {201, 200, 409}
                key = f"idem-{len(plan.requests)}-{rng.getrandbits(32):08x}"
                headers["Idempotency-Key"] = key
                idem.append((key, body))
                add(kind, "api", body, headers, expect, person=who["email"])
                continue
            add(kind, "api", body, headers, expect, person=who["email"])
    return plan


# --- the organisation ---------------------------------------------------------------------------


def build_organisation() -> dict:
    """Sources, a team of reps and three routing rules; returns what the clients need."""
    from django.contrib.auth import get_user_model

    from intake import services
    from intake.models import Adapter, Channel
    from routing.models import Rep, RoutingRule, Team

    users = get_user_model()
    manager = users.objects.create_user("chaos-manager", email="manager@chaos.test")
    team = Team.objects.create(name="Chaos team", manager=manager)
    florida = Team.objects.create(name="Florida desk", manager=manager)
    states = ["TX", "CO", "CA", "FL"]
    reps = []
    for i in range(6):
        user = users.objects.create_user(f"chaos-rep-{i}", email=f"rep{i}@chaos.test")
        reps.append(Rep.objects.create(user=user, team=team, licensed_states=states))
    fl_user = users.objects.create_user("chaos-florida", email="florida@chaos.test")
    fl_rep = Rep.objects.create(
        user=fl_user, team=florida, licensed_states=states, max_open_leads=15
    )
    oncall_user = users.objects.create_user("chaos-oncall", email="oncall@chaos.test")
    oncall = Rep.objects.create(user=oncall_user, team=florida, licensed_states=states, paused=True)
    urgent = RoutingRule.objects.create(
        name="Urgent: on-call rep",
        order=5,
        condition={"field": "message", "op": "contains_any", "value": ["urgent", "asap"]},
        require_working_now=False,
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )
    urgent.pool_reps.set([oncall])
    fl_rule = RoutingRule.objects.create(
        name="Florida: capped rep",
        order=10,
        condition={"field": "state", "op": "equals", "value": "FL"},
        method=RoutingRule.Method.LEAST_LOADED,
        require_working_now=False,
        fallback=RoutingRule.Fallback.MANAGER,
        fallback_user=manager,
    )
    fl_rule.pool_reps.set([fl_rep])
    RoutingRule.objects.create(
        name=ROUND_ROBIN_RULE,
        order=20,
        pool_team=team,
        method=RoutingRule.Method.ROUND_ROBIN,
        require_working_now=False,
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )
    _, key = services.source_create(name="chaos-api", channel=Channel.API)
    form, _ = services.source_create(
        name="chaos-form-hook",
        channel=Channel.WEB,
        adapter=Adapter.FORM,
        default_request_type="quote",
    )
    typeform, _ = services.source_create(
        name="chaos-typeform",
        channel=Channel.WEB,
        adapter=Adapter.TYPEFORM,
        secret=TYPEFORM_SECRET,
        default_request_type="quote",
    )
    return {
        "api": ("/api/v1/leads/", key),
        "form": (f"/hooks/form/{form.public_id}/", ""),
        "typeform": (f"/hooks/typeform/{typeform.public_id}/", ""),
        "reps": len(reps),
    }


# --- processes --------------------------------------------------------------------------------


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(entry))
    return kids


class Processes:
    """gunicorn and the task cluster, started, killed and stopped by their own ids."""

    def __init__(self, env: dict, port: int, workers: int, threads: int, logs: Path):
        self.env, self.port, self.workers, self.threads, self.logs = (
            env,
            port,
            workers,
            threads,
            logs,
        )
        self.gunicorn: subprocess.Popen | None = None
        self.cluster: subprocess.Popen | None = None
        self.worker_kills = 0
        self.cluster_kills = 0

    def start_gunicorn(self) -> None:
        log = open(self.logs / "gunicorn.log", "ab")  # noqa: SIM115 - lives as long as gunicorn
        self.gunicorn = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "leadrouter.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                "60",
                "--graceful-timeout",
                "10",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/accounts/login/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer within 60 s; see gunicorn.log")

    def start_cluster(self) -> None:
        log = open(self.logs / "qcluster.log", "ab")  # noqa: SIM115 - lives as long as the cluster
        self.cluster = subprocess.Popen(
            [str(ROOT / ".venv/bin/python"), "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def kill_worker(self, rng: random.Random) -> None:
        workers = children_of(self.gunicorn.pid) if self.gunicorn else []
        if workers:
            try:
                os.kill(rng.choice(workers), signal.SIGKILL)
                self.worker_kills += 1
            except ProcessLookupError:
                pass

    def kill_cluster(self) -> None:
        """SIGKILL to the whole cluster (main process, sentinel, pusher, workers): a crash."""
        if self.cluster is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.cluster.pid, signal.SIGKILL)
        self.cluster.wait()
        self.cluster_kills += 1
        self.start_cluster()

    def stop_cluster(self) -> None:
        """SIGTERM to the main PID only, SIGKILL to the group as a backstop."""
        if self.cluster is None:
            return
        self.cluster.send_signal(signal.SIGTERM)
        try:
            self.cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print("  qcluster did not stop within 30 s of SIGTERM: killed")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.cluster.pid, signal.SIGKILL)  # any orphaned child
        self.cluster.wait()

    def stop_gunicorn(self) -> None:
        if self.gunicorn is None:
            return
        self.gunicorn.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.gunicorn.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.gunicorn.pid, signal.SIGKILL)
        self.gunicorn.wait()


# --- the clients ------------------------------------------------------------------------------


def send(conn: http.client.HTTPConnection, path: str, key: str, attempt: Attempt) -> None:
    request = attempt.request
    headers = {MARKER: attempt.marker, **request.headers}
    if key and "Authorization" not in headers:
        headers["Authorization"] = f"Bearer {key}"
    if headers.get("Authorization") == "":
        del headers["Authorization"]
    started = time.perf_counter()
    if request.chunked:
        size = max(1, len(request.body) // 3)
        chunks = [request.body[i : i + size] for i in range(0, len(request.body), size)]
        conn.request("POST", path, body=iter(chunks), headers=headers, encode_chunked=True)
    else:
        conn.request("POST", path, body=request.body, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    attempt.seconds = time.perf_counter() - started
    attempt.status = response.status
    attempt.replayed = response.getheader("Idempotent-Replayed") == "true"
    if 200 <= response.status < 300:
        try:
            answer = json.loads(raw)
        except ValueError:
            attempt.error = f"2xx body is not JSON: {raw[:120]!r}"
            return
        lead = answer.get("id") if request.door == "api" else answer.get("lead")
        attempt.lead_id = lead if isinstance(lead, int) else None
    elif response.status >= 500:
        attempt.error = raw[:300].decode("utf-8", "replace")


def run_clients(plan: Plan, doors: dict, port: int, clients: int, progress) -> list[Attempt]:
    attempts: list[Attempt] = []
    lock = threading.Lock()
    queue = iter(plan.requests)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                request = next(queue, None)
            if request is None:
                break
            path, key = doors[request.door]
            for number in range(1, 6):
                attempt = Attempt(request, number, f"r{request.index}a{number}")
                try:
                    send(conn, path, key, attempt)
                except (OSError, http.client.HTTPException) as exc:
                    attempt.error = f"{type(exc).__name__}: {exc}"[:200]
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                with lock:
                    attempts.append(attempt)
                if attempt.status:
                    break
                time.sleep(0.2 * number)  # a vendor's retry, after a short wait
            progress()
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return attempts


# --- the invariants ---------------------------------------------------------------------------


def open_lead_whereabouts() -> dict[int, str]:
    """Where every open lead that routing is responsible for waits, by lead id.

    A lead is routing's responsibility when it is open (new, review, assigned, contacted,
    qualified), not a test lead and not a historical import (those two are never routed, by
    design). Such a lead must be, in this order of precedence:
    - "owned": it has an active assignment (ended_at is null) naming a rep or a user (a rep
      chosen by a rule, or the manager a fallback names);
    - "queued": its active assignment names only a team: it waits in that team's unassigned
      queue, on the manager board;
    - "review": it has an open ReviewTask: a person decides, then it is routed;
    - "parked": its latest routing decision is an error and it is still new, so the
      `route_parked_leads` schedule retries it (`routing.selectors.parked_leads`);
    - "retrying": still new, and the stranded-lead sweep (`recover_stranded_leads`) tried it
      and takes it again at `recover_after` (its qualification failed);
    - "nowhere": none of these. Nobody will ever see or retry it: the invariant fails (until
      the stranded-lead sweep, two minutes after it was last touched, takes it up).
    """
    from django.utils import timezone

    from intake.models import Lead, LeadStatus
    from qualification.models import ReviewTask
    from routing.models import Assignment
    from routing.selectors import parked_leads

    leads = set(
        Lead.objects.open().filter(is_test=False, is_historical=False).values_list("pk", flat=True)
    )
    where: dict[int, str] = {}
    active = Assignment.objects.filter(lead_id__in=leads, ended_at__isnull=True)
    for lead_id, rep_id, user_id, team_id in active.values_list(
        "lead_id", "rep_id", "user_id", "queue_team_id"
    ):
        if rep_id or user_id:
            where[lead_id] = "owned"
        elif team_id:
            where.setdefault(lead_id, "queued")
    in_review = ReviewTask.objects.filter(status=ReviewTask.Status.OPEN, lead_id__in=leads)
    for lead_id in in_review.values_list("lead_id", flat=True):
        where.setdefault(lead_id, "review")
    for lead_id in parked_leads().values_list("pk", flat=True):
        if lead_id in leads:
            where.setdefault(lead_id, "parked")
    retrying = Lead.objects.filter(
        pk__in=leads, status=LeadStatus.NEW, recover_after__gt=timezone.now()
    )
    for lead_id in retrying.values_list("pk", flat=True):
        where.setdefault(lead_id, "retrying")
    for lead_id in leads:
        where.setdefault(lead_id, "nowhere")
    return where


def stranded_cause(lead_id: int, answered: dict[str, int]) -> str:
    """Why an open lead is nowhere: how far its pipeline got, and whether the request that
    created it was answered (no answer: its worker was killed mid-request)."""
    from intake.models import LeadEvent, Submission
    from qualification.models import Qualification

    origin = (
        Submission.objects.filter(lead_id=lead_id, status=Submission.Status.PROCESSED)
        .values_list("headers", flat=True)
        .first()
    )
    marker = (origin or {}).get(MARKER.lower(), "")
    request = "its request got no answer" if not answered.get(marker) else "its request answered"
    if Qualification.objects.filter(lead_id=lead_id).exists():
        step = "qualified, never routed"
    elif LeadEvent.objects.filter(
        lead_id=lead_id, kind=LeadEvent.Kind.QUALIFIED, message__startswith="Qualification failed"
    ).exists():
        step = "qualification failed, nothing retries it"
    else:
        step = "stored, never qualified"
    return f"{step} ({request})"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    examples: list = field(default_factory=list)


def submissions_by_marker() -> dict[str, list[tuple[int, str, int | None]]]:
    from intake.models import Submission

    found: dict[str, list] = defaultdict(list)
    for pk, status, lead_id, headers in Submission.objects.values_list(
        "pk", "status", "lead_id", "headers"
    ):
        found[(headers or {}).get(MARKER.lower(), "")].append((pk, status, lead_id))
    return found


def check_invariants(attempts: list[Attempt], rr_reps: int) -> tuple[list[Check], dict]:
    """Every invariant against the database; also the counts for the reconciliation table."""
    from django.db.models import Count, Sum

    from intake.models import Lead, LeadEvent, Submission
    from routing.models import Assignment, RoutingDecision
    from routing.notifications import assignment_channels

    checks: list[Check] = []
    by_marker = submissions_by_marker()
    lead_ids = set(Lead.objects.values_list("pk", flat=True))
    stored = {pk: (status, lead) for rows in by_marker.values() for pk, status, lead in rows}

    # 1. Every 2xx answer names a lead that exists, recorded by its own submission (a replay
    #    by the first request's), with the status the answer implies.
    done = {Submission.Status.PROCESSED, Submission.Status.MERGED, Submission.Status.DUPLICATE}
    bad_2xx: list[tuple[str, str, int, int | None, object]] = []
    contradicted = []
    for a in attempts:
        rows = by_marker.get(a.marker, [])
        if 200 <= a.status < 300:
            if a.lead_id is None or a.lead_id not in lead_ids:
                bad_2xx.append((a.marker, a.request.kind, a.status, a.lead_id, "no such lead"))
            elif not a.replayed and not any(s in done and lead == a.lead_id for _, s, lead in rows):
                bad_2xx.append((a.marker, a.request.kind, a.status, a.lead_id, rows[:2]))
            elif (
                a.status == 201
                and not a.replayed
                and not any(s == Submission.Status.PROCESSED for _, s, _ in rows)
            ):
                bad_2xx.append((a.marker, a.request.kind, 201, a.lead_id, "201 but not new"))
        elif a.status and any(s in done for _, s, _ in rows):
            contradicted.append((a.marker, a.request.kind, a.status, rows[:2]))
    checks.append(
        Check(
            "every 2xx answer has its submission and lead",
            not bad_2xx,
            f"{len(bad_2xx)} bad",
            bad_2xx[:5],
        )
    )
    checks.append(
        Check(
            "no error answer for a request that was recorded as a lead or touch",
            not contradicted,
            f"{len(contradicted)} contradicted",
            contradicted[:5],
        )
    )

    # 2. Submissions reconcile with leads: one processed submission per lead, one merged
    #    submission per extra touch, and every stored submission traced to an attempt.
    status_counts = Counter(status for status, _ in stored.values())
    leads = Lead.objects.count()
    touches = Lead.objects.aggregate(extra=Sum("touch_count"))["extra"] or 0
    processed = status_counts[Submission.Status.PROCESSED]
    merged = status_counts[Submission.Status.MERGED]
    origin = Counter(
        lead
        for status, lead in stored.values()
        if status == Submission.Status.PROCESSED and lead is not None
    )
    orphan_leads = sorted(lead_ids - set(origin))
    twice = sorted(lead for lead, n in origin.items() if n > 1)
    checks.append(
        Check(
            "leads = processed submissions (each lead has exactly one origin)",
            leads == processed and not orphan_leads and not twice,
            f"{leads} leads, {processed} processed; {len(orphan_leads)} without, "
            f"{len(twice)} with two",
            (orphan_leads + twice)[:5],
        )
    )
    checks.append(
        Check(
            "extra touches on leads = merged submissions",
            touches - leads == merged,
            f"{touches - leads} touches, {merged} merged",
        )
    )
    unlinked = [pk for pk, (s, lead) in stored.items() if s in done and lead is None]
    checks.append(
        Check(
            "processed, merged and duplicate submissions name their lead",
            not unlinked,
            f"{len(unlinked)} without a lead",
            unlinked[:5],
        )
    )
    sent = {a.marker for a in attempts}
    untraced = [pk for marker, rows in by_marker.items() if marker not in sent for pk, *_ in rows]
    checks.append(
        Check(
            "every stored submission comes from a request that was sent",
            not untraced,
            f"{len(untraced)} untraced",
            untraced[:5],
        )
    )
    no_answer = sum(1 for a in attempts if not a.status)
    received = [pk for pk, (s, _) in stored.items() if s == Submission.Status.RECEIVED]
    received_unanswered = [
        pk
        for a in attempts
        if not a.status
        for pk, s, _ in by_marker.get(a.marker, [])
        if s == Submission.Status.RECEIVED
    ]
    checks.append(
        Check(
            "a submission left 'received' only where its request got no answer",
            len(received) == len(received_unanswered),
            f"{len(received)} received, {len(received_unanswered)} of them unanswered "
            f"(of {no_answer} unanswered attempts)",
            received[:5],
        )
    )

    # 3. At most one active assignment per lead; no lead routed twice.
    doubled = list(
        Assignment.objects.filter(ended_at__isnull=True)
        .values("lead_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("lead_id", "n")
    )
    checks.append(
        Check(
            "at most one active assignment per lead",
            not doubled,
            f"{len(doubled)} leads with more",
            doubled[:5],
        )
    )
    routed_twice = list(
        RoutingDecision.objects.exclude(outcome=RoutingDecision.Outcome.ERROR)
        .values("lead_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("lead_id", "n")
    )
    checks.append(
        Check(
            "each lead routed at most once (decisions other than errors)",
            not routed_twice,
            f"{len(routed_twice)} routed twice",
            routed_twice[:5],
        )
    )

    # 4. Every open lead is owned, queued, in review, or parked or scheduled for a retry.
    where = open_lead_whereabouts()
    places = Counter(where.values())
    nowhere = sorted(pk for pk, place in where.items() if place == "nowhere")
    answered = {a.marker: a.status for a in attempts}
    causes: Counter[str] = Counter()
    examples = []
    for pk in nowhere:
        cause = stranded_cause(pk, answered)
        causes[cause] += 1
        examples.append((pk, cause))
    checks.append(
        Check(
            "every open lead is owned, queued, in review, parked or retrying",
            not nowhere,
            ", ".join(f"{k} {v}" for k, v in sorted(places.items()))
            + "".join(f"\n         nowhere because {k}: {v}" for k, v in causes.most_common()),
            examples[:5],
        )
    )
    assigned_without = list(
        Lead.objects.filter(status="assigned")
        .exclude(pk__in=Assignment.objects.filter(ended_at__isnull=True).values("lead_id"))
        .values_list("pk", flat=True)[:5]
    )
    checks.append(
        Check(
            "no lead 'assigned' without an active assignment",
            not assigned_without,
            f"{len(assigned_without)} found",
            assigned_without,
        )
    )

    # 5. Each person (a valid sender's email) has one lead: repeats and retries merged.
    people_leads: dict[str, set[int]] = defaultdict(set)
    for a in attempts:
        if a.request.person and a.lead_id and 200 <= a.status < 300:
            people_leads[a.request.person].add(a.lead_id)
    split = [(p, sorted(ids)) for p, ids in people_leads.items() if len(ids) > 1]
    checks.append(
        Check(
            "one lead per person across repeats, replays and vendor retries",
            not split,
            f"{len(split)} people with two leads",
            split[:5],
        )
    )

    # 6. Round robin spread over the catch-all rule's reps.
    per_rep = Counter(
        Assignment.objects.filter(rule__name=ROUND_ROBIN_RULE, rep__isnull=False)
        .exclude(reason=Assignment.Reason.OWNER)
        .values_list("rep_id", flat=True)
    )
    counts = [per_rep.get(rep, 0) for rep in per_rep] + [0] * (rr_reps - len(per_rep))
    spread = max(counts) - min(counts) if counts else 0
    checks.append(
        Check(
            f"round robin spread over {rr_reps} reps (max - min) <= 1",
            spread <= 1,
            f"spread {spread}: {sorted(counts)}",
        )
    )

    # 7. Every assignment was announced on each of its channels (after the cluster drained).
    told = Counter(
        (e.get("assignment"), e.get("channel"))
        for e in LeadEvent.objects.filter(kind=LeadEvent.Kind.NOTIFIED).values_list(
            "data", flat=True
        )
    )
    silent, twice_told = [], 0
    for assignment in Assignment.objects.select_related("rep__team", "user", "queue_team__manager"):
        for channel in assignment_channels(assignment):
            n = told.get((assignment.pk, channel.name), 0)
            if n == 0:
                silent.append(assignment.pk)
            twice_told += n > 1
    checks.append(
        Check(
            "every assignment notified on each channel",
            not silent,
            f"{len(silent)} not notified, {twice_told} recorded twice",
            silent[:5],
        )
    )

    # 8. No 5xx.
    fives = [
        (a.marker, a.request.kind, a.status, a.error[:120]) for a in attempts if a.status >= 500
    ]
    checks.append(Check("no 5xx answer", not fives, f"{len(fives)} 5xx", fives[:5]))

    totals = {
        "status_counts": status_counts,
        "leads": leads,
        "touches": touches,
        "places": places,
        "per_rep": sorted(counts),
        "decisions": Counter(RoutingDecision.objects.values_list("outcome", flat=True)),
    }
    return checks, totals


# --- the report -------------------------------------------------------------------------------


def answer_class(status: int) -> str:
    return "none" if not status else f"{status // 100}xx"


def print_report(plan, attempts, checks, totals, elapsed, procs, drain) -> None:
    from intake.models import Submission

    by_marker = submissions_by_marker()
    print()
    print(
        f"sent {len(plan.requests)} requests ({len(attempts)} attempts) in {elapsed:.1f} s; "
        f"{procs.worker_kills} gunicorn workers and {procs.cluster_kills} task clusters "
        f"killed with SIGKILL; drained: {drain}"
    )
    latencies = [a.seconds for a in attempts if a.status]
    if latencies:
        print(
            f"answer latency p50 {percentile(latencies, 50) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 99) * 1000:.0f} ms"
        )

    # Submissions by status x what the attempt that stored it was told.
    classes = ["2xx", "4xx", "5xx", "none"]
    table: dict[str, Counter] = defaultdict(Counter)
    for a in attempts:
        for _, status, _ in by_marker.get(a.marker, []):
            table[status][answer_class(a.status)] += 1
    print()
    print(f"{'submissions by status':36} {'count':>6} " + " ".join(f"{c:>5}" for c in classes))
    total: Counter[str] = Counter()
    for status, label in Submission.Status.choices:
        row = table.get(status, Counter())
        n = sum(row.values())
        total.update(row)
        if n or status in ("processed", "merged", "received"):
            print(
                f"{status + ' (' + label.split(' (')[0].lower() + ')':36.36} {n:6} "
                + " ".join(f"{row[c]:5}" for c in classes)
            )
    print(f"{'total':36} {sum(total.values()):6} " + " ".join(f"{total[c]:5}" for c in classes))
    not_stored = Counter(answer_class(a.status) for a in attempts if a.marker not in by_marker)
    print(
        f"{'not stored (refused first)':36} {sum(not_stored.values()):6} "
        + " ".join(f"{not_stored[c]:5}" for c in classes)
    )

    sc = totals["status_counts"]
    print()
    print(
        f"leads {totals['leads']} = processed {sc['processed']}; "
        f"extra touches {totals['touches'] - totals['leads']} = merged {sc['merged']}; "
        f"vendor retries answered as duplicate {sc['duplicate']}"
    )
    print("open leads: " + ", ".join(f"{k} {v}" for k, v in sorted(totals["places"].items())))
    print(
        "routing decisions: "
        + ", ".join(f"{k} {v}" for k, v in sorted(totals["decisions"].items()))
    )
    print(f"round robin leads per rep: {totals['per_rep']}")

    # Answers by kind of request.
    print()
    print(
        f"{'request kind':44} {'sent':>5} {'2xx':>5} {'4xx':>5} {'5xx':>5} {'none':>5} "
        f"{'unexpected':>10}"
    )
    kinds: dict[str, Counter] = defaultdict(Counter)
    sent = Counter(r.kind for r in plan.requests)
    final = {}
    for a in attempts:
        final[a.request.index] = a  # the last attempt of each request
    for a in final.values():
        kinds[a.request.kind][answer_class(a.status)] += 1
        if a.status and a.status not in a.request.expect:
            kinds[a.request.kind]["unexpected"] += 1
            kinds[a.request.kind][f"got {a.status}"] += 1
    for kind in sorted(sent):
        row = kinds[kind]
        odd = ", ".join(f"{k[4:]} x{v}" for k, v in sorted(row.items()) if k.startswith("got "))
        print(
            f"{kind:44.44} {sent[kind]:5} {row['2xx']:5} {row['4xx']:5} {row['5xx']:5} "
            f"{row['none']:5} {row['unexpected']:10}  {odd}"
        )

    print()
    print("invariants")
    for check in checks:
        print(f"  [{'ok' if check.ok else 'FAIL'}] {check.name}: {check.detail}")
        if not check.ok:
            for example in check.examples:
                print(f"         e.g. {str(example)[:220]}")


# --- setup and the run --------------------------------------------------------------------------


def fresh_database(database_url: str | None, sqlite_path: Path) -> dict:
    """Point Django at a new, empty database and migrate it; returns the env for subprocesses."""
    env = {}
    if database_url:
        import psycopg

        parsed = urllib.parse.urlparse(database_url)
        name = parsed.path.lstrip("/")
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = database_url
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        env["SQLITE_PATH"] = str(sqlite_path)
    return env


def redis_reset(redis_url: str) -> None:
    """Forget the task queue and cache keys a previous run left in this Redis database (the
    ids they name belong to a dropped database)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for pattern in ("django_q:leadrouter:*", "leadrouter:*"):
        keys = list(client.scan_iter(pattern))
        if keys:
            client.delete(*keys)


def queue_left(redis_url: str | None) -> int:
    if redis_url:
        import redis

        return redis.Redis.from_url(redis_url).llen("django_q:leadrouter:q")
    from django_q.models import OrmQ

    return OrmQ.objects.count()


def drain(redis_url: str | None, timeout: float) -> str:
    """Wait until the queue is empty, no lead is parked or stranded, no assignment's
    notification is owed and notifications stop changing. A lead or a notification a killed
    worker left behind is repaired by the sweeps two to three minutes later (their grace
    period plus the scheduler's resolution)."""
    from django.db import close_old_connections

    from intake.models import LeadEvent
    from routing.models import Assignment
    from routing.selectors import parked_leads

    deadline = time.monotonic() + timeout
    last, stable = -1, 0
    while time.monotonic() < deadline:
        close_old_connections()
        queued = queue_left(redis_url)
        parked = parked_leads().count()
        stranded = Counter(open_lead_whereabouts().values())["nowhere"]
        owed = Assignment.objects.filter(
            notified_at__isnull=True, ended_at__isnull=True, lead__is_test=False
        ).count()
        told = LeadEvent.objects.filter(kind=LeadEvent.Kind.NOTIFIED).count()
        settled = not (queued or parked or stranded or owed)
        stable = stable + 1 if (told == last and settled) else 0
        last = told
        if stable >= 3:
            return f"yes (queue empty, nothing parked or stranded, {told} notifications)"
        time.sleep(2)
    return (
        f"NO after {timeout:.0f} s (queue {queued}, parked {parked}, stranded {stranded}, "
        f"notifications owed {owed}, {told} notifications)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=3000, help="requests to send")
    parser.add_argument("--clients", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--kill-workers",
        type=float,
        default=0,
        metavar="SECONDS",
        help="SIGKILL a random gunicorn worker every SECONDS (0: never)",
    )
    parser.add_argument(
        "--kill-cluster",
        type=int,
        nargs="?",
        const=1,
        default=0,
        metavar="N",
        help="SIGKILL the task cluster N times during the run, restarting it",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL (the database is dropped and created); "
        "default: a SQLite file under /tmp/leadrouter-chaos/",
    )
    parser.add_argument("--redis-url", default=None, help="task broker and cache on Redis")
    # Long enough for the sweeps to repair what a killed worker left (2 min grace + schedule).
    parser.add_argument("--drain-timeout", type=float, default=420)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    run_dir = WORK_DIR / time.strftime("run-%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    db_env = fresh_database(args.database_url, run_dir / "chaos.sqlite3")
    # Production settings, for this process and the servers alike (a production process
    # refuses to start without SECRET_KEY and ALLOWED_HOSTS).
    for name in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        db_env,
        DJANGO_SETTINGS_MODULE="leadrouter.settings",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        INTAKE_RATE_LIMIT_PER_MINUTE="1000000",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
        redis_reset(args.redis_url)
    env = dict(os.environ)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    doors = build_organisation()
    plan = build_plan(args.leads, args.seed)
    connection.close()

    broker = "Redis" if args.redis_url else "ORM"
    print(
        f"chaos probe on {connection.vendor} ({broker} broker): {args.leads} requests from "
        f"{args.clients} clients; gunicorn {args.workers} workers x {args.threads} threads; "
        f"logs in {run_dir}"
    )
    procs = Processes(env, free_port(), args.workers, args.threads, run_dir)
    rng = random.Random(args.seed + 1)
    stop = threading.Event()
    answered = [0]
    kill_at = [
        round(args.leads * (i + 1) / (args.kill_cluster + 1)) for i in range(args.kill_cluster)
    ]
    progress_lock = threading.Lock()

    def progress() -> None:
        with progress_lock:
            answered[0] += 1
            due = kill_at and answered[0] >= kill_at[0]
            if due:
                kill_at.pop(0)
        if due:
            procs.kill_cluster()
            print(f"  killed the task cluster at request {answered[0]} and started it again")

    def killer() -> None:
        while not stop.wait(args.kill_workers):
            procs.kill_worker(rng)

    try:
        procs.start_gunicorn()
        procs.start_cluster()
        started = time.monotonic()
        kill_thread = None
        if args.kill_workers > 0:
            kill_thread = threading.Thread(target=killer, daemon=True)
            kill_thread.start()
        attempts = run_clients(plan, doors, procs.port, args.clients, progress)
        elapsed = time.monotonic() - started
        stop.set()
        if kill_thread:
            kill_thread.join()
        drain_started = time.monotonic()
        drained = drain(args.redis_url, args.drain_timeout)
        drained += f" in {time.monotonic() - drain_started:.0f} s"
    finally:
        stop.set()
        procs.stop_cluster()
        procs.stop_gunicorn()
    from django.db import close_old_connections

    close_old_connections()
    checks, totals = check_invariants(attempts, doors["reps"])
    print_report(plan, attempts, checks, totals, elapsed, procs, drained)
    with open(run_dir / "attempts.jsonl", "w") as out:
        for a in attempts:
            out.write(
                json.dumps(
                    {
                        "marker": a.marker,
                        "kind": a.request.kind,
                        "status": a.status,
                        "lead": a.lead_id,
                        "replayed": a.replayed,
                        "error": a.error,
                    }
                )
                + "\n"
            )
    failed = [c for c in checks if not c.ok]
    print(
        f"\n{len(checks) - len(failed)} of {len(checks)} invariants hold"
        + (f"; FAILED: {', '.join(c.name for c in failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
