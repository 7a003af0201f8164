"""Working a lead: contact attempts, status changes, notes, handing a lead back, and a
manager's manual (re)assignment.

Every service locks the lead row through `lead_get_for_work`, which also answers 404 for a
lead the actor may not act on: a rep acts only on the leads they own now, a manager on their
team's leads and queue, staff on every lead. Each change appends a `LeadEvent`.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from intake.models import Lead, LeadEvent, LeadStatus, LostReason
from leadrouter.api_errors import CONFLICT_CODE
from routing.models import Activity, Assignment, HeldLead, Rep, Team
from routing.selectors import (
    assign_targets,
    lead_active_assignment,
    lead_get_for_work,
    user_manages_leads,
)
from routing.services.assignments import assignment_replace
from routing.services.config import routing_setup
from routing.services.licences import licence_refusal
from routing.services.sla import sla_record_activity, sla_stop, sla_wait_on_customer
from routing.services.webhooks import status_webhooks

# The statuses a person may set by hand, and those among them that close the lead.
SETTABLE_STATUSES = (
    LeadStatus.CONTACTED,
    LeadStatus.QUALIFIED,
    LeadStatus.WON,
    LeadStatus.LOST,
    LeadStatus.DISQUALIFIED,
)
CLOSED_STATUSES = (LeadStatus.WON, LeadStatus.LOST, LeadStatus.DISQUALIFIED)
# Systems that change a lead's status without a person (`lead_status_change(via=...)`).
VIA_LABELS = {"hubspot": "HubSpot"}
MAX_NOTE_LENGTH = 5000
# How far ahead a call-back may be agreed: it pauses the lead's SLA clock until then.
MAX_CALLBACK_AHEAD = timedelta(days=365)


def _rep_of(user) -> Rep | None:
    return Rep.objects.select_related("team").filter(user=user).first()


def _refuse_merged(lead: Lead) -> None:
    if lead.status == LeadStatus.MERGED:
        raise ValidationError(
            f"Lead #{lead.pk} was merged into lead #{lead.merged_into_id}; work on that one.",
            code=CONFLICT_CODE,
        )


def _lock_open_lead(user, lead: Lead, *, refusal: str) -> Lead:
    """Lock the lead (404 unless the user may act on it); refuse a merged or closed one."""
    lead = lead_get_for_work(user=user, lead_id=lead.pk, lock=True)
    _refuse_merged(lead)
    if not lead.is_open():
        message = f"The lead is closed ({lead.get_status_display()}); {refusal}."
        raise ValidationError({"lead": ValidationError(message, code=CONFLICT_CODE)})
    return lead


def _set_status(
    *, lead: Lead, user, status: str, now: datetime, message: str = "", via: str = "", **data
):
    """Write a status change on the locked lead and its STATUS event. `via` names the system
    the change came from (`hubspot`), which its own sync must not send back."""
    old = lead.status
    lead.status = status
    lead.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_reason",
            "lost_reason",
            "outcome_value",
            "updated_at",
        ]
    )
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.STATUS,
        at=now,
        actor=user,
        message=(
            message
            or f"{LeadStatus(old).label} → {LeadStatus(status).label}"
            + (f" (from {VIA_LABELS.get(via, via)})" if via else "")
        )[:500],
        data={"from": old, "to": status, **data, **({"via": via} if via else {})},
    )
    status_webhooks(lead=lead, old=old, new=status, at=now, user=user, via=via)


def _later_error(at: datetime, now: datetime, what: str) -> str:
    """Why `at` cannot be the time of `what` (empty when it can): after now, within a year."""
    if at <= now:
        return f"Choose {what} time in the future."
    if at > now + MAX_CALLBACK_AHEAD:
        return f"Agree {what} within {MAX_CALLBACK_AHEAD.days} days."
    return ""


def activity_log(
    *,
    lead: Lead,
    user,
    kind: str,
    outcome: str,
    note: str = "",
    now: datetime | None = None,
    callback_at: datetime | None = None,
) -> Activity:
    """Record a contact attempt on a lead, with the call-back time the rep agreed, if any.

    1. Validate kind, outcome, note and `callback_at` (after now, within a year).
    2. Lock the lead (404 unless the user may act on it); refuse a merged or closed lead.
    3. Store the Activity and an ACTIVITY event.
    4. The first attempt on an assigned lead moves it to contacted (with its STATUS event).
    5. The SLA clock: a call-back pauses it until then, an attempt that counts meets it
       (`routing.services.sla.sla_record_activity`).
    """
    now = now or timezone.now()
    errors = {}
    if kind not in Activity.Kind.values:
        errors["kind"] = f"Choose one of: {', '.join(Activity.Kind.values)}."
    if outcome not in Activity.Outcome.values:
        errors["outcome"] = f"Choose one of: {', '.join(Activity.Outcome.values)}."
    if len(note) > MAX_NOTE_LENGTH:
        errors["note"] = f"Keep the note under {MAX_NOTE_LENGTH} characters."
    if callback_at is not None and (error := _later_error(callback_at, now, "a call-back")):
        errors["callback_at"] = error
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lead = _lock_open_lead(user, lead, refusal="log no more attempts")
        activity = Activity.objects.create(
            lead=lead,
            rep=_rep_of(user),
            user=user,
            kind=kind,
            outcome=outcome,
            note=note.strip(),
            at=now,
            callback_at=callback_at,
        )
        summary = f"{activity.get_kind_display()}: {activity.get_outcome_display()}"
        data = {"activity": activity.pk, "kind": kind, "outcome": outcome}
        if callback_at is not None:
            # The timeline's message is read by people in any zone: it says UTC.
            callback_utc = callback_at.astimezone(UTC)
            summary += f", call back {callback_utc:%Y-%m-%d %H:%M} UTC"
            data["callback_at"] = callback_utc.isoformat()
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.ACTIVITY,
            at=now,
            actor=user,
            message=(f"{summary} — {activity.note}" if activity.note else summary)[:500],
            data=data,
        )
        if lead.status == LeadStatus.ASSIGNED:
            _set_status(
                lead=lead,
                user=user,
                status=LeadStatus.CONTACTED,
                now=now,
                message="Assigned → Contacted (first contact attempt)",
                activity=activity.pk,
            )
        sla_record_activity(lead=lead, activity=activity, callback_at=callback_at, now=now)
    return activity


def lead_wait_on_customer(
    *, lead: Lead, user, until: datetime | None = None, note: str = "", now: datetime | None = None
) -> bool:
    """The rep marks the lead as waiting on the customer (a reply, a document).

    1. Validate `until` (after now, within a year; none: no set time) and the note.
    2. Lock the lead (404 unless the user may act on it); refuse a merged or closed lead.
    3. A NOTE event says so on the timeline, with the note.
    4. The SLA clock pauses unless its policy says otherwise (`routing.services.sla.
       sla_wait_on_customer`): until `until`, else until the rep logs a contact or the
       customer inquires again. Returns whether it paused.
    """
    now = now or timezone.now()
    note = note.strip()
    errors = {}
    if until is not None and (error := _later_error(until, now, "a resume")):
        errors["until"] = error
    if len(note) > MAX_NOTE_LENGTH:
        errors["note"] = f"Keep the note under {MAX_NOTE_LENGTH} characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lead = _lock_open_lead(user, lead, refusal="it waits on nobody")
        summary = "Waiting on the customer" + (
            f" until {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if until else ""
        )
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.NOTE,
            at=now,
            actor=user,
            message=(f"{summary} — {note}" if note else summary)[:500],
            data={"waiting_on_customer": True, "until": until.isoformat() if until else None},
        )
        return sla_wait_on_customer(lead=lead, now=now, until=until)


def lead_status_change(
    *,
    lead: Lead,
    user,
    status: str,
    value: Decimal | str | int | None = None,
    reason: str = "",
    lost_reason: str = "",
    now: datetime | None = None,
    via: str = "",
) -> Lead:
    """Move a lead to contacted, qualified, won, lost or disqualified.

    1. Lock the lead (404 unless the user may act on it). A change from another system
       (`via="hubspot"`, no user) locks it without a person's permission check; its events
       say where it came from, so that system's sync does not send it back.
    2. Refuse a merged or closed lead (a closed lead stays closed; only a recycling rule
       reopens a lost one), one held for review, and a no-op.
    3. Won needs a value above zero (`outcome_value`); lost needs a reason from the list
       (`lost_reason`; a typed reason alone counts as "other") and disqualified a typed one
       (`closed_reason`, for lost the typed detail or else the listed reason's words); a
       closing status sets `closed_at`.
    4. Save and append a STATUS event with from and to.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if status not in SETTABLE_STATUSES:
        raise ValidationError(
            {"status": f"Choose one of: {', '.join(str(s) for s in SETTABLE_STATUSES)}."}
        )
    if lost_reason and status != LeadStatus.LOST:
        raise ValidationError({"lost_reason": "A lost reason is only for a lost lead."})
    if lost_reason and lost_reason not in LostReason.values:
        raise ValidationError({"lost_reason": f"Choose one of: {', '.join(LostReason.values)}."})
    if status == LeadStatus.LOST and (lost_reason or reason):
        lost_reason = lost_reason or LostReason.OTHER
        reason = reason or LostReason(lost_reason).label
    amount = None
    if status == LeadStatus.WON:
        try:
            amount = Decimal(str(value).strip()) if value not in (None, "") else None
        except InvalidOperation:
            raise ValidationError({"value": "Give the deal's value as a number."}) from None
        if amount is None:
            raise ValidationError({"value": "Give the value of the deal to mark it won."})
        if not amount.is_finite() or amount <= 0:
            raise ValidationError({"value": "The deal's value must be above zero."})
        if amount >= Decimal("1e10"):
            raise ValidationError({"value": "That value is too large."})
    if status in (LeadStatus.LOST, LeadStatus.DISQUALIFIED) and not reason:
        label = LeadStatus(status).label.lower()
        raise ValidationError({"reason": f"Say why the lead is {label}."})
    if len(reason) > 200:
        raise ValidationError({"reason": "Keep the reason under 200 characters."})
    if user is None and via not in VIA_LABELS:
        raise PermissionDenied("A status change needs a person or a known system.")
    with transaction.atomic():
        if user is None:
            lead = Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)
        else:
            lead = lead_get_for_work(user=user, lead_id=lead.pk, lock=True)
        _refuse_merged(lead)
        if lead.status in CLOSED_STATUSES:
            raise ValidationError(
                {
                    "status": f"The lead is already closed ({lead.get_status_display()}); "
                    "a closed lead is not reopened."
                }
            )
        if lead.status == LeadStatus.REVIEW:
            raise ValidationError(
                {"status": "The lead waits in the review queue; decide it there first."}
            )
        if lead.status == status:
            raise ValidationError({"status": f"The lead is already {lead.get_status_display()}."})
        data = {}
        if status in CLOSED_STATUSES:
            lead.closed_at = now
            lead.closed_reason = reason
            lead.lost_reason = lost_reason
            if amount is not None:
                lead.outcome_value = amount.quantize(Decimal("0.01"))
                data["value"] = str(lead.outcome_value)
            if reason:
                data["reason"] = reason
            if lost_reason:
                data["lost_reason"] = lost_reason
            sla_stop(lead=lead)
        _set_status(lead=lead, user=user, status=status, now=now, via=via, **data)
    return lead


