"""A rep turning "receiving leads" off (perhaps until a time: "back at 14:00") and on.

The pause is `Rep.paused` with `Rep.paused_until`; `routing.availability.paused_now` is the
one rule that reads them (the engine, the board, the reps API, queue claims). Saving the rep
through the ORM gives the routing configuration a new token, and the engine reads both fields
fresh under its locks, so the very next lead sees the change. Each change is an
`AvailabilityChange` row, for reports to count.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from routing.availability import paused_now
from routing.models import AvailabilityChange, Rep

# A pause with an end is for a break or an afternoon out; longer absences are time off,
# which the board and routing name as such.
MAX_PAUSE = timedelta(days=30)


def _may_change(user, rep: Rep) -> bool:
    """The rep themselves, their team's manager, or staff."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.pk == rep.user_id or user.is_staff or rep.team.manager_id == user.pk


def rep_availability_set(
    *,
    rep: Rep,
    receiving: bool,
    until: datetime | None = None,
    by_user,
    now: datetime | None = None,
) -> AvailabilityChange | None:
    """Turn the rep's "receiving leads" on, or off until `until` (None: until turned on).

    1. Only the rep, their team's manager or staff (PermissionDenied otherwise); `until` only
       when turning off, after now and within `MAX_PAUSE`.
    2. Lock the rep's row; compare with what holds now (a pause whose end has passed is
       over): no change records nothing and returns None (a lapsed pause's flags are
       cleared).
    3. Save the rep through the ORM (the routing configuration reloads) and record an
       `AvailabilityChange`.
    """
    now = now or timezone.now()
    if not _may_change(by_user, rep):
        raise PermissionDenied(
            "Only the rep, their manager or staff change whether they receive leads."
        )
    if until is not None:
        if receiving:
            raise ValidationError({"until": "A time to come back applies only to a pause."})
        if until <= now:
            raise ValidationError({"until": "Choose a time to come back in the future."})
        if until > now + MAX_PAUSE:
            raise ValidationError(
                {"until": f"Pause for at most {MAX_PAUSE.days} days; book longer ones as time off."}
            )
    with transaction.atomic():
        rep = Rep.objects.select_for_update().get(pk=rep.pk)
        was_receiving = not paused_now(paused=rep.paused, paused_until=rep.paused_until, now=now)
        # What holds now against what is asked: (receiving, when the pause ends).
        before = (True, None) if was_receiving else (False, rep.paused_until)
        unchanged = before == (receiving, until)
        flags = (not receiving, None if receiving else until)
        if (rep.paused, rep.paused_until) != flags:
            rep.paused, rep.paused_until = flags
            rep.save(update_fields=["paused", "paused_until"])
        if unchanged:
            return None
        return availability_change_record(rep=rep, by_user=by_user, now=now)


def availability_change_record(*, rep: Rep, by_user, now: datetime | None = None):
    """Record that the rep's saved pause (`paused`, `paused_until`) is a change made by
    `by_user`: what `rep_availability_set` records, and what the admin records when a manager
    ticks "paused" there."""
    now = now or timezone.now()
    paused = paused_now(paused=rep.paused, paused_until=rep.paused_until, now=now)
    return AvailabilityChange.objects.create(
        rep=rep,
        receiving=not paused,
        until=rep.paused_until if paused else None,
        at=now,
        by=by_user,
    )
