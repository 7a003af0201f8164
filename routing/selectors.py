"""Routing's reads: reps' load and availability, for the manager board and the reps API."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count

from intake.models import OPEN_STATUSES
from routing.models import Assignment, Rep, Team, TimeOff


def local_day_start(rep: Rep, now: datetime) -> datetime:
    """Midnight of `now`'s day in the rep's time zone (daily caps count in the rep's day)."""
    local = now.astimezone(ZoneInfo(rep.time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class RepLoad:
    """A rep's load now and whether a rule could give them a lead (before per-lead
    constraints such as licence or skill)."""

    rep: Rep
    open_leads: int
    new_today: int
    time_off_until: datetime | None
    unavailable: str  # empty when available, else why not ("paused", "off until Mon 09:00 CST")

    @property
    def available(self) -> bool:
        return not self.unavailable


def rep_loads(*, reps: list[Rep], now: datetime) -> list[RepLoad]:
    """Open leads, new leads in the rep's local day, time off and availability for each rep,
    in three queries whatever the number of reps."""
    from routing.services.engine import working_now

    ids = [rep.pk for rep in reps]
    open_counts = dict(
        Assignment.objects.filter(
            rep_id__in=ids, ended_at__isnull=True, lead__status__in=OPEN_STATUSES
        )
        .values("rep_id")
        .annotate(n=Count("id"))
        .values_list("rep_id", "n")
    )
    # Two days back covers every time zone's "today"; each rep's own midnight filters below.
    recent = list(
        Assignment.objects.filter(rep_id__in=ids, assigned_at__gte=now - timedelta(hours=50))
        .exclude(reason=Assignment.Reason.MANUAL)
        .values_list("rep_id", "assigned_at")
    )
    off = dict(
        TimeOff.objects.filter(rep_id__in=ids, starts_at__lte=now, ends_at__gt=now)
        .order_by("-ends_at")
        .values_list("rep_id", "ends_at")
    )
    loads = []
    for rep in reps:
        today = local_day_start(rep, now)
        new_today = sum(1 for rep_id, at in recent if rep_id == rep.pk and at >= today)
        open_leads = open_counts.get(rep.pk, 0)
        if not rep.is_active or not rep.user.is_active:
            why = "inactive"
        elif rep.paused:
            why = "paused"
        elif rep.pk in off:
            local_end = off[rep.pk].astimezone(ZoneInfo(rep.time_zone))
            why = f"on time off until {local_end:%b %d %H:%M}"
        elif rep.max_open_leads is not None and open_leads >= rep.max_open_leads:
            why = f"at capacity {open_leads}/{rep.max_open_leads}"
        elif rep.max_new_per_day is not None and new_today >= rep.max_new_per_day:
            why = f"reached today's cap {new_today}/{rep.max_new_per_day}"
        else:
            why = working_now(rep, now) or ""
        loads.append(
            RepLoad(
                rep=rep,
                open_leads=open_leads,
                new_today=new_today,
                time_off_until=off.get(rep.pk),
                unavailable=why,
            )
        )
    return loads


def reps_visible_to(user):
    """Reps a user may see the load of: staff and holders of routing.view_rep see every rep,
    a team's manager sees that team's reps, anyone else none."""
    reps = Rep.objects.select_related("user", "team").prefetch_related("skills", "territories")
    if not user.is_authenticated or not user.is_active:
        return reps.none()
    if user.is_staff or user.has_perm("routing.view_rep"):
        return reps
    return reps.filter(team__manager=user)


def user_can_view_reps(user) -> bool:
    """Whether a user may list reps at all: staff, holders of routing.view_rep and the manager
    of a team (a plain rep may not, even though `reps_visible_to` would just show them none)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.has_perm("routing.view_rep"):
        return True
    return Team.objects.filter(manager=user).exists()


def rep_ids_licensed_in(*, reps, state: str) -> list[int]:
    """Ids of those reps licensed in a state (case-insensitive). Read in Python: SQLite has no
    JSON containment lookup, and a team's reps are few."""
    state = state.strip().upper()
    return [
        pk
        for pk, states in reps.order_by().values_list("pk", "licensed_states")
        if state in {str(code).upper() for code in states or []}
    ]


def rep_ids_available(*, reps, now: datetime, available: bool = True) -> list[int]:
    """Ids of those reps that are (or, with available=False, are not) available at `now`,
    by `rep_loads`: a constant number of queries."""
    loads = rep_loads(reps=list(reps.select_related("user").prefetch_related(None)), now=now)
    return [load.rep.pk for load in loads if load.available is available]
