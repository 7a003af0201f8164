"""The SLA clock of one assignment: which policy and target apply, when first contact is due
in business time, and which step of the ladder comes next. Pure arithmetic on the routing
configuration in memory, so that starting a clock on the intake path reads nothing more."""

from dataclasses import dataclass
from datetime import datetime

from intake.models import Lead, LeadEvent
from leadrouter.sql import row_insert
from qualification.models import Urgency
from routing.business_time import CalendarSpec, add_business_minutes, is_open, next_opening
from routing.models import Assignment, SlaState, SlaStep
from routing.services.config import RoutingSetup, routing_setup
from routing.services.licences import licence_required, rep_may_hold_licence
from routing.services.sla_setup import ALWAYS_OPEN, PolicySpec, StepSpec

# Steps that move the lead: an escalated lead (with the manager or in the team queue) has
# nowhere further to go, so its clock only reminds.
MOVING_STEPS = (SlaStep.Kind.REASSIGN, SlaStep.Kind.ESCALATE)


@dataclass(frozen=True)
class Point:
    """What the clock does next and when: a step, the deadline (step None, running clock) or
    the resumption of a paused clock (step None, paused clock)."""

    at: datetime
    step: StepSpec | None


def owner_team_id(assignment: Assignment, setup: RoutingSetup) -> int | None:
    """The team whose calendar and manager the clock uses: the rep's, the queue's, else the
    rule's pool or fallback team."""
    if assignment.rep_id is not None and assignment.rep_id in setup.reps:
        return setup.reps[assignment.rep_id].team_id
    if assignment.queue_team_id is not None:
        return assignment.queue_team_id
    spec = setup.rule(assignment.rule_id)
    if spec is not None:
        return spec.rule.pool_team_id or spec.rule.fallback_team_id
    return None


def clock_calendar(assignment: Assignment, setup: RoutingSetup) -> CalendarSpec | None:
    """The calendar the clock counts by. An on-call rep's clock runs 24/7: they were paged
    precisely because the business calendar is closed, and are held to the target in real
    minutes."""
    if assignment.reason == Assignment.Reason.ON_CALL:
        return ALWAYS_OPEN if assignment.sla_policy_id in setup.sla.policies else None
    return business_calendar(assignment, setup)


def business_calendar(assignment: Assignment, setup: RoutingSetup) -> CalendarSpec | None:
    """The policy's calendar, else the owner's team's (None: the policy is gone)."""
    policy = setup.sla.policies.get(assignment.sla_policy_id or 0)
    if policy is None:
        return None
    return setup.sla.calendar(policy, owner_team_id(assignment, setup))


def on_call_move_at(assignment: Assignment, due: datetime, setup: RoutingSetup) -> datetime:
    """When a moving step due at `due` runs: then, or for an on-call clock the business
    calendar's first opening at or after it (see `on_call_move_waits`)."""
    calendar = business_calendar(assignment, setup)
    if assignment.reason != Assignment.Reason.ON_CALL or calendar is None:
        return due
    return next_opening(calendar, due)


def on_call_move_waits(
    assignment: Assignment, point: Point, setup: RoutingSetup, now: datetime
) -> datetime | None:
    """When an on-call clock's reassign or escalate step may run: at the business calendar's
    next opening, if it is closed now (None: it may run now). The on-call rep answers for the
    night; moving the lead to a rep or manager who is off duty would page nobody, so the
    normal ladder takes over when the team opens."""
    if (
        assignment.reason != Assignment.Reason.ON_CALL
        or point.step is None
        or point.step.kind not in MOVING_STEPS
    ):
        return None
    calendar = business_calendar(assignment, setup)
    if calendar is None or is_open(calendar, now):
        return None
    return next_opening(calendar, now)


def _lead_urgency_tier(lead: Lead) -> tuple[str, str]:
    # The reverse side of qualification's one-to-one (the engine has it cached already).
    try:
        qualification = lead.qualification
    except Lead.qualification.RelatedObjectDoesNotExist:
        qualification = None
    if qualification is None:
        return "normal", ""
    return qualification.urgency, qualification.tier


