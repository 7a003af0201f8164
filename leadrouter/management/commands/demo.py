"""Load a realistic demo organisation, idempotently.

It lives in the project package, above the apps, because the demo seeds every app: users (an
admin, a manager), form/API/vendor-webhook sources with their keys, qualification signals, a
year of closed historical leads with the models trained on them, a team of reps with skills,
territories and working hours, four routing rules, then a few weeks of leads. The leads go
through the real pipeline (gate, dedup, qualification, routing) and are worked through the
real services (contact attempts, won and lost), so their flags, merges, scores, owners, SLA
clocks and timelines are genuine.

The weeks of history are made under a travelling clock (`time_machine`, frozen at each
moment in turn): every service that reads `timezone.now()` (routing, the SLA clock, the
timeline, `updated_at`) records the past moment, so pages say "9 days ago", not "3 minutes
ago". The last few leads arrive in the last hours and are left for the reps to work.
"""

import json
import random
from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.models import Adapter, Channel, Door, Lead, LeadStatus, LostReason, Source
from leadrouter import pipeline
from qualification import services as qualification_services
from qualification.models import ModelVersion, ReviewTask, Signal
from routing import notifications
from routing import services as routing_services
from routing.models import (
    Activity,
    Assignment,
    BusinessCalendar,
    LicenceRequirement,
    OpeningHours,
    Rep,
    RoutingRule,
    Skill,
    SlaPolicy,
    SlaState,
    SlaStep,
    SlaTarget,
    Team,
    Territory,
)

DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed for the laptop demo only
SOURCES = [
    ("Website contact form", Channel.WEB, Adapter.FORM, "quote", ""),
    ("Partner referrals API", Channel.API, Adapter.API, "", "partner-2026"),
    ("Lead vendor: QuoteWizard", Channel.VENDOR, Adapter.API, "quote", "vendor-feed"),
    ("Front desk", Channel.MANUAL, Adapter.MANUAL, "", ""),
]
FIRST_NAMES = [
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Patricia",
    "David",
    "Jennifer",
    "Luis",
    "Aisha",
    "Wei",
    "Priya",
    "Chen",
    "Fatima",
    "Olga",
    "Kwame",
    "Sofia",
    "Noah",
    "Emma",
    "Liam",
]
LAST_NAMES = [
    "Smith",
    "Garcia",
    "Johnson",
    "Nguyen",
    "Brown",
    "Martinez",
    "Okafor",
    "Patel",
    "Kim",
    "O'Neil",
    "de la Cruz",
    "Williams",
    "Lopez",
    "Chen",
    "Haddad",
    "Novak",
    "Jones",
    "Davis",
]
# (ZIP, area code) pairs that agree: Austin, Miami, Denver, Phoenix, Columbus, Sacramento,
# Atlanta. No demo rep is licensed in Ohio: a few quotes wait in the queue saying so.
PLACES = [
    ("78701", "512"),
    ("33130", "305"),
    ("80202", "303"),
    ("85004", "602"),
    ("43215", "614"),
    ("95814", "916"),
    ("30303", "404"),
]
COMPANY_DOMAINS = [
    ("Acme Roofing", "acmeroofing.com"),
    ("Bluebird Dental", "bluebirddental.com"),
    ("Northside Logistics", "northsidelogistics.com"),
]
FREE_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com"]
MESSAGES = {
    "quote": [
        "Looking for a quote on home insurance, closing next month.",
        "Need auto insurance for two cars, current policy ends Friday.",
        "Can you quote a bundle for home and auto?",
    ],
    "refinance": ["Interested in refinancing my 30-year mortgage.", "What are your refi rates?"],
    "service": ["Water heater is leaking, need someone today!", "AC not cooling, urgent please."],
    "support": [
        "Question about my existing policy renewal.",
        "Need a copy of my declarations page.",
        "My attorney asked me to request the full claim file.",
    ],
}
CAMPAIGNS = ["spring-home", "auto-bundle", "brand-search", ""]


