"""SLA clocks at work: a logged contact meets (or a callback pauses) the clock, a closed lead
stops it, and the sweep performs each due step of the ladder exactly once.

Starting a clock is `routing.services.sla_clock.sla_start`, called by `assignment_replace`
for every new owner (the routing engine, a fallback, a manager's reassignment, a hand-back,
an SLA step).

The sweep (`sla_sweep`, every minute through `routing.tasks.sweep_sla`) reads the due timers
through the partial index `assignment_sla_due` and acts on one point of one clock per
transaction, in this lock order, the same as every other writer of a lead: the lead row first
(PostgreSQL: `FOR UPDATE SKIP LOCKED`, so a second sweep passes over a lead the first one
holds), then the assignment by a conditional update on the timer as listed (if it updated
nothing, another sweep or a logged contact got there first). The step's `SlaStepRecord` is
inserted in the same transaction, unique per (assignment, step): a second performer fails
instead of acting twice. Messages leave after commit.
"""

import logging
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.models import Lead, LeadEvent, LeadStatus
from routing import notifications
from routing.business_time import CalendarSpec
from routing.models import (
    Activity,
    Assignment,
    SlaPolicy,
    SlaState,
    SlaStep,
    SlaStepRecord,
    Team,
)
from routing.services.assignments import assignment_replace
from routing.services.config import RoutingSetup, routing_setup
from routing.services.engine import rule_next_rep
from routing.services.sla_clock import (
    MOVING_STEPS,
    Point,
    clock_calendar,
    clock_restart,
    clock_set_next,
    next_point,
    on_call_move_waits,
    owner_team_id,
    sla_event,
)
from routing.services.sla_setup import PolicySpec, StepSpec
from routing.services.webhooks import sla_breach_webhook

logger = logging.getLogger(__name__)

# One sweep acts on at most this many points: a backlog is worked off over a few minutes
# rather than in one transaction-long run; the oldest points go first.
SWEEP_LIMIT = 1000
OPEN_CLOCKS = (SlaState.RUNNING, SlaState.PAUSED, SlaState.BREACHED)
# The reason on the `sla_paused` event of a clock paused while the lead waits on the customer
# (a callback's pause has none): what tells the two pauses apart when the customer comes back.
WAITING_ON_CUSTOMER = "waiting on the customer"


def _active_clock(lead: Lead) -> Assignment | None:
    return Assignment.objects.filter(
        lead_id=lead.pk, ended_at__isnull=True, sla_state__in=OPEN_CLOCKS
    ).first()


def _clock_save(assignment: Assignment) -> None:
    assignment.save(
        update_fields=[
            "sla_state",
            "sla_started_at",
            "sla_due_at",
            "sla_paused_at",
            "sla_next_step_at",
            "sla_next_step",
        ]
    )


def _transition(
    lead: Lead,
    assignment: Assignment,
    policy: PolicySpec | None,
    *,
    kind: str,
    at: datetime,
    message: str,
    **data,
) -> None:
    """Save the clock and put its change on the lead's timeline (a breach is also sent to
    webhook receivers as `sla.breached`)."""
    _clock_save(assignment)
    if kind == LeadEvent.Kind.SLA_BREACHED:
        sla_breach_webhook(lead=lead, assignment=assignment, at=at)
    sla_event(
        lead_id=lead.pk,
        kind=kind,
        at=at,
        assignment=assignment,
        policy=policy,
        message=message,
        **data,
    )


def _done_steps(assignment: Assignment) -> set[int]:
    return set(
        SlaStepRecord.objects.filter(assignment=assignment, step__isnull=False).values_list(
            "step_id", flat=True
        )
    )


