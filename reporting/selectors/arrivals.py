"""Arrivals per source and channel (and their totals), wins, duplicates and spam, close rate by
rule and the quality gate's flags: grouped, conditional counts in the database."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from intake.models import Channel, LeadStatus, Submission
from intake.quality.flags import FlagCode
from reporting import figures
from reporting.report import ChannelRow, FlagCount, RuleRow, Totals
from reporting.selectors.scope import SPAM_OR_TEST, ReportScope, ratio
from routing.models import Assignment, RoutingRule

NO_RULE_LABEL = "Fallback / by hand"
TOP_FLAGS = 10

ARRIVAL_COUNTS = (
    "arrived",
    "spam_or_test",
    "merged_leads",
    "received",
    "imported",
    "valid_contact",
    "held_for_review",
    "qualified",
    "assigned",
    "contacted",
    "closed",
    "closed_won",
    "routed",
    "reassigned",
    "reassigned_sla",
    "reassigned_hand_back",
    "reassigned_manual",
    "with_sla",
    "fell_through",
)


def arrival_groups(scope: ReportScope) -> dict[tuple[int, str], dict[str, int]]:
    """Arrivals (test leads and merged duplicates included, each counted apart) per
    (source id, channel)."""
    arrivals = scope.leads().filter(
        received_at__gte=scope.period.start, received_at__lt=scope.period.end
    )
    real = ~SPAM_OR_TEST & ~Q(status=LeadStatus.MERGED)
    conditions = figures.lead_conditions(scope.as_of)
    rows = arrivals.values("source_id", "channel").annotate(
        arrived=Count("pk"),
        spam_or_test=Count("pk", filter=SPAM_OR_TEST & ~Q(status=LeadStatus.MERGED)),
        merged_leads=Count("pk", filter=Q(status=LeadStatus.MERGED)),
        received=Count("pk", filter=real),
        imported=Count("pk", filter=real & Q(is_historical=True)),
        **{name: Count("pk", filter=real & condition) for name, condition in conditions.items()},
    )
    return {
        (row["source_id"], row["channel"]): {name: row[name] for name in ARRIVAL_COUNTS}
        for row in rows
    }


def sum_counts(groups) -> dict:
    totals: dict = defaultdict(int)
    for group in groups:
        for name, value in group.items():
            totals[name] += value
    return totals


def won_groups(scope: ReportScope) -> dict[tuple[int, str], dict]:
    rows = (
        scope.won()
        .values("source_id", "channel")
        .annotate(won=Count("pk"), won_value=Coalesce(Sum("outcome_value"), Decimal("0")))
    )
    return {
        (row["source_id"], row["channel"]): {"won": row["won"], "won_value": row["won_value"]}
        for row in rows
    }


def submission_groups(scope: ReportScope) -> tuple[dict, dict]:
    """Repeat inquiries merged into an open lead, and spam the honeypot caught, that arrived in
    the period, per (source id, channel). Spam has no lead, so no team: the organisation's."""
    submissions = Submission.objects.order_by().filter(
        received_at__gte=scope.period.start, received_at__lt=scope.period.end
    )
    merged = submissions.filter(status=Submission.Status.MERGED)
    if scope.team is not None:
        merged = merged.filter(lead__in=scope.lead_ids())
    spam = submissions.filter(status=Submission.Status.SPAM)
    return _count_by_source(merged), _count_by_source(spam) if scope.team is None else {}


def _count_by_source(submissions) -> dict[tuple[int, str], int]:
    rows = submissions.values("source_id", "source__channel").annotate(count=Count("pk"))
    return {(row["source_id"], row["source__channel"]): row["count"] for row in rows}


