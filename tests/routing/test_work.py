"""Working a lead through routing's services: contact attempts, status, notes, hand-back and a
manager's manual assignment, each checked for who may act."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from intake.models import Lead, LeadEvent, LeadStatus
from leadrouter.api_errors import CONFLICT_CODE
from routing.models import Activity, Assignment
from routing.services import (
    activity_log,
    lead_assign_manually,
    lead_hand_back,
    lead_note_add,
    lead_status_change,
)

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


@pytest.fixture
def lead(make_leads, personas, give):
    lead = make_leads(1)[0]
    give(lead, rep=personas.ann)
    lead.refresh_from_db()
    return lead


def events(lead, kind):
    return list(LeadEvent.objects.filter(lead=lead, kind=kind))


# Contact attempts


def test_the_first_contact_attempt_moves_an_assigned_lead_to_contacted(lead, personas):
    assert lead.status == LeadStatus.ASSIGNED

    with time_machine.travel(MONDAY_NOON, tick=False):
        activity = activity_log(
            lead=lead, user=personas.ann.user, kind="call", outcome="left_voicemail", note="9am"
        )

    assert (activity.rep, activity.user, activity.at) == (
        personas.ann,
        personas.ann.user,
        MONDAY_NOON,
    )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
    (logged,) = events(lead, LeadEvent.Kind.ACTIVITY)
    assert logged.message == "Call: Left a voicemail — 9am" and logged.actor == personas.ann.user
    (status,) = events(lead, LeadEvent.Kind.STATUS)
    assert status.data["from"] == "assigned" and status.data["to"] == "contacted"


def test_a_later_attempt_leaves_the_status_alone(lead, personas):
    lead_status_change(lead=lead, user=personas.ann.user, status="qualified")

    activity_log(lead=lead, user=personas.ann.user, kind="email", outcome="message_sent")

    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED
    assert Activity.objects.filter(lead=lead).count() == 1


def test_an_unknown_kind_or_outcome_is_refused_naming_the_field(lead, personas):
    with pytest.raises(ValidationError) as caught:
        activity_log(lead=lead, user=personas.ann.user, kind="fax", outcome="teleported")

    assert set(caught.value.message_dict) == {"kind", "outcome"}
    assert not Activity.objects.exists()


def schedule_call_back(lead, personas, callback_at):
    """Ann logs, on Monday noon, a call that ended with a call-back agreed for `callback_at`."""
    return activity_log(
        lead=lead,
        user=personas.ann.user,
        kind="call",
        outcome="scheduled",
        now=MONDAY_NOON,
        callback_at=callback_at,
    )


def test_an_agreed_call_back_time_is_stored_and_named_on_the_timeline(lead, personas):
    callback = MONDAY_NOON.astimezone(ZoneInfo("America/Chicago")) + timedelta(days=1)

    activity = schedule_call_back(lead, personas, callback)

    activity.refresh_from_db()
    assert activity.callback_at == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    (logged,) = events(lead, LeadEvent.Kind.ACTIVITY)
    assert logged.message == "Call: Meeting or call-back scheduled, call back 2026-11-24 18:00 UTC"
    assert logged.data["callback_at"] == "2026-11-24T18:00:00+00:00"


@pytest.mark.parametrize(
    "callback, reason",
    [
        (MONDAY_NOON, "in the future"),
        (MONDAY_NOON - timedelta(minutes=1), "in the future"),
        (MONDAY_NOON + timedelta(days=365, seconds=1), "within 365 days"),
    ],
)
def test_a_call_back_now_in_the_past_or_over_a_year_ahead_is_refused(
    lead, personas, callback, reason
):
    with pytest.raises(ValidationError) as caught:
        schedule_call_back(lead, personas, callback)

    assert reason in caught.value.message_dict["callback_at"][0]
    assert not Activity.objects.exists()


def test_a_call_back_a_year_ahead_is_still_accepted(lead, personas):
    activity = schedule_call_back(lead, personas, MONDAY_NOON + timedelta(days=365))

    assert activity.callback_at == MONDAY_NOON + timedelta(days=365)


@pytest.mark.parametrize("status", ["won", "lost", "disqualified"])
def test_no_attempt_is_logged_on_a_closed_lead_and_the_refusal_is_a_conflict(
    lead, personas, status
):
    lead_status_change(lead=lead, user=personas.ann.user, status=status, value=10, reason="x")

    with pytest.raises(ValidationError) as caught:
        activity_log(lead=lead, user=personas.ann.user, kind="call", outcome="reached")

    (refusal,) = caught.value.error_dict["lead"]
    assert refusal.code == CONFLICT_CODE and "closed" in refusal.message
    assert not Activity.objects.exists()


# Status


def test_won_needs_a_value_above_zero_and_records_it(lead, personas):
    for value, message in [(None, "Give the value"), ("0", "above zero"), ("abc", "number")]:
        with pytest.raises(ValidationError) as caught:
            lead_status_change(lead=lead, user=personas.ann.user, status="won", value=value)
        assert message in caught.value.message_dict["value"][0]

    with time_machine.travel(MONDAY_NOON, tick=False):
        won = lead_status_change(lead=lead, user=personas.ann.user, status="won", value="1250.5")

    assert (won.status, won.outcome_value, won.closed_at) == (
        "won",
        Decimal("1250.50"),
        MONDAY_NOON,
    )
    (event,) = events(lead, LeadEvent.Kind.STATUS)
    assert event.data == {"from": "assigned", "to": "won", "value": "1250.50"}


@pytest.mark.parametrize("status", ["lost", "disqualified"])
def test_lost_and_disqualified_need_a_reason_kept_as_the_closed_reason(lead, personas, status):
    with pytest.raises(ValidationError) as caught:
        lead_status_change(lead=lead, user=personas.ann.user, status=status, reason="  ")
    assert "reason" in caught.value.message_dict

    closed = lead_status_change(
        lead=lead, user=personas.ann.user, status=status, reason="Went with a competitor"
    )

    assert closed.closed_reason == "Went with a competitor" and closed.closed_at is not None
    assert closed.outcome_value is None


def test_a_closed_lead_is_not_reopened(lead, personas):
    lead_status_change(lead=lead, user=personas.ann.user, status="lost", reason="no budget")

    with pytest.raises(ValidationError) as caught:
        lead_status_change(lead=lead, user=personas.ann.user, status="contacted")

    assert "already closed" in caught.value.message_dict["status"][0]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.LOST


def test_a_merged_lead_refuses_every_change(lead, personas):
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.MERGED)

    with pytest.raises(ValidationError, match="merged"):
        lead_status_change(lead=lead, user=personas.ann.user, status="contacted")
    with pytest.raises(ValidationError, match="merged"):
        activity_log(lead=lead, user=personas.ann.user, kind="call", outcome="reached")


def test_a_lead_held_for_review_is_decided_in_the_review_queue_first(lead, personas):
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.REVIEW)

    with pytest.raises(ValidationError, match="review queue"):
        lead_status_change(lead=lead, user=personas.staff, status="qualified")


@pytest.mark.parametrize("status", ["new", "assigned", "merged", "review", "bogus"])
def test_only_the_work_statuses_can_be_set_by_hand(lead, personas, status):
    with pytest.raises(ValidationError) as caught:
        lead_status_change(lead=lead, user=personas.ann.user, status=status)

    assert "status" in caught.value.message_dict


# Notes


def test_a_note_goes_on_the_timeline_and_an_empty_one_is_refused(lead, personas):
    with pytest.raises(ValidationError) as caught:
        lead_note_add(lead=lead, user=personas.ann.user, text="   ")
    assert "text" in caught.value.message_dict

    lead_note_add(lead=lead, user=personas.ann.user, text="Prefers mornings")

    (note,) = events(lead, LeadEvent.Kind.NOTE)
    assert (note.message, note.actor) == ("Prefers mornings", personas.ann.user)


# Who may act


@pytest.mark.parametrize("who", ["bob", "cat", "other_manager"])
def test_nobody_but_the_owner_its_manager_and_staff_may_act(lead, personas, who):
    user = personas.other_manager if who == "other_manager" else getattr(personas, who).user
    attempts = [
        lambda: activity_log(lead=lead, user=user, kind="call", outcome="reached"),
        lambda: lead_status_change(lead=lead, user=user, status="contacted"),
        lambda: lead_note_add(lead=lead, user=user, text="mine now"),
        lambda: lead_hand_back(lead=lead, user=user, reason="not mine"),
    ]
    for attempt in attempts:
        with pytest.raises(Http404):
            attempt()

    assert not Activity.objects.exists()
    assert not events(lead, LeadEvent.Kind.NOTE)


def test_the_teams_manager_and_staff_may_work_a_reps_lead(lead, personas):
    activity_log(lead=lead, user=personas.manager, kind="call", outcome="reached")
    lead_note_add(lead=lead, user=personas.staff, text="Escalated by the CEO")

    assert Activity.objects.get().rep is None  # the manager has no rep profile
    assert events(lead, LeadEvent.Kind.NOTE)[0].actor == personas.staff


def test_a_rep_who_lost_the_lead_can_no_longer_act_on_it(lead, personas, give):
    give(lead, rep=personas.bob)

    with pytest.raises(Http404):
        activity_log(lead=lead, user=personas.ann.user, kind="call", outcome="reached")
    activity_log(lead=lead, user=personas.bob.user, kind="call", outcome="reached")


# Hand back


def test_handing_back_queues_the_lead_for_the_reps_team(lead, personas):
    with time_machine.travel(MONDAY_NOON, tick=False):
        queued = lead_hand_back(lead=lead, user=personas.ann.user, reason="Speaks only German")

    assert (queued.rep, queued.user, queued.queue_team) == (None, None, personas.team)
    assert queued.reason == Assignment.Reason.FALLBACK and "Speaks only German" in queued.note
    ended = Assignment.objects.get(lead=lead, rep=personas.ann)
    assert ended.ended_at == MONDAY_NOON
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    (event,) = events(lead, LeadEvent.Kind.HANDED_BACK)
    assert event.data["reason"] == "Speaks only German" and event.actor == personas.ann.user
    # Gone from the rep; waiting for the team's manager.
    with pytest.raises(Http404):
        lead_note_add(lead=lead, user=personas.ann.user, text="one more thing")
    lead_note_add(lead=lead, user=personas.manager, text="I'll place it")


def test_handing_back_needs_a_reason(lead, personas):
    with pytest.raises(ValidationError) as caught:
        lead_hand_back(lead=lead, user=personas.ann.user, reason="")

    assert "reason" in caught.value.message_dict
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).rep == personas.ann


def test_a_contacted_lead_keeps_its_status_when_handed_back(lead, personas):
    activity_log(lead=lead, user=personas.ann.user, kind="call", outcome="reached")

    lead_hand_back(lead=lead, user=personas.ann.user, reason="Wants a Spanish speaker")

    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED


def test_only_the_owner_hands_back_an_open_lead(lead, personas):
    with pytest.raises(ValidationError, match="owner"):
        lead_hand_back(lead=lead, user=personas.manager, reason="tidying up")
    lead_status_change(lead=lead, user=personas.ann.user, status="won", value=10)
    with pytest.raises(ValidationError, match="closed"):
        lead_hand_back(lead=lead, user=personas.ann.user, reason="done")


# Manual assignment


def test_a_manager_reassigns_a_lead_to_another_rep_of_the_team(lead, personas):
    with time_machine.travel(MONDAY_NOON, tick=False):
        moved = lead_assign_manually(
            lead=lead, user=personas.manager, rep=personas.bob, note="Ann is off"
        )

    assert (moved.rep, moved.user, moved.reason) == (personas.bob, personas.bob.user, "manual")
    assert Assignment.objects.filter(lead=lead, ended_at__isnull=True).get() == moved
    (event,) = [e for e in events(lead, LeadEvent.Kind.ASSIGNED) if e.actor == personas.manager]
    assert event.message == "Ann → Bob: Ann is off"
    assert event.data["from"]["rep"] == personas.ann.pk
    assert event.data["to"] == {"rep": personas.bob.pk, "team": None}


def test_a_manager_places_a_queued_lead_and_the_lead_becomes_assigned(lead, personas):
    lead_hand_back(lead=lead, user=personas.ann.user, reason="on leave")

    lead_assign_manually(lead=lead, user=personas.manager, rep=personas.bob)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED


def test_a_manager_cannot_assign_to_another_teams_rep_or_queue(lead, personas):
    with pytest.raises(ValidationError) as caught:
        lead_assign_manually(lead=lead, user=personas.manager, rep=personas.cat)
    assert "rep" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        lead_assign_manually(lead=lead, user=personas.manager, team=personas.other_team)
    assert "team" in caught.value.message_dict


def test_another_teams_manager_gets_404_for_the_lead(lead, personas):
    with pytest.raises(Http404):
        lead_assign_manually(lead=lead, user=personas.other_manager, rep=personas.cat)


def test_an_inactive_rep_cannot_be_given_a_lead(lead, personas):
    personas.bob.is_active = False
    personas.bob.save(update_fields=["is_active"])

    with pytest.raises(ValidationError) as caught:
        lead_assign_manually(lead=lead, user=personas.manager, rep=personas.bob)

    assert "inactive" in caught.value.message_dict["rep"][0]


def test_reps_do_not_assign_leads(lead, personas):
    with pytest.raises(PermissionDenied):
        lead_assign_manually(lead=lead, user=personas.ann.user, rep=personas.bob)


def test_assigning_needs_exactly_one_target_and_a_new_owner(lead, personas):
    with pytest.raises(ValidationError):
        lead_assign_manually(lead=lead, user=personas.manager)
    with pytest.raises(ValidationError):
        lead_assign_manually(lead=lead, user=personas.manager, rep=personas.bob, team=personas.team)
    with pytest.raises(ValidationError, match="already owns"):
        lead_assign_manually(lead=lead, user=personas.manager, rep=personas.ann)


def test_staff_move_a_lead_to_another_teams_queue(lead, personas):
    queued = lead_assign_manually(lead=lead, user=personas.staff, team=personas.other_team)

    assert queued.queue_team == personas.other_team and queued.rep is None
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    # Now the other team's manager's lead, no longer Mia's.
    lead_note_add(lead=lead, user=personas.other_manager, text="ours now")
    with pytest.raises(Http404):
        lead_note_add(lead=lead, user=personas.manager, text="still mine?")


def test_every_reassignment_leaves_exactly_one_active_owner(lead, personas):
    for rep in [personas.bob, personas.ann, personas.bob]:
        lead_assign_manually(lead=lead, user=personas.manager, rep=rep)

    assert Assignment.objects.filter(lead=lead, ended_at__isnull=True).count() == 1
    assert Assignment.objects.filter(lead=lead).count() == 4


def test_a_waiting_time_is_measured_from_the_assignment(lead, personas):
    with time_machine.travel(MONDAY_NOON, tick=False):
        moved = lead_assign_manually(lead=lead, user=personas.manager, rep=personas.bob)
    with time_machine.travel(MONDAY_NOON + timedelta(hours=2), tick=False):
        activity = activity_log(lead=lead, user=personas.bob.user, kind="sms", outcome="reached")

    assert activity.at - moved.assigned_at == timedelta(hours=2)
