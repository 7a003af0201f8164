"""Recycling: a lead its owner does not work, or one lost for a reason worth another try, goes
back to a pool (by a routing rule's method and constraints) or to a team's re-engagement
queue, at most `max_recycles` times in all.

The sweep (`recycling_sweep`, hourly through `routing.tasks.recycle_leads`) applies the active
`RecyclingRule`s in order. Each rule lists its due leads oldest first, bounded, straight from
the database:

- *not worked*: open leads (assigned, contacted, qualified) owned by a rep whose last work —
  the assignment itself, the latest contact attempt (or the call-back it agreed, if later),
  status change or "waiting on the customer" mark — came before the start of the N-th most
  recent whole open day of the rep's team's calendar (`business_time.business_days_ago`);
- *lost*: leads lost for one of the rule's reasons at least N days ago whose person has no
  other open lead (one open lead per contact: reopening would collide).

Each lead is recycled in its own transaction, in the order every writer of a lead follows: the
lead row first (PostgreSQL `FOR UPDATE SKIP LOCKED`: a second sweep passes over a lead the
first holds), the lead checked again under that lock (still due, still under the cap), the
next owner picked, then the claim — a conditional update that ends the assignment as listed
(not worked) or reopens the lead as listed (lost); if it updated nothing another worker got
there first and everything rolls back. The new assignment (reason `recycled`) starts its SLA
clock like any other; a `recycled` event names the rule, the count ("2nd of 3") and from whom.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from intake.models import Lead, LeadEvent, LeadStatus, LostReason
from routing.business_time import business_days_ago
from routing.models import Activity, Assignment, RecyclingRule
from routing.services.assignments import assignment_replace, assignments_end
from routing.services.config import RoutingSetup, routing_setup
from routing.services.engine import rule_next_rep
from routing.services.sla import assignment_owner
from routing.services.sla_setup import ALWAYS_OPEN
from routing.services.webhooks import status_webhooks

logger = logging.getLogger(__name__)

# One sweep recycles at most this many leads (all rules together): a rule switched on over a
# large backlog feeds the pools over a few hours, oldest first, not in one burst.
SWEEP_LIMIT = 200
# Open statuses an owner can neglect (new and in-review leads wait for routing or a reviewer).
WORKABLE = (LeadStatus.ASSIGNED, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


def lead_recycle_count(lead_id: int) -> int:
    """How many times the lead was recycled (its `recycled` assignments), by any rule."""
    return Assignment.objects.filter(lead_id=lead_id, reason=Assignment.Reason.RECYCLED).count()


def _recycles(lead: OuterRef) -> Coalesce:
    counted = (
        Assignment.objects.filter(lead_id=lead, reason=Assignment.Reason.RECYCLED)
        .order_by()
        .values("lead_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _idle_since() -> Greatest:
    """When the lead was last worked: assigned, a contact attempt (or the call-back it agreed),
    a status change, or a "waiting on the customer" mark, whichever is latest."""
    lead = OuterRef("lead_id")
    attempt = Activity.objects.filter(lead_id=lead).order_by("-at").values("at")[:1]
    callback = (
        Activity.objects.filter(lead_id=lead, callback_at__isnull=False)
        .order_by("-callback_at")
        .values("callback_at")[:1]
    )
    mark = (
        LeadEvent.objects.filter(
            Q(kind=LeadEvent.Kind.STATUS)
            | Q(kind=LeadEvent.Kind.NOTE, data__waiting_on_customer=True),
            lead_id=lead,
        )
        .order_by("-at")
        .values("at")[:1]
    )
    assigned = F("assigned_at")
    return Greatest(
        assigned,
        Coalesce(Subquery(attempt), assigned),
        Coalesce(Subquery(callback), assigned),
        Coalesce(Subquery(mark), assigned),
    )


def _not_worked(rule: RecyclingRule, now: datetime, setup: RoutingSetup) -> QuerySet[Assignment]:
    """The active assignments this not-worked rule recycles now: a rep's, on a workable lead,
    idle since before the cut-off of the rep's team's calendar, under the cap."""
    cutoffs: dict[datetime, list[int]] = {}
    # A rule saved around validation, without its days, has no cut-off: it recycles nothing.
    days = rule.business_days or 0
    teams = [rule.team_id] if rule.team_id else list(setup.sla.team_calendars)
    teams = teams if days else []
    for team_id in teams:
        calendar = setup.sla.team_calendars.get(team_id, ALWAYS_OPEN)
        try:
            cutoff = business_days_ago(calendar, now, days)
        except ValueError:
            continue  # a calendar that never opens: no business day ever passes
        cutoffs.setdefault(cutoff, []).append(team_id)
    idle = Q(pk__in=[])
    for cutoff, team_ids in cutoffs.items():
        # Work never comes before the assignment: the plain column rules out the recent
        # assignments before the database computes when each was last worked.
        idle |= Q(rep__team_id__in=team_ids, assigned_at__lt=cutoff, idle_since__lt=cutoff)
    return (
        Assignment.objects.filter(
            ended_at__isnull=True,
            rep__isnull=False,
            lead__status__in=WORKABLE,
            lead__is_test=False,
            lead__is_historical=False,
        )
        .annotate(idle_since=_idle_since(), recycles=_recycles(OuterRef("lead_id")))
        .filter(idle, recycles__lt=rule.max_recycles)
    )


def _lost(rule: RecyclingRule, now: datetime) -> QuerySet[Lead]:
    """The leads this lost rule recycles now: lost for one of its reasons at least its days
    ago, under the cap, whose person has no other open lead."""
    if not rule.days:
        return Lead.objects.none()  # saved around validation: it recycles nothing
    leads = (
        Lead.objects.filter(
            status=LeadStatus.LOST,
            lost_reason__in=rule.lost_reasons,
            closed_at__lte=now - timedelta(days=rule.days),
            is_test=False,
            is_historical=False,
        )
        .annotate(recycles=_recycles(OuterRef("pk")))
        .filter(recycles__lt=rule.max_recycles)
        .exclude(Exists(Lead.objects.open().filter(contact_id=OuterRef("contact_id"))))
    )
    if rule.team_id:
        leads = leads.filter(
            Exists(
                Assignment.objects.filter(
                    Q(rep__team_id=rule.team_id) | Q(queue_team_id=rule.team_id),
                    lead_id=OuterRef("pk"),
                    ended_at__isnull=True,
                )
            )
        )
    return leads


def recycling_sweep(now: datetime | None = None, *, limit: int = SWEEP_LIMIT) -> int:
    """Apply the active recycling rules in order; returns how many leads were recycled.

    1. Per rule, list its due leads oldest first (at most what is left of `limit`).
    2. Recycle each in its own transaction (`lead_recycle`): locked, checked again, claimed,
       moved, recorded; a lead another worker holds or already moved is skipped.
    3. A lead a rule recycled is no longer due for the rules after it (it has a new owner, or
       it is open again).
    """
    now = now or timezone.now()
    setup = routing_setup()
    recycled = 0
    for rule in RecyclingRule.objects.filter(is_active=True).select_related("target_team", "team"):
        if recycled >= limit:
            break
        # Built once per rule: the listing and every lead's check under its lock share it.
        due, oldest_first, lead_column = _due(rule, now, setup)
        lead_ids = list(
            due.order_by(oldest_first, "id").values_list(lead_column, flat=True)[: limit - recycled]
        )
        for lead_id in lead_ids:
            if lead_recycle(rule=rule, lead_id=lead_id, now=now, setup=setup, due=due):
                recycled += 1
    return recycled


def _due(rule: RecyclingRule, now: datetime, setup: RoutingSetup) -> tuple[QuerySet, str, str]:
    """The rule's due rows (active assignments when not worked, leads when lost), the column
    that orders them oldest first, and the column of their lead's id."""
    if rule.kind == RecyclingRule.Kind.NOT_WORKED:
        return _not_worked(rule, now, setup), "idle_since", "lead_id"
    return _lost(rule, now), "closed_at", "id"