def totals_of(counts: dict, *, won: dict, duplicates: int, spam: int, sla: tuple[int, int]):
    sla_met, sla_total = sla
    return Totals(
        received=counts["received"],
        valid_contact=counts["valid_contact"],
        duplicates_merged=duplicates,
        spam_or_test=counts["spam_or_test"] + spam,
        held_for_review=counts["held_for_review"],
        qualified=counts["qualified"],
        assigned=counts["assigned"],
        contacted=counts["contacted"],
        won=won["won"],
        won_value=won["won_value"] or Decimal("0"),
        closed=counts["closed"],
        closed_won=counts["closed_won"],
        close_rate=ratio(counts["closed_won"], counts["closed"]),
        sla_met=sla_met,
        sla_total=sla_total,
        sla_met_rate=ratio(sla_met, sla_total),
    )


def channel_rows(groups, won_groups, duplicates, spam, *, key, sources) -> list[ChannelRow]:
    """Rows per source (key: the pair's source id) or per channel (the pair's channel)."""
    merged: dict = defaultdict(lambda: defaultdict(int))
    for pair, counts in groups.items():
        for name, value in counts.items():
            merged[key(pair)][name] += value
    for pair, counts in won_groups.items():
        merged[key(pair)]["won"] += counts["won"]
        merged[key(pair)]["won_value"] += counts["won_value"] or Decimal("0")
    for table, name in ((duplicates, "duplicates"), (spam, "spam")):
        for pair, count in table.items():
            merged[key(pair)][name] += count
    rows = []
    for group_key, counts in merged.items():
        if isinstance(group_key, int):
            name = sources[group_key].name
            row_key, label = name, name
        else:
            row_key, label = group_key, Channel(group_key).label
        received = counts["received"]
        rows.append(
            ChannelRow(
                key=row_key,
                label=label,
                received=received,
                valid_contact_rate=ratio(counts["valid_contact"], received),
                duplicates_merged=counts["duplicates"] + counts["merged_leads"],
                spam_or_test=counts["spam_or_test"] + counts["spam"],
                held_for_review_share=ratio(counts["held_for_review"], received),
                contact_rate=ratio(counts["contacted"], received),
                qualified_rate=ratio(counts["qualified"], received),
                won=counts["won"],
                won_value=counts["won_value"] or Decimal("0"),
            )
        )
    return sorted(rows, key=lambda row: (-row.received, -row.won, row.label.lower()))


def rule_rows(scope: ReportScope) -> list[RuleRow]:
    groups = (
        scope.real()
        .annotate(first_rule_id=figures.first_routing("rule_id"))
        .filter(Exists(Assignment.objects.filter(lead=OuterRef("pk"))))
        .values("first_rule_id")
        .annotate(
            routed=Count("pk"),
            closed=Count("pk", filter=figures.closed_by(scope.as_of)),
            won=Count("pk", filter=figures.won_by(scope.as_of)),
        )
    )
    rows = list(groups)
    names = dict(
        RoutingRule.objects.filter(pk__in=[row["first_rule_id"] for row in rows]).values_list(
            "pk", "name"
        )
    )
    result = [
        RuleRow(
            rule_id=row["first_rule_id"],
            label=names.get(row["first_rule_id"], NO_RULE_LABEL),
            routed=row["routed"],
            closed=row["closed"],
            won=row["won"],
            close_rate=ratio(row["won"], row["closed"]),
        )
        for row in rows
    ]
    return sorted(result, key=lambda row: (-row.routed, row.label.lower()))


def top_flags(scope: ReportScope) -> list[FlagCount]:
    """The quality gate's most frequent flags on the arrival cohort (one statement)."""
    codes = [code for code in FlagCode if code != FlagCode.TEST]
    counts = scope.real().aggregate(
        **{code.value: Count("pk", filter=Q(flags__has_key=code.value)) for code in codes}
    )
    flags = [
        FlagCount(code=code.value, label=code.label, count=counts[code.value])
        for code in codes
        if counts[code.value]
    ]
    return sorted(flags, key=lambda flag: (-flag.count, flag.code))[:TOP_FLAGS]