def sla_record_activity(
    *, lead: Lead, activity: Activity, callback_at: datetime | None = None, now: datetime
) -> str | None:
    """What a logged contact attempt does to the lead's clock (call with the lead locked).

    0. A clock paused while the lead waits on the customer resumes (`sla_resumed`).
    1. A callback agreed for later pauses the clock: the next deadline is the callback, when
       the sweep resumes it (`sla_paused`).
    2. Else an attempt that counts (any, or a connected one, per the policy) at or before the
       deadline meets the clock (`sla_met`); after it, the breached clock's ladder stops.
    Returns the new state, or None when the clock did not change.
    """
    assignment = _active_clock(lead)
    if assignment is None:
        return None
    setup = routing_setup()
    policy = setup.sla.policies.get(assignment.sla_policy_id or 0)
    _resume_waiting(lead, assignment, now, message="SLA clock resumed: the rep logged a contact")
    if callback_at is not None and callback_at > now:
        _pause(
            lead,
            assignment,
            policy,
            until=callback_at,
            now=now,
            message=f"SLA clock paused until the callback at {callback_at:%Y-%m-%d %H:%M} UTC",
            activity=activity.pk,
        )
        return assignment.sla_state
    counts = (
        policy is None
        or policy.worked_by == SlaPolicy.WorkedBy.ANY_ATTEMPT
        or activity.outcome == Activity.Outcome.REACHED
    )
    if not counts:
        return None
    if assignment.sla_state == SlaState.BREACHED:
        assignment.sla_next_step_at = None
        assignment.sla_next_step = None
        _clock_save(assignment)
        return assignment.sla_state
    met = assignment.sla_due_at is None or now <= assignment.sla_due_at
    assignment.sla_state = SlaState.MET if met else SlaState.BREACHED
    assignment.sla_next_step_at = None
    assignment.sla_next_step = None
    _transition(
        lead,
        assignment,
        policy,
        # Logged after the deadline, before the sweep marked it: breached all the same.
        kind=LeadEvent.Kind.SLA_MET if met else LeadEvent.Kind.SLA_BREACHED,
        at=now,
        message="SLA met: first contact logged in time"
        if met
        else "SLA breached: first contact logged after the deadline",
        activity=activity.pk,
    )
    return assignment.sla_state


def sla_wait_on_customer(*, lead: Lead, now: datetime, until: datetime | None = None) -> bool:
    """The lead waits on the customer (call with the lead locked): unless its policy says
    otherwise, a running (or callback-paused) clock pauses until `until`, when the sweep
    resumes it; without a time, until the rep logs a contact or the customer inquires again
    (`sla_customer_returned`). A met, breached or stopped clock is left as it is. Returns
    whether the clock paused."""
    assignment = _active_clock(lead)
    if assignment is None or assignment.sla_state not in (SlaState.RUNNING, SlaState.PAUSED):
        return False
    policy = routing_setup().sla.policies.get(assignment.sla_policy_id or 0)
    if policy is None or not policy.pause_while_waiting_on_customer:
        return False
    _pause(
        lead,
        assignment,
        policy,
        until=until,
        now=now,
        message=f"SLA clock paused: {WAITING_ON_CUSTOMER}"
        + (f" until {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if until else ""),
        reason=WAITING_ON_CUSTOMER,
    )
    return True


def sla_customer_returned(*, lead: Lead, now: datetime) -> bool:
    """The customer inquired again (a repeat inquiry merged into the lead): a clock paused
    while the lead waited on them resumes now. Returns whether it resumed."""
    # One cheap read on every merge; the lock only for a lead whose clock is paused.
    if not Assignment.objects.filter(
        lead_id=lead.pk, ended_at__isnull=True, sla_state=SlaState.PAUSED
    ).exists():
        return False
    with transaction.atomic():
        lead = Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)
        assignment = _active_clock(lead)
        if assignment is None:
            return False
        return _resume_waiting(
            lead, assignment, now, message="SLA clock resumed: the customer inquired again"
        )


def _pause(
    lead: Lead,
    assignment: Assignment,
    policy: PolicySpec | None,
    *,
    until: datetime | None,
    now: datetime,
    message: str,
    **data,
) -> None:
    """Pause the clock until `until`, when the sweep resumes it; while paused, `sla_due_at` is
    the resumption (none: no set time, nothing for the sweep)."""
    assignment.sla_state = SlaState.PAUSED
    assignment.sla_paused_at = now
    assignment.sla_due_at = until
    assignment.sla_next_step_at = until
    assignment.sla_next_step = None
    _transition(
        lead, assignment, policy, kind=LeadEvent.Kind.SLA_PAUSED, at=now, message=message, **data
    )


def _resume_waiting(lead: Lead, assignment: Assignment, now: datetime, *, message: str) -> bool:
    """Restart now the clock paused while the lead waited on the customer (the full target
    again, as after a callback); any other clock is left as it is."""
    if assignment.sla_state != SlaState.PAUSED:
        return False
    paused = (
        LeadEvent.objects.filter(lead_id=lead.pk, kind=LeadEvent.Kind.SLA_PAUSED)
        .order_by("-at", "-id")
        .first()
    )
    if paused is None or paused.data.get("reason") != WAITING_ON_CUSTOMER:
        return False
    setup = routing_setup()
    policy = setup.sla.policies.get(assignment.sla_policy_id or 0)
    calendar = clock_calendar(assignment, setup)
    if policy is None or calendar is None:
        return False
    clock_restart(assignment, policy, calendar, now)
    clock_set_next(assignment, policy, calendar, _done_steps(assignment))
    _transition(lead, assignment, policy, kind=LeadEvent.Kind.SLA_RESUMED, at=now, message=message)
    return True