def lead_recycle(
    *,
    rule: RecyclingRule,
    lead_id: int,
    now: datetime,
    setup: RoutingSetup | None = None,
    due: QuerySet | None = None,
) -> bool:
    """Recycle one lead by one rule if it is still due, in one transaction. False when it is
    not due any more, nobody can take it now (tried again at the next sweep), or another
    worker holds or already moved it.

    1. Lock the lead (PostgreSQL: skip it if another worker holds it).
    2. Check again, under the lock, that the rule applies (idle or lost as listed, under the
       cap); read its current owner.
    3. Pick the next owner: the target rule's method among its eligible reps, less the owner
       the lead is taken from (unless the rule allows them); or the target team's queue.
    4. Claim by a conditional update (end the assignment as read; reopen the lost lead as
       read); if it updated nothing, roll back.
    5. Start the new assignment (reason `recycled`, its own SLA clock), set the lead's status,
       and put a `recycled` event on the timeline.
    `due`: the rule's due rows as the sweep built them for `now` (else built here).
    """
    setup = setup or routing_setup()
    due = due if due is not None else _due(rule, now, setup)[0]
    with transaction.atomic():
        lead = (
            Lead.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=lead_id)
            .first()
        )
        if lead is None:
            return False
        if rule.kind == RecyclingRule.Kind.NOT_WORKED:
            # At most one row (one active assignment per lead); unordered, so that PostgreSQL
            # reads it through the lead's index rather than walking assignments by date for
            # a LIMIT 1 (133 ms a lead at 50,000 open leads, bench/recycling_bench.py).
            current = next(
                iter(due.filter(lead_id=lead_id).select_related("rep").order_by()[:1]), None
            )
            if current is None:
                return False
            why = f"not worked for {rule.business_days} business day(s)"
        else:
            if not due.filter(pk=lead_id).exists():
                return False
            current = next(
                iter(
                    Assignment.objects.filter(lead_id=lead_id, ended_at__isnull=True)
                    .select_related("rep", "queue_team", "user")
                    .order_by()[:1]
                ),
                None,
            )
            assert lead.closed_at is not None  # a lost lead, as `_lost` read it
            reason = LostReason(lead.lost_reason).label
            why = f"lost ({reason}) {(now - lead.closed_at).days} day(s) ago"
        moved = _recycle(rule, lead, current, why, now, setup)
        if not moved:
            transaction.set_rollback(True)
        return moved


