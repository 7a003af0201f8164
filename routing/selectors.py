"""Routing's reads: reps' load and availability, for the manager board and the reps API; the
leads a user owns or manages and may work on, what they may do on one, the rep's queue and the
manager board."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404

from intake.models import OPEN_STATUSES, Lead, LeadEvent, LeadStatus
from intake.selectors import lead_search
from leadrouter.config_version import ConfigCache, reload_on_change
from qualification.models import Qualification, ReviewTask, Signal, Urgency
from routing.availability import local_day_start, paused_now, unavailable_reason
from routing.business_time import CalendarSpec, Closure
from routing.models import (
    Activity,
    Assignment,
    BusinessCalendar,
    CalendarClosure,
    HeldLead,
    OpeningHours,
    Rep,
    RoutingDecision,
    RoutingRule,
    SlaState,
    SlaStep,
    SlaStepRecord,
    Team,
    TimeOff,
    parse_working_hours,
)
from routing.recovery_policy import (
    NOTIFY_OWED_AFTER,
    NOTIFY_OWED_WITHIN,
    NOTIFY_REQUEUE_EVERY,
    STRANDED_AFTER,
)
from routing.services.rotation import open_lead_counts


@dataclass
class RepLoad:
    """A rep's load now and whether a rule could give them a lead (before per-lead
    constraints such as licence or skill)."""

    rep: Rep
    open_leads: int
    new_today: int
    time_off_until: datetime | None
    unavailable: str  # empty when available, else why not ("paused", "off until Mon 09:00 CST")
    paused: bool = False  # paused now (a pause whose end has passed is over)
    paused_until: datetime | None = None  # when that pause ends by itself; None: until lifted

    @property
    def available(self) -> bool:
        return not self.unavailable


def rule_rotation_in_force(rule: RoutingRule) -> str:
    """Which rotation a rule's round robin takes turns from, in the admin's words."""
    if rule.shared_rotation_team_id() is not None:
        return f"Shared by the whole {rule.pool_team} team (one rotation for all its rules)"
    return "This rule's own"


def rep_loads(*, reps: list[Rep], now: datetime, working_hours: bool = True) -> list[RepLoad]:
    """Open leads, new leads in the rep's local day, time off and availability for each rep,
    in three queries whatever the number of reps. `working_hours=False`: availability leaves
    the hours out (a rep taking a lead from the queue is evidently at work)."""
    ids = [rep.pk for rep in reps]
    # The statement routing runs for its pool: from the open leads (a bounded number), never
    # from these reps' assignments, which include every lead they ever closed (44 ms for a
    # team of ten at 50,000 leads on SQLite, 34 ms for fifty at 200,000 on PostgreSQL).
    open_counts = open_lead_counts(ids) if ids else {}
    # Two days back covers every time zone's "today"; each rep's own midnight filters below.
    recent = list(
        Assignment.objects.filter(rep_id__in=ids, assigned_at__gte=now - timedelta(hours=50))
        .exclude(reason=Assignment.Reason.MANUAL)
        .values_list("rep_id", "assigned_at")
    )
    off = dict(
        TimeOff.objects.filter(rep_id__in=ids, starts_at__lte=now, ends_at__gt=now)
        .values("rep_id")
        .annotate(until=Max("ends_at"))
        .values_list("rep_id", "until")
    )
    loads = []
    for rep in reps:
        zone = ZoneInfo(rep.time_zone)
        today = local_day_start(zone, now)
        new_today = sum(1 for rep_id, at in recent if rep_id == rep.pk and at >= today)
        open_leads = open_counts.get(rep.pk, 0)
        paused = paused_now(paused=rep.paused, paused_until=rep.paused_until, now=now)
        why = unavailable_reason(
            now=now,
            is_active=rep.is_active and rep.user.is_active,
            paused=rep.paused,
            paused_until=rep.paused_until,
            away_until=off.get(rep.pk),
            zone=zone,
            hours=parse_working_hours(rep.working_hours or {}) if working_hours else None,
            open_leads=open_leads,
            max_open_leads=rep.max_open_leads,
            new_today=new_today,
            max_new_per_day=rep.max_new_per_day,
        )
        loads.append(
            RepLoad(
                rep=rep,
                open_leads=open_leads,
                new_today=new_today,
                time_off_until=off.get(rep.pk),
                unavailable=why or "",
                paused=paused,
                paused_until=rep.paused_until if paused else None,
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


def teams_for_new_reps(*, user):
    """The teams a user may add a new rep to: a superuser any; a manager the teams they
    manage, or any team when they manage none by name (staff holding routing.add_rep)."""
    managed = Team.objects.filter(manager=user)
    return Team.objects.all() if user.is_superuser or not managed.exists() else managed


def rep_ids_licensed_in(*, reps, state: str) -> list[int]:
    """Ids of those reps licensed in a state (case-insensitive). Read in Python: SQLite has no
    JSON containment lookup, and a team's reps are few."""
    state = state.strip().upper()
    return [
        pk
        for pk, states in reps.order_by().values_list("pk", "licensed_states")
        if state in {str(code).upper() for code in states or []}
    ]