def sla_stop(*, lead: Lead) -> int:
    """A lead closed (won, lost, disqualified): its clock stops, a breached one keeps its
    state but performs no further step. Call with the lead locked."""
    open_clock = Assignment.objects.filter(lead_id=lead.pk, ended_at__isnull=True)
    open_clock.filter(sla_state__in=(SlaState.RUNNING, SlaState.PAUSED)).update(
        sla_state=SlaState.STOPPED
    )
    return open_clock.filter(sla_next_step_at__isnull=False).update(
        sla_next_step_at=None, sla_next_step=None
    )


# --- the sweep ------------------------------------------------------------------------------


def sla_due(now: datetime, limit: int) -> list[tuple[int, int, datetime | None]]:
    """(assignment, lead, timer as listed) of the clocks due by `now`, oldest first, through
    the partial index `assignment_sla_due`."""
    return list(
        Assignment.objects.filter(sla_next_step_at__lte=now, ended_at__isnull=True)
        .order_by("sla_next_step_at", "id")
        .values_list("id", "lead_id", "sla_next_step_at")[:limit]
    )


def sla_sweep(now: datetime | None = None, *, limit: int = SWEEP_LIMIT) -> int:
    """Perform every point of every clock due by `now`, each exactly once and in order.

    1. Move the leads of reps on time off now (`sla_away_moves`); list the due timers (the
       partial index), oldest first.
    2. Each in its own transaction (`sla_point_perform`): claimed, performed, recorded, and
       the clock's next point set; that next point, when already due (a sweep after
       downtime), is listed by the next pass.
    3. Stop when a pass acts on nothing (what is left is held by another sweep, or not due).
    Returns how many points it acted on.
    """
    now = now or timezone.now()
    acted = sla_away_moves(now)
    while acted < limit:
        due = sla_due(now, limit - acted)
        if not due:
            break
        acted_in_pass = 0
        for assignment_id, lead_id, listed_at in due:
            try:
                if sla_point_perform(
                    assignment_id=assignment_id, lead_id=lead_id, listed_at=listed_at, now=now
                ):
                    acted_in_pass += 1
            except IntegrityError:
                # The step's record exists: another performer did it; nothing was done twice.
                logger.info("SLA step of assignment %s recorded elsewhere", assignment_id)
        acted += acted_in_pass
        if not acted_in_pass:
            break
    return acted


def sla_away_moves(now: datetime) -> int:
    """Move at once, instead of at the breach, every lead with a running or paused clock
    whose rep is on time off now: to the next eligible rep by the lead's rule (the engine
    already leaves out reps on time off), else escalated. Each is claimed like a due point
    (the lead locked, skipped if held; the assignment still open and the rep's)."""
    away = list(
        Assignment.objects.filter(
            ended_at__isnull=True,
            sla_state__in=(SlaState.RUNNING, SlaState.PAUSED),
            rep__time_off__starts_at__lte=now,
            rep__time_off__ends_at__gt=now,
        )
        .values_list("id", "lead_id", "rep_id")
        .distinct()
    )
    moved = 0
    for assignment_id, lead_id, rep_id in away:
        with transaction.atomic():
            lead = (
                Lead.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=lead_id)
                .first()
            )
            assignment = (
                Assignment.objects.filter(
                    pk=assignment_id,
                    rep_id=rep_id,
                    ended_at__isnull=True,
                    sla_state__in=(SlaState.RUNNING, SlaState.PAUSED),
                )
                .select_related("rep")
                .first()
            )
            if lead is None or assignment is None or not lead.is_open():
                continue  # held by another sweep or a rep now, or it moved on meanwhile
            setup = routing_setup()
            policy = setup.sla.policies.get(assignment.sla_policy_id or 0)
            if policy is None:
                continue
            _reassign(
                lead,
                assignment,
                policy,
                None,
                setup,
                now,
                exclude={rep_id},
                note=f"{assignment.rep} is on time off",
            )
            moved += 1
    return moved