def _away(setup: RoutingSetup, rep_id: int, now: datetime) -> bool:
    """Whether the rep is on booked time off now (an on-call rep away is not paged: the
    time-off sweep would move the lead on at once, at night)."""
    profile = setup.reps.get(rep_id)
    return profile is not None and profile.away_until(now) is not None


def _pages_on_call(
    lead: Lead, policy: PolicySpec, calendar: CalendarSpec, now: datetime, setup: RoutingSetup
) -> bool:
    """Whether the policy pages its on-call rep for this lead now: an urgent lead, the
    calendar closed, a policy that pages, and an on-call rep who is not away and may hold
    the lead (licensed in its state when it needs a licence: otherwise the lead stays where
    routing put it, never with a rep who may not hold it)."""
    return (
        policy.on_call is not None
        and _lead_urgency_tier(lead)[0] == Urgency.URGENT
        and not is_open(calendar, now)
        and not _away(setup, policy.on_call[0], now)
        and rep_may_hold_licence(setup.reps.get(policy.on_call[0]), licence_required(lead, setup))
    )


def on_call_takes_arriving_lead(
    *, lead: Lead, rule_id: int, team_id: int | None, now: datetime, setup: RoutingSetup
) -> bool:
    """Whether the SLA policy that would time this arriving lead pages its on-call rep now
    (`sla_start`, step 2). A rule that holds leads after hours lets such a lead through: the
    on-call rep takes it tonight instead of the team in the morning."""
    policy = setup.sla.policy_for(
        rule_id=rule_id, team_id=team_id, source_id=lead.source_id, channel=lead.channel
    )
    if policy is None or policy.target_minutes(*_lead_urgency_tier(lead)) is None:
        return False
    return _pages_on_call(lead, policy, setup.sla.calendar(policy, team_id), now, setup)


def step_due(calendar: CalendarSpec, assignment: Assignment, step: StepSpec) -> datetime:
    assert assignment.sla_started_at is not None and assignment.sla_target_minutes is not None
    return add_business_minutes(
        calendar,
        assignment.sla_started_at,
        step.minutes_after_start(assignment.sla_target_minutes),
    )


def next_point(
    assignment: Assignment,
    policy: PolicySpec,
    calendar: CalendarSpec,
    done: set[int],
    *,
    after: StepSpec | None = None,
) -> Point | None:
    """The clock's next point: the earliest of the deadline (while running) and every step
    not in `done` (while running or breached), ties in ladder order with the deadline first;
    a paused clock's next point is its resumption. `after`: the one being performed now,
    left out."""
    state = assignment.sla_state
    if state == SlaState.PAUSED:
        assert assignment.sla_due_at is not None
        return Point(assignment.sla_due_at, None)
    if state not in (SlaState.RUNNING, SlaState.BREACHED):
        return None
    candidates: list[tuple[datetime, int, Point]] = []
    if state == SlaState.RUNNING:
        assert assignment.sla_due_at is not None
        candidates.append((assignment.sla_due_at, -1, Point(assignment.sla_due_at, None)))
    escalated = assignment.reason == Assignment.Reason.ESCALATION
    for step in policy.steps:
        if step.id in done or step is after or (escalated and step.kind in MOVING_STEPS):
            continue
        at = step_due(calendar, assignment, step)
        candidates.append((at, step.order, Point(at, step)))
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0], c[1]))[2]


def clock_set_next(
    assignment: Assignment, policy: PolicySpec, calendar: CalendarSpec, done: set[int]
) -> None:
    point = next_point(assignment, policy, calendar, done)
    assignment.sla_next_step_at = point.at if point else None
    assignment.sla_next_step_id = point.step.id if point and point.step else None


def clock_restart(
    assignment: Assignment, policy: PolicySpec, calendar: CalendarSpec, start: datetime
) -> None:
    """(Re)start the running clock at `start` (or the calendar's next opening after it)."""
    assert assignment.sla_target_minutes is not None
    started = next_opening(calendar, start)
    assignment.sla_started_at = started
    assignment.sla_due_at = add_business_minutes(calendar, started, assignment.sla_target_minutes)
    assignment.sla_state = SlaState.RUNNING
    assignment.sla_paused_at = None