def known_request_types(*, limit: int = 50) -> list[str]:
    """Request types the installation knows, for the licence setting's checkboxes: those
    signals set, leads arrived with and qualification judged (at most `limit` distinct names
    from each), sorted without case."""
    names = set(
        Signal.objects.exclude(set_request_type="").values_list("set_request_type", flat=True)
    )
    for model in (Lead, Qualification):
        names.update(
            model.objects.exclude(request_type="")
            .order_by()
            .values_list("request_type", flat=True)
            .distinct()[:limit]
        )
    return sorted(names, key=str.casefold)


def rep_ids_available(*, reps, now: datetime, available: bool = True) -> list[int]:
    """Ids of those reps that are (or, with available=False, are not) available at `now`,
    by `rep_loads`: a constant number of queries."""
    loads = rep_loads(reps=list(reps.select_related("user").prefetch_related(None)), now=now)
    return [load.rep.pk for load in loads if load.available is available]


def user_manages_leads(user) -> bool:
    """Whether the user works leads as a manager: staff, holders of intake.change_lead, or the
    manager of at least one team."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.has_perm("intake.change_lead"):
        return True
    return user.managed_teams.exists()


def active_assignments_of(user) -> QuerySet[Assignment]:
    """The active assignments that name the user, a rep of a team they manage, or that
    team's queue."""
    # The teams and their reps are read first: the assignment's indexes (user, rep, queue
    # team) then answer without joining reps or teams.
    team_ids = list(Team.objects.filter(manager=user).values_list("id", flat=True))
    mine = Q(user=user)
    if team_ids:
        rep_ids = list(Rep.objects.filter(team_id__in=team_ids).values_list("id", flat=True))
        mine |= Q(queue_team_id__in=team_ids)
        if rep_ids:
            mine |= Q(rep_id__in=rep_ids)
    return Assignment.objects.filter(mine, ended_at__isnull=True)


def owned_or_managed_by(user) -> Q:
    """Leads whose active assignment names the user, a rep of a team they manage, or that
    team's queue."""
    return leads_with_one_of(active_assignments_of(user))


def leads_with_one_of(assignments: QuerySet[Assignment]) -> Q:
    """Leads with one of these assignments."""
    # EXISTS on the assignment's lead index, lead by lead, rather than `id IN (the ids)`: a
    # list sorted by date then walks the leads' received_at index and stops at its page
    # (a fifth of the leads are a manager's: ~250 probes for 50 rows) instead of reading and
    # sorting every one of the manager's leads; a filter's own index (status, ...) still
    # leads where it is narrower. No DISTINCT: nothing is joined.
    return Q(Exists(assignments.filter(lead_id=OuterRef("pk"))))


def leads_workable_by(user) -> QuerySet[Lead]:
    """The leads a user may act on (log activity, change status, note, hand back, assign).

    Staff and holders of intake.change_lead: every lead. Anyone else: the leads they own now,
    and as a team's manager those owned now by the team's reps or waiting in its queue. A lead
    has at most one active assignment, so the join never repeats a lead.
    """
    leads = Lead.objects.all()
    if not user.is_authenticated or not user.is_active:
        return leads.none()
    if user.is_staff or user.has_perm("intake.change_lead"):
        return leads
    return leads.filter(owned_or_managed_by(user))