def sla_point_perform(
    *, assignment_id: int, lead_id: int, listed_at: datetime | None, now: datetime
) -> bool:
    """Claim one clock's due point and perform it, in one transaction. False when another
    worker got there first (or holds the lead right now)."""
    with transaction.atomic():
        # PostgreSQL: a lead another sweep (or a rep logging a call) holds is left for the
        # next pass or the next minute; SQLite ignores the clause (its IMMEDIATE
        # transactions already serialize writers, and the claim below decides).
        lead = (
            Lead.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=lead_id)
            .first()
        )
        if lead is None:
            return False
        assignment = (
            Assignment.objects.filter(
                pk=assignment_id, ended_at__isnull=True, sla_next_step_at=listed_at
            )
            .select_related("rep", "queue_team", "user")
            .first()
        )
        if assignment is None:
            return False
        # The claim: another sweep that listed the same timer updates nothing.
        if not Assignment.objects.filter(
            pk=assignment_id, ended_at__isnull=True, sla_next_step_at=listed_at
        ).update(sla_next_step_at=None):
            return False
        setup = routing_setup()
        policy = setup.sla.policies.get(assignment.sla_policy_id or 0)
        calendar = clock_calendar(assignment, setup)
        if policy is None or calendar is None or not lead.is_open():
            # The policy was deleted or the lead closed meanwhile: nothing more to do.
            assignment.sla_next_step_at = None
            assignment.sla_next_step = None
            _clock_save(assignment)
            return True
        done = _done_steps(assignment)
        point = next_point(assignment, policy, calendar, done)
        if point is None or point.at > now:
            # The ladder changed since the timer was set: set it again.
            clock_set_next(assignment, policy, calendar, done)
            _clock_save(assignment)
            return True
        opens = on_call_move_waits(assignment, point, setup, now)
        if opens is not None:
            # The on-call rep's lead moves on only when the team opens: the timer waits.
            assignment.sla_next_step_at = opens
            assignment.sla_next_step_id = point.step.id if point.step else None
            _clock_save(assignment)
            return True
        _perform(lead, assignment, policy, calendar, point, done, setup, now)
    return True


def _perform(
    lead: Lead,
    assignment: Assignment,
    policy: PolicySpec,
    calendar: CalendarSpec,
    point: Point,
    done: set[int],
    setup: RoutingSetup,
    now: datetime,
) -> None:
    step = point.step
    if step is None:
        if assignment.sla_state == SlaState.PAUSED:
            clock_restart(assignment, policy, calendar, point.at)
            kind, message = (
                LeadEvent.Kind.SLA_RESUMED,
                "SLA clock resumed at the time it was paused until",
            )
        else:
            assignment.sla_state = SlaState.BREACHED
            kind, message = (
                LeadEvent.Kind.SLA_BREACHED,
                "SLA breached: no first contact by the deadline",
            )
        clock_set_next(assignment, policy, calendar, done)
        _transition(lead, assignment, policy, kind=kind, at=now, message=message)
        return
    record = SlaStepRecord(
        assignment=assignment,
        step_id=step.id,
        kind=step.kind,
        order=step.order,
        due_at=point.at,
        done_at=now,
        outcome=SlaStepRecord.Outcome.DONE,
    )
    later = next_point(assignment, policy, calendar, done, after=step)
    if step.kind not in MOVING_STEPS and later is not None and later.at <= now:
        # A message overtaken by a later due point (a sweep after downtime) is not sent late.
        record.outcome = SlaStepRecord.Outcome.SKIPPED
        record.detail = "overtaken by a later step"
        record.save()
        assignment.sla_next_step_at = later.at
        assignment.sla_next_step_id = later.step.id if later.step else None
        _clock_save(assignment)
        return
    record.save()  # unique per (assignment, step): a second performer stops here
    done.add(step.id)
    if step.kind in MOVING_STEPS:
        record.detail = _move(lead, assignment, policy, step, setup, now)[:300]
        record.save(update_fields=["detail"])
        return
    clock_set_next(assignment, policy, calendar, done)
    _clock_save(assignment)
    to_manager = step.kind == SlaStep.Kind.NOTIFY_MANAGER
    sla_event(
        lead_id=lead.pk,
        kind=LeadEvent.Kind.SLA_REMINDER,
        at=now,
        assignment=assignment,
        policy=policy,
        step=step,
        message="SLA: the team manager was told the lead is not worked yet"
        if to_manager
        else "SLA reminder: first contact is due soon",
    )
    notifications.sla_step_notify_on_commit(record, lead)


def _missed_by(lead: Lead) -> set[int]:
    """The reps who already let this lead's clock run into a reassignment or escalation."""
    return set(
        SlaStepRecord.objects.filter(
            assignment__lead_id=lead.pk,
            assignment__rep__isnull=False,
            kind__in=MOVING_STEPS,
            outcome=SlaStepRecord.Outcome.DONE,
        ).values_list("assignment__rep_id", flat=True)
    )