def lead_note_add(*, lead: Lead, user, text: str, now: datetime | None = None) -> LeadEvent:
    """Add a note to a lead's timeline (404 unless the user may act on it)."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write the note."})
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError({"text": f"Keep the note under {MAX_NOTE_LENGTH} characters."})
    with transaction.atomic():
        lead = lead_get_for_work(user=user, lead_id=lead.pk, lock=True)
        return LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.NOTE,
            at=now,
            actor=user,
            message=text[:500],
            data={"text": text} if len(text) > 500 else {},
        )


def lead_hand_back(*, lead: Lead, user, reason: str, now: datetime | None = None) -> Assignment:
    """The owner gives a lead back: it waits in their team's unassigned queue.

    1. Lock the lead (404 unless the user may act on it); only its owner hands it back, and
       only while it is open.
    2. End the owner's assignment and queue the lead for the owner's team (a manager named by
       a fallback: the first team they manage), reason fallback, the reason as its note.
    3. An assigned lead nobody contacted goes back to new; append a HANDED_BACK event.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you hand the lead back."})
    with transaction.atomic():
        lead = lead_get_for_work(user=user, lead_id=lead.pk, lock=True)
        _refuse_merged(lead)
        current = lead_active_assignment(lead=lead)
        if current is None or current.user_id != user.pk:
            raise ValidationError("Only the lead's owner can hand it back.")
        if not lead.is_open():
            raise ValidationError(
                f"The lead is closed ({lead.get_status_display()}); it stays with you."
            )
        team = current.rep.team if current.rep else user.managed_teams.order_by("pk").first()
        if team is None:
            raise ValidationError("You belong to no team whose queue could take the lead.")
        assignment = assignment_replace(
            lead=lead,
            now=now,
            reason=Assignment.Reason.FALLBACK,
            team=team,
            note=f"Handed back by {user.get_username()}: {reason}",
        )
        if lead.status == LeadStatus.ASSIGNED:
            lead.status = LeadStatus.NEW
            lead.save(update_fields=["status", "updated_at"])
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.HANDED_BACK,
            at=now,
            actor=user,
            message=f"Handed back to {team}'s queue: {reason}"[:500],
            data={"from_user": user.pk, "team": team.pk, "reason": reason},
        )
    return assignment


