"""A year of leads, written in bulk for the reports benchmark (`bench/run reports`).

Every table a weekly report reads gets the rows the product would have written: leads from nine
sources on six channels, their contacts, quality flags and check results, test leads and spam,
qualifications, review tasks (confirmed, corrected, disqualified; the newest still open),
routing decisions by rule, assignments with their SLA clocks (met, breached, still running),
reassignments by the SLA, by a manager and after a hand-back (some leads twice), leads waiting in
a team queue then claimed, contact attempts, wins with values, losses with reasons, repeat
inquiries merged as touches, duplicate leads merged into another, timeline events, a spreadsheet
import's history owned by an inactive imported owner, and reps who left in the middle of the year.

Rows skip the ORM: PostgreSQL takes them by COPY, SQLite by executemany in large transactions
(bulk_create built one model instance per row, which alone took longer than the database). Columns
the generator does not set take their field's default, prepared once per table as the ORM
prepares it. Ids are explicit; the sequences are reset after the fill.

Volumes (1,000,000 leads): about 1.0 M contacts, 0.98 M qualifications, 0.9 M routing decisions,
1.05 M assignments, 1.7 M contact attempts, 4.1 M timeline events, 40,000 review tasks.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import random
import time
from decimal import Decimal

# Bump when the generated rows change: a database made by another version is built again.
GENERATOR_VERSION = 5
CHUNK = 25_000  # leads generated and written per batch

# name, channel, adapter, door, share of leads (percent)
SOURCES = [
    ("Website form", "web", "form", "form", 30),
    ("Google Ads lead forms", "web", "google_ads", "hook", 18),
    ("Meta lead ads", "web", "meta", "hook", 12),
    ("Inbound e-mail", "email", "email", "hook", 10),
    ("Website chat", "chat", "chat", "hook", 8),
    ("Text us", "sms", "twilio_sms", "hook", 7),
    ("QuoteLeads vendor", "vendor", "api", "api", 9),
    ("Partner API", "api", "api", "api", 5),
    ("Front desk", "manual", "manual", "admin", 1),
]
IMPORT_SOURCE = ("Spreadsheet import", "manual", "csv", "csv")
SPAM_SHARE = 0.015  # submissions the honeypot caught, per lead (they make no lead)
REQUEST_TYPES = ["quote", "quote", "quote", "claim", "renewal", "question", "callback"]
FIRST = ["Ann", "Bob", "Maria", "Wei", "Priya", "Luis", "Emma", "Kwame", "Olga", "Hiro", "Fatima"]
LAST = ["Lee", "Stone", "Garcia", "Chen", "Patel", "Lopez", "Davis", "Okafor", "Novak", "Sato"]
STATES = ["TX", "OK", "FL", "CO", "CA", "NY", "GA", "AZ"]
LOST_REASONS = ["no_response", "no_response", "not_now", "price", "competitor", "no_need", "other"]
# Arrivals by hour of the day, UTC (the teams work in Chicago and New York).
HOUR_WEIGHTS = [3, 2, 1, 1, 1, 1, 1, 1, 2, 3, 4, 6, 8, 10, 12, 13, 13, 12, 11, 10, 9, 7, 5, 4]
FLAG_MIX = [  # code, reason, chance
    ("email_free", "Email is a free provider's, not a company's", 0.35),
    ("phone_invalid", "Phone number is not valid", 0.04),
    ("email_invalid", "Email address is not valid", 0.03),
    ("email_domain_typo", "Email domain looks like a typo", 0.01),
    ("email_role", "Email is a shared mailbox (info@, sales@)", 0.01),
    ("name_missing", "No name given", 0.02),
    ("name_looks_like_company", "Name looks like a company", 0.01),
]
DAY = 86_400.0


class BulkRows:
    """One table's rows, buffered and written in bulk. `columns` are the fields the generator
    gives (values already in the database's form: see `Dataset.ts`); every other column takes
    its field's default."""

    def __init__(self, model, columns: list[str]):
        from django.db import connection
        from django.utils import timezone

        self.model = model
        fields = {f.name: f for f in model._meta.concrete_fields}
        fields.update({f.attname: f for f in model._meta.concrete_fields})
        given = [fields[name] for name in columns]
        rest = [f for f in model._meta.concrete_fields if f not in given]
        tail = []
        for field in rest:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = timezone.now()
            else:
                value = field.get_default()  # "" for a text column without a default
                if value is None and not field.null:
                    raise ValueError(f"{model.__name__}.{field.name} needs a value")
            tail.append(field.get_db_prep_save(value, connection))
        self.tail = tuple(tail)
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = [quote(f.column) for f in given + rest]
        self.rows: list[tuple] = []

    def add(self, *values) -> None:
        self.rows.append(values + self.tail)

    def flush(self) -> None:
        from django.db import connection

        if not self.rows:
            return
        names = ", ".join(self.columns)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg's own: Django's wrapper has no copy()
                with raw.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
        else:
            marks = ", ".join("?" * len(self.columns))
            connection.ensure_connection()
            connection.connection.executemany(
                f"INSERT INTO {self.table} ({names}) VALUES ({marks})",  # noqa: S608 - names from meta
                self.rows,
            )
        self.rows = []


class Dataset:
    """Generates `size` leads arriving over the 365 days before `end` (an aware datetime)."""

    def __init__(self, *, size: int, end: dt.datetime, seed: int = 15):
        from django.db import connection

        self.size = size
        self.end = end
        self.start = end - dt.timedelta(days=365)
        self.end_ts = end.timestamp()
        self.start_ts = self.start.timestamp()
        self.rng = random.Random(seed)
        self.vendor = connection.vendor
        self.ids: dict[str, int] = {}
        cumulative, total = [], 0
        for weight in HOUR_WEIGHTS:
            total += weight
            cumulative.append(total)
        self.hour_cumulative, self.hour_total = cumulative, total

    # -- values in the database's form --------------------------------------------------------

    def ts(self, seconds: float):
        """A moment (seconds since the epoch) as the database takes it: an aware datetime for
        psycopg; for SQLite, Django's own text form (naive UTC, microseconds unless zero)."""
        moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
        if self.vendor == "postgresql":
            return moment
        return str(moment.replace(tzinfo=None))

    def money(self, value: Decimal):
        return value if self.vendor == "postgresql" else str(value)

    def next_id(self, label: str) -> int:
        value = self.ids.get(label, 0) + 1
        self.ids[label] = value
        return value

    # -- the organisation ---------------------------------------------------------------------

    def organisation(self) -> None:
        """Sources, team zones and managers, reps who left mid-year and the imported owner."""
        from django.contrib.auth import get_user_model

        from intake import services
        from routing.models import Rep, RoutingRule, SlaPolicy, Team

        users = get_user_model()
        self.sources = []
        for name, channel, adapter, door, share in SOURCES:
            source, _ = services.source_create(name=name, channel=channel, adapter=adapter)
            self.sources.append((source.pk, channel, door, share))
        name, channel, adapter, door = IMPORT_SOURCE
        imported, _ = services.source_create(name=name, channel=channel, adapter=adapter)
        self.import_source = (imported.pk, channel, door)
        slots: list[tuple[int, str, str]] = []
        for pk, channel, door, share in self.sources:
            slots += [(pk, channel, door)] * share
        self.source_slots = slots
        self.teams = list(Team.objects.order_by("id"))
        for n, team in enumerate(self.teams):
            manager = users.objects.create_user(
                f"bench-manager-{n}", first_name=f"Manager{n}", is_staff=False
            )
            team.manager = manager
            team.time_zone = "America/New_York" if n % 2 else "America/Chicago"
            team.save(update_fields=["manager", "time_zone"])
        reps = list(Rep.objects.order_by("id"))
        # Four reps left in the middle of the year: their leads stay theirs in the reports.
        self.left_at = self.start_ts + 0.55 * 365 * DAY
        leavers = [reps[7], reps[18], reps[29], reps[41]]
        Rep.objects.filter(pk__in=[r.pk for r in leavers]).update(is_active=False)
        users.objects.filter(pk__in=[r.user_id for r in leavers]).update(is_active=False)
        self.reps_all = [(r.pk, r.user_id, r.team_id) for r in reps]
        self.reps_staying = [(r.pk, r.user_id, r.team_id) for r in reps if r not in leavers]
        # The owner a spreadsheet named who never worked here: inactive, never routed to.
        owner_user = users.objects.create_user("jo.imported", first_name="Jo", is_active=False)
        owner = Rep.objects.create(user=owner_user, team=self.teams[0], is_active=False)
        self.imported_owner = (owner.pk, owner_user.pk, owner.team_id)
        rules = list(RoutingRule.objects.order_by("order").values_list("id", "pool_team_id"))
        # Most leads are taken by the catch-all; the others split what their conditions catch.
        self.rule_slots = [rules[-1]] * 60 + rules[:-1] * 2
        policy = SlaPolicy.objects.filter(is_default=True).first()
        self.sla_policy_id = policy.pk if policy else None
        self.staff = users.objects.create_user("bench-staff", is_staff=True, is_superuser=True)

    # -- the leads ----------------------------------------------------------------------------

    def arrival(self) -> float:
        """A moment in the year: fewer leads at weekends and at night, more in spring."""
        rng = self.rng
        while True:
            day = rng.random() * 365
            start = self.start_ts + math.floor(day) * DAY
            weekday = dt.datetime.fromtimestamp(start, dt.UTC).weekday()
            keep = (0.35 if weekday >= 5 else 1.0) * (0.8 + 0.2 * math.sin(day / 365 * math.pi))
            if rng.random() < keep:
                hour = bisect.bisect_right(self.hour_cumulative, rng.random() * self.hour_total)
                return start + hour * 3600 + rng.random() * 3600

    def fill(self, progress=print) -> float:
        from django.db import transaction

        from intake.models import Contact, Lead, LeadEvent, Submission
        from qualification.models import Qualification, ReviewTask
        from routing.models import Activity, Assignment, RoutingDecision

        started = time.perf_counter()
        self.organisation()
        self.contacts = BulkRows(Contact, ["id", "created_at"])
        self.submissions = BulkRows(
            Submission,
            ["id", "source_id", "door", "received_at", "content_type", "body", "status",
             "attempts", "processed_at", "lead_id"],
        )  # fmt: skip
        self.leads = BulkRows(
            Lead,
            [
                "id", "contact_id", "source_id", "channel", "status", "merged_into_id",
                "request_type", "received_at", "created_at", "updated_at", "closed_at", "is_test",
                "is_historical", "first_name", "last_name", "full_name", "email",
                "email_normalized", "phone", "phone_e164", "state", "country", "utm_source",
                "flags", "checks", "touch_count", "last_touch_at", "outcome_value",
                "closed_reason", "lost_reason",
            ],
        )  # fmt: skip
        self.events = BulkRows(LeadEvent, ["id", "lead_id", "kind", "at", "message", "data"])
        self.qualifications = BulkRows(
            Qualification,
            [
                "id", "lead_id", "score", "tier", "urgency", "request_type", "confidence",
                "needs_review", "score_source", "reasons", "created_at", "updated_at",
            ],
        )  # fmt: skip
        self.reviews = BulkRows(
            ReviewTask,
            [
                "id", "lead_id", "reasons", "status", "created_at", "decided_at", "decided_by_id",
                "decision", "decided_request_type",
            ],
        )  # fmt: skip
        self.decisions = BulkRows(
            RoutingDecision,
            ["id", "lead_id", "created_at", "outcome", "rule_id", "method", "rep_id",
             "explanation", "duration_ms"],
        )  # fmt: skip
        self.assignments = BulkRows(
            Assignment,
            [
                "id", "lead_id", "rep_id", "queue_team_id", "user_id", "rule_id", "reason",
                "note", "assigned_at", "ended_at", "sla_policy_id", "sla_target_minutes",
                "sla_started_at", "sla_due_at", "sla_state", "notified_at",
            ],
        )  # fmt: skip
        self.activities = BulkRows(
            Activity, ["id", "lead_id", "rep_id", "user_id", "kind", "outcome", "at"]
        )
        tables = [
            self.contacts, self.leads, self.submissions, self.events, self.qualifications,
            self.reviews, self.decisions, self.assignments, self.activities,
        ]  # fmt: skip
        indexes = self.before_load([table.model._meta.db_table for table in tables])
        # Leads are numbered in order of arrival, as the product numbers them.
        arrivals = sorted(self.arrival() for _ in range(self.size))
        for first in range(0, self.size, CHUNK):
            for index in range(first, min(first + CHUNK, self.size)):
                self.lead(index + 1, arrivals[index])
            with transaction.atomic():
                for table in tables:
                    table.flush()
            done = min(first + CHUNK, self.size)
            if done % 200_000 == 0 or done == self.size:
                progress(f"  {done:,} leads written ({time.perf_counter() - started:.0f} s)")
        self.after_load(indexes)
        progress(f"  indexes built ({time.perf_counter() - started:.0f} s)")
        self.finish()
        return time.perf_counter() - started

    def submission(self, source_id, door, at: float, status: str, lead_id) -> None:
        self.submissions.add(
            self.next_id("submission"), source_id, door, self.ts(at), "application/json",
            b'{"first_name": "Ann"}', status, 1, self.ts(at + 0.2), lead_id,
        )  # fmt: skip

    def event(self, lead_id: int, kind: str, at: float, message: str, data: str = "{}") -> None:
        self.events.add(self.next_id("event"), lead_id, kind, self.ts(at), message, data)

    def lead(self, lead_id: int, received: float) -> None:
        rng, ts, end = self.rng, self.ts, self.end_ts
        age_days = (end - received) / DAY
        historical = age_days > 300 and rng.random() < 0.25
        if historical:
            source_id, channel, door = self.import_source
        else:
            source_id, channel, door = self.source_slots[lead_id % len(self.source_slots)]
        first, last = FIRST[lead_id % 11], LAST[(lead_id // 11) % 10]
        email = f"{first}.{last}.{lead_id}@example{lead_id % 89}.com".lower()
        e164 = f"+1512{2000000 + lead_id % 7_999_999:07d}"
        request_type = rng.choice(REQUEST_TYPES)
        flags = {}
        for code, reason, chance in FLAG_MIX:
            if rng.random() < chance:
                flags[code] = reason
        roll = rng.random()
        is_test = not historical and roll < 0.004
        junk = not historical and 0.004 <= roll < 0.02  # a real lead, but not worth working
        duplicate = not historical and 0.02 <= roll < 0.03 and lead_id > 10
        if is_test:
            flags["test"] = "Test lead (never routed)"
        if junk:
            flags["email_disposable"] = "Email is a disposable (throwaway) address"
            flags["name_suspicious"] = "Name looks fake or mistyped"
        if rng.random() < 0.02:
            flags["phone_invalid"] = "Phone number is not valid"
            flags["email_invalid"] = "Email address is not valid"
            flags["uncontactable"] = "No valid phone or email"
        phone_ok = "phone_invalid" not in flags
        email_ok = "email_invalid" not in flags and not junk
        checks = json.dumps({"phone": {"is_valid": phone_ok}, "email": {"is_valid": email_ok}})
        self.contacts.add(lead_id, ts(received))
        self.submission(source_id, door, received, "processed", lead_id)
        if rng.random() < SPAM_SHARE:
            self.submission(source_id, door, received + rng.uniform(0, DAY), "spam", None)
        status, closed, merged_into, value, closed_reason, lost_reason = (
            "new",
            None,
            None,
            None,
            "",
            "",
        )
        touches, last_touch = 1, None
        self.event(lead_id, "received", received, f"Received from source {source_id}")

        if is_test or junk:
            status, closed = "disqualified", received + 60
            closed_reason = "Test lead" if is_test else "Throwaway details"
            self.event(lead_id, "flagged", received + 1, "Quality gate flags")
        elif duplicate:
            # Entered twice under two identities; a manager merged it into the earlier lead.
            merged_into = lead_id - rng.randint(1, 10)
            status, closed = "merged", min(end, received + rng.uniform(600, 2 * DAY))
            data = json.dumps({"merged_into": merged_into})
            self.event(lead_id, "merged", closed, f"Merged into lead #{merged_into}", data)
        else:
            status, closed, value, closed_reason, lost_reason = self.worked(
                lead_id, received, request_type, historical
            )
            if not historical and rng.random() < 0.06:  # a repeat inquiry, merged as a touch
                touches, last_touch = 2, min(end, received + rng.uniform(3600, 10 * DAY))
                data = json.dumps({"source": "Website form", "channel": "web"})
                self.event(lead_id, "merged", last_touch, "Repeat inquiry merged", data)
                self.submission(self.source_slots[0][0], "form", last_touch, "merged", lead_id)
        self.leads.add(
            lead_id, lead_id, source_id, channel, status, merged_into, request_type, ts(received),
            ts(received), ts(closed or received), ts(closed) if closed else None, is_test,
            historical, first, last, f"{first} {last}", email, email,
            f"(512) {e164[5:8]}-{e164[8:]}", e164, STATES[lead_id % 8], "US", "google",
            json.dumps(flags), checks, touches,
            ts(last_touch) if last_touch else None,
            self.money(value) if value is not None else None, closed_reason, lost_reason,
        )  # fmt: skip

    def worked(self, lead_id: int, received: float, request_type: str, historical: bool):
        """Qualification, review, routing, assignments, attempts and the outcome of one lead;
        returns (status, closed_at, won value, closed reason, lost reason)."""
        rng, ts, end = self.rng, self.ts, self.end_ts
        score = rng.randint(5, 98)
        tier = "A" if score >= 70 else "B" if score >= 40 else "C"
        review = not historical and rng.random() < 0.04
        self.qualifications.add(
            self.next_id("qualification"), lead_id, score, tier,
            rng.choice(["urgent", "high", "normal", "normal", "normal", "low"]), request_type,
            round(rng.uniform(0.4, 0.99), 2), review, "rules",
            '[{"kind": "rule", "text": "budget given", "weight": 10}]',
            ts(received + 1), ts(received + 1),
        )  # fmt: skip
        self.event(lead_id, "qualified", received + 1, f"Score {score}, tier {tier}")
        routed_at = received + 2
        if review:
            self.event(lead_id, "review", received + 1, "Held for review")
            decided = received + rng.lognormvariate(math.log(45 * 60), 1.0)
            if decided > end:
                self.reviews.add(
                    self.next_id("review"), lead_id, '["unsure of the request type"]', "open",
                    ts(received + 1), None, None, "", "",
                )  # fmt: skip
                return "review", None, None, "", ""
            decision = rng.choices(["confirmed", "corrected", "disqualified"], [70, 20, 10])[0]
            self.reviews.add(
                self.next_id("review"), lead_id, '["unsure of the request type"]', "done",
                ts(received + 1), ts(decided), self.staff.pk, decision,
                "claim" if decision == "corrected" else "",
            )  # fmt: skip
            if decision == "disqualified":
                return "disqualified", decided, None, "Not a real inquiry", ""
            routed_at = decided + 1
        if historical:
            rep = self.imported_owner
        else:
            reps = self.reps_staying if received > self.left_at else self.reps_all
            rep = reps[rng.randrange(len(reps))]
        rule_id, pool_team = (None, None) if historical else rng.choice(self.rule_slots)
        queued = not historical and rng.random() < 0.07
        self.decisions.add(
            self.next_id("decision"), lead_id, ts(routed_at),
            "team_queue" if queued else "assigned", rule_id, "" if historical else "weighted",
            None if queued else rep[0],
            "Imported with its owner" if historical else "Weighted among the rule's reps", 2.5,
        )  # fmt: skip
        self.event(lead_id, "routed", routed_at, "Routed")
        owner_at = routed_at
        if queued:  # waited in the team's queue until a rep took it
            owner_at = min(end, routed_at + rng.lognormvariate(math.log(40 * 60), 1.2))
            ended = owner_at if owner_at < end else None
            self.assign(lead_id, None, routed_at, ended, "initial", rule_id, pool_team, sla=False)
            if ended is None:
                return "new", None, None, "", ""
            reason = "claimed"
        else:
            reason = "manual" if historical else "initial"
        # Attempts and reassignments, one owner after another.
        contact_at = None
        owners = 0
        while True:
            owners += 1
            delay = rng.lognormvariate(math.log(25 * 60), 1.3)
            contacted = rng.random() < (0.97 if historical else 0.86)
            due = owner_at + 3600
            attempt = owner_at + delay if contacted else None
            if attempt is not None and attempt > end:
                attempt = None
            breached = (attempt is None or attempt > due) and due <= end
            handoff = None  # (moment, reason of the next assignment)
            if not historical and owners < 3:
                pick = rng.random()
                if attempt is None and pick < 0.03:  # the rep gives it back before the SLA
                    handoff = (owner_at + rng.uniform(300, 3000), "hand_back")
                elif breached and pick < 0.45:
                    handoff = (due, "sla")
                elif pick < 0.055:
                    handoff = (owner_at + rng.uniform(600, 2 * DAY), "manual")
            if handoff and handoff[0] > end:
                handoff = None
            if handoff and attempt is not None and attempt > handoff[0]:
                attempt = None  # the next owner makes the first attempt
            sla_state = (
                "met"
                if attempt is not None and attempt <= due
                else ("breached" if breached else "running")
            )
            self.assign(
                lead_id, rep, owner_at, handoff[0] if handoff else None, reason, rule_id,
                None, sla=not historical, sla_state=sla_state, due=due,
            )  # fmt: skip
            if sla_state in ("met", "breached") and not historical:
                self.event(lead_id, f"sla_{sla_state}", min(due, attempt or due), "SLA")
            if attempt is not None:
                contact_at = contact_at or attempt
                self.attempts(lead_id, rep, attempt, rng.randint(1, 3))
            if handoff is None:
                break
            moment, why = handoff
            if why == "hand_back":
                self.event(lead_id, "handed_back", moment, "Handed back: wrong specialty")
                claimed = moment + 1800
                self.assign(lead_id, None, moment, claimed if claimed <= end else None,
                            "fallback", rule_id, rep[2], sla=False,
                            note="Handed back: wrong specialty")  # fmt: skip
                if claimed > end:
                    return "new", None, None, "", ""
                moment, why = claimed, "claimed"
            elif why == "sla":
                self.event(lead_id, "sla_reassigned", moment, "Reassigned by the SLA")
            owner_at, reason = moment, why
            others = self.reps_staying
            rep = (
                others[(others.index(rep) + 1 + rng.randrange(5)) % len(others)]
                if rep in others
                else others[0]
            )
        # The outcome.
        if contact_at is None:
            if owner_at + 14 * DAY < end:
                return "lost", owner_at + 14 * DAY, None, "Never reached", "no_response"
            return "assigned", None, None, "", ""
        closed = contact_at + rng.lognormvariate(math.log(6 * DAY), 0.9)
        if closed > end:
            return ("qualified" if tier == "A" else "contacted"), None, None, "", ""
        won_chance = {"A": 0.38, "B": 0.2, "C": 0.08}[tier]
        pick = rng.random()
        if pick < won_chance:
            value = Decimal(round(rng.lognormvariate(math.log(2400), 0.7), 2)).quantize(
                Decimal("0.01")
            )
            self.event(lead_id, "status", closed, "Won")
            return "won", closed, value, "", ""
        if pick < won_chance + 0.08:
            return "disqualified", closed, None, "Outside our area", ""
        self.event(lead_id, "status", closed, "Lost")
        reason = rng.choice(LOST_REASONS)
        return "lost", closed, None, reason.replace("_", " "), reason

    def assign(self, lead_id, rep, at, ended, reason, rule_id, queue_team, *, sla,
               sla_state="", due=None, note=""):  # fmt: skip
        ts = self.ts
        self.assignments.add(
            self.next_id("assignment"), lead_id, rep[0] if rep else None, queue_team,
            rep[1] if rep else None, rule_id, reason, note, ts(at), ts(ended) if ended else None,
            self.sla_policy_id if sla else None, 60 if sla else None, ts(at) if sla else None,
            ts(due) if sla and due else None, sla_state if sla else "", ts(at + 1) if rep else None,
        )  # fmt: skip

    def attempts(self, lead_id: int, rep, first: float, count: int) -> None:
        rng, ts = self.rng, self.ts
        at = first
        for n in range(count):
            if at > self.end_ts:
                return
            outcome = rng.choice(["reached", "no_answer", "left_voicemail", "message_sent"])
            self.activities.add(
                self.next_id("activity"), lead_id, rep[0], rep[1],
                rng.choice(["call", "call", "email", "sms"]), outcome, ts(at),
            )  # fmt: skip
            self.event(lead_id, "activity", at, "Contact attempt")
            at += rng.uniform(3600, 3 * DAY) * (n + 1)

    def before_load(self, tables: list[str]) -> list[str]:
        """PostgreSQL: load as a restore does. The tables' secondary indexes are dropped (and
        their definitions returned, to be built once at the end, far faster than row by row),
        foreign-key triggers are off for this session (the generator only writes ids it made),
        and commits do not wait for the disk."""
        from django.db import connection

        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
            cursor.execute("SET session_replication_role TO replica")
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
                "AND i.schemaname = current_schema() "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [tables],
            )
            found = cursor.fetchall()
            for name, _ in found:
                cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _, definition in found]

    def after_load(self, indexes: list[str]) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem TO '256MB'")
            for definition in indexes:
                cursor.execute(definition)
            cursor.execute("SET session_replication_role TO DEFAULT")

    def finish(self) -> None:
        """Sequences continue after the explicit ids (PostgreSQL)."""
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        models = [
            m
            for m in apps.get_models()
            if m._meta.app_label in ("intake", "qualification", "routing")
        ]
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