# (name, adapter, secret) of the demo's vendor webhook sources.
VENDOR_SOURCES = [
    ("Google Ads lead form", Adapter.GOOGLE_ADS, "demo-google-key"),
    ("Typeform quote form", Adapter.TYPEFORM, "demo-typeform-secret"),
]


# (username, first name, licensed states, weight, skills, territory, hours) of the demo's
# reps; each has an e-mail address at DEMO_EMAIL_DOMAIN, so assignment e-mails are sent.
DEMO_REPS = [
    ("rosa", "Rosa", ["TX", "OK"], 2, ["Emergency service", "Spanish"], "Texas and Oklahoma", 8),
    ("kenji", "Kenji", ["TX"], 1, ["Auto insurance"], "Texas and Oklahoma", 9),
    ("amara", "Amara", ["FL", "GA"], 1, ["Emergency service"], "Southeast", 8),
    ("liam", "Liam", ["CO", "CA", "AZ"], 1, ["Auto insurance", "Spanish"], "Mountain and West", 9),
]
DEMO_EMAIL_DOMAIN = "demo.leadrouter.test"
# The hosted form's name and consent line.
DEMO_ORGANISATION = "Lone Star Insurance, Austin office"
DEMO_CONSENT = (
    "By clicking Send, you agree that Lone Star Insurance may call and text you about your "
    "request at the number you gave, including by automated means. Consent is not a condition "
    "of purchase. Message and data rates may apply."
)
# (name, states) of the demo's territories: the territory rule routes a lead to its rep.
DEMO_TERRITORIES = [
    ("Texas and Oklahoma", ["TX", "OK"]),
    ("Southeast", ["FL", "GA"]),
    ("Mountain and West", ["CO", "CA", "AZ"]),
]
# The office's zone: the demo's days, hours and weekends are Austin's.
DEMO_ZONE = ZoneInfo("America/Chicago")
# Leads that arrive in the last few hours and are left for the reps to work.
FRESH_LEADS = 8
WON_VALUES = [650, 900, 1200, 1800, 2400, 3500, 5200, 8000]
LOST_DETAILS = {
    LostReason.NO_RESPONSE: "Three calls and an e-mail, no answer",
    LostReason.NOT_NOW: "Renewal is not until next spring",
    LostReason.PRICE: "Our quote was above their budget",
    LostReason.COMPETITOR: "Went with their bank's insurer",
    LostReason.NO_NEED: "Sold the house",
}
HISTORY_SOURCE = "Past leads (CSV import)"
HISTORY_ROWS = 400
# (name, condition, effects) of the demo's manager-written signals.
DEMO_SIGNALS = [
    (
        "Emergency words",
        {"field": "message", "op": "contains_any", "value": ["urgent", "today", "leaking"]},
        {"set_urgency": "urgent", "score_delta": 10},
    ),
    (
        "Mentions a lawyer",
        {"field": "message", "op": "contains_any", "value": ["lawyer", "attorney", "lawsuit"]},
        {"send_to_review": True, "review_reason": "mentions a lawyer"},
    ),
    (
        "Big budget",
        {"field": "attributes.budget", "op": "gte", "value": 10000},
        {"score_delta": 10, "add_tag": "big-budget"},
    ),
]


