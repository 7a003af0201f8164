"""What happened to each lead that arrived in a period, read in a few set-wise statements.

Every figure of the arrival cohort (counts per source and channel, the routing signals, close
rate by rule, speeds, flags) is derived in Python from these facts. Each statement reads one
table's rows for the period's leads, joined through the leads' `received_at` index: one index
probe per lead and table, where a condition per figure (a correlated `EXISTS` each) cost a
dozen probes per lead (measured: README, "Weekly reports").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Min

from intake.models import Lead, LeadEvent, LeadStatus
from intake.quality.flags import FlagCode
from qualification.models import Qualification, ReviewTask, Tier
from reporting.open_time import OpenTimeIndex
from reporting.selectors.scope import ReportScope
from routing.models import Activity, Assignment, Rep, SlaState
from routing.selectors import calendar_spec

# A calendar-less team's clock runs all the time (the SLA's rule): business time is wall time.
from routing.services.sla_setup import ALWAYS_OPEN

CLOSED_STATUSES = (LeadStatus.WON, LeadStatus.LOST)
QUALIFIED_TIERS = (Tier.A, Tier.B)
SLA_REASSIGNMENTS = (Assignment.Reason.SLA, Assignment.Reason.ESCALATION)


@dataclass
class LeadFacts:
    """One lead of the period's arrivals and what became of it by `as_of`."""

    source_id: int
    channel: str
    received_at: dt.datetime
    status: str
    closed_at: dt.datetime | None
    is_historical: bool
    flags: list[str]
    spam_or_test: bool
    first_team_id: int | None = None  # the team of its first routing (rep's, else queue's)
    first_rule_id: int | None = None
    routed: bool = False
    first_owner_at: dt.datetime | None = None  # first assignment to a rep
    first_owner_calendar_id: int | None = None  # the calendar its first owner's clock used
    last_rep_id: int | None = None  # its latest rep: who owned it when it closed
    reasons: set[str] = field(default_factory=set)  # reassigned by: sla, hand_back, manual
    with_sla: bool = False
    fell_through: bool = False
    first_contact_at: dt.datetime | None = None
    held_for_review: bool = False
    qualified: bool = False

    @property
    def merged(self) -> bool:
        return self.status == LeadStatus.MERGED

    @property
    def counted(self) -> bool:
        """In the arrival cohort: neither spam, test nor a duplicate merged into another."""
        return not self.spam_or_test and not self.merged

    def closed_by(self, as_of: dt.datetime) -> bool:
        return (
            self.status in CLOSED_STATUSES
            and self.closed_at is not None
            and (self.closed_at <= as_of)
        )

    def won_by(self, as_of: dt.datetime) -> bool:
        return self.status == LeadStatus.WON and self.closed_by(as_of)


def arrival_facts(scope: ReportScope, *, detail: bool = True) -> list[LeadFacts]:
    """The facts of every lead that arrived in the scope's period, whatever its team (a team's
    rep rows count its reps' work on every lead; `of_team` narrows them).

    1. The leads (one statement, by the `received_at` index).
    2. Their assignments in order (one statement): first routing and team, first owner and
       its calendar, last rep, reassignments by reason, SLA clocks.
    3. Their first contact attempts and hand-backs (two statements).
    4. With `detail`: whether each went to review and was qualified A or B (two statements).
    """
    start, end, as_of = scope.period.start, scope.period.end, scope.as_of
    in_period = {"lead__received_at__gte": start, "lead__received_at__lt": end}
    facts: dict[int, LeadFacts] = {}
    leads = Lead.objects.order_by().filter(received_at__gte=start, received_at__lt=end)
    for (
        lead_id,
        source_id,
        channel,
        received_at,
        status,
        closed_at,
        historical,
        test,
        flags,
    ) in leads.values_list(
        "pk",
        "source_id",
        "channel",
        "received_at",
        "status",
        "closed_at",
        "is_historical",
        "is_test",
        "flags",
    ):
        codes = list(flags or {})
        facts[lead_id] = LeadFacts(
            source_id=source_id,
            channel=channel,
            received_at=received_at,
            status=status,
            closed_at=closed_at,
            is_historical=historical,
            flags=codes,
            spam_or_test=test or FlagCode.TEST in codes,
        )
    _add_assignments(facts, in_period, as_of)
    for lead_id, first_at in (
        Activity.objects.order_by()
        .filter(at__lte=as_of, **in_period)
        .values("lead_id")
        .annotate(first_at=Min("at"))
        .values_list("lead_id", "first_at")
    ):
        if lead_id in facts:
            facts[lead_id].first_contact_at = first_at
    for lead_id in LeadEvent.objects.filter(
        kind=LeadEvent.Kind.HANDED_BACK, at__lte=as_of, **in_period
    ).values_list("lead_id", flat=True):
        if lead_id in facts:
            facts[lead_id].reasons.add("hand_back")
    if detail:
        for lead_id in ReviewTask.objects.filter(**in_period).values_list("lead_id", flat=True):
            if lead_id in facts:
                facts[lead_id].held_for_review = True
        for lead_id in Qualification.objects.filter(
            tier__in=QUALIFIED_TIERS, **in_period
        ).values_list("lead_id", flat=True):
            if lead_id in facts:
                facts[lead_id].qualified = True
    return list(facts.values())


def of_team(facts: list[LeadFacts], team) -> list[LeadFacts]:
    """The team's leads among the facts (all of them for the organisation, team None)."""
    if team is None:
        return facts
    return [fact for fact in facts if fact.first_team_id == team.pk]


