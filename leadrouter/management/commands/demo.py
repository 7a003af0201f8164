"""Load a realistic demo organisation, idempotently.

It lives in the project package, above the apps, because the demo seeds every app: users (an
admin, a manager), form/API/vendor-webhook sources with their keys, qualification signals, a
year of closed historical leads with the models trained on them, a team of reps with skills,
territories and working hours, four routing rules, then ten weeks of leads, enough for the
weekly reports to compare a week with the one before and the eight-week average. The leads go
through the real pipeline (gate, dedup, qualification, routing) and are worked through the
real services (review decisions, hand-backs and manual moves, the SLA sweep's reminders and
reassignments, contact attempts, won and lost), so their flags, merges, scores, owners, SLA
clocks and timelines are genuine. The weeks have a shape: a growing volume with weekday and
hour patterns, sources that differ in quality and close rate (SOURCE_MIX), and a bad week with
a rep on vacation and the SLA missed more often.

The weeks of history are made under a travelling clock (`time_machine`, frozen at each
moment in turn): every service that reads `timezone.now()` (routing, the SLA clock, the
timeline, `updated_at`) records the past moment, so pages say "9 days ago", not "3 minutes
ago". The last few leads arrive in the last hours and are left for the reps to work.
"""

import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.models import (
    Adapter,
    Channel,
    Door,
    Lead,
    LeadStatus,
    LostReason,
    OrganisationSettings,
    Source,
)
from intake.quality.flags import FlagCode
from leadrouter import pipeline
from qualification import services as qualification_services
from qualification.models import ModelVersion, ReviewTask, Signal, Tier, Urgency
from routing import notifications
from routing import services as routing_services
from routing.business_time import holiday_dates
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
    SlaStepRecord,
    SlaTarget,
    Team,
    Territory,
    TimeOff,
)
from routing.services.sla import sla_point_perform

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
# Atlanta, Houston, Dallas, San Antonio (an Austin office hears most from Texas). No demo rep
# is licensed in Ohio: a few quotes wait in the queue saying so.
PLACES = [
    ("78701", "512"),
    ("33130", "305"),
    ("80202", "303"),
    ("85004", "602"),
    ("43215", "614"),
    ("95814", "916"),
    ("30303", "404"),
    ("77002", "713"),
    ("75201", "214"),
    ("78205", "210"),
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


@dataclass(frozen=True)
class SourceMix:
    """How a demo source's leads differ: its share of the leads, how often a contact detail is
    junk (a placeholder phone, a throwaway or mistyped e-mail, nothing usable), how often it
    sends a test lead, how often a first attempt reaches the person, and how often a reached
    person buys."""

    share: float
    junk: float
    tests: float
    reach: float
    win: float


# By source name (SOURCES): the vendor's leads are many and messy and close worst; the
# partners' referrals and the walk-ins are few, clean, and close best.
SOURCE_MIX = {
    "Website contact form": SourceMix(share=0.45, junk=0.08, tests=0, reach=0.72, win=0.2),
    "Partner referrals API": SourceMix(share=0.15, junk=0.02, tests=0, reach=0.88, win=0.38),
    "Lead vendor: QuoteWizard": SourceMix(share=0.3, junk=0.35, tests=0.04, reach=0.5, win=0.08),
    "Front desk": SourceMix(share=0.1, junk=0, tests=0, reach=0.92, win=0.3),
}
# Leads per weekday (Monday first) and per hour of the office's day, relative: Mondays are
# busiest, weekends and public holidays quiet, mid-morning and early afternoon the peaks.
DAY_WEIGHTS = (1.25, 1.15, 1.05, 1.0, 0.85, 0.3, 0.2)
HOLIDAY_WEIGHT = 0.25
HOUR_WEIGHTS = {
    **{6: 1, 7: 2, 8: 5, 9: 9, 10: 10, 11: 9, 12: 6, 13: 8, 14: 9, 15: 8, 16: 6, 17: 4},
    **{18: 3, 19: 3, 20: 2, 21: 2, 22: 1},
}
# The weekly volume grows by this share from the oldest week to this one (a campaign works).
GROWTH = 0.6
# The bad week, this many full weeks back: a rep on vacation, the others call late more often.
VACATION_WEEKS_AGO = 4
VACATION_REP = "rosa"
# How often an owner does not call before the SLA deadline (the sweep reassigns the lead).
LATE_SHARE = 0.07
LATE_SHARE_SHORT_STAFFED = 0.2
ATTEMPT_KINDS = [Activity.Kind.CALL, Activity.Kind.EMAIL, Activity.Kind.SMS]
HAND_BACK_REASONS = [
    "Asks for a Spanish-speaking agent; I don't speak Spanish.",
    "A commercial policy: I only write personal lines.",
    "My neighbour; better someone else quotes them.",
]
MOVE_NOTES = [
    "Knows this family from their last policy.",
    "Speaks Spanish with the customer.",
    "Evening callback: you are on until six.",
]


@dataclass(frozen=True)
class Work:
    """How one past lead is worked: the demo's random numbers, the real now, its source's
    mix, and how often its owners call late (more in the short-staffed week)."""

    rng: random.Random
    now: datetime
    mix: SourceMix
    late: float


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
    help = "Load the demo organisation: users, sources (keys printed), and ten weeks of leads."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=540, help="about how many leads")
        parser.add_argument(
            "--weeks", type=int, default=10, help="full ISO weeks of history before this one"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--base-url", default="http://localhost:8000")

    def handle(self, *args, leads, weeks, seed, base_url, **options):
        # The office is in Austin: imported dates and the organisation-wide report count days
        # there (set once: a deployer who changed it keeps their choice).
        OrganisationSettings.objects.get_or_create(pk=1, defaults={"time_zone": DEMO_ZONE.key})
        self._users()
        sources = self._sources(base_url.rstrip("/"))
        self._vendor_sources(base_url.rstrip("/"))
        self._signals()
        self._history(rng=random.Random(seed + 1), weeks=weeks)
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

    def _history(self, *, rng: random.Random, weeks: int) -> None:
        """A year of closed leads with outcomes, as a CSV import with --outcome would bring,
        then the models trained on them: the demo's new leads are scored by a real model.
        The year ends two weeks before the demo's `weeks` begin: the imported past does not
        mix with the weeks the reports compare."""
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
                    received_at=now
                    - timedelta(days=(weeks + 2) * 7 + 360 - index * 360 // HISTORY_ROWS),
                )
                pipeline.process_submission(submission)
            self.stdout.write(f"Demo history: {HISTORY_ROWS} closed leads with outcomes.")
        if not ModelVersion.objects.filter(is_active=True).exists():
            for result in qualification_services.models_train():
                self.stdout.write(f"  model {result.kind}: {result.note}")

    def _leads(self, sources: list[Source], *, count: int, weeks: int, rng: random.Random) -> None:
        """About `count` leads over the last `weeks` full ISO weeks and this one, oldest
        first, each received, routed and worked at its own moment (see the module's
        docstring); the last FRESH_LEADS arrive in the last three hours and wait for the reps,
        one of them handed back to the queue. The bad week's rep is on vacation."""
        now = timezone.now()
        short_staffed = self._vacation(now, weeks)
        fresh = min(FRESH_LEADS, count // 4)
        arrivals = self._arrivals(rng, now, count=count - fresh, weeks=weeks)
        arrivals += sorted(now - timedelta(minutes=rng.randint(2, 180)) for _ in range(fresh))
        past = len(arrivals) - fresh
        mixes = [SOURCE_MIX[source.name] for source in sources]
        pairs = list(zip(sources, mixes, strict=True))
        people: list[dict] = []
        created = merged = flagged = spam = 0
        outcomes: Counter[str] = Counter()
        fresh_leads: list[Lead] = []
        for index, received_at in enumerate(arrivals):
            is_fresh = index >= past
            source, mix = rng.choices(pairs, [m.share for m in mixes])[0]
            if not is_fresh and source.adapter == Adapter.FORM and rng.random() < 0.04:
                spam += self._bot_post(source, received_at)  # a bot fills the hidden field
            # One in ten inquiries is a person coming back: a merge, or a returning contact.
            if people and not is_fresh and (rng.random() < 0.1 or len(people) >= 1000):
                person = rng.choice(people)
            elif rng.random() < mix.tests:
                # A vendor's test lead: on a reserved domain, stored and flagged, never routed.
                person = {
                    "first_name": "Test",
                    "last_name": "Lead",
                    "email": f"test{index}@example.com",
                }
            else:
                person = self._person(rng, len(people), junk=mix.junk)
                people.append(person)
            request_type = rng.choice(list(MESSAGES))
            message = rng.choice(MESSAGES[request_type])
            if index in (past, past + 1):
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
            if not (result.created and result.lead) or result.lead.is_test:
                continue
            if is_fresh:
                fresh_leads.append(result.lead)
            else:
                stretched = short_staffed[0] <= received_at < short_staffed[1]
                late = LATE_SHARE_SHORT_STAFFED if stretched else LATE_SHARE
                work = Work(rng=rng, now=now, mix=mix, late=late)
                outcomes[self._work(result.lead, work)] += 1
        self._hand_back_one(fresh_leads)
        self.stdout.write(
            f"Demo leads: {created} created over {weeks} weeks and this one, {merged} merged as "
            f"repeat touches, {flagged} with quality flags, {spam} bot posts kept as spam; "
            "worked: "
            + ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
            + f"; {len(fresh_leads)} fresh in the last hours."
        )

    def _vacation(self, now: datetime, weeks: int) -> tuple[datetime, datetime]:
        """The bad week, VACATION_WEEKS_AGO full weeks back (or the oldest): VACATION_REP
        is on time off (routing passes them over), the others are stretched. Returns the
        week's span, in which the owners call late more often."""
        monday = self._monday(now) - timedelta(weeks=min(VACATION_WEEKS_AGO, weeks))
        starts = datetime.combine(monday, time(0), DEMO_ZONE)
        ends = starts + timedelta(weeks=1)
        rep = Rep.objects.get(user__username=VACATION_REP)
        TimeOff.objects.get_or_create(
            rep=rep, starts_at=starts, defaults={"ends_at": ends, "reason": "vacation"}
        )
        return starts, ends

    def _monday(self, now: datetime) -> date:
        today = now.astimezone(DEMO_ZONE).date()
        return today - timedelta(days=today.weekday())

    def _arrivals(self, rng: random.Random, now: datetime, *, count: int, weeks: int) -> list:
        """When the past leads arrived, oldest first: about `count` over `weeks` full ISO
        weeks and this week so far, in the office's zone. The weekly volume grows (GROWTH)
        with some noise; Mondays are busiest, weekends and public holidays quiet
        (DAY_WEIGHTS); mid-morning and early afternoon peak (HOUR_WEIGHTS). Nothing in the
        last six hours (those are the fresh leads)."""
        first = self._monday(now) - timedelta(weeks=weeks)
        today = now.astimezone(DEMO_ZONE).date()
        days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
        closed = {d for year in {first.year, today.year} for d in holiday_dates("US", "", year)}
        growth = [
            (1 + GROWTH * week / weeks) * rng.uniform(0.85, 1.15) for week in range(weeks + 1)
        ]
        weights = [
            growth[n // 7] * (HOLIDAY_WEIGHT if day in closed else DAY_WEIGHTS[day.weekday()])
            for n, day in enumerate(days)
        ]
        hours, hour_weights = zip(*HOUR_WEIGHTS.items(), strict=True)
        moments = []
        for day in rng.choices(days, weights, k=count):
            hour = rng.choices(hours, hour_weights)[0]
            moment = datetime.combine(day, time(hour, rng.randint(0, 59)), DEMO_ZONE)
            if moment < now - timedelta(hours=6):
                moments.append(moment)
        return sorted(moments)

    def _bot_post(self, source: Source, at: datetime) -> int:
        """A bot's post to the hosted form with the hidden honeypot field filled: the real
        form door keeps it as spam, never a lead. Returns 1 when it was kept as spam."""
        body = urlencode(
            {
                "Full Name": "Best SEO Services",
                "email": "seo.ranking.pro@gmail.com",
                "message": "We rank your site #1 on Google, cheap! Reply now.",
                settings.INTAKE_HONEYPOT_FIELD: "https://cheap-seo.example.net",
            }
        )
        with time_machine.travel(at - timedelta(minutes=17), tick=False):
            submission = services.submission_store(
                source=source,
                door=Door.FORM,
                body=body.encode(),
                content_type="application/x-www-form-urlencoded",
                headers={"user-agent": "Mozilla/5.0 (compatible; bot)"},
            )
            return int(pipeline.process_submission(submission).spam)

    def _working(self, moment: datetime, rng: random.Random) -> datetime:
        """`moment`, or when the office is next open after it (a few minutes past opening)."""
        local = moment.astimezone(DEMO_ZONE)
        if local.weekday() < 5 and 8 <= local.hour < 18:
            return moment
        day = local.date() + timedelta(days=0 if local.hour < 8 else 1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime.combine(day, time(8, rng.randint(2, 40)), DEMO_ZONE)

    def _work(self, lead: Lead, work: "Work") -> str:
        """Work a past lead as the team did, each step by the real service at its moment.

        1. Review: a lead held for review is decided by the manager within hours (confirmed,
           corrected, or disqualified), unless it came in the last three days (it waits).
        2. Nobody may hold it (a queue: no rep licensed in its state): the manager refers it
           elsewhere and disqualifies it, unless it came in the last two days.
        3. The owner is told by e-mail; now and then they hand it back (another rep takes it
           from the queue) or the manager moves it to a better-suited rep.
        4. First contact (`_first_contact`): mostly within minutes; a late owner loses the
           lead to the SLA sweep (reminder at half time, reassignment at the deadline).
           A quarter of the leads from the last four days were never called: "overdue".
        5. Further attempts for those not reached (hours later, the next day), then, days or
           weeks later, qualified, won (with a value) or lost (with a listed reason) by the
           source's odds; the rest are still being worked.
        Returns the lead's status, or "overdue".
        """
        rng, now = work.rng, work.now
        lead.refresh_from_db()
        if lead.status == LeadStatus.REVIEW:
            if lead.received_at > now - timedelta(days=3):
                return LeadStatus.REVIEW
            if not self._review(lead, work):
                return LeadStatus.DISQUALIFIED
            lead.refresh_from_db()
        assignment = self._owner(lead)
        if assignment is None or assignment.rep_id is None:
            return self._unworkable(lead, work)
        self._notify(assignment)
        if lead.received_at > now - timedelta(days=4) and rng.random() < 0.25:
            return "overdue"
        assignment = self._moved_before_contact(lead, assignment, work)
        if assignment is None:
            return lead.status
        contact = self._first_contact(lead, assignment, work)
        if contact is None:
            return self._unworkable(lead, work)
        assignment, at = contact
        if at >= now:
            return lead.status
        user = assignment.user
        reached = self._attempt(lead, user, at, work, first=True)
        for delay in ((2, 5), (18, 28)):
            if reached:
                break
            at = self._working(at + timedelta(hours=rng.randint(*delay)), rng)
            if at >= now:
                return Lead.objects.get(pk=lead.pk).status
            reached = self._attempt(lead, user, at, work, first=False)
        return self._close(lead, user, at, reached, work)

    def _review(self, lead: Lead, work: "Work") -> bool:
        """The manager decides a held lead within hours of office time: mostly confirmed,
        about a quarter corrected (another urgency or tier), one in ten disqualified. The
        lead is routed unless disqualified (returns False then)."""
        rng = work.rng
        task = ReviewTask.objects.get(lead=lead, status=ReviewTask.Status.OPEN)
        at = self._working(lead.received_at + timedelta(minutes=rng.randint(25, 240)), rng)
        roll = rng.random()
        decision: dict = {}
        if roll < 0.1:
            decision = {
                "disqualify": True,
                "note": "An existing customer's claim question: passed to the claims desk.",
            }
        elif roll < 0.35:
            suggested = task.suggestion.get("urgency", Urgency.NORMAL)
            decision = {
                "urgency": Urgency.HIGH if suggested != Urgency.HIGH else Urgency.NORMAL,
                "tier": rng.choice(
                    [tier for tier in Tier.values if tier != task.suggestion.get("tier")]
                ),
                "note": "Read the message: a renewal at risk, worth a call today.",
            }
        with time_machine.travel(at, tick=False):
            pipeline.release_after_review(task=task, user=self._manager(), **decision)
        return not decision.get("disqualify")

    def _unworkable(self, lead: Lead, work: "Work") -> str:
        """A lead no rep works: nothing to reach them by (never routed), or no rep may hold
        it (it waits in the team's queue or with the manager). After a few office hours the
        manager disqualifies it, saying why, unless it came in the last two days (it waits)."""
        if not lead.is_open() or lead.received_at > work.now - timedelta(days=2):
            return lead.status
        at = self._working(lead.received_at + timedelta(hours=work.rng.randint(2, 20)), work.rng)
        if FlagCode.UNCONTACTABLE in lead.flags:
            reason = "No valid phone or e-mail: nobody can reach them."
        else:
            reason = "Nobody on the team may take it: referred to our partner agency."
        with time_machine.travel(at, tick=False):
            routing_services.lead_status_change(
                lead=lead,
                user=self._manager(),
                status=LeadStatus.DISQUALIFIED,
                reason=reason,
                now=at,
            )
        return LeadStatus.DISQUALIFIED

    def _owner(self, lead: Lead) -> Assignment | None:
        return (
            Assignment.objects.filter(lead=lead, ended_at__isnull=True, user__isnull=False)
            .select_related("user", "rep")
            .first()
        )

    def _moved_before_contact(
        self, lead: Lead, assignment: Assignment, work: "Work"
    ) -> Assignment | None:
        """Now and then the lead changes hands before the first call: about one in thirty
        is handed back by its owner (the manager gives it out from the team's queue within
        the hour) and one in thirty moved by the manager to another rep at once. Each new
        owner is told. Returns the assignment that works the lead (None: it waits in the
        queue, no other rep may hold it)."""
        rng = work.rng
        roll = rng.random()
        if roll >= 0.066:
            return assignment
        at = assignment.assigned_at + timedelta(minutes=rng.randint(2, 9))
        if roll < 0.033:
            with time_machine.travel(at, tick=False):
                routing_services.lead_hand_back(
                    lead=lead, user=assignment.user, reason=rng.choice(HAND_BACK_REASONS), now=at
                )
            at = self._working(at + timedelta(minutes=rng.randint(10, 50)), rng)
        note = rng.choice(MOVE_NOTES)
        # The manager gives it to someone else who is at work (not on time off then).
        away = TimeOff.objects.filter(starts_at__lte=at, ends_at__gt=at).values("rep_id")
        others = [
            rep
            for rep in Rep.objects.exclude(pk__in=away).select_related("user").order_by("pk")
            if rep.pk != assignment.rep_id
        ]
        rng.shuffle(others)
        for rep in others:
            try:
                with time_machine.travel(at, tick=False):
                    routing_services.lead_assign_manually(
                        lead=lead, user=self._manager(), rep=rep, note=note, now=at
                    )
            except ValidationError:
                continue  # not licensed in the lead's state, or not taking leads now
            new = self._owner(lead)
            assert new is not None
            self._notify(new)
            return new
        return self._owner(lead)

    def _first_contact(
        self, lead: Lead, assignment: Assignment, work: "Work"
    ) -> tuple[Assignment, datetime] | None:
        """The owner's first attempt and its moment: within the SLA target, mostly in the
        first few minutes of office time (a lead that arrived after hours is called soon
        after the office opens). A late owner (`work.late`) does not call: the SLA sweep
        reminds them at half time and, at the deadline, reassigns the lead to the next rep
        (at most twice, then escalates), who is told and calls in turn. None: the lead
        was escalated to a queue, where it waits."""
        rng = work.rng
        for turn in range(4):
            due, target = assignment.sla_due_at, assignment.sla_target_minutes
            if due is None or target is None:
                return assignment, self._working(assignment.assigned_at + timedelta(minutes=9), rng)
            if turn < 3 and rng.random() < work.late:
                self._sla_sweep(lead, until=due + timedelta(minutes=1), rng=rng)
                moved = self._owner(lead)
                if moved is None:
                    return None  # escalated to a queue: it waits there
                if moved.pk != assignment.pk:
                    assignment = moved
                    self._notify(assignment)
                    continue
            # The share of the target used: mostly the first quarter, now and then more.
            used = rng.choices(
                [rng.uniform(0.03, 0.25), rng.uniform(0.25, 0.5), rng.uniform(0.5, 0.95)],
                [7, 2, 1],
            )[0]
            at = max(
                assignment.assigned_at + timedelta(seconds=40),
                due - timedelta(minutes=target * (1 - used)),
            )
            self._sla_sweep(lead, until=at, rng=rng)
            return assignment, at
        raise AssertionError("unreachable: the last turn always calls")

    def _sla_sweep(self, lead: Lead, *, until: datetime, rng: random.Random) -> None:
        """What the cluster's SLA sweep did for this lead up to `until`: each point of its
        clock performed by the sweep's own step (`sla_point_perform`) at its moment, and a
        reminder's e-mail sent then (to the in-memory mailbox, as `_notify`)."""
        while True:
            due = Assignment.objects.filter(
                lead=lead, ended_at__isnull=True, sla_next_step_at__lte=until
            ).first()
            if due is None or due.sla_next_step_at is None:
                return
            assignment_id, listed_at = due.pk, due.sla_next_step_at
            at = listed_at + timedelta(seconds=rng.randint(5, 55))  # the sweep runs each minute
            steps = set(
                SlaStepRecord.objects.filter(assignment__lead=lead).values_list("pk", flat=True)
            )
            with (
                time_machine.travel(at, tick=False),
                override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            ):
                sla_point_perform(
                    assignment_id=assignment_id, lead_id=lead.pk, listed_at=listed_at, now=at
                )
                for step in SlaStepRecord.objects.filter(assignment__lead=lead).exclude(
                    pk__in=steps
                ):
                    if step.kind == SlaStep.Kind.REMIND:
                        notifications.sla_step_notify(step.pk)

    def _attempt(self, lead: Lead, user, at: datetime, work: "Work", *, first: bool) -> bool:
        """One contact attempt by `user` at `at`: mostly a call, sometimes an e-mail or a
        text; reached by the source's odds (a second try a little less often). Returns
        whether the person was reached."""
        rng = work.rng
        reached = rng.random() < (work.mix.reach if first else work.mix.reach * 0.8)
        kind = rng.choices(ATTEMPT_KINDS, [8, 1, 1])[0]
        if reached:
            outcome = Activity.Outcome.REACHED
        elif kind == Activity.Kind.CALL:
            outcome = rng.choice([Activity.Outcome.NO_ANSWER, Activity.Outcome.LEFT_VOICEMAIL])
        else:
            outcome = Activity.Outcome.MESSAGE_SENT
        with time_machine.travel(at, tick=False):
            routing_services.activity_log(lead=lead, user=user, kind=kind, outcome=outcome, now=at)
        return reached

    def _close(self, lead: Lead, user, at: datetime, reached: bool, work: "Work") -> str:
        """Where the lead stands: reached, it is qualified within days and won (by the
        source's odds, days to weeks later, with a value), or mostly lost (with a listed
        reason, days to weeks later), a few still open; never reached, mostly lost for it.
        A close due after now has not happened yet: the lead is still being worked."""
        rng, now = work.rng, work.now
        roll = rng.random()
        steps: list[tuple[dict, float]] = []
        if reached and roll < work.mix.win:
            steps = [
                ({"status": LeadStatus.QUALIFIED}, rng.uniform(0.2, 2)),
                (
                    {"status": LeadStatus.WON, "value": rng.choice(WON_VALUES)},
                    # Two in five buy within days of the quote, the rest weeks later.
                    rng.uniform(0.2, 3) if rng.random() < 0.4 else rng.triangular(3, 30, 8),
                ),
            ]
        elif reached and roll < work.mix.win + (1 - work.mix.win) * 0.85:
            lost_reason = rng.choice([r for r in LOST_DETAILS if r != LostReason.NO_RESPONSE])
            # A third say no on the first calls; the rest after a quote, days or weeks later.
            days = rng.uniform(0.05, 1.5) if rng.random() < 0.35 else rng.triangular(2, 25, 6)
            steps = [(self._lost(lost_reason), days)]
        elif reached:
            steps = [({"status": LeadStatus.QUALIFIED}, rng.uniform(0.5, 6))]
        elif roll < 0.8:
            steps = [(self._lost(LostReason.NO_RESPONSE), rng.triangular(3, 21, 7))]
        status = Lead.objects.get(pk=lead.pk).status
        for change, days in steps:
            at = self._working(at + timedelta(days=days), rng)
            if at >= now - timedelta(hours=1):
                break
            with time_machine.travel(at, tick=False):
                routing_services.lead_status_change(lead=lead, user=user, now=at, **change)
            status = change["status"]
        return status

    def _lost(self, lost_reason: LostReason) -> dict:
        return {
            "status": LeadStatus.LOST,
            "lost_reason": lost_reason,
            "reason": LOST_DETAILS[lost_reason],
        }

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

    def _person(self, rng: random.Random, index: int, *, junk: float = 0.1) -> dict:
        """A person with a name, a ZIP code and an e-mail address and phone that agree with
        it; with probability `junk`, one contact detail is junk (the gate flags it)."""
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        # Fictional 555-01xx numbers, one per person: 10 area codes x 100 numbers.
        zip_code, area = PLACES[index % len(PLACES)]
        person = {"first_name": first, "last_name": last, "postal_code": zip_code}
        if rng.random() < 0.2:
            company, domain = rng.choice(COMPANY_DOMAINS)
            person.update(company=company, email=f"{first}.{last}@{domain}")
        else:
            person["email"] = f"{first}{last}{index}@{rng.choice(FREE_DOMAINS)}"
        if rng.random() < 0.9:
            person["phone"] = f"({area}) 555-01{index // len(PLACES):02d}"
        if rng.random() < junk:
            junk_kind = rng.randrange(4)
            if junk_kind == 0:
                person["phone"] = "000-000-0000"  # a placeholder typed into a form
            elif junk_kind == 1:
                person["email"] = f"{first}@mailinator.com"  # disposable: flagged, still kept
            elif junk_kind == 2:
                person["email"] = person["email"].split("@")[0] + "@gmial.com"  # a typo
            else:
                person.update(email=f"{first}.{last}@", phone="555-1234")  # nothing usable
        person["email"] = person["email"].lower().replace(" ", "").replace("'", "")
        return person