def lead_get_for_work(*, user, lead_id: int, lock: bool = False) -> Lead:
    """One lead the user may act on, or 404 (another rep's lead does not exist for them).

    With `lock`, the lead row is locked for the caller's transaction (PostgreSQL; SQLite's
    IMMEDIATE transactions already serialize writers).
    """
    leads = leads_workable_by(user)
    if lock:
        leads = leads.select_for_update(of=("self",))
    try:
        return leads.get(pk=lead_id)
    except (Lead.DoesNotExist, ValueError, TypeError):
        raise Http404("No such lead.") from None


@dataclass(frozen=True)
class LeadPermissions:
    """What a user may do on one lead they can see. The lead page offers a form only where
    its flag is set; the services decide again when the form is sent (they lock the lead)."""

    can_act: bool  # log a contact attempt, change the status: works the lead, and it is open
    can_note: bool  # add a note: works the lead, open or closed
    can_hand_back: bool  # give it back to the team's queue: owns it now, and it is open
    can_assign: bool  # give it to a rep or a queue: a manager who works it, and it is open
    is_manager: bool  # assigns leads at all (a team's manager, or staff): `user_manages_leads`


def lead_permissions(*, user, lead: Lead) -> LeadPermissions:
    """What `user` may do on `lead`: one query for whether they work it and own it, and
    `user_manages_leads`."""
    # A lead has at most one active assignment: the user owns the lead when it names them.
    owns = Exists(Assignment.objects.filter(lead=OuterRef("pk"), user=user, ended_at__isnull=True))
    row = leads_workable_by(user).filter(pk=lead.pk).values_list(owns).first()
    works, is_open = row is not None, lead.is_open()
    is_manager = user_manages_leads(user)
    return LeadPermissions(
        can_act=works and is_open,
        can_note=works,
        can_hand_back=bool(row and row[0]) and is_open,
        can_assign=works and is_open and is_manager,
        is_manager=is_manager,
    )


def lead_active_assignment(*, lead: Lead) -> Assignment | None:
    return (
        Assignment.objects.filter(lead=lead, ended_at__isnull=True)
        .select_related("rep__user", "rep__team", "user", "queue_team")
        .first()
    )


def lead_latest_decision(*, lead: Lead) -> RoutingDecision | None:
    """The last routing decision about a lead: its explanation says why it went where it went."""
    return (
        RoutingDecision.objects.filter(lead=lead)
        .select_related("rule", "rep__user")
        .order_by("-created_at", "-id")
        .first()
    )


def assign_targets(*, user) -> tuple[list[Rep], list[Team]]:
    """The active reps and the team queues a manager may give a lead to: staff any, a team's
    manager their team's reps and queue."""
    if not user_manages_leads(user):
        return [], []
    reps = list(reps_visible_to(user).filter(is_active=True, user__is_active=True))
    if user.is_staff or user.has_perm("intake.change_lead"):
        teams = list(Team.objects.all())
    else:
        teams = list(user.managed_teams.all())
    return reps, teams


# Most urgent first; a lead without a qualification counts as normal.
URGENCY_RANK = Case(
    When(lead__qualification__urgency=Urgency.URGENT, then=Value(0)),
    When(lead__qualification__urgency=Urgency.HIGH, then=Value(1)),
    When(lead__qualification__urgency=Urgency.LOW, then=Value(3)),
    default=Value(2),
    output_field=IntegerField(),
)


# Whether anyone worked the lead since its clock (re)started: a breached clock stays breached
# when the lead is worked late, and only then is it off the board's list.
SLA_WORKED = Exists(
    Activity.objects.filter(lead_id=OuterRef("lead_id"), at__gte=OuterRef("sla_started_at"))
)