def lead_assign_manually(
    *,
    lead: Lead,
    user,
    rep: Rep | None = None,
    team: Team | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Assignment:
    """A manager (or staff) gives a lead to a rep or to a team's unassigned queue.

    1. Only managers and staff assign (PermissionDenied otherwise); exactly one target, an
       active rep or a queue the manager may use.
    2. Lock the lead (404 unless the user may act on it); refuse merged, closed and in-review
       leads, the current owner, and a rep not licensed in the lead's state when the lead
       needs a licence (`routing.services.licences`: a legal constraint, never waived).
    3. Replace the assignment (reason manual): the partial unique index
       `one_active_assignment_per_lead` guarantees a single owner even if two managers race.
    4. An unassigned lead given to a rep becomes assigned, an assigned one put in a queue new;
       a lead put in a queue by hand is pinned there (the manager chose that queue: the
       offer sweep leaves it until they unpin it); a hold ends (the manager placed the lead
       before its opening); append an ASSIGNED event with from and to.
    """
    now = now or timezone.now()
    if not user_manages_leads(user):
        raise PermissionDenied("Only a team's manager or staff assign leads.")
    if (rep is None) == (team is None):
        raise ValidationError({"rep": "Choose a rep or a team queue."})
    reps, teams = assign_targets(user=user)
    if rep is not None:
        if not rep.is_active or not rep.user.is_active:
            raise ValidationError({"rep": f"{rep} is inactive and cannot take leads."})
        if rep.pk not in {r.pk for r in reps}:
            raise ValidationError({"rep": f"You may not assign leads to {rep}."})
    if team is not None and team.pk not in {t.pk for t in teams}:
        raise ValidationError({"team": f"You may not use {team}'s queue."})
    with transaction.atomic():
        lead = lead_get_for_work(user=user, lead_id=lead.pk, lock=True)
        _refuse_merged(lead)
        if not lead.is_open():
            raise ValidationError(f"The lead is closed ({lead.get_status_display()}).")
        if lead.status == LeadStatus.REVIEW:
            raise ValidationError("The lead waits in the review queue; decide it there first.")
        current = lead_active_assignment(lead=lead)
        if current is not None and rep is not None and current.rep_id == rep.pk:
            raise ValidationError({"rep": f"{rep} already owns this lead."})
        if current is not None and team is not None and current.queue_team_id == team.pk:
            raise ValidationError({"team": f"The lead already waits in {team}'s queue."})
        setup = routing_setup()
        if rep is not None and (
            refusal := licence_refusal(lead=lead, rep_id=rep.pk, rep_name=str(rep), setup=setup)
        ):
            raise ValidationError({"rep": refusal})
        before = _owner_label(current)
        assignment = assignment_replace(
            lead=lead,
            now=now,
            reason=Assignment.Reason.MANUAL,
            rep=rep,
            team=team,
            note=note.strip(),
            pinned=team is not None,
            setup=setup,
        )
        HeldLead.objects.filter(lead=lead, released_at__isnull=True).update(released_at=now)
        after = str(rep) if rep is not None else f"{team}'s queue"
        if rep is not None and lead.status == LeadStatus.NEW:
            lead.status = LeadStatus.ASSIGNED
            lead.save(update_fields=["status", "updated_at"])
        elif team is not None and lead.status == LeadStatus.ASSIGNED:
            lead.status = LeadStatus.NEW
            lead.save(update_fields=["status", "updated_at"])
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.ASSIGNED,
            at=now,
            actor=user,
            message=(f"{before} → {after}" + (f": {note.strip()}" if note.strip() else ""))[:500],
            data={
                "from": _owner_data(current),
                "to": {"rep": rep.pk if rep else None, "team": team.pk if team else None},
                "assignment": assignment.pk,
            },
        )
    return assignment


