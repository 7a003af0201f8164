"""Reports built by hand: the pages, links and CSV files are tested against known figures,
independent of how `reporting.selectors` computes them."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from reporting.periods import Period, week_parse
from reporting.report import (
    Bucket,
    ChannelRow,
    Day,
    FlagCount,
    Headline,
    Report,
    RepRow,
    Review,
    RuleRow,
    Signals,
    Speed,
    Totals,
)

CHICAGO = ZoneInfo("America/Chicago")


def a_week(label: str = "2026-W48", zone: ZoneInfo = CHICAGO) -> Period:
    return week_parse(label, zone)


def empty_report(period: Period, team: str | None = None) -> Report:
    """A period with no leads: every rate and speed is None."""
    return Report(
        period=period,
        team=team,
        time_zone=period.zone.key,
        as_of=period.end + dt.timedelta(minutes=5),
        totals=Totals(),
        signals=Signals(),
        headlines=[
            Headline("received", "Leads received", 0, None, None, "higher"),
            Headline(
                "speed_to_first_contact_p50", "Median first contact", None, None, None, "lower"
            ),
        ],
        by_source=[],
        by_channel=[],
        by_rule=[],
        by_rep=[],
        review=Review(),
        top_flags=[],
        days=[Day(date=day) for day in period.days()],
        first_contact_buckets=[],
    )


def busy_report(period: Period, team: str | None = "Austin office", reps=("ann", "bob")) -> Report:
    """A week with known figures: 40 received (up from 32, above the 8-week average of 35),
    first contact slower than last week, one source named like a formula."""
    rep_rows = [
        RepRow(
            username=username,
            name=username.title(),
            assigned=10 + index,
            contacted=8 + index,
            sla_met=7,
            sla_total=8,
            sla_met_rate=7 / 8,
            median_first_contact_seconds=300 + 60 * index,
            open_load=4,
            won=2 + index,
            won_value=Decimal("1500.00") * (index + 1),
            closed=4,
            close_rate=(2 + index) / 4,
        )
        for index, username in enumerate(reps)
    ]
    return Report(
        period=period,
        team=team,
        time_zone=period.zone.key,
        as_of=period.end + dt.timedelta(minutes=5),
        totals=Totals(
            received=40,
            valid_contact=36,
            duplicates_merged=3,
            spam_or_test=2,
            held_for_review=5,
            qualified=30,
            assigned=28,
            contacted=24,
            won=5,
            won_value=Decimal("7500.00"),
            closed=12,
            closed_won=5,
            close_rate=5 / 12,
            sla_met=20,
            sla_total=25,
            sla_met_rate=0.8,
        ),
        signals=Signals(
            speed_to_assignment=Speed(28, 45.0, 600.0),
            speed_to_first_contact=Speed(24, 540.0, 3600.0),
            speed_to_first_contact_business=Speed(24, 300.0, 1800.0),
            routed=28,
            reassigned=4,
            reassignment_rate=4 / 28,
            reassigned_by_reason={"sla": 2, "hand_back": 1, "manual": 1},
            with_sla=25,
            fell_through=5,
            fallthrough_rate=0.2,
        ),
        headlines=[
            Headline("received", "Leads received", 40, 32, 35.0, "higher"),
            Headline(
                "speed_to_first_contact_p50", "Median first contact", 540.0, 420.0, 600.0, "lower"
            ),
            Headline("close_rate", "Close rate", 5 / 12, None, 0.4, "higher"),
            Headline("won_value", "Won value", 7500.0, 7500.0, 5000.0, "higher"),
        ],
        by_source=[
            ChannelRow("Website", "Website", received=30, valid_contact_rate=0.9, won=4),
            ChannelRow(
                '=HYPERLINK("http://evil.example","x")',
                '=HYPERLINK("http://evil.example","x")',
                received=10,
                won=1,
                won_value=Decimal("-250.00"),
            ),
        ],
        by_channel=[ChannelRow("web", "Web form", received=40, contact_rate=0.6, won=5)],
        by_rule=[
            RuleRow(7, "Texas homes", routed=20, closed=8, won=4, close_rate=0.5),
            RuleRow(None, "Fallback / by hand", routed=8, closed=4, won=1, close_rate=0.25),
        ],
        by_rep=rep_rows,
        review=Review(volume=5, median_wait_seconds=1800.0, decisions=4, corrections=1),
        top_flags=[FlagCount("disposable_email", "Disposable e-mail", 3)],
        days=[
            Day(date=day, received_by_channel={"web": 5 + n, "email": n}, sla_met=3, sla_total=4)
            for n, day in enumerate(period.days())
        ],
        first_contact_buckets=[
            Bucket("< 5 min", 300, 10),
            Bucket("5 to 30 min", 1800, 9),
            Bucket("30 min +", None, 5),
        ],
        imported=6,
    )
