"""Rows per source and channel (and their totals), wins, duplicates and spam, close rate by
rule and the quality gate's flags."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from intake.models import Channel, Submission
from intake.quality.flags import FlagCode
from reporting.report import ChannelRow, FlagCount, RuleRow, Totals
from reporting.selectors.facts import LeadFacts
from reporting.selectors.scope import ReportScope, ratio
from routing.models import RoutingRule

NO_RULE_LABEL = "Fallback / by hand"
TOP_FLAGS = 10


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
    merged = scope.narrow(submissions.filter(status=Submission.Status.MERGED))
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


def rule_rows(facts: list[LeadFacts], as_of: dt.datetime) -> list[RuleRow]:
    """Close rate by the rule of each routed arrival's first routing."""
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for fact in facts:
        if fact.counted and fact.routed:
            row = counts[fact.first_rule_id]
            row[0] += 1
            row[1] += fact.closed_by(as_of)
            row[2] += fact.won_by(as_of)
    names = dict(RoutingRule.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    rows = [
        RuleRow(
            rule_id=rule_id,
            label=names.get(rule_id, NO_RULE_LABEL) if rule_id is not None else NO_RULE_LABEL,
            routed=routed,
            closed=closed,
            won=won,
            close_rate=ratio(won, closed),
        )
        for rule_id, (routed, closed, won) in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row.routed, row.label.lower()))


def top_flags(facts: list[LeadFacts]) -> list[FlagCount]:
    """The quality gate's most frequent flags on the arrival cohort, with their labels."""
    counts: Counter[str] = Counter()
    for fact in facts:
        if fact.counted:
            counts.update(fact.flags)
    labels = {code.value: code.label for code in FlagCode}
    flags = [
        FlagCount(code=code, label=labels[code], count=count)
        for code, count in counts.items()
        if code in labels and code != FlagCode.TEST
    ]
    return sorted(flags, key=lambda flag: (-flag.count, flag.code))[:TOP_FLAGS]