def sla_start(
    *,
    assignment: Assignment,
    lead: Lead,
    now: datetime,
    setup: RoutingSetup | None = None,
    events: list[LeadEvent] | None = None,
    arriving: bool = False,
) -> bool:
    """Start the clock of a new assignment (not yet saved; its insert carries the clock).

    1. The most specific policy for the lead (its rule, the owner's team, its source, its
       channel, else the default) and its target for the lead's urgency and tier; neither:
       no clock.
    2. An urgent lead that is `arriving` (routed for the first time) while the calendar is
       closed, under a policy that pages: the on-call rep owns the assignment instead of
       whoever routing chose (`on_call_take`), and its clock counts real minutes.
    3. The clock starts now, or at the calendar's next opening (the policy's, else the
       team's) for a lead that came after hours; first contact is due `target` business
       minutes later.
    4. The first point of the ladder is the timer the sweep reads; an `sla_started` event
       with the policy, the deadline and that step goes on the timeline (appended to
       `events` when the caller inserts its events together, as the routing engine does),
       after the `sla_paged` event of step 2.
    """
    setup = setup or routing_setup()
    team_id = owner_team_id(assignment, setup)
    policy = setup.sla.policy_for(
        rule_id=assignment.rule_id,
        team_id=team_id,
        source_id=lead.source_id,
        channel=lead.channel,
    )
    if policy is None:
        return False
    target = policy.target_minutes(*_lead_urgency_tier(lead))
    if target is None:
        return False
    calendar = setup.sla.calendar(policy, team_id)
    paged = arriving and _pages_on_call(lead, policy, calendar, now, setup)
    if paged:
        routed_to = on_call_take(assignment, policy)
        calendar = ALWAYS_OPEN
    assignment.sla_policy_id = policy.id
    assignment.sla_target_minutes = target
    clock_restart(assignment, policy, calendar, now)
    clock_set_next(assignment, policy, calendar, set())
    if paged:
        sla_event(
            lead_id=lead.pk,
            kind=LeadEvent.Kind.SLA_PAGED,
            at=now,
            assignment=assignment,
            policy=policy,
            message=f"SLA “{policy.name}”: urgent lead after hours; the on-call rep owns it "
            f"and was paged (first contact due in {target} minute(s), night or not)",
            into=events,
            rep=assignment.rep_id,
            routed_to=routed_to,
        )
    sla_event(
        lead_id=lead.pk,
        kind=LeadEvent.Kind.SLA_STARTED,
        at=now,
        assignment=assignment,
        policy=policy,
        message=f"SLA “{policy.name}”: first contact due in {target} "
        + ("minute(s), night or not" if paged else "business minute(s)"),
        into=events,
    )
    return True


def on_call_take(assignment: Assignment, policy: PolicySpec) -> dict:
    """Give the new assignment to the policy's on-call rep (reason `on_call`); returns whom
    routing had chosen, for the timeline. The rule stays: the ladder's reassign step picks the
    next rep by it at the next opening."""
    assert policy.on_call is not None
    routed_to = {
        "rep": assignment.rep_id,
        "user": None if assignment.rep_id else assignment.user_id,
        "team_queue": assignment.queue_team_id,
    }
    assignment.rep_id, assignment.user_id = policy.on_call
    assignment.queue_team = None
    assignment.reason = Assignment.Reason.ON_CALL
    assignment.note = f"On call: urgent lead after hours (SLA policy “{policy.name}”)"[:300]
    return routed_to


def sla_event(
    *,
    lead_id: int,
    kind: str,
    at: datetime,
    assignment: Assignment,
    policy: PolicySpec | None,
    message: str,
    step: StepSpec | None = None,
    into: list[LeadEvent] | None = None,
    **data,
) -> None:
    """A timeline event of the clock, with its policy, step and deadline (inserted, or
    appended to `into`)."""
    next_step = step or (policy.step(assignment.sla_next_step_id) if policy else None)
    event = LeadEvent(
        lead_id=lead_id,
        kind=kind,
        at=at,
        message=message[:500],
        data={
            "policy": policy.id if policy else None,
            "step": (
                {"id": next_step.id, "kind": next_step.kind, "order": next_step.order}
                if next_step
                else None
            ),
            "due_at": assignment.sla_due_at.isoformat() if assignment.sla_due_at else None,
            **data,
        },
    )
    if into is not None:
        into.append(event)
    else:
        row_insert(event)
