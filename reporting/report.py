"""What a report page, its CSV files, its JSON and the Monday digest show: plain values, computed
once by `reporting.selectors.report_for_period` and rendered by each face without further queries.

Cohorts (said on every page):
- arrival counts and speeds belong to the period a lead *arrived* in (`received_at`);
- "won" and won value belong to the period a lead was *won* in (`closed_at` of a won lead);
- close rates are for leads that arrived in the period and are closed by `as_of`.

A figure that cannot be computed (no leads, nothing closed) is `None`, shown as "—", never 0 and
never a division by zero. Durations are seconds (wall clock) or business minutes, as named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from reporting.periods import Period


@dataclass(frozen=True)
class Speed:
    """A distribution of durations, in seconds: how many, the median and the 90th percentile."""

    count: int = 0
    p50_seconds: float | None = None
    p90_seconds: float | None = None


@dataclass(frozen=True)
class Signals:
    """The lead-routing guide's five health signals for the leads that arrived in the period."""

    # Received → first owner (a rep; a team queue is not an owner).
    speed_to_assignment: Speed = field(default_factory=Speed)
    # First assignment → first logged contact attempt, on the wall clock …
    speed_to_first_contact: Speed = field(default_factory=Speed)
    # … and in business minutes of the team's calendar (p50/p90, as seconds of open time).
    speed_to_first_contact_business: Speed = field(default_factory=Speed)
    # Leads reassigned after their first routing / leads routed; by reason "sla", "hand_back",
    # "manual" (a lead counted once per reason it had).
    routed: int = 0
    reassigned: int = 0
    reassignment_rate: float | None = None
    reassigned_by_reason: dict[str, int] = field(default_factory=dict)
    # Routed leads whose SLA breached (not worked within their SLA) / routed leads with an SLA.
    with_sla: int = 0
    fell_through: int = 0
    fallthrough_rate: float | None = None


@dataclass(frozen=True)
class Totals:
    received: int = 0
    valid_contact: int = 0  # phone or e-mail verified
    duplicates_merged: int = 0  # repeat inquiries merged into an earlier lead in the period
    spam_or_test: int = 0
    held_for_review: int = 0
    qualified: int = 0
    assigned: int = 0  # arrived in the period and had a rep as owner at some point
    contacted: int = 0  # arrived in the period and have a logged contact attempt
    won: int = 0  # won in the period (won cohort)
    won_value: Decimal = Decimal("0")
    closed: int = 0  # arrived in the period and closed (won or lost) by `as_of`
    closed_won: int = 0  # arrived in the period and won by `as_of`
    close_rate: float | None = None  # closed_won / closed
    sla_met: int = 0
    sla_total: int = 0
    sla_met_rate: float | None = None


@dataclass(frozen=True)
class ChannelRow:
    """One source or one channel: `key` filters the lead list (source name or channel code)."""

    key: str
    label: str
    received: int = 0
    valid_contact_rate: float | None = None
    duplicates_merged: int = 0
    spam_or_test: int = 0
    held_for_review_share: float | None = None
    contact_rate: float | None = None
    qualified_rate: float | None = None
    won: int = 0  # won in the period
    won_value: Decimal = Decimal("0")


@dataclass(frozen=True)
class RuleRow:
    """Close rate by routing rule: leads that arrived in the period, routed by this rule (their
    first routing), closed by `as_of`."""

    rule_id: int | None
    label: str  # "Fallback / by hand" when no rule
    routed: int = 0
    closed: int = 0
    won: int = 0
    close_rate: float | None = None


@dataclass(frozen=True)
class RepRow:
    username: str
    name: str
    is_active: bool = True  # False for inactive reps and imported owners
    assigned: int = 0  # assignments to the rep that started in the period
    contacted: int = 0  # of those, leads the rep logged an attempt on
    sla_met: int = 0
    sla_total: int = 0
    sla_met_rate: float | None = None
    median_first_contact_seconds: float | None = None
    open_load: int = 0  # open leads owned now (as of)
    won: int = 0  # won in the period by the rep owning the lead
    won_value: Decimal = Decimal("0")
    closed: int = 0
    close_rate: float | None = None


@dataclass(frozen=True)
class Review:
    volume: int = 0  # leads that went to review in the period
    median_wait_seconds: float | None = None  # into review → decided
    decisions: int = 0
    corrections: int = 0  # decisions that changed what qualification had judged


@dataclass(frozen=True)
class FlagCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Day:
    """One day of the period in its zone: arrivals per channel code, SLA met of SLA clocks due."""

    date: dt.date
    received_by_channel: dict[str, int] = field(default_factory=dict)
    sla_met: int = 0
    sla_total: int = 0


@dataclass(frozen=True)
class Bucket:
    """Speed to first contact histogram: leads whose first contact took < `upper_seconds`
    (None: the last, open bucket)."""

    label: str
    upper_seconds: int | None
    count: int


@dataclass(frozen=True)
class Headline:
    """A headline figure with the previous period's value and the 8-period average."""

    key: str  # "received", "speed_to_assignment_p50", …
    label: str
    value: float | None
    previous: float | None
    average_8: float | None
    better_when: str  # "higher" | "lower"


@dataclass(frozen=True)
class Report:
    period: Period
    team: str | None  # team name, None for the whole organisation
    time_zone: str
    as_of: dt.datetime
    totals: Totals
    signals: Signals
    headlines: list[Headline]
    by_source: list[ChannelRow]
    by_channel: list[ChannelRow]
    by_rule: list[RuleRow]
    by_rep: list[RepRow]
    review: Review
    top_flags: list[FlagCount]
    days: list[Day]
    first_contact_buckets: list[Bucket]
    imported: int = 0  # leads in the period brought in by `import_leads` (history)
