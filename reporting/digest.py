"""The Monday digest: each team's manager gets an e-mail about the team's last ISO week — the
headline figures against the week before, the worst SLA misses, a link to the week's page —
at 08:00 on Monday in the team's time zone.

When it is due (`digest_week`), what it says (`digest_message`) and the one figure only the
digest reads (`sla_misses_worst`) live here; claiming and sending are
`reporting.services.weekly_digests_claim` and `weekly_digest_send`, run by the sweep
`reporting.tasks.send_weekly_digests`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from reporting.models import OWED_STATES, WeeklyDigest
from reporting.periods import Period, week_of
from reporting.presenters import duration_words
from reporting.report import Report
from reporting.selectors.scope import ReportScope
from routing.models import Activity, Assignment, SlaState, Team
from routing.notifications import Message, lead_url

# The digest of a week is due from this hour on the Monday after it, in the team's zone.
DIGEST_HOUR = 8
# … and stays owed this long (a cluster down on Monday morning catches up until Thursday).
SENT_UNTIL = dt.timedelta(days=3)
# A claim that did not end in `sent` this long ago is claimed again: its task's queueing was
# lost, its worker was killed, or the mail server asked to try later. Far above the task's
# run time (the cluster's `timeout` is 60 s), so a slow send is never claimed twice.
RETRY_AFTER = dt.timedelta(minutes=30)
MISSES_SHOWN = 5
EN_DASH = "\N{EN DASH}"


def digest_due_at(period: Period) -> dt.datetime:
    """When the digest of `period` (a week) is due: 08:00 on the Monday after, in its zone
    (a wall-clock time: on a DST Monday it is still 08:00 there)."""
    return dt.datetime.combine(period.end_day, dt.time(DIGEST_HOUR), tzinfo=period.zone)


def digest_week(now: dt.datetime, zone: ZoneInfo) -> Period | None:
    """The week whose digest is owed at `now` in `zone`, if any: last week, from Monday 08:00
    until `SENT_UNTIL` later (Thursday 08:00). A cluster that was down on Monday morning still
    sends it when it comes back on Tuesday or Wednesday; after that the next digest is nearer
    than this one was late, and a fresh install on a Friday does not send a week-old digest."""
    last_week = week_of(now, zone).previous()
    due_at = digest_due_at(last_week)
    if now < due_at:
        # Monday before 08:00: the week before last is the one that could still be owed.
        last_week = last_week.previous()
        due_at = digest_due_at(last_week)
    return last_week if now < due_at + SENT_UNTIL else None


def week_page_url(period: Period, team: Team) -> str:
    """The week's page for the team, absolute (SITE_URL): `/reports/weekly/2026-W48/?team=…`."""
    query = urlencode({"team": team.name})
    return f"{settings.SITE_URL.rstrip('/')}/reports/weekly/{period.label}/?{query}"


def weekly_digests_owed_detail(now: dt.datetime) -> dict:
    """The Monday digests claimed and not sent yet, as `GET /health/` shows them (registered
    in `ReportingConfig.ready()`); read through the partial index `weekly_digest_owed`."""
    owed = WeeklyDigest.objects.filter(state__in=OWED_STATES, claimed_at__lte=now).count()
    return {
        "count": owed,
        "meaning": "Monday digests claimed and not sent yet; the sweep 'reporting: send weekly "
        f"digests' claims each again {int(RETRY_AFTER.total_seconds() // 60)} min after its "
        f"last claim, for {SENT_UNTIL.days} days",
    }


# --- the worst SLA misses -------------------------------------------------------------------


@dataclass(frozen=True)
class SlaMiss:
    """A breached SLA clock: whose lead, who owned it, when first contact was due, and how it
    ended — contacted late, moved on to another owner without contact, or still not contacted."""

    lead_id: int
    lead_name: str
    owner: str
    due_at: dt.datetime
    late_seconds: float
    outcome: str  # "contacted" | "moved" | "waiting"

    @property
    def link(self) -> str:
        return lead_url(self.lead_id)

    def lateness(self) -> str:
        late = duration_words(self.late_seconds)
        if self.outcome == "contacted":
            return f"first contact {late} after it was due"
        if self.outcome == "moved":
            return f"no contact; moved to another owner {late} after it was due"
        return f"no contact yet, {late} overdue"


def sla_misses_worst(
    *, team: Team, period: Period, as_of: dt.datetime, limit: int = MISSES_SHOWN
) -> list[SlaMiss]:
    """The team's breached SLA clocks of the week, latest first contact first.

    They are the clocks the report's "first contact within the SLA" counts as breached
    (`reporting.selectors.people.assignment_rows`): assignments to a rep that started in the
    week, on the team's leads (a lead is the team its first routing went to), test leads left
    out. How late is measured to the first logged attempt on the lead while that rep had it;
    without one, to when the lead moved on to another owner, or to `as_of` for a lead still
    not contacted. One statement.
    """
    scope = ReportScope(period=period, team=team, as_of=as_of)
    # The owner's own window: a contact after a reassignment is the next owner's.
    owner_until = Coalesce(OuterRef("ended_at"), Value(as_of, output_field=DateTimeField()))
    first_contact = (
        Activity.objects.filter(
            lead_id=OuterRef("lead_id"), at__gte=OuterRef("assigned_at"), at__lte=owner_until
        )
        .order_by("at")
        .values("at")[:1]
    )
    clocks = (
        scope.narrow(
            Assignment.objects.filter(
                rep__isnull=False,
                assigned_at__gte=period.start,
                assigned_at__lt=period.end,
                sla_state=SlaState.BREACHED,
            )
        )
        .annotate(first_contact_at=Subquery(first_contact, output_field=DateTimeField()))
        .annotate(
            late=ExpressionWrapper(
                Coalesce(
                    F("first_contact_at"),
                    F("ended_at"),
                    Value(as_of, output_field=DateTimeField()),
                )
                - F("sla_due_at"),
                output_field=DurationField(),
            )
        )
        .select_related("lead", "rep__user")
        .order_by(F("late").desc(), "sla_due_at", "id")
    )
    misses = []
    for clock in clocks[:limit]:
        if clock.first_contact_at is not None:
            outcome = "contacted"
        elif clock.ended_at is not None:
            outcome = "moved"
        else:
            outcome = "waiting"
        lead = clock.lead
        misses.append(
            SlaMiss(
                lead_id=lead.pk,
                lead_name=lead.full_name
                or f"{lead.first_name} {lead.last_name}".strip()
                or lead.company
                or f"Lead {lead.pk}",
                owner=str(clock.rep),
                due_at=clock.sla_due_at,
                late_seconds=clock.late.total_seconds(),
                outcome=outcome,
            )
        )
    return misses