class Command(BaseCommand):
    help = "Load the demo organisation: users, sources (keys printed), and recent leads."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=300)
        parser.add_argument("--weeks", type=int, default=4)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--base-url", default="http://localhost:8000")

    def handle(self, *args, leads, weeks, seed, base_url, **options):
        self._users()
        sources = self._sources(base_url.rstrip("/"))
        self._vendor_sources(base_url.rstrip("/"))
        self._signals()
        self._history(rng=random.Random(seed + 1))
        self._routing()
        self._calendars()
        self._sla_policies()
        if Lead.objects.filter(source__in=sources).exists():
            self.stdout.write("Demo leads already loaded; leaving them as they are.")
        else:
            self._leads(sources, count=leads, weeks=weeks, rng=random.Random(seed))
        self._sla_leads(sources[0])
        self.stdout.write(
            self.style.SUCCESS(f"Admin: {base_url}/admin/  (admin / {DEMO_PASSWORD})")
        )

    def _users(self) -> None:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["password"])
        managers, _ = Group.objects.get_or_create(name="Sales managers")
        managers.permissions.set(
            Permission.objects.filter(
                content_type__app_label="intake", codename__startswith="view_"
            )
            | Permission.objects.filter(
                codename__in=["add_lead", "change_lead", "add_source", "change_source"]
            )
            | Permission.objects.filter(content_type__app_label="qualification")
            # Managers configure routing in the admin: reps, teams, rules, simulation, replay.
            | Permission.objects.filter(content_type__app_label="routing")
        )
        manager, created = User.objects.get_or_create(
            username="manager",
            defaults={"is_staff": True, "email": "manager@example.com", "first_name": "Dana"},
        )
        if created:
            manager.set_password(DEMO_PASSWORD)
            manager.save(update_fields=["password"])
        manager.groups.add(managers)

    def _sources(self, base_url: str) -> list[Source]:
        sources = []
        self.stdout.write("Sources (keys are rotated on every demo run, so these work now):")
        for name, channel, adapter, request_type, campaign in SOURCES:
            source = Source.objects.filter(name=name).first()
            if source is None:
                source, raw_key = services.source_create(
                    name=name,
                    channel=channel,
                    adapter=adapter,
                    default_request_type=request_type,
                    default_campaign=campaign,
                    field_map={"Full Name": "full_name", "Zip": "postal_code"}
                    if adapter == Adapter.FORM
                    else {},
                )
            else:
                raw_key = services.source_rotate_key(source=source)
            if adapter == Adapter.FORM and not source.consent_text:
                source.organisation_name = DEMO_ORGANISATION
                source.consent_text = DEMO_CONSENT
                source.save(update_fields=["organisation_name", "consent_text"])
            sources.append(source)
            form_url = base_url + reverse("intake:form-submit", args=[source.public_id])
            self.stdout.write(f"  {name:28} key {raw_key}")
            if adapter == Adapter.FORM:
                self.stdout.write(f"  {'':28} form {form_url}")
        return sources

    def _vendor_sources(self, base_url: str) -> None:
        """Vendor webhook sources with demo secrets, to point a vendor's test tool at."""
        self.stdout.write("Vendor webhooks (demo secrets; set real ones in the admin):")
        for name, adapter, secret in VENDOR_SOURCES:
            source = Source.objects.filter(name=name).first()
            if source is None:
                source, _ = services.source_create(
                    name=name, channel=Channel.VENDOR, adapter=adapter, secret=secret
                )
            url = f"{base_url}/hooks/{source.adapter}/{source.public_id}/"
            self.stdout.write(f"  {name:28} {url}  secret {source.secret}")

    def _routing(self) -> None:
        """A team of reps with skills, territories and working hours, and four rules: service
        emergencies to emergency-trained reps, Texas to licensed reps, the Southeast and the
        West to their territory's rep, round robin for the rest (queue as the last resort).
        Insurance quotes and mortgage refinancing need a rep licensed in the lead's state (one
        setting for every rule); home service and support requests do not."""
        User = get_user_model()
        team, _ = Team.objects.get_or_create(name="Austin office")
        if team.manager is None:
            # The demo's manager runs this team: the board and their reps' leads are theirs.
            team.manager = User.objects.filter(username="manager").first()
            team.save(update_fields=["manager"])
        territories = {}
        for name, states in DEMO_TERRITORIES:
            territories[name], _ = Territory.objects.get_or_create(
                name=name, defaults={"states": states}
            )
        reps = []
        for username, first, states, weight, skills, territory, starts in DEMO_REPS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if not user.email:
                user.email = f"{username}@{DEMO_EMAIL_DOMAIN}"
                user.save(update_fields=["email"])
            hours = [f"{starts:02d}:00", f"{starts + 9:02d}:00"]
            rep, _ = Rep.objects.get_or_create(
                user=user,
                defaults={
                    "team": team,
                    "licensed_states": states,
                    "weight": weight,
                    "working_hours": {day: [hours] for day in ("mon", "tue", "wed", "thu", "fri")},
                },
            )
            rep.skills.add(*(Skill.objects.get_or_create(name=name)[0] for name in skills))
            rep.territories.add(territories[territory])
            reps.append(rep)
        emergency, created = RoutingRule.objects.get_or_create(
            name="Service emergencies: trained reps",
            defaults={
                "order": 5,
                "condition": {"field": "request_type", "op": "equals", "value": "service"},
                "pool_team": team,
                "require_working_now": False,
                "fallback": RoutingRule.Fallback.NEXT_RULE,
            },
        )
        if created:
            emergency.required_skills.set(Skill.objects.filter(name="Emergency service"))
        texas, created = RoutingRule.objects.get_or_create(
            name="Texas leads: licensed reps",
            defaults={
                "order": 10,
                "condition": {"field": "state", "op": "equals", "value": "TX"},
                "method": RoutingRule.Method.WEIGHTED,
                "require_working_now": False,
                "fallback": RoutingRule.Fallback.NEXT_RULE,
            },
        )
        if created:  # a fresh demo: its licence setting too (a manager's later edit stays)
            texas.pool_reps.set(reps)
            LicenceRequirement.objects.update_or_create(
                pk=1,
                defaults={
                    "applies_to": LicenceRequirement.AppliesTo.REQUEST_TYPES,
                    "request_types": ["quote", "refinance"],
                },
            )
        RoutingRule.objects.get_or_create(
            name="Southeast and West: territory reps",
            defaults={
                "order": 15,
                "condition": {
                    "field": "state",
                    "op": "in",
                    "value": sorted({s for _, states in DEMO_TERRITORIES[1:] for s in states}),
                },
                "pool_team": team,
                "require_territory": True,
                "require_working_now": False,
                "fallback": RoutingRule.Fallback.NEXT_RULE,
            },
        )
        RoutingRule.objects.get_or_create(
            name="Everyone else: round robin",
            defaults={
                "order": 20,
                "pool_team": team,
                "require_working_now": False,
                "fallback": RoutingRule.Fallback.TEAM_QUEUE,
                "fallback_team": team,
            },
        )
        self.stdout.write(
            f"Reps: {', '.join(r.user.username for r in reps)} (password {DEMO_PASSWORD}, "
            f"e-mail USERNAME@{DEMO_EMAIL_DOMAIN}); {RoutingRule.objects.count()} routing rules"
        )

    def _calendars(self) -> None:
        """Office hours for the office (Mon-Fri 08:00-18:00 in Chicago, closed on US
        holidays) and, for a team whose name says emergency, every hour of the year."""
        office, created = BusinessCalendar.objects.get_or_create(
            name="Austin office hours",
            defaults={"time_zone": "America/Chicago", "holiday_country": "US"},
        )
        if created:
            OpeningHours.objects.bulk_create(
                OpeningHours(calendar=office, weekday=day, opens=time(8), closes=time(18))
                for day in range(5)
            )
        Team.objects.filter(name="Austin office", calendar=None).update(calendar=office)
        emergency_teams = Team.objects.filter(name__icontains="emergency", calendar=None)
        if emergency_teams.exists():
            always, _ = BusinessCalendar.objects.get_or_create(
                name="Emergency line 24/7",
                defaults={"time_zone": "America/Chicago", "always_open": True},
            )
            emergency_teams.update(calendar=always)

    def _sla_policies(self) -> None:
        """A first-contact SLA on each rule: urgent leads within 5 business minutes, others
        30; remind the owner at 50 %, reassign at 100 %, escalate after two reassignments."""
        for rule in RoutingRule.objects.order_by("order"):
            policy, created = SlaPolicy.objects.get_or_create(
                rule=rule,
                defaults={"name": f"First contact: {rule.name}", "escalate_after_reassignments": 2},
            )
            if not created:
                continue
            SlaTarget.objects.create(policy=policy, urgency="urgent", minutes=5)
            SlaTarget.objects.create(policy=policy, minutes=30)
            SlaStep.objects.create(policy=policy, order=1, kind=SlaStep.Kind.REMIND, percent=50)
            SlaStep.objects.create(policy=policy, order=2, kind=SlaStep.Kind.REASSIGN, percent=100)
        self.stdout.write("SLA policies: urgent 5 business minutes, others 30, on each rule.")

    def _sla_leads(self, source: Source) -> None:
        """One lead whose clock runs, one paused for a call-back, one met and one breached (and
        so reassigned): the real services at chosen times, the sweep at the real time."""
        now = timezone.now()
        if Lead.objects.filter(email__startswith="sla.demo.").exists():
            return
        states: dict[str, Lead] = {}
        for name, routed_at in (
            ("running", now),
            ("paused", now),
            ("met", now - timedelta(minutes=10)),
            # A week ago: 30 business minutes have passed whatever today is.
            ("breached", now - timedelta(days=7)),
        ):
            submission = services.submission_store(
                source=source,
                door=Door.FORM if source.adapter == Adapter.FORM else Door.API,
                body=json.dumps(
                    {
                        "first_name": "Sla",
                        "last_name": name.title(),
                        "email": f"sla.demo.{name}@example.com",
                        "phone": f"(737) 555-019{len(states)}",  # an area code no demo person has
                        "postal_code": "78701",
                        "request_type": "quote",
                        "message": "Please call me about a home insurance quote.",
                    }
                ).encode(),
                content_type="application/json",
                headers={"user-agent": "LeadRouter demo loader"},
            )
            lead = services.submission_ingest(submission=submission).lead
            assert lead is not None
            pipeline.qualification_step(lead)
            lead.refresh_from_db()
            routing_services.route_lead(lead, now=routed_at)
            states[name] = lead
        for name, lead in states.items():
            owner = Assignment.objects.filter(lead=lead, ended_at__isnull=True).first()
            if owner is None or owner.user is None:
                continue
            if name == "paused":
                routing_services.activity_log(
                    lead=lead,
                    user=owner.user,
                    kind="call",
                    outcome="scheduled",
                    note="Asked to be called back tomorrow",
                    callback_at=now + timedelta(days=1),
                    now=now,
                )
            elif name == "met":
                routing_services.activity_log(
                    lead=lead, user=owner.user, kind="call", outcome="reached", now=now
                )
        routing_services.sla_sweep(now)
        counts = {
            state: Assignment.objects.filter(
                lead__email__startswith="sla.demo.", sla_state=state
            ).count()
            for state in (SlaState.RUNNING, SlaState.PAUSED, SlaState.MET, SlaState.BREACHED)
        }
        self.stdout.write(
            "Demo SLA clocks: " + ", ".join(f"{n} {state}" for state, n in counts.items())
        )

    def _signals(self) -> None:
        for name, condition, effects in DEMO_SIGNALS:
            Signal.objects.get_or_create(name=name, defaults={"condition": condition, **effects})

    def _history(self, *, rng: random.Random) -> None:
        """A year of closed leads with outcomes, as a CSV import with --outcome would bring,
        then the models trained on them: the demo's new leads are scored by a real model."""
        source = Source.objects.filter(name=HISTORY_SOURCE).first()
        if source is None:
            source, _ = services.source_create(
                name=HISTORY_SOURCE, channel=Channel.MANUAL, adapter=Adapter.CSV
            )
        if not Lead.objects.filter(source=source).exists():
            now = timezone.now()
            for index in range(HISTORY_ROWS):
                request_type = rng.choice(list(MESSAGES))
                budget = rng.choice([500, 1500, 5000, 20000])
                homeowner = rng.random() < 0.6
                referred = rng.random() < 0.25
                odds = 0.08 + 0.35 * (budget >= 5000) + 0.2 * homeowner + 0.25 * referred
                row = {
                    **self._person(rng, 10_000 + index),
                    "message": rng.choice(MESSAGES[request_type]),
                    "request_type": request_type,
                    "budget": str(budget),
                    "homeowner": "yes" if homeowner else "no",
                    "referred": "yes" if referred else "no",
                    "Converted": "1" if rng.random() < odds else "0",
                }
                submission = services.submission_store(
                    source=source,
                    door=Door.CSV,
                    body=json.dumps(row).encode(),
                    content_type="application/json",
                    options={"outcome_column": "Converted"},
                    received_at=now - timedelta(days=400 - index * 360 // HISTORY_ROWS),
                )
                pipeline.process_submission(submission)
            self.stdout.write(f"Demo history: {HISTORY_ROWS} closed leads with outcomes.")
        if not ModelVersion.objects.filter(is_active=True).exists():
            for result in qualification_services.models_train():
                self.stdout.write(f"  model {result.kind}: {result.note}")

    def _leads(self, sources: list[Source], *, count: int, weeks: int, rng: random.Random) -> None:
        """`count` leads over the last `weeks` weeks, oldest first, each received, routed and
        worked at its own moment (see the module's docstring); the last FRESH_LEADS arrive in
        the last three hours and wait for the reps, one of them handed back to the queue."""
        now = timezone.now()
        fresh = min(FRESH_LEADS, count // 4)
        arrivals = sorted(self._arrival(rng, now, weeks) for _ in range(count - fresh))
        arrivals += sorted(now - timedelta(minutes=rng.randint(2, 180)) for _ in range(fresh))
        people: list[dict] = []
        created = merged = flagged = 0
        outcomes: Counter[str] = Counter()
        fresh_leads: list[Lead] = []
        for index, received_at in enumerate(arrivals):
            is_fresh = index >= count - fresh
            # One in ten inquiries is a person coming back: a merge, or a returning contact.
            if people and not is_fresh and (rng.random() < 0.1 or len(people) >= 700):
                person = rng.choice(people)
            else:
                person = self._person(rng, len(people))
                people.append(person)
            source = rng.choices(sources, weights=[5, 2, 3, 1])[0]
            request_type = rng.choice(list(MESSAGES))
            message = rng.choice(MESSAGES[request_type])
            if index in (count - fresh, count - fresh + 1):
                # Two of today's leads mention a lawyer: they wait in the review queue.
                request_type, message = "support", MESSAGES["support"][-1]
            payload = {
                **person,
                "message": message,
                "request_type": request_type,
                "utm_source": {"web": "google", "vendor": "quotewizard"}.get(source.channel, ""),
                "utm_medium": "cpc" if source.channel == Channel.WEB else "",
                "utm_campaign": rng.choice(CAMPAIGNS),
                "landing_page": "https://www.example-agency.com/quote"
                if source.channel == Channel.WEB
                else "",
                "attributes": {
                    "budget": rng.choice([500, 1500, 5000, 20000]),
                    "homeowner": rng.random() < 0.6,
                },
            }
            doors: dict[str, Door] = {Adapter.FORM: Door.FORM, Adapter.MANUAL: Door.ADMIN}
            with time_machine.travel(received_at, tick=False) as clock:
                submission = services.submission_store(
                    source=source,
                    door=doors.get(source.adapter, Door.API),
                    body=json.dumps(payload).encode(),
                    content_type="application/json",
                    headers={"user-agent": "LeadRouter demo loader"},
                    received_at=received_at,
                )
                clock.shift(timedelta(seconds=rng.randint(15, 200)))  # routed within minutes
                result = pipeline.process_submission(submission)
            created += int(result.created)
            merged += int(result.merged)
            flagged += int(bool(result.lead and result.lead.flags))
            if not (result.created and result.lead):
                continue
            if is_fresh:
                fresh_leads.append(result.lead)
            else:
                outcomes[self._work(result.lead, rng=rng, now=now)] += 1
        self._hand_back_one(fresh_leads)
        self.stdout.write(
            f"Demo leads: {created} created, {merged} merged as repeat touches, "
            f"{flagged} with quality flags; worked: "
            + ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
            + f"; {len(fresh_leads)} fresh in the last hours."
        )

    def _arrival(self, rng: random.Random, now: datetime, weeks: int) -> datetime:
        """When a past lead arrived: a weekday mostly, office hours mostly, in the office's
        zone; between `weeks` weeks and six hours ago."""
        while True:
            day = (now - timedelta(days=rng.randint(0, weeks * 7))).astimezone(DEMO_ZONE).date()
            if day.weekday() >= 5 and rng.random() < 0.7:
                continue  # weekends are quiet
            hour = rng.randint(8, 17) if rng.random() < 0.85 else rng.choice([6, 7, 18, 19, 20, 21])
            moment = datetime.combine(day, time(hour, rng.randint(0, 59)), DEMO_ZONE)
            if moment < now - timedelta(hours=6):
                return moment

    def _working(self, moment: datetime, rng: random.Random) -> datetime:
        """`moment`, or when the office is next open after it (a few minutes past opening)."""
        local = moment.astimezone(DEMO_ZONE)
        if local.weekday() < 5 and 8 <= local.hour < 18:
            return moment
        day = local.date() + timedelta(days=0 if local.hour < 8 else 1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime.combine(day, time(8, rng.randint(2, 40)), DEMO_ZONE)

    def _work(self, lead: Lead, *, rng: random.Random, now: datetime) -> str:
        """Work a past lead as the team did: a lead in review is decided by the manager after
        an hour (unless it came in the last three days: it still waits); the owner is told by
        e-mail and calls within the SLA (about one in eight late); then, days later, about a
        fifth are won (with a value), over a quarter lost (with a listed reason), some
        qualified. A quarter of the leads from the last four days were never called: the SLA
        sweep finds them overdue. Returns the lead's status, or "overdue"."""
        lead.refresh_from_db()
        if lead.status == LeadStatus.REVIEW:
            if lead.received_at > now - timedelta(days=3):
                return LeadStatus.REVIEW
            task = ReviewTask.objects.get(lead=lead, status=ReviewTask.Status.OPEN)
            with time_machine.travel(self._working(lead.received_at + timedelta(hours=1), rng)):
                pipeline.release_after_review(task=task, user=self._manager())
            lead.refresh_from_db()
        assignment = Assignment.objects.filter(
            lead=lead, ended_at__isnull=True, user__isnull=False
        ).first()
        if assignment is None:
            return lead.status
        self._notify(assignment)
        if lead.received_at > now - timedelta(days=4) and rng.random() < 0.25:
            return "overdue"
        at = self._first_call(assignment, rng)
        reached = rng.random() < 0.7
        for _attempt in range(2):
            if at >= now:
                return lead.status
            outcome = Activity.Outcome.REACHED if reached else Activity.Outcome.NO_ANSWER
            with time_machine.travel(at, tick=False):
                routing_services.activity_log(
                    lead=lead, user=assignment.user, kind="call", outcome=outcome, now=at
                )
            if reached:
                break
            reached = rng.random() < 0.8  # the next day's call
            at = self._working(at + timedelta(hours=rng.randint(18, 26)), rng)
        lead.refresh_from_db()
        close_at = self._working(at + timedelta(hours=rng.randint(20, 240)), rng)
        roll = rng.random()
        if close_at >= now - timedelta(hours=1) or roll >= 0.72 or (roll >= 0.64 and not reached):
            return lead.status
        change: dict = {"status": LeadStatus.QUALIFIED}
        if roll < 0.26 and reached:
            change = {"status": LeadStatus.WON, "value": rng.choice(WON_VALUES)}
        elif roll < 0.64:
            # Nobody is won or qualified without being reached: never reached, lost for it.
            lost_reason = rng.choice(list(LOST_DETAILS)) if reached else LostReason.NO_RESPONSE
            change = {
                "status": LeadStatus.LOST,
                "lost_reason": lost_reason,
                "reason": LOST_DETAILS[lost_reason],
            }
        with time_machine.travel(close_at, tick=False):
            routing_services.lead_status_change(
                lead=lead, user=assignment.user, now=close_at, **change
            )
        return change["status"]

    def _first_call(self, assignment: Assignment, rng: random.Random) -> datetime:
        """When the owner first calls: before the SLA deadline (in the last half hour before
        it, urgent leads within their minutes), or for about one lead in eight up to two
        hours after it."""
        due = assignment.sla_due_at
        if due is None:
            return self._working(assignment.assigned_at + timedelta(minutes=10), rng)
        if rng.random() < 0.12:
            return self._working(due + timedelta(minutes=rng.randint(5, 120)), rng)
        span = min(due - assignment.assigned_at, timedelta(minutes=30))
        return due - span * rng.uniform(0.1, 0.9)

    def _notify(self, assignment: Assignment) -> None:
        """Send a past assignment's notification at its time, to an in-memory mailbox: the
        lead's timeline says who was told, and the task the routing queued finds nothing left
        to send (the cluster does not mail the reps about weeks-old leads when it starts)."""
        with (
            time_machine.travel(assignment.assigned_at + timedelta(seconds=5), tick=False),
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        ):
            notifications.assignment_notify(assignment.pk)

    def _manager(self):
        return get_user_model().objects.get(username="manager")

    def _hand_back_one(self, fresh_leads: list[Lead]) -> None:
        """The newest rep-owned fresh lead is handed back: it waits in the team's queue."""
        for lead in reversed(fresh_leads):
            assignment = Assignment.objects.filter(
                lead=lead, ended_at__isnull=True, user__isnull=False
            ).first()
            if assignment is not None:
                routing_services.lead_hand_back(
                    lead=lead,
                    user=assignment.user,
                    reason="Asks for a Spanish-speaking agent; I don't speak Spanish.",
                    now=timezone.now(),
                )
                return

    def _person(self, rng: random.Random, index: int) -> dict:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        # Fictional 555-01xx numbers, one per person: 7 area codes x 100 numbers.
        zip_code, area = PLACES[index % len(PLACES)]
        person = {"first_name": first, "last_name": last, "postal_code": zip_code}
        roll = rng.random()
        if roll < 0.2:
            company, domain = rng.choice(COMPANY_DOMAINS)
            person.update(
                company=company,
                email=f"{first}.{last}@{domain}".lower().replace(" ", "").replace("'", ""),
            )
        elif roll < 0.9:
            person["email"] = (
                f"{first}{last}{index}@{rng.choice(FREE_DOMAINS)}".lower()
                .replace(" ", "")
                .replace("'", "")
            )
        elif roll < 0.95:
            person["email"] = f"{first}@mailinator.com".lower()  # disposable: flagged, still kept
        if rng.random() < 0.85:
            person["phone"] = f"({area}) 555-01{index // len(PLACES):02d}"
        elif rng.random() < 0.5:
            person["phone"] = "000-000-0000"  # placeholder typed into a form: flagged
        return person