def _move(
    lead: Lead,
    assignment: Assignment,
    policy: PolicySpec,
    step: StepSpec,
    setup: RoutingSetup,
    now: datetime,
) -> str:
    """Reassign the lead to the next eligible rep by its rule (its method and constraints,
    never to someone who missed it), or escalate it; the new owner's clock starts."""
    if step.kind != SlaStep.Kind.REASSIGN:
        return _escalate(lead, assignment, policy, step, setup, now, "the ladder escalates")
    reassigned = Assignment.objects.filter(lead_id=lead.pk, reason=Assignment.Reason.SLA).count()
    if reassigned >= policy.escalate_after_reassignments:
        why = f"reassigned {reassigned} time(s) already"
        return _escalate(lead, assignment, policy, step, setup, now, why)
    return _reassign(
        lead,
        assignment,
        policy,
        step,
        setup,
        now,
        exclude=_missed_by(lead),
        note=f"SLA reassignment: {assignment_owner(assignment)} missed the deadline",
        reassignments=reassigned + 1,
    )


def _reassign(
    lead: Lead,
    assignment: Assignment,
    policy: PolicySpec,
    step: StepSpec | None,
    setup: RoutingSetup,
    now: datetime,
    *,
    exclude: set[int],
    note: str,
    **data,
) -> str:
    """Give the lead to the rep its rule's method picks among the eligible reps less
    `exclude`; nobody left (or no rule): escalate."""
    spec = setup.rule(assignment.rule_id)
    if spec is None:
        return _escalate(
            lead, assignment, policy, step, setup, now, "no routing rule to pick the next rep"
        )
    choice = rule_next_rep(lead=lead, spec=spec, setup=setup, exclude=exclude, now=now)
    if choice is None:
        return _escalate(lead, assignment, policy, step, setup, now, "no eligible rep left")
    new = assignment_replace(
        lead=lead,
        now=now,
        reason=Assignment.Reason.SLA,
        rule=spec.rule,
        rep_id=choice.rep.pk,
        user_id=choice.rep.live.user_id,
        note=note,
        setup=setup,
    )
    _moved(
        lead,
        new,
        policy,
        step,
        now,
        status=LeadStatus.ASSIGNED,
        kind=LeadEvent.Kind.SLA_REASSIGNED,
        message=f"{note}; now {choice.rep} ({choice.explanation})",
        rep=choice.rep.pk,
        **data,
    )
    return f"reassigned to {choice.rep}"


def _moved(
    lead: Lead,
    new: Assignment,
    policy: PolicySpec,
    step: StepSpec | None,
    now: datetime,
    *,
    status: str,
    kind: str,
    message: str,
    **data,
) -> None:
    """The lead's status for its new owner (a rep or manager: assigned; a queue: new) and the
    move on its timeline."""
    if lead.status in (LeadStatus.NEW, LeadStatus.ASSIGNED) and lead.status != status:
        lead.status = status
        lead.save(update_fields=["status", "updated_at"])
    sla_event(
        lead_id=lead.pk,
        kind=kind,
        at=now,
        assignment=new,
        policy=policy,
        step=step,
        message=message,
        **data,
    )


def assignment_owner(assignment: Assignment) -> str:
    if assignment.rep is not None:
        return str(assignment.rep)
    if assignment.queue_team is not None:
        return f"{assignment.queue_team}'s queue"
    return assignment.user.get_username() if assignment.user else "nobody"


def _escalate(
    lead: Lead,
    assignment: Assignment,
    policy: PolicySpec,
    step: StepSpec | None,
    setup: RoutingSetup,
    now: datetime,
    why: str,
) -> str:
    """Give the lead to the team's manager or put it in the team's queue (the policy says
    which; a team without a manager: its queue)."""
    team_id = owner_team_id(assignment, setup)
    team = Team.objects.select_related("manager").filter(pk=team_id).first() if team_id else None
    if team is None:
        assignment.sla_next_step_at = None
        _clock_save(assignment)
        return f"not escalated ({why}): the lead belongs to no team"
    manager = team.manager if policy.escalate_to == SlaPolicy.EscalateTo.MANAGER else None
    to_manager = manager is not None
    where = f"manager {manager.get_username()}" if manager is not None else f"{team}'s queue"
    new = assignment_replace(
        lead=lead,
        now=now,
        reason=Assignment.Reason.ESCALATION,
        rule=assignment.rule,
        user=manager,
        team=None if to_manager else team,
        note=f"SLA escalation ({why})",
        setup=setup,
    )
    _moved(
        lead,
        new,
        policy,
        step,
        now,
        status=LeadStatus.ASSIGNED if to_manager else LeadStatus.NEW,
        kind=LeadEvent.Kind.SLA_ESCALATED,
        message=f"SLA escalation to {where}: {why}",
        to="manager" if to_manager else "team_queue",
    )
    return f"escalated to {where}: {why}"
