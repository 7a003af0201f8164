"""What the report pages show, worked out from a `Report` without further queries: each headline
with its change and verdict, the rows a rep's page compares, the charts' data and the tables the
CSV export writes. Pure functions of the dataclasses (reporting/report.py), tested without a
database."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal

from intake.models import Channel
from reporting.report import ChannelRow, Headline, Report, RepRow

# How a figure reads, by its kind.
COUNT, DURATION, RATE, MONEY = "count", "duration", "rate", "money"


def figure_kind(key: str) -> str:
    """A headline's kind from its key: speeds are durations, rates are shares, values money."""
    if "speed" in key or key.endswith("_seconds"):
        return DURATION
    if key.endswith("_rate") or key.endswith("_share"):
        return RATE
    if key.endswith("_value"):
        return MONEY
    return COUNT


@dataclass(frozen=True)
class HeadlineView:
    """A headline with how it moved: `direction` "up"/"down"/"same" (or "" when either value
    is missing) and `verdict` "better"/"worse"/"" from the figure's `better_when`."""

    headline: Headline
    kind: str
    change: float | None
    direction: str
    verdict: str
    vs_average: float | None
    average_direction: str
    average_verdict: str
    link: str | None


def _movement(value: float | None, other: float | None, better_when: str) -> tuple[str, str]:
    if value is None or other is None:
        return "", ""
    if value == other:
        return "same", ""
    direction = "up" if value > other else "down"
    better = (direction == "up") == (better_when == "higher")
    return direction, "better" if better else "worse"


def headline_views(report: Report, links: dict[str, str]) -> list[HeadlineView]:
    views = []
    for headline in report.headlines:
        direction, verdict = _movement(headline.value, headline.previous, headline.better_when)
        average_direction, average_verdict = _movement(
            headline.value, headline.average_8, headline.better_when
        )
        views.append(
            HeadlineView(
                headline=headline,
                kind=figure_kind(headline.key),
                change=_difference(headline.value, headline.previous),
                direction=direction,
                verdict=verdict,
                vs_average=_difference(headline.value, headline.average_8),
                average_direction=average_direction,
                average_verdict=average_verdict,
                link=links.get(headline.key),
            )
        )
    return views


def _difference(value: float | None, other: float | None) -> float | None:
    if value is None or other is None:
        return None
    return float(value) - float(other)


# --- a rep's page: their numbers beside the team's median ---------------------------------

# (RepRow field, label, kind): the rows of a rep's page, in order.
REP_FIGURES = [
    ("assigned", "Leads given to you", COUNT),
    ("contacted", "Of those, contacted", COUNT),
    ("sla_met_rate", "First contact within the SLA", RATE),
    ("median_first_contact_seconds", "Median time to first contact", DURATION),
    ("open_load", "Open leads now", COUNT),
    ("won", "Won this week", COUNT),
    ("won_value", "Won value", MONEY),
    ("close_rate", "Close rate", RATE),
]


@dataclass(frozen=True)
class Comparison:
    field: str
    label: str
    kind: str
    mine: float | Decimal | None
    team_median: float | Decimal | None


def rep_row(report: Report, username: str) -> RepRow:
    """The rep's row of the report; a rep with no activity in the period reads all zeros."""
    for row in report.by_rep:
        if row.username == username:
            return row
    return RepRow(username=username, name=username)


def rep_beside_team(report: Report, username: str) -> list[Comparison]:
    """Each of the rep's figures beside the median of their team's active reps (a figure
    nobody has, such as a close rate with nothing closed, is left out of the median)."""
    mine = rep_row(report, username)
    peers = [row for row in report.by_rep if row.is_active]
    comparisons = []
    for field, label, kind in REP_FIGURES:
        values = [getattr(row, field) for row in peers if getattr(row, field) is not None]
        comparisons.append(
            Comparison(
                field=field,
                label=label,
                kind=kind,
                mine=getattr(mine, field),
                team_median=statistics.median(values) if values else None,
            )
        )
    return comparisons


# --- charts ----------------------------------------------------------------------------------


