"""Starting an assignment: the one place a lead changes owner, whether a rule, a fallback, a
manager or an SLA step moves it."""

from datetime import datetime
from functools import cache

from django.db import connection
from django.db.models import Case, F, QuerySet, Value, When

from intake.models import Lead, LeadEvent
from leadrouter import sql
from leadrouter.sql import row_insert
from routing import notifications
from routing.models import Assignment, HeldLead, Rep, RoutingRule, SlaState, Team
from routing.services.config import RoutingSetup
from routing.services.sla_clock import sla_start
from routing.services.webhooks import assignment_webhook


def assignment_replace(
    *,
    lead: Lead,
    now: datetime,
    reason: str,
    rule: RoutingRule | None = None,
    rep: Rep | None = None,
    user=None,
    team: Team | None = None,
    note: str = "",
    rep_id: int | None = None,
    user_id: int | None = None,
    end_active: bool = True,
    pinned: bool = False,
    setup: RoutingSetup | None = None,
    events: list[LeadEvent] | None = None,
    arriving: bool = False,
    taken_by_owner: bool = False,
) -> Assignment:
    """End the lead's active assignment (if any) and start a new one. A rep (or its id with
    its user's id) owns it, or a user (a manager), or a team's unassigned queue.

    Call inside the caller's transaction with the lead row locked: the partial unique index
    `one_active_assignment_per_lead` is what guarantees a single owner if two callers race.
    `end_active=False` skips ending the active one for a caller that has just seen, under that
    lock, that there is none (the routing engine). The new owner is told once the transaction
    commits (`routing.notifications`). The new owner's SLA clock starts
    (`routing.services.sla_clock.sla_start`, from `setup` or the configuration in memory);
    the old owner's stops, a breached one staying breached. With `events`, the clock's
    timeline event is appended there for the caller to insert, not inserted. `arriving`: the
    routing engine's first decision for the lead; an urgent lead after hours may then go to
    the SLA policy's on-call rep instead (`sla_start`; the returned assignment says whose).
    `taken_by_owner`: the rep took the lead themselves (from the team queue): nobody is told,
    and the assignment counts as notified so the owed-notification sweep leaves it alone.
    Receivers of outbound webhooks get `lead.assigned`, or `lead.reassigned` when the lead
    had an owner before (`routing.services.webhooks.assignment_webhook`).
    """
    # The engine's first decision for a lead replaces no owner; every other caller may.
    previous = None if arriving else _previous_owned(lead.pk)
    if rep is not None:
        rep_id, user_id = rep.pk, rep.user_id
    elif user is not None:
        user_id = user.pk
    if end_active:
        # Through the ORM: the routing engine, the one hot caller, passes end_active=False;
        # reassignments by managers and SLA steps are not timed in a benchmark.
        assignments_end(Assignment.objects.filter(lead_id=lead.pk), now)
    assignment = Assignment(
        lead=lead,
        rep_id=rep_id,
        user_id=user_id,
        queue_team=team,
        rule=rule,
        reason=reason,
        note=note[:300],
        assigned_at=now,
        pinned=pinned,
        notified_at=now if taken_by_owner else None,
    )
    sla_start(
        assignment=assignment, lead=lead, now=now, setup=setup, events=events, arriving=arriving
    )
    row_insert(assignment)
    if not taken_by_owner:
        notifications.assignment_notify_on_commit(assignment)
    assignment_webhook(lead=lead, assignment=assignment, previous=previous, setup=setup)
    return assignment


def _previous_owned(lead_id: int) -> Assignment | None:
    """The lead's latest assignment if someone owned it (a rep or a manager), else None (a
    lead never assigned, or waiting in a queue)."""
    latest = Assignment.objects.filter(lead_id=lead_id).order_by("-id").first()
    if latest is None or (latest.rep_id is None and latest.user_id is None):
        return None
    return latest


def assignments_end(assignments: QuerySet[Assignment], now: datetime) -> int:
    """End these assignments in one conditional update: their SLA clocks stop (a breached
    one stays breached) and the sweep forgets them. Returns how many it ended; a caller that
    names the row it expects to end learns from 0 that another worker got there first."""
    return assignments.filter(ended_at__isnull=True).update(
        ended_at=now,
        sla_next_step_at=None,
        sla_next_step=None,
        sla_state=Case(
            When(
                sla_state__in=(SlaState.RUNNING, SlaState.PAUSED),
                then=Value(SlaState.STOPPED),
            ),
            default=F("sla_state"),
        ),
    )


def lead_is_owned_or_held(lead_id: int) -> bool:
    """Whether someone (a rep, a manager, a team's queue) owns the lead now, or a rule holds
    it until the next opening. One statement, two indexed reads (the partial unique indexes
    `one_active_assignment_per_lead` and `one_active_hold_per_lead`)."""
    # Without the ORM's compiler (`leadrouter.sql`): every routing decision asks it first, under
    # the lead's lock (README, "Benchmarks": a decision is 1.0 ms at p50 on SQLite, compiling
    # one small ORM statement 0.2 to 0.3 ms).
    return bool(sql.fetch_all(_owned_or_held_statement(connection.vendor), [lead_id, lead_id]))


@cache
def _owned_or_held_statement(vendor: str) -> str:
    a, h = sql.Table(Assignment), sql.Table(HeldLead)
    return (
        f"SELECT 1 FROM {a} WHERE {a['lead_id']} = %s AND {a['ended_at']} IS NULL "  # noqa: S608 - names from meta
        f"UNION ALL SELECT 1 FROM {h} WHERE {h['lead_id']} = %s AND {h['released_at']} IS NULL"
    )


def lead_queued_in(lead_id: int, assignment_id: int) -> bool:
    """Whether the lead still waits in a team's queue through this assignment, unpinned (a
    queued lead offered again to reps who became available)."""
    return sql.exists(
        Assignment, id=assignment_id, lead_id=lead_id, ended_at=None, rep_id=None, pinned=False
    )