def _recycle(
    rule: RecyclingRule,
    lead: Lead,
    current: Assignment | None,
    why: str,
    now: datetime,
    setup: RoutingSetup,
) -> bool:
    """Steps 3-5 of `lead_recycle`, on the locked lead."""
    excluded = (
        {current.rep_id}
        if rule.exclude_previous_owner and current is not None and current.rep_id
        else set()
    )
    spec = choice = None
    if rule.target == RecyclingRule.Target.RULE:
        spec = setup.rule(rule.target_rule_id or (current.rule_id if current else None))
        if spec is None:
            logger.info("recycling rule %s: no active routing rule for lead %s", rule, lead.pk)
            return False
        choice = rule_next_rep(lead=lead, spec=spec, setup=setup, exclude=excluded, now=now)
        if choice is None:
            return False  # nobody eligible right now: the next sweep tries again
    to_rep = choice is not None
    status = lead.status
    if status == LeadStatus.LOST:
        status = LeadStatus.ASSIGNED if to_rep else LeadStatus.NEW
    elif status == LeadStatus.ASSIGNED and not to_rep:
        status = LeadStatus.NEW  # waiting in a queue, as a handed-back lead does
    # The claim.
    if lead.status == LeadStatus.LOST:
        previous = {"lost_reason": lead.lost_reason, "closed_reason": lead.closed_reason}
        try:
            with transaction.atomic():
                reopened = Lead.objects.filter(
                    pk=lead.pk, status=LeadStatus.LOST, closed_at=lead.closed_at
                ).update(
                    status=status, closed_at=None, closed_reason="", lost_reason="", updated_at=now
                )
        except IntegrityError:
            # The person inquired again meanwhile: their new open lead is the one to work.
            return False
        if not reopened:
            return False
        status_webhooks(lead=lead, old=LeadStatus.LOST, new=status, at=now)
    else:
        previous = {}
    if current is not None and not assignments_end(
        Assignment.objects.filter(pk=current.pk, lead_id=lead.pk), now
    ):
        return False
    number = lead_recycle_count(lead.pk) + 1
    source = assignment_owner(current) if current is not None else "nobody"
    if choice is not None:
        target = str(choice.rep)
        how = f" ({choice.explanation})"
        new = assignment_replace(
            lead=lead,
            now=now,
            reason=Assignment.Reason.RECYCLED,
            rule=spec.rule if spec else None,
            rep_id=choice.rep.pk,
            user_id=choice.rep.live.user_id,
            note=f"Recycled by “{rule}”: {why}",
            end_active=False,  # ended by the claim above
            setup=setup,
        )
    else:
        target, how = f"{rule.target_team}'s queue", ""
        new = assignment_replace(
            lead=lead,
            now=now,
            reason=Assignment.Reason.RECYCLED,
            team=rule.target_team,
            note=f"Recycled by “{rule}”: {why}",
            end_active=False,
            setup=setup,
        )
    if lead.status != status and not previous:
        old, lead.status = lead.status, status
        lead.save(update_fields=["status", "updated_at"])
        status_webhooks(lead=lead, old=old, new=status, at=now)
    last = number >= rule.max_recycles
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.RECYCLED,
        at=now,
        message=(
            f"Recycled by “{rule}” ({ordinal(number)} of {rule.max_recycles}): {why}; "
            f"from {source} to {target}{how}"
            + ("; the last time this rule recycles it" if last else "")
        )[:500],
        data={
            "rule": rule.pk,
            "rule_name": rule.name,
            "recycle": number,
            "max_recycles": rule.max_recycles,
            "last": last,
            "why": why,
            "from": {
                "rep": current.rep_id if current else None,
                "team": current.queue_team_id if current else None,
                "user": current.user_id if current else None,
                "label": source,
            },
            "to": {
                "rep": choice.rep.pk if choice else None,
                "team": rule.target_team_id if choice is None else None,
                "label": target,
            },
            "assignment": new.pk,
            "reopened": {"from": LeadStatus.LOST, "to": status, **previous} if previous else None,
        },
    )
    return True


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, 21st."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