def chart_data(report: Report) -> dict:
    """The charts' data for `json_script`: leads per day by channel, SLA met per day, the
    speed-to-first-contact buckets and the funnel (all for leads that arrived in the period)."""
    channel_labels = dict(Channel.choices)
    channels = sorted({code for day in report.days for code in day.received_by_channel})
    totals = report.totals
    return {
        "days": [day.date.strftime("%a %-d %b") for day in report.days],
        "received_by_channel": [
            {
                "label": channel_labels.get(code, code),
                "data": [day.received_by_channel.get(code, 0) for day in report.days],
            }
            for code in channels
        ],
        "sla_met_percent": [
            round(100 * day.sla_met / day.sla_total, 1) if day.sla_total else None
            for day in report.days
        ],
        "first_contact": {
            "labels": [bucket.label for bucket in report.first_contact_buckets],
            "counts": [bucket.count for bucket in report.first_contact_buckets],
        },
        "funnel": {
            "labels": ["Received", "Qualified", "Assigned", "Contacted", "Won"],
            "counts": [
                totals.received,
                totals.qualified,
                totals.assigned,
                totals.contacted,
                totals.closed_won,
            ],
        },
    }


# --- tables (pages and CSV) -----------------------------------------------------------------

Cell = str | int | float | Decimal | None


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _channel_rows(rows: list[ChannelRow]) -> list[list[Cell]]:
    return [
        [
            row.label,
            row.received,
            _percent(row.valid_contact_rate),
            row.duplicates_merged,
            row.spam_or_test,
            _percent(row.held_for_review_share),
            _percent(row.contact_rate),
            _percent(row.qualified_rate),
            row.won,
            row.won_value,
        ]
        for row in rows
    ]


CHANNEL_HEADERS = [
    "Received",
    "Valid contact (%)",
    "Duplicates merged",
    "Spam or test",
    "Held for review (%)",
    "Contacted (%)",
    "Qualified (%)",
    "Won",
    "Won value",
]

TABLE_NAMES = ["sources", "channels", "rules", "reps", "flags", "days"]


def report_tables(report: Report) -> dict[str, Table]:
    """Every table of a report as plain cells (numbers stay numbers; a missing figure is None),
    by the name its CSV file takes."""
    channel_labels = dict(Channel.choices)
    channels = sorted({code for day in report.days for code in day.received_by_channel})
    tables = [
        Table("sources", "Sources", ["Source", *CHANNEL_HEADERS], _channel_rows(report.by_source)),
        Table(
            "channels", "Channels", ["Channel", *CHANNEL_HEADERS], _channel_rows(report.by_channel)
        ),
        Table(
            "rules",
            "Close rate by routing rule",
            ["Rule", "Routed", "Closed", "Won", "Close rate (%)"],
            [
                [row.label, row.routed, row.closed, row.won, _percent(row.close_rate)]
                for row in report.by_rule
            ],
        ),
        Table(
            "reps",
            "Reps",
            [
                "Rep",
                "Username",
                "Active",
                "Assigned",
                "Contacted",
                "SLA met",
                "SLA clocks",
                "SLA met (%)",
                "Median first contact (minutes)",
                "Open leads",
                "Won",
                "Won value",
                "Closed",
                "Close rate (%)",
            ],
            [
                [
                    row.name,
                    row.username,
                    "yes" if row.is_active else "no",
                    row.assigned,
                    row.contacted,
                    row.sla_met,
                    row.sla_total,
                    _percent(row.sla_met_rate),
                    _minutes(row.median_first_contact_seconds),
                    row.open_load,
                    row.won,
                    row.won_value,
                    row.closed,
                    _percent(row.close_rate),
                ]
                for row in report.by_rep
            ],
        ),
        Table(
            "flags",
            "Quality flags",
            ["Flag", "Code", "Leads"],
            [[flag.label, flag.code, flag.count] for flag in report.top_flags],
        ),
        Table(
            "days",
            "Days",
            [
                "Date",
                *[f"Received: {channel_labels.get(code, code)}" for code in channels],
                "SLA met",
                "SLA clocks",
            ],
            [
                [
                    day.date.isoformat(),
                    *[day.received_by_channel.get(code, 0) for code in channels],
                    day.sla_met,
                    day.sla_total,
                ]
                for day in report.days
            ],
        ),
    ]
    return {table.name: table for table in tables}


def duration_words(seconds: float) -> str:
    """45 s, 9 min, 1 h 20 min, 1 day, 2 days 3 h: the two largest units, rounded to the
    nearest. Pages, CSV-free text and the Monday digest say durations this one way."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    day_words = "1 day" if days == 1 else f"{days} days"
    return f"{day_words} {hours} h" if hours else day_words
