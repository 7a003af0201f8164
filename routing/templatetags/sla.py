"""How an SLA clock reads on the pages: "due in 4 min", "overdue 12 min", "paused until 15:30
(America/Chicago)". `routing/static/routing/sla_countdown.js` words the countdown the same way
in the browser, every few seconds, from the element's `data-due`."""

import math
from datetime import UTC, datetime, tzinfo

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from routing.models import Assignment, SlaState
from routing.selectors import MetRate

register = template.Library()


def _span(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, rest = divmod(minutes, 24 * 60)
    hours = rest // 60
    return f"{days} d {hours} h" if hours else f"{days} d"


def countdown_text(due: datetime, now: datetime) -> str:
    """ "due in 4 min" (rounded up: never later than it is) or "overdue 12 min" (at least 1)."""
    seconds = (due - now).total_seconds()
    if seconds >= 0:
        return f"due in {_span(math.ceil(seconds / 60))}"
    return f"overdue {_span(max(1, math.floor(-seconds / 60)))}"


def local_time_text(at: datetime, zone: tzinfo, now: datetime) -> str:
    """A time in the viewer's zone, labelled: "15:30 (America/Chicago)" today, with the day
    otherwise ("Tue 1 Dec 15:30 (America/Chicago)")."""
    local = at.astimezone(zone)
    label = getattr(zone, "key", str(zone))
    if local.date() == now.astimezone(zone).date():
        return f"{local:%H:%M} ({label})"
    return f"{local:%a} {local.day} {local:%b %H:%M} ({label})"


def _countdown(due: datetime, now: datetime) -> str:
    return format_html(
        '<time class="sla-countdown" datetime="{0}" data-due="{0}">{1}</time>',
        due.astimezone(UTC).isoformat(),
        countdown_text(due, now),
    )


@register.simple_tag
def sla_status(assignment: Assignment, now: datetime, zone: tzinfo) -> str:
    """The clock of an assignment in plain words, with a live countdown while it runs."""
    state, due = assignment.sla_state, assignment.sla_due_at
    if state == SlaState.PAUSED and due is None:
        return mark_safe('<span class="sla sla-paused">Paused: waiting on the customer</span>')
    if not state or due is None:
        return mark_safe('<span class="sla sla-none">No SLA</span>')
    if state == SlaState.RUNNING:
        return format_html('<span class="sla sla-running">{}</span>', _countdown(due, now))
    # `sla_worked`: annotated by the selectors that list clocks (`routing.selectors.SLA_WORKED`).
    still_owed = assignment.ended_at is None and not getattr(assignment, "sla_worked", True)
    if state == SlaState.BREACHED and still_owed:
        return format_html(
            '<span class="sla sla-breached">Breached, not worked yet: {}</span>',
            _countdown(due, now),
        )
    if state == SlaState.PAUSED:
        return format_html(
            '<span class="sla sla-paused">Paused until {}</span>',
            local_time_text(due, zone, now),
        )
    words: dict[str, str] = {
        SlaState.MET: "Met: first contact in time",
        SlaState.BREACHED: "Breached: the deadline passed before first contact",
        SlaState.STOPPED: "Stopped: the lead was closed or moved",
    }
    return format_html('<span class="sla sla-{}">{}</span>', state, words[state])


@register.simple_tag
def met_rate_text(met_rates: dict[int, MetRate], rep_id: int) -> str:
    """A rep's SLA met rate this week: "50 % (1 met, 1 breached)"."""
    rate = met_rates[rep_id]
    if rate.percent is None:
        return "no clock ended yet"
    return f"{rate.percent} % ({rate.met} met, {rate.breached} breached)"
