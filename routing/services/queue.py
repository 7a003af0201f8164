"""Reps taking leads from their team's unassigned queue themselves ("take this one", "take
next"), when the team allows it (`Team.reps_may_claim_queue`).

Two reps clicking at once never both get one lead: the lead row is locked (PostgreSQL; SQLite's
IMMEDIATE transactions serialize writers) and the queue's assignment is ended by a conditional
update naming it as still open and owned by nobody — if that updates nothing, another rep got
there first. The rep's row is locked before their load is counted, so two claims by one rep
(a double click, two tabs) never take them past their capacity. Locks are taken lead first,
then rep, in the routing engine's order, so a claim and a routing decision never deadlock.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intake.models import OPEN_STATUSES, Lead, LeadEvent, LeadStatus
from leadrouter.api_errors import CONFLICT_CODE
from routing.models import Assignment, Rep
from routing.selectors import rep_loads, team_queue
from routing.services.assignments import assignment_replace, assignments_end
from routing.services.config import routing_setup
from routing.services.licences import licence_refusal

# How many of the queue's leads "take next" looks at in one read: another rep may be taking
# some of them at this moment (they are skipped, not waited for).
TAKE_NEXT_BATCH = 20


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code=CONFLICT_CODE)


class NotLicensedForLead(ValidationError):
    """The lead needs a state licence the rep does not hold ("take next" passes it over)."""


def _claim_refusal(unavailable: str, rep: Rep) -> str:
    """A rep's unavailability (`routing.availability.unavailable_reason`) in plain words."""
    if unavailable.startswith("paused"):
        return (
            "You are not receiving leads, so you cannot take one: turn “Receiving leads” on first."
        )
    if unavailable.startswith("at capacity"):
        return (
            f"You already have {rep.max_open_leads} open leads, your limit: close or hand back "
            "one before you take another."
        )
    if unavailable.startswith("reached today"):
        return f"You have had {rep.max_new_per_day} new leads today, your daily limit."
    if unavailable == "inactive":
        return "Your account is inactive: you cannot take leads."
    return f"You cannot take a lead now: {unavailable}."


def _check_queue_open(rep: Rep) -> None:
    """Refuse unless the rep's team lets its reps take leads from its queue."""
    if not rep.team.reps_may_claim_queue:
        raise _refuse(f"{rep.team}'s queue is not open to reps: your manager gives out its leads.")


def _locked_rep_may_take(rep: Rep, now: datetime) -> Rep:
    """Lock the rep's row, read it fresh (team setting, capacity, pause) and refuse unless
    they may take a lead now. Working hours do not count: a rep on the page is working."""
    rep = Rep.objects.select_for_update(of=("self",)).select_related("user", "team").get(pk=rep.pk)
    _check_queue_open(rep)
    load = rep_loads(reps=[rep], now=now, working_hours=False)[0]
    if load.unavailable:
        raise _refuse(_claim_refusal(load.unavailable, rep))
    return rep


def _claim(*, rep: Rep, lead_id: int, now: datetime, skip_locked: bool) -> Assignment | None:
    """Give the rep one lead of their team's queue, inside the caller's transaction; None
    when the lead is no longer waiting there (another rep got there first) or, with
    `skip_locked`, when someone holds it right now.

    1. Lock the lead (or skip it); it must still be open and not held for review.
    2. Lock the rep and refuse unless they may take a lead (`_locked_rep_may_take`).
    3. Refuse a lead that needs a state licence the rep does not hold (`licence_refusal`): a
       legal constraint, whatever the queue (`NotLicensedForLead`; "take next" passes over it).
    4. End the queue's assignment by a conditional update: only if it is still open, in the
       rep's team's queue and owned by nobody.
    5. Start the rep's assignment (reason claimed; its SLA clock starts as for any owner),
       make a new lead assigned and append an ASSIGNED event.
    """
    lead = (
        Lead.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .filter(pk=lead_id, status__in=OPEN_STATUSES)
        .exclude(status=LeadStatus.REVIEW)
        .first()
    )
    if lead is None:
        return None
    rep = _locked_rep_may_take(rep, now)
    setup = routing_setup()
    if refusal := licence_refusal(lead=lead, rep_id=rep.pk, setup=setup):
        raise NotLicensedForLead(refusal, code=CONFLICT_CODE)
    waiting = Assignment.objects.filter(
        lead_id=lead.pk, queue_team_id=rep.team_id, rep__isnull=True, user__isnull=True
    )
    if assignments_end(waiting, now) != 1:
        return None  # another rep (or a manager) got there first
    assignment = assignment_replace(
        lead=lead,
        now=now,
        reason=Assignment.Reason.CLAIMED,
        rep=rep,
        note=f"Taken from {rep.team}'s queue",
        end_active=False,
        setup=setup,
        taken_by_owner=True,
    )
    if lead.status == LeadStatus.NEW:
        lead.status = LeadStatus.ASSIGNED
        lead.save(update_fields=["status", "updated_at"])
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.ASSIGNED,
        at=now,
        actor=rep.user,
        message=f"{rep.team}'s queue → {rep}: taken from the team queue",
        data={
            "from": {"team": rep.team_id},
            "to": {"rep": rep.pk, "team": None},
            "assignment": assignment.pk,
            "reason": Assignment.Reason.CLAIMED,
        },
    )
    return assignment


def queue_lead_claim(*, rep: Rep, lead: Lead, now: datetime | None = None) -> Assignment:
    """The rep takes one lead waiting in their team's queue ("Take this one").

    Refused (ValidationError) when the team's queue is not open to reps, when the rep may
    not take a lead now (not receiving leads, at capacity, at the daily cap, on time off,
    inactive), when the lead needs a state licence the rep does not hold, or when the lead
    no longer waits there — another rep took it first.
    """
    now = now or timezone.now()
    with transaction.atomic():
        assignment = _claim(rep=rep, lead_id=lead.pk, now=now, skip_locked=False)
    if assignment is None:
        raise _refuse(f"Lead #{lead.pk} is no longer waiting in your team's queue.")
    return assignment


def queue_take_next(*, rep: Rep, now: datetime | None = None) -> Assignment:
    """The rep takes the next lead of their team's queue ("Take next"): the most urgent
    first (urgent, high, normal, low), then the one waiting longest in the queue.

    A lead another rep is taking at this moment is skipped rather than waited for, so reps
    clicking together each get a different lead, and a lead needing a state licence the rep
    does not hold is passed over (it waits for a licensed rep). Refused like
    `queue_lead_claim`, and when nothing is waiting.
    """
    now = now or timezone.now()
    rep = Rep.objects.select_related("team").get(pk=rep.pk)
    _check_queue_open(rep)
    tried: set[int] = set()
    passed_over = 0  # leads needing a licence the rep does not hold
    while True:
        lead_ids = list(
            team_queue(team=rep.team)
            .exclude(lead_id__in=tried)
            .values_list("lead_id", flat=True)[:TAKE_NEXT_BATCH]
        )
        if not lead_ids:
            if passed_over:
                raise _refuse(
                    f"Nothing is waiting in {rep.team}'s queue that you may take: "
                    f"{passed_over} lead(s) there need a state licence you do not hold."
                )
            raise _refuse(f"Nothing is waiting in {rep.team}'s queue right now.")
        for lead_id in lead_ids:
            try:
                with transaction.atomic():
                    assignment = _claim(rep=rep, lead_id=lead_id, now=now, skip_locked=True)
            except NotLicensedForLead:
                assignment = None  # it waits for a licensed rep of the team
                passed_over += 1
            if assignment is not None:
                return assignment
            tried.add(lead_id)