# --- figures in plain words -----------------------------------------------------------------


def _percent(rate: float) -> str:
    return f"{round(rate * 100)} %"


def _number(value: float) -> str:
    return f"{value:,.0f}"


@dataclass(frozen=True)
class Figure:
    """One headline of the digest: this week's value, last week's, and the change in words."""

    label: str
    value: str
    change: str


def _figure(label: str, kind: str, this: float | None, last: float | None) -> Figure:
    """`kind`: "number", "duration" (seconds, lower is better) or "rate" (0 to 1)."""
    shown: Callable[[float], str] = {
        "number": _number,
        "duration": duration_words,
        "rate": _percent,
    }[kind]
    if this is None:
        return Figure(label, "—", f"last week {shown(last)}" if last is not None else "")
    if last is None:
        return Figure(label, shown(this), "no figure last week")
    if this == last:
        return Figure(label, shown(this), "same as last week")
    if kind == "duration":
        faster = "faster" if this < last else "slower"
        return Figure(label, shown(this), f"{faster} than last week's {shown(last)}")
    direction = "up" if this > last else "down"
    if kind == "rate":
        points = abs(round(this * 100) - round(last * 100))
        if points == 0:
            return Figure(label, shown(this), f"about the same as last week's {shown(last)}")
        unit = "point" if points == 1 else "points"
        return Figure(label, shown(this), f"{direction} {points} {unit} from {shown(last)}")
    return Figure(label, shown(this), f"{direction} {shown(abs(this - last))} from {shown(last)}")


def digest_figures(report: Report, previous: Report) -> list[Figure]:
    """The headline figures, each against the week before."""
    now, then = report.totals, previous.totals
    return [
        _figure("Leads received", "number", now.received, then.received),
        _figure("Assigned to a rep", "number", now.assigned, then.assigned),
        _figure("Contacted", "number", now.contacted, then.contacted),
        # In business time, as the week's page gives it: a lead in on Friday evening and called
        # on Monday morning was not waited on all weekend.
        _figure(
            "Median time to first contact (business hours)",
            "duration",
            report.signals.speed_to_first_contact_business.p50_seconds,
            previous.signals.speed_to_first_contact_business.p50_seconds,
        ),
        _figure("First contact within the SLA", "rate", now.sla_met_rate, then.sla_met_rate),
        _figure("Won", "number", now.won, then.won),
        _figure("Value won", "number", float(now.won_value), float(then.won_value)),
    ]


def week_title(period: Period) -> str:
    """ "week 48 (23-29 Nov)", "week 49 (30 Nov - 6 Dec)", with en dashes."""
    first, last = period.first_day, period.end_day - dt.timedelta(days=1)
    number = first.isocalendar().week
    if first.month == last.month:
        return f"week {number} ({first.day}{EN_DASH}{last.day} {last:%b})"
    return f"week {number} ({first.day} {first:%b} {EN_DASH} {last.day} {last:%b})"


def digest_subject(team: Team, report: Report) -> str:
    """ "Sales — week 48 (23-29 Nov): 54 leads, first contact in 6 min, SLA met 91 %"."""
    received = report.totals.received
    parts = [f"{received} lead" if received == 1 else f"{received} leads"]
    speed = report.signals.speed_to_first_contact_business.p50_seconds
    if speed is not None:
        parts.append(f"first contact in {duration_words(speed)}")
    if report.totals.sla_met_rate is not None:
        parts.append(f"SLA met {_percent(report.totals.sla_met_rate)}")
    subject = f"{team.name} — {week_title(report.period)}: {', '.join(parts)}"
    # A team name with a line break must not break the e-mail's Subject header.
    return " ".join(subject.split())[:200]


def digest_message(
    *, team: Team, report: Report, previous: Report, misses: list[SlaMiss]
) -> Message:
    """The e-mail: plain text and HTML saying the same, times in the team's zone."""
    zone = report.period.zone
    context = {
        "team": team,
        "title": week_title(report.period),
        "period": report.period,
        "last_day": report.period.end_day - dt.timedelta(days=1),
        "zone": zone.key,
        "figures": digest_figures(report, previous),
        "misses": misses,
        "as_of": report.as_of,
        "link": week_page_url(report.period, team),
    }
    # Every time in the e-mail reads in the team's zone, as on its pages.
    with timezone.override(zone):
        text = render_to_string("reporting/weekly_digest_email.txt", context)
        html = render_to_string("reporting/weekly_digest_email.html", context)
    return Message(subject=digest_subject(team, report), text=text, html=html)
