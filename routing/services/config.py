"""Routing configuration kept in memory: the ordered active rules with their compiled
conditions and pools, and each rep's profile (skills, languages, licences, territories, hours).

Loading it takes a dozen ORM queries; routing a lead must not. Every change to a rule, rep,
team, territory, skill, time off or source (saved through the ORM: admin, services, shell)
gives the one
`RoutingConfigVersion` row a new random token (see `routing.signals`), and each process reloads
when the token differs from the one it loaded under: one indexed read per decision, and an edit
applies to the very next lead in every web and worker process. What can change without a save
signal (a bulk `.update()` pausing reps, a user deactivated) is read fresh by the engine under
its row locks, never from here.

The token is random rather than a counter so that a rolled-back transaction (a simulation, a
test) can never leave two different configurations under the same token.

Threads share what is loaded, so it is published whole: (token, setup) is one immutable pair
behind one module reference, swapped only once a load is complete, and a reader takes it once.
One thread loads at a time; the others wait for that load rather than each running it again
(the first decisions on a worker that just started arrive together). A load's dozen queries
each see the database as of their own start (PostgreSQL's READ COMMITTED, SQLite outside a
transaction), so a change committed in the middle could give one load half of each version:
the token is read again once the load is done, and a different one means load again.
"""

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock_time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone

from intake.models import Source
from leadrouter.conditions import Condition, InvalidCondition, compile_condition
from routing.models import (
    Rep,
    RoutingConfigVersion,
    RoutingRule,
    Territory,
    TimeOff,
    parse_working_hours,
)

_VERSION_TABLE = RoutingConfigVersion._meta.db_table


@dataclass(frozen=True)
class RepProfile:
    """What routing needs to know about a rep that changes only when someone edits it."""

    id: int
    team_id: int
    zone: ZoneInfo
    hours: dict[str, list[tuple[clock_time, clock_time]]]
    skills: frozenset[str]
    languages: frozenset[str]
    licensed_states: frozenset[str]
    territories: tuple[Territory, ...]
    # (starts, ends) of the time off not yet over when this was loaded; a new one reloads.
    time_off: tuple[tuple[datetime, datetime], ...]

    def away_until(self, now: datetime) -> datetime | None:
        """When the time off `now` falls in ends (the latest, if several overlap)."""
        return max((ends for starts, ends in self.time_off if starts <= now < ends), default=None)


@dataclass(frozen=True)
class RuleSpec:
    rule: RoutingRule
    # None: matches every lead; False: saved around validation, never matches (and says so).
    condition: Any
    pool: tuple[int, ...]  # rep ids, ascending: the lock order
    required_skills: frozenset[str]


@dataclass(frozen=True)
class RoutingSetup:
    rules: tuple[RuleSpec, ...]
    reps: dict[int, RepProfile]
    source_names: dict[int, str]  # what rule conditions read of a lead's source


# (token it was loaded under, setup): replaced whole, never changed in place.
_published: tuple[str | None, RoutingSetup] | None = None
_lock = threading.Lock()
# A configuration still changing after this many loads in a row is used as loaded, under the
# token read before the last load, so the next decision loads it again.
MAX_LOADS = 3


def config_token() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {_VERSION_TABLE} WHERE id = 1")  # noqa: S608 - table from meta
        row = cursor.fetchone()
    return row[0] if row else None


def config_changed() -> None:
    """Give the configuration a new token (called on every save of a routing model)."""
    token = uuid.uuid4().hex
    if not RoutingConfigVersion.objects.filter(pk=1).update(token=token):
        RoutingConfigVersion.objects.update_or_create(pk=1, defaults={"token": token})


def forget_routing_setup() -> None:
    global _published
    _published = None


def routing_setup() -> RoutingSetup:
    """The current configuration, reloaded only when its token changed.

    1. Read the token (the one statement a decision pays) and the published pair once: the
       same token means the published setup is current.
    2. Else take the lock; another thread may have loaded it while this one waited, so read
       the token and the pair again.
    3. Load, then read the token again: unchanged means no change committed during the load.
       Changed: load again under the newer token (at most MAX_LOADS times).
    4. Publish (token, setup) in one assignment.
    """
    global _published
    token = config_token()
    published = _published
    if published is not None and published[0] == token:
        return published[1]
    with _lock:
        token = config_token()
        published = _published
        if published is not None and published[0] == token:
            return published[1]
        for attempt in range(1, MAX_LOADS + 1):
            setup = _load()
            after = config_token()
            if after == token or attempt == MAX_LOADS:
                break
            token = after
        _published = (token, setup)
        return setup


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # saved around validation; `clean()` names the problem


def _load() -> RoutingSetup:
    rules = list(
        RoutingRule.objects.filter(is_active=True)
        .select_related("pool_team", "fallback_team", "fallback_user")
        .prefetch_related("required_skills", Prefetch("pool_reps", Rep.objects.only("id")))
    )
    team_members: dict[int, list[int]] = {}
    profiles: dict[int, RepProfile] = {}
    away: dict[int, list[tuple[datetime, datetime]]] = {}
    for rep_id, starts, ends in TimeOff.objects.filter(ends_at__gt=timezone.now()).values_list(
        "rep_id", "starts_at", "ends_at"
    ):
        away.setdefault(rep_id, []).append((starts, ends))
    for rep in Rep.objects.prefetch_related("skills", "territories").order_by("pk"):
        team_members.setdefault(rep.team_id, []).append(rep.pk)
        try:
            hours = parse_working_hours(rep.working_hours or {})
        except ValueError:
            hours = {}  # saved around validation: treated as always working, as if unset
        profiles[rep.pk] = RepProfile(
            id=rep.pk,
            team_id=rep.team_id,
            zone=_zone(rep.time_zone),
            hours=hours,
            skills=frozenset(skill.name for skill in rep.skills.all()),
            languages=frozenset(rep.languages or ()),
            licensed_states=frozenset(state.upper() for state in rep.licensed_states or ()),
            territories=tuple(rep.territories.all()),
            time_off=tuple(away.get(rep.pk, ())),
        )
    specs = []
    for rule in rules:
        try:
            condition: Condition | Literal[False] | None = (
                compile_condition(rule.condition) if rule.condition else None
            )
        except InvalidCondition:
            condition = False
        pool = {rep.pk for rep in rule.pool_reps.all()}
        if rule.pool_team_id:
            pool.update(team_members.get(rule.pool_team_id, ()))
        specs.append(
            RuleSpec(
                rule=rule,
                condition=condition,
                pool=tuple(sorted(pool)),
                required_skills=frozenset(skill.name for skill in rule.required_skills.all()),
            )
        )
    return RoutingSetup(
        rules=tuple(specs),
        reps=profiles,
        source_names=dict(Source.objects.values_list("id", "name")),
    )