def _add_assignments(facts: dict[int, LeadFacts], in_period: dict, as_of: dt.datetime) -> None:
    reps = {
        rep_id: (team_id, calendar_id)
        for rep_id, team_id, calendar_id in Rep.objects.values_list(
            "pk", "team_id", "team__calendar_id"
        )
    }
    rows = (
        Assignment.objects.order_by("lead_id", "assigned_at", "pk")
        .filter(assigned_at__lte=as_of, **in_period)
        .values_list(
            "lead_id",
            "rep_id",
            "queue_team_id",
            "rule_id",
            "reason",
            "assigned_at",
            "sla_state",
            "sla_policy__calendar_id",
        )
    )
    for lead_id, rep_id, queue_team_id, rule_id, reason, assigned_at, sla_state, calendar in rows:
        fact = facts.get(lead_id)
        if fact is None:
            continue  # arrived after the leads were read
        rep_team_id, team_calendar = reps.get(rep_id, (None, None)) if rep_id else (None, None)
        if not fact.routed:
            fact.routed = True
            fact.first_team_id = rep_team_id or queue_team_id
            fact.first_rule_id = rule_id
        if reason in SLA_REASSIGNMENTS:
            fact.reasons.add("sla")
        elif reason == Assignment.Reason.MANUAL and fact.first_owner_at is not None:
            # Giving a queued lead to a rep is assigning it; only a lead that had a rep is
            # reassigned by hand.
            fact.reasons.add("manual")
        if rep_id is not None:
            if fact.first_owner_at is None:
                fact.first_owner_at = assigned_at
                fact.first_owner_calendar_id = calendar or team_calendar
            fact.last_rep_id = rep_id
        if sla_state:
            fact.with_sla = True
            fact.fell_through |= sla_state == SlaState.BREACHED


def arrival_counts(facts: list[LeadFacts], as_of: dt.datetime) -> dict[tuple, dict[str, int]]:
    """Counts per (source id, channel): arrivals, test and spam, merged duplicates, the
    cohort's counts and its lead-level routing signals."""
    groups: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for fact in facts:
        counts = groups[(fact.source_id, fact.channel)]
        if fact.merged:
            counts["merged_leads"] += 1
            continue
        if fact.spam_or_test:
            counts["spam_or_test"] += 1
            continue
        counts["received"] += 1
        for name, happened in (
            ("imported", fact.is_historical),
            ("valid_contact", FlagCode.UNCONTACTABLE not in fact.flags),
            ("held_for_review", fact.held_for_review),
            ("qualified", fact.qualified),
            ("assigned", fact.first_owner_at is not None),
            ("contacted", fact.first_contact_at is not None),
            ("closed", fact.closed_by(as_of)),
            ("closed_won", fact.won_by(as_of)),
            ("routed", fact.routed),
            ("reassigned", bool(fact.reasons)),
            ("reassigned_sla", "sla" in fact.reasons),
            ("reassigned_hand_back", "hand_back" in fact.reasons),
            ("reassigned_manual", "manual" in fact.reasons),
            ("with_sla", fact.with_sla),
            ("fell_through", fact.fell_through),
        ):
            counts[name] += happened
    return groups


@dataclass(frozen=True)
class Cohort:
    """Per lead of the arrival cohort: when it arrived (local date, channel), and its
    speeds in seconds (wall clock and business time)."""

    arrivals: list[tuple[dt.datetime, str]]
    to_assignment_seconds: list[float]
    first_contact_seconds: list[float]
    first_contact_business_seconds: list[float]


def cohort_of(facts: list[LeadFacts], as_of: dt.datetime) -> Cohort:
    """The speeds of the arrival cohort's leads (test leads and duplicates left out)."""
    rows = [
        (
            fact.received_at,
            fact.channel,
            fact.first_owner_at,
            fact.first_contact_at,
            fact.first_owner_calendar_id,
        )
        for fact in facts
        if fact.counted
    ]
    return _speeds(rows, as_of)


def _speeds(rows, as_of: dt.datetime) -> Cohort:
    to_assignment: list[float] = []
    contacts: list[tuple[dt.datetime, dt.datetime, int | None]] = []
    for received_at, _channel, owner_at, contact_at, calendar_id in rows:
        if owner_at is None or owner_at > as_of:
            continue
        to_assignment.append(max(0.0, (owner_at - received_at).total_seconds()))
        if contact_at is not None and contact_at <= as_of:
            # A contact logged before the lead had an owner (from the queue) took no time.
            contacts.append((owner_at, max(owner_at, contact_at), calendar_id))
    wall = [(contact - owner).total_seconds() for owner, contact, _ in contacts]
    return Cohort(
        arrivals=[(received_at, channel) for received_at, channel, *_ in rows],
        to_assignment_seconds=to_assignment,
        first_contact_seconds=wall,
        first_contact_business_seconds=_business_seconds(contacts),
    )


def _business_seconds(contacts) -> list[float]:
    """Open seconds of each (start, end, calendar id), one index per calendar."""
    by_calendar: dict[int | None, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for start, end, calendar_id in contacts:
        by_calendar[calendar_id].append((start, end))
    seconds: list[float] = []
    for calendar_id, pairs in by_calendar.items():
        spec = calendar_spec(calendar_id) if calendar_id is not None else ALWAYS_OPEN
        index = OpenTimeIndex(spec, min(start for start, _ in pairs), max(end for _, end in pairs))
        seconds.extend(index.seconds_between(start, end) for start, end in pairs)
    return seconds
