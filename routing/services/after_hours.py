"""After hours: when a rule that holds its leads finds nobody of its pool working, when the
pool next works, and the hold itself (a `HeldLead` row, a "held" decision, a `held` event).

"Nobody working" is precise: every rep of the pool who is active and not paused is off hours
(their own working hours, when the rule requires working now) or on time off, or the pool
team's business calendar is closed now (a night, a weekend, one of its holidays or dated
closures). A pool whose reps are working but full, capped or excluded by the lead's own
constraints is not closed: that lead takes the rule's fallback, as it always did, because no
clock tells when it could be taken. A pool of only inactive or paused reps has no opening to
wait for either: the fallback again.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from intake.models import Lead, LeadEvent
from leadrouter.sql import row_insert
from qualification.models import Urgency
from routing.availability import is_working, next_shift_start
from routing.business_time import CalendarSpec, is_open, next_opening
from routing.models import HeldLead, RoutingDecision, RoutingRule
from routing.services.config import RepProfile, RoutingSetup, RuleSpec
from routing.services.rotation import LiveRep

# A hold waits at most this long: a pool with no opening in four weeks (everyone on long
# leave, a calendar closed for a month) takes the fallback instead of waiting for nobody.
HOLD_HORIZON = timedelta(days=28)

# The release order of held leads: most urgent first, as the manager board sorts.
URGENCY_RANKS: dict[str, int] = {
    Urgency.URGENT: 0,
    Urgency.HIGH: 1,
    Urgency.NORMAL: 2,
    Urgency.LOW: 3,
}


class Member(Protocol):
    """A rep of the pool as the engine sees them (`routing.services.engine.Candidate`)."""

    profile: RepProfile
    live: LiveRep


def pool_calendar(spec: RuleSpec, setup: RoutingSetup) -> CalendarSpec | None:
    """The business calendar the rule's pool works by: its team's (a team without one is
    always open); None for a pool of named reps without a team."""
    team_id = spec.rule.pool_team_id
    return setup.sla.team_calendars.get(team_id) if team_id else None


def _works(member: Member, rule: RoutingRule, at: datetime) -> bool:
    profile = member.profile
    if profile.away_until(at) is not None:
        return False
    return not rule.require_working_now or is_working(profile.hours, profile.zone, at)


def _next_start(member: Member, rule: RoutingRule, after: datetime) -> datetime | None:
    """The first instant at or after `after` at which the rep works (back from time off and
    inside their hours), None when their hours have no shift at all."""
    profile, at = member.profile, after
    for _ in range(60):  # a time off, then a shift, then perhaps another time off…
        if (back := profile.away_until(at)) is not None:
            at = back
        elif rule.require_working_now and not is_working(profile.hours, profile.zone, at):
            if (shift := next_shift_start(profile.hours, profile.zone, at)) is None:
                return None
            at = shift
        else:
            return at
    return None


@dataclass(frozen=True)
class Opening:
    """When a closed pool next works, and whether only its calendar keeps it closed now (a
    holiday or a closure while reps' own hours say they work)."""

    at: datetime
    calendar_only: bool


def pool_next_opening(
    *, rule: RoutingRule, pool: Sequence[Member], calendar: CalendarSpec | None, now: datetime
) -> Opening | None:
    """When the pool next works, if nobody of it is working now (see the module docstring):
    the first instant at which the calendar is open and a rep of the pool works. None when
    somebody is working now under an open calendar, or when no such instant comes within
    `HOLD_HORIZON` (then the rule's fallback applies)."""
    hopeful = [member for member in pool if member.live.is_active and not member.live.paused]
    if not hopeful:
        return None
    calendar_open = calendar is None or is_open(calendar, now)
    somebody_works = any(_works(member, rule, now) for member in hopeful)
    if calendar_open and somebody_works:
        return None
    at = now
    while at <= now + HOLD_HORIZON:
        starts = [start for m in hopeful if (start := _next_start(m, rule, at)) is not None]
        if not starts:
            return None
        at = min(starts)
        if calendar is not None:
            try:
                opening = next_opening(calendar, at)
            except ValueError:  # never open again
                return None
            if opening != at:
                at = opening  # the calendar opens later: is anybody working then?
                continue
        return Opening(at, calendar_only=somebody_works) if at <= now + HOLD_HORIZON else None
    return None


def hold_explanation(*, spec: RuleSpec, setup: RoutingSetup, opening: Opening, calendar) -> str:
    """Why and until when, for the decision: "Held until Mon Nov 30 09:00 CST: nobody on the
    Sales team is working." In the zone of the pool team's calendar (a team without one: its
    own zone; no team: the first rep's)."""
    rule = spec.rule
    first = setup.reps.get(spec.pool[0]) if spec.pool else None
    zone = calendar.zone if calendar else first.zone if first else ZoneInfo("UTC")
    local = opening.at.astimezone(zone)
    who = f"the {rule.pool_team} team" if rule.pool_team_id else f"the pool of “{rule.name}”"
    if opening.calendar_only:
        why = f"{who} is closed now (its business calendar)"
    else:
        who = f"on {who}" if rule.pool_team_id else f"in {who}"
        why = f"nobody {who} is working"
    return f"Held until {local:%a %b %d %H:%M} {local.tzname()}: {why}."


def lead_hold(
    *,
    lead: Lead,
    spec: RuleSpec,
    setup: RoutingSetup,
    opening: Opening,
    calendar: CalendarSpec | None,
    candidates: list,
    now: datetime,
) -> RoutingDecision:
    """Hold a lead (its row locked by the engine) until the pool's opening: a `HeldLead` row
    the release sweep reads, and the decision the engine records with a `held` event. The
    lead stays new and owned by nobody; the stranded-lead sweep leaves held leads alone."""
    rule = spec.rule
    try:
        urgency = lead.qualification.urgency if lead.qualification else Urgency.NORMAL
    except Lead.qualification.RelatedObjectDoesNotExist:
        urgency = Urgency.NORMAL
    # Without the ORM's compiler, as the engine writes its decision (`leadrouter.sql`).
    row_insert(
        HeldLead(
            lead=lead,
            rule=rule,
            team_id=rule.pool_team_id,
            held_at=now,
            hold_until=opening.at,
            urgency_rank=URGENCY_RANKS.get(urgency, 2),
            received_at=lead.received_at,
        )
    )
    explanation = hold_explanation(spec=spec, setup=setup, opening=opening, calendar=calendar)
    return RoutingDecision(
        lead=lead,
        outcome=RoutingDecision.Outcome.HELD,
        rule=rule,
        method=rule.method,
        candidates=candidates,
        explanation=f"Rule “{rule.name}” matched. {explanation}",
    )


def decision_event_kind(decision: RoutingDecision) -> str:
    """The timeline kind of a decision's event: `held` for a hold, else `routed`."""
    if decision.outcome == RoutingDecision.Outcome.HELD:
        return LeadEvent.Kind.HELD
    return LeadEvent.Kind.ROUTED


def release_event(*, lead: Lead, hold: HeldLead, now: datetime) -> LeadEvent:
    """The timeline's line when the release sweep takes a held lead up again."""
    message = (
        f"Released at the opening: held from {hold.held_at:%Y-%m-%d %H:%M} UTC "
        f"until {hold.hold_until:%Y-%m-%d %H:%M} UTC"
    )
    return LeadEvent(
        lead=lead,
        kind=LeadEvent.Kind.RELEASED,
        at=now,
        message=message,
        data={"hold": hold.pk, "held_at": hold.held_at.isoformat()},
    )