# What is due first: a clock that runs (or was breached and nobody has worked the lead yet:
# it is overdue) by its deadline, then a paused clock by its resumption (its `sla_due_at` is
# the callback while paused), then every other lead. Needs `sla_worked` annotated first.
SLA_QUEUE_GROUP = Case(
    When(sla_state=SlaState.RUNNING, then=Value(0)),
    When(sla_state=SlaState.BREACHED, sla_worked=False, then=Value(0)),
    When(sla_state=SlaState.PAUSED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
SLA_QUEUE_DUE = Case(
    When(
        sla_state__in=(SlaState.RUNNING, SlaState.BREACHED, SlaState.PAUSED), then=F("sla_due_at")
    ),
    default=None,
)


def rep_queue(*, user, search: str = "") -> QuerySet[Assignment]:
    """The user's open leads (their active assignments), what is due first (`SLA_QUEUE_GROUP`,
    earliest deadline or resumption first), then most urgent, then the longest waiting; one
    query whatever the number of leads. With a `search` term, only the leads it finds (an
    e-mail, a phone number, the start of a name or company: `intake.selectors.lead_search`)."""
    mine = Assignment.objects.filter(
        user=user, ended_at__isnull=True, lead__status__in=OPEN_STATUSES
    )
    if search.strip():
        mine = mine.filter(lead__in=Lead.objects.filter(lead_search(search)).values("pk"))
    return (
        mine.select_related("lead__source", "lead__qualification")
        .annotate(sla_worked=SLA_WORKED)
        .annotate(urgency_rank=URGENCY_RANK, sla_group=SLA_QUEUE_GROUP, sla_sort_due=SLA_QUEUE_DUE)
        .order_by(
            "sla_group",
            # A clock paused with no set time (waiting on the customer) after the timed ones.
            F("sla_sort_due").asc(nulls_last=True),
            "urgency_rank",
            "assigned_at",
            "id",
        )
    )


# "At risk" on the board: a running clock whose deadline is at most this far away (wall-clock
# time, so a lead due at tomorrow's opening is not at risk tonight).
AT_RISK_WITHIN = timedelta(minutes=10)


class SlaWatch:
    """Which clocks the board's SLA list shows."""

    AT_RISK = "at_risk"
    BREACHED = "breached"
    CHOICES = ((AT_RISK, "At risk"), (BREACHED, "Breached"))


def sla_watch(*, user, now: datetime, show: str = "") -> QuerySet[Assignment]:
    """Open leads the user manages (staff: all) whose clock is at risk (running, due within
    `AT_RISK_WITHIN`) or breached and not yet worked; `show` one of `SlaWatch`'s kinds, or
    both. Earliest deadline first."""
    at_risk = Q(sla_state=SlaState.RUNNING, sla_due_at__lte=now + AT_RISK_WITHIN)
    breached = Q(sla_state=SlaState.BREACHED, sla_worked=False)
    wanted = {SlaWatch.AT_RISK: at_risk, SlaWatch.BREACHED: breached}.get(show, at_risk | breached)
    if user.is_staff or user.has_perm("intake.change_lead"):
        clocks = Assignment.objects.filter(ended_at__isnull=True)
    else:
        clocks = active_assignments_of(user)
    return (
        clocks.annotate(sla_worked=SLA_WORKED)
        .filter(wanted, lead__status__in=OPEN_STATUSES)
        .select_related("lead__qualification", "rep__user", "user", "queue_team")
        .order_by("sla_due_at", "id")
    )


def week_start(zone: ZoneInfo, now: datetime) -> datetime:
    """Monday 00:00 of `now`'s week in a time zone (an aware datetime in that zone)."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone)


@dataclass(frozen=True)
class MetRate:
    met: int
    breached: int

    @property
    def percent(self) -> int | None:
        """Met / (met + breached), rounded; None when no clock ended."""
        ended = self.met + self.breached
        return round(100 * self.met / ended) if ended else None


def rep_sla_met_rates(*, reps: list[Rep], now: datetime) -> dict[int, MetRate]:
    """Each rep's SLA met rate this week: of their clocks that ended between Monday 00:00 in
    their team's zone (their own without a team) and `now`, how many were met. A met clock
    ended when it was met (its `sla_met` event: the lead's first after the assignment, as a
    lead's next clock starts only after this one ends), a breached one at its deadline. One
    query whatever the number of reps (their teams read with them)."""
    starts = {
        rep.pk: week_start(ZoneInfo(rep.team.time_zone if rep.team else rep.time_zone), now)
        for rep in reps
    }
    if not starts:
        return {}
    met_event = LeadEvent.objects.filter(
        lead_id=OuterRef("lead_id"), kind=LeadEvent.Kind.SLA_MET, at__gte=OuterRef("assigned_at")
    ).order_by("at")
    clocks = (
        Assignment.objects.filter(
            rep_id__in=starts,
            sla_state__in=(SlaState.MET, SlaState.BREACHED),
            # A clock ends at or before its deadline: those due before the earliest Monday
            # ended before it.
            sla_due_at__gte=min(starts.values()),
        )
        .annotate(met_at=Subquery(met_event.values("at")[:1]))
        .values_list("rep_id", "sla_state", "sla_due_at", "met_at")
    )
    counts = {pk: [0, 0] for pk in starts}
    for rep_id, state, due_at, met_at in clocks:
        ended = met_at if state == SlaState.MET else due_at
        if ended is not None and starts[rep_id] <= ended <= now:
            counts[rep_id][state == SlaState.BREACHED] += 1
    return {pk: MetRate(met=met, breached=breached) for pk, (met, breached) in counts.items()}


def board_waiting(*, user) -> QuerySet[Assignment]:
    """Open leads with no rep that a manager should place: those in the queues of teams they
    manage (staff: every queue) and those a fallback gave to a manager by name."""
    waiting = Assignment.objects.filter(
        ended_at__isnull=True, rep__isnull=True, lead__status__in=OPEN_STATUSES
    )
    if not (user.is_staff or user.has_perm("intake.change_lead")):
        waiting = waiting.filter(Q(queue_team__manager=user) | Q(user=user))
    return (
        waiting.select_related("lead__source", "lead__qualification", "queue_team", "user")
        .annotate(urgency_rank=URGENCY_RANK)
        .order_by("urgency_rank", "assigned_at", "id")
    )


def team_queue(*, team: Team) -> QuerySet[Assignment]:
    """The open leads waiting in a team's unassigned queue (no rep, no manager), in the order
    "take next" takes them: the most urgent first, then the longest waiting in the queue."""
    return (
        Assignment.objects.filter(
            queue_team=team,
            ended_at__isnull=True,
            rep__isnull=True,
            user__isnull=True,
            lead__status__in=OPEN_STATUSES,
        )
        .exclude(lead__status=LeadStatus.REVIEW)
        .select_related("lead__source", "lead__qualification")
        .annotate(urgency_rank=URGENCY_RANK)
        .order_by("urgency_rank", "assigned_at", "id")
    )


@dataclass(frozen=True)
class UserRole:
    """What a signed-in user works as, for the home redirect and the navigation: a rep (their
    queue), a team's manager (the board), staff (the admin); one user may be several."""

    is_rep: bool
    is_manager: bool
    is_staff: bool


def user_role(user) -> UserRole:
    """The user's roles: two queries (a rep profile, a managed team), none when anonymous."""
    if not user.is_authenticated:
        return UserRole(is_rep=False, is_manager=False, is_staff=False)
    return UserRole(
        is_rep=Rep.objects.filter(user=user).exists(),
        is_manager=user.managed_teams.exists(),
        is_staff=user.is_staff,
    )


def rep_of_user(user) -> Rep | None:
    """The user's rep profile (with its team and user), or None for a user who is no rep."""
    if not user.is_authenticated:
        return None
    return Rep.objects.select_related("team", "user").filter(user=user).first()


def board_reps(*, user) -> list[Rep]:
    """The reps whose load the board shows: staff every rep, a manager their teams' reps."""
    return list(reps_visible_to(user).order_by("team__name", "user__username"))


def lead_activities(*, lead: Lead) -> list[Activity]:
    return list(Activity.objects.filter(lead=lead).select_related("user"))


def user_time_zone(user) -> ZoneInfo:
    """The zone a user's pages show and read times in: their rep profile's, else that of the
    first team they manage, else the server's `TIME_ZONE` (read once per request by
    `routing.middleware.ViewerTimeZoneMiddleware`, kept as `request.viewer_zone`)."""
    zone = None
    if user.is_authenticated:
        zone = Rep.objects.filter(user=user).values_list("time_zone", flat=True).first()
        if zone is None:
            teams = user.managed_teams.order_by("pk")
            zone = teams.values_list("time_zone", flat=True).first()
    return ZoneInfo(zone or settings.TIME_ZONE)


def _routable_leads() -> QuerySet[Lead]:
    """New leads routing answers for (not test leads, not history), each with the outcome of
    its latest routing decision as `last_outcome` (None when it was never routed)."""
    latest = RoutingDecision.objects.filter(lead=OuterRef("pk")).order_by("-created_at", "-id")
    return Lead.objects.filter(status=LeadStatus.NEW, is_test=False, is_historical=False).annotate(
        last_outcome=Subquery(latest.values("outcome")[:1])
    )


def parked_leads() -> QuerySet[Lead]:
    """Open, unassigned leads whose last routing attempt failed, oldest first
    (`routing.tasks.route_parked_leads` retries them)."""
    return (
        _routable_leads()
        .filter(last_outcome=RoutingDecision.Outcome.ERROR)  # type: ignore[misc]  # annotated above
        .order_by("received_at")
    )


def stranded_leads(*, now: datetime) -> QuerySet[Lead]:
    """Open, live leads (any open status, not only new) in none of the places a lead may be:
    owned (an active assignment: a rep, a manager or a named team's queue), held until the
    next opening (an active hold), in review (an open review task), or parked with a retry (a
    routing error on a new lead, or the sweep's own backoff after a failed qualification).
    Untouched for `STRANDED_AFTER`, so not one a request is processing right now. Oldest
    first.

    New leads are a handful at any time; an open lead of another status with no owner only
    comes from a bug, a crash or a restored backup, but finding one means looking at every
    open lead's active assignment: one anti-join through the partial unique index
    `one_active_assignment_per_lead` per open lead (see README, "Stranded leads")."""
    latest = RoutingDecision.objects.filter(lead=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Lead.objects.filter(status__in=OPEN_STATUSES, is_test=False, is_historical=False)
        .filter(updated_at__lte=now - STRANDED_AFTER)
        .filter(Q(recover_after__isnull=True) | Q(recover_after__lte=now))
        .exclude(Exists(Assignment.objects.filter(lead=OuterRef("pk"), ended_at__isnull=True)))
        .exclude(Exists(HeldLead.objects.filter(lead=OuterRef("pk"), released_at__isnull=True)))
        .exclude(
            Exists(ReviewTask.objects.filter(lead=OuterRef("pk"), status=ReviewTask.Status.OPEN))
        )
        # Parked (`parked_leads`): a new lead whose latest routing attempt failed. Read for new
        # leads only: the other statuses are most open leads, and routing takes none of them.
        .annotate(
            last_outcome=Case(
                When(status=LeadStatus.NEW, then=Subquery(latest.values("outcome")[:1])),
                default=Value(None),
            )
        )
        .filter(
            ~Q(status=LeadStatus.NEW)
            | Q(last_outcome__isnull=True)
            | ~Q(last_outcome=RoutingDecision.Outcome.ERROR)
        )
        .order_by("updated_at", "id")
    )


def stranded_lead_count(*, now: datetime) -> int:
    """How many leads stand still right now (`stranded_leads`): one COUNT. Shown on the
    manager board and in `GET /health/`; the every-minute sweep repairs them."""
    return stranded_leads(now=now).count()


def stranded_leads_detail(now: datetime) -> dict:
    """The stranded count as `GET /health/` shows it (registered in `RoutingConfig.ready()`)."""
    return {
        "count": stranded_lead_count(now=now),
        "meaning": "open leads nobody owns, queues, reviews or retries, untouched for "
        f"{int(STRANDED_AFTER.total_seconds() // 60)} min; the sweep "
        "'routing: recover stranded leads' repairs them",
    }


def held_leads_due(*, now: datetime) -> QuerySet[HeldLead]:
    """Holds whose opening has come, most urgent first, then in the leads' arrival order
    (`routing.tasks.release_held_leads` releases them). Read through the partial index
    `held_lead_due`."""
    return (
        HeldLead.objects.filter(released_at__isnull=True, hold_until__lte=now)
        .select_related("lead")
        .only("id", "lead_id", "held_at", "hold_until", "lead__id")
        .order_by("urgency_rank", "received_at", "id")
    )


def queued_leads_to_offer(*, now: datetime) -> QuerySet[Assignment]:
    """Leads waiting in the queue of a team that has a rep available now (`rep_loads`: active,
    not paused, not on time off, inside their hours, below their caps), not pinned there by
    a manager and never worked (still new): most urgent first, then the longest waiting
    (`routing.tasks.offer_queued_leads` offers them). Read through the partial index
    `assignment_queued`."""
    queued = Assignment.objects.filter(
        ended_at__isnull=True,
        queue_team__isnull=False,
        rep__isnull=True,
        pinned=False,
        lead__status=LeadStatus.NEW,
    )
    team_ids = set(queued.values_list("queue_team_id", flat=True).distinct())
    reps = Rep.objects.filter(team_id__in=team_ids, is_active=True, user__is_active=True)
    open_teams = {
        load.rep.team_id
        for load in rep_loads(reps=list(reps.select_related("user")), now=now)
        if load.available
    }
    return (
        queued.filter(queue_team_id__in=open_teams)
        .select_related("lead", "queue_team")
        .annotate(urgency_rank=URGENCY_RANK)
        .order_by("urgency_rank", "assigned_at", "id")
    )


def assignments_owing_notification(*, now: datetime) -> QuerySet[Assignment]:
    """Active assignments of live leads whose notification is not complete, assigned between
    `NOTIFY_OWED_WITHIN` and `NOTIFY_OWED_AFTER` ago, not queued in the last
    `NOTIFY_REQUEUE_EVERY`; oldest first. Read through the partial index
    `assignment_notify_owed`."""
    return (
        Assignment.objects.filter(
            notified_at__isnull=True,
            ended_at__isnull=True,
            assigned_at__lte=now - NOTIFY_OWED_AFTER,
            assigned_at__gte=now - NOTIFY_OWED_WITHIN,
            lead__is_test=False,
        )
        .filter(
            Q(notify_queued_at__isnull=True) | Q(notify_queued_at__lte=now - NOTIFY_REQUEUE_EVERY)
        )
        .order_by("assigned_at", "id")
    )


# Business calendars, for SLA clocks: every calendar's spec kept in memory per process and
# reloaded when a calendar, its hours or its closures change (they are few and read per lead).
CALENDARS_CONFIG = "calendars"


def _load_calendar_specs() -> dict[int, CalendarSpec]:
    specs = {}
    for calendar in BusinessCalendar.objects.prefetch_related("opening_hours", "closures"):
        hours: dict[int, list[tuple]] = {}
        for interval in calendar.opening_hours.all():
            hours.setdefault(interval.weekday, []).append((interval.opens, interval.closes))
        specs[calendar.pk] = CalendarSpec(
            time_zone=calendar.time_zone,
            always_open=calendar.always_open,
            hours={weekday: tuple(sorted(spans)) for weekday, spans in hours.items()},
            holiday_country=calendar.holiday_country,
            holiday_subdivision=calendar.holiday_subdivision,
            closures=tuple(
                Closure(date=c.date, start=c.starts, end=c.ends, reason=c.reason)
                for c in calendar.closures.all()
            ),
        )
    return specs


_calendar_specs: ConfigCache[dict[int, CalendarSpec]] = ConfigCache(
    CALENDARS_CONFIG, _load_calendar_specs
)


def reload_calendars_on_change() -> None:
    """Connect the calendar models' signals (from `RoutingConfig.ready()`)."""
    reload_on_change(CALENDARS_CONFIG, models=(BusinessCalendar, OpeningHours, CalendarClosure))


def calendar_spec(calendar: BusinessCalendar | int) -> CalendarSpec:
    """A calendar (a row or its id) as `routing.business_time` reads it, as of its last save;
    one primary-key statement when nothing changed."""
    calendar_id = calendar if isinstance(calendar, int) else calendar.pk
    try:
        return _calendar_specs.current()[calendar_id]
    except KeyError:
        raise BusinessCalendar.DoesNotExist(f"No business calendar has id {calendar_id}.") from None


@dataclass(frozen=True)
class LadderStep:
    """One rung of a clock's ladder as the lead page shows it."""

    order: int
    kind: str  # "Remind the owner", ...
    when: str  # "at 50 %", "10 min after the start"
    due_at: datetime | None
    happened: str  # plain words: done, skipped, failed, to come, not needed


@dataclass(frozen=True)
class LeadClock:
    """One assignment's SLA clock and its ladder."""

    assignment: Assignment
    policy: str
    target_minutes: int
    steps: list[LadderStep]


def _step_not_reached(assignment: Assignment) -> str:
    if assignment.ended_at is not None and assignment.sla_state in (
        SlaState.RUNNING,
        SlaState.BREACHED,
    ):
        return "Not reached: the lead moved to another owner first"
    words: dict[str, str] = {
        SlaState.MET: "Not needed: first contact was in time",
        SlaState.STOPPED: "Not needed: the clock stopped",
        SlaState.PAUSED: "Waits until the clock resumes after the callback",
        SlaState.BREACHED: "Not needed: the lead was worked",
    }
    return words.get(assignment.sla_state, "To come")


def lead_clocks(*, lead: Lead) -> list[LeadClock]:
    """Every SLA clock the lead had, newest first, each with its policy's ladder: when each
    step is (or was) due and what happened (its `SlaStepRecord`, else why it did not run)."""
    # Imported here: the SLA configuration is built from this module's `calendar_spec`.
    from routing.services.config import routing_setup
    from routing.services.sla_clock import (
        MOVING_STEPS,
        clock_calendar,
        on_call_move_at,
        step_due,
    )

    setup = routing_setup()
    clocks = []
    assignments = (
        Assignment.objects.filter(lead=lead, sla_policy__isnull=False)
        .exclude(sla_state="")
        .annotate(sla_worked=SLA_WORKED)
        .prefetch_related("sla_steps")
        .select_related("rep__user", "user", "queue_team")
    )
    for assignment in assignments:
        policy = setup.sla.policies.get(assignment.sla_policy_id or 0)
        if policy is None or assignment.sla_target_minutes is None:
            continue
        calendar = clock_calendar(assignment, setup)
        records = {record.step_id: record for record in assignment.sla_steps.all()}
        escalated = assignment.reason == Assignment.Reason.ESCALATION
        steps = []
        for step in policy.steps:
            record = records.get(step.id)
            when = (
                f"at {step.percent} %"
                if step.percent is not None
                else f"{step.offset_minutes} min after the start"
            )
            due_at = record.due_at if record else None
            if record is not None:
                outcomes: dict[str, str] = {
                    SlaStepRecord.Outcome.DONE: "Done",
                    SlaStepRecord.Outcome.SKIPPED: "Skipped: a later step was due too",
                    SlaStepRecord.Outcome.FAILED: "Failed",
                }
                happened = outcomes[record.outcome]
                if record.detail:
                    happened = f"{happened}: {record.detail}"
            elif escalated and step.kind in MOVING_STEPS:
                happened = "Not for an escalated lead: it moves no further"
            else:
                if calendar is not None and assignment.sla_state != SlaState.PAUSED:
                    due_at = step_due(calendar, assignment, step)
                    if step.kind in MOVING_STEPS:
                        # An on-call clock's move waits for the team's opening.
                        due_at = on_call_move_at(assignment, due_at, setup)
                open_clock = assignment.ended_at is None and assignment.sla_state in (
                    SlaState.RUNNING,
                    SlaState.BREACHED,
                )
                happened = (
                    "To come"
                    if open_clock and assignment.sla_next_step_at is not None
                    else _step_not_reached(assignment)
                )
            steps.append(
                LadderStep(
                    order=step.order,
                    kind=SlaStep.Kind(step.kind).label,
                    when=when,
                    due_at=due_at,
                    happened=happened,
                )
            )
        clocks.append(
            LeadClock(
                assignment=assignment,
                policy=policy.name,
                target_minutes=assignment.sla_target_minutes,
                steps=steps,
            )
        )
    return clocks


def imported_owners_team(name: str | None) -> Team:
    """The team inactive reps added for unknown owners join: the one named, else the only
    team there is. ValueError with the reason when that is not one team."""
    if name:
        team = Team.objects.filter(name__iexact=name.strip()).first()
        if team is None:
            known = ", ".join(Team.objects.values_list("name", flat=True)) or "none yet"
            raise ValueError(f"no team is named {name!r} (teams: {known})")
        return team
    teams = list(Team.objects.all()[:2])
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise ValueError("owners join a team, and there is none: create one first")
    names = ", ".join(Team.objects.values_list("name", flat=True))
    raise ValueError(f"name the team new owners join (teams: {names})")