def queued_lead_pin(*, lead: Lead, user, pinned: bool, now: datetime | None = None) -> Assignment:
    """A manager keeps a lead in its team's queue on purpose (`pinned`), or lets it be offered
    again to the team's reps when one becomes available (the sweep
    `routing.tasks.offer_queued_leads`).

    1. Only managers and staff pin (PermissionDenied otherwise).
    2. Lock the lead (404 unless the user may act on it); only a lead waiting in a team's
       queue can be pinned there.
    3. Set the flag and append a PINNED event; pinning a pinned lead again changes nothing.
    """
    now = now or timezone.now()
    if not user_manages_leads(user):
        raise PermissionDenied("Only a team's manager or staff keep leads in a queue.")
    with transaction.atomic():
        lead = lead_get_for_work(user=user, lead_id=lead.pk, lock=True)
        current = lead_active_assignment(lead=lead)
        if current is None or current.queue_team is None:
            raise ValidationError(
                "Only a lead waiting in a team's queue can be kept there.", code=CONFLICT_CODE
            )
        if current.pinned == pinned:
            return current
        current.pinned = pinned
        current.save(update_fields=["pinned"])
        if pinned:
            message = f"Kept in {current.queue_team}'s queue: not offered to reps"
        else:
            message = f"Unpinned: offered to {current.queue_team}'s reps when one is available"
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.PINNED,
            at=now,
            actor=user,
            message=message,
            data={"pinned": pinned, "team": current.queue_team_id, "assignment": current.pk},
        )
    return current


def _owner_label(assignment: Assignment | None) -> str:
    if assignment is None:
        return "nobody"
    if assignment.rep is not None:
        return str(assignment.rep)
    if assignment.queue_team is not None:
        return f"{assignment.queue_team}'s queue"
    return assignment.user.get_username() if assignment.user else "nobody"


def _owner_data(assignment: Assignment | None) -> dict:
    if assignment is None:
        return {}
    return {
        "rep": assignment.rep_id,
        "team": assignment.queue_team_id,
        "user": assignment.user_id,
    }
