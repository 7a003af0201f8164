"""Routing configuration kept in memory: the ordered active rules with their compiled
conditions and pools, each rep's profile (skills, languages, licences, territories, hours),
and which leads need a state licence (`LicenceRequirement`).

Loading it takes a dozen ORM queries; routing a lead must not. It is a
`leadrouter.config_version.ConfigCache`: every save or delete of a rule, rep, team, territory,
skill, time off or source (through the ORM: admin, services, shell), and every change of their
many-to-many links, gives the "routing" configuration a new token, and each process reloads
when the token differs from the one it loaded under: one indexed read per decision, and an
edit applies to the very next lead in every web and worker process. What can change without a
save signal (a bulk `.update()` pausing reps, a user deactivated) is read fresh by the engine
under its row locks, never from here.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock_time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Prefetch
from django.utils import timezone

from intake.models import Source
from leadrouter.conditions import Condition, InvalidCondition, compile_condition
from leadrouter.config_version import ConfigCache, reload_on_change
from routing.models import (
    LicenceRequirement,
    Rep,
    RoutingRule,
    Skill,
    Team,
    Territory,
    TimeOff,
    parse_working_hours,
)
from routing.services.licences import LicenceSetup, load_licence_setup
from routing.services.rotation import RotationKey
from routing.services.sla_setup import SLA_CONFIGURED_BY, SlaSetup, load_sla_setup

ROUTING_CONFIG = "routing"
# What `_load` reads: a save or delete of any of these, or a change of one of these links,
# gives the configuration a new token.
CONFIGURED_BY = (
    LicenceRequirement,
    Rep,
    RoutingRule,
    Skill,
    Team,
    Territory,
    TimeOff,
    Source,
    *SLA_CONFIGURED_BY,
)
CONFIGURED_BY_LINKS = (
    RoutingRule.pool_reps.through,
    RoutingRule.required_skills.through,
    Rep.skills.through,
    Rep.territories.through,
)


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
    condition: Condition | Literal[False] | None
    pool: tuple[int, ...]  # rep ids, ascending: the lock order
    required_skills: frozenset[str]
    # The rule's own rotation, or its pool team's when that team has one rotation for all.
    rotation: RotationKey


@dataclass(frozen=True)
class RoutingSetup:
    rules: tuple[RuleSpec, ...]
    reps: dict[int, RepProfile]
    source_names: dict[int, str]  # what rule conditions read of a lead's source
    sla: SlaSetup  # the SLA policies and calendars a new assignment's clock reads
    licence: LicenceSetup  # which leads only a rep licensed in their state may hold

    def rule(self, rule_id: int | None) -> RuleSpec | None:
        return next((spec for spec in self.rules if spec.rule.pk == rule_id), None)


def reload_routing_setup_on_change() -> None:
    """Connect the configuring models' signals (from `RoutingConfig.ready()`)."""
    reload_on_change(ROUTING_CONFIG, models=CONFIGURED_BY, links=CONFIGURED_BY_LINKS)


# The load is looked up when it runs, so that a test can slow it down.
_setup: ConfigCache[RoutingSetup] = ConfigCache(ROUTING_CONFIG, lambda: _load())


def routing_setup() -> RoutingSetup:
    """The current configuration, reloaded only when its token changed."""
    return _setup.current()


def forget_routing_setup() -> None:
    _setup.forget()


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
            # Codes compared without case: "ES" in a profile is "es" on a rule.
            languages=frozenset(code.lower() for code in rep.languages or ()),
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
                rotation=RotationKey.of_rule(
                    rule.pk, shared_by_team=rule.shared_rotation_team_id()
                ),
            )
        )
    return RoutingSetup(
        rules=tuple(specs),
        reps=profiles,
        source_names=dict(Source.objects.values_list("id", "name")),
        sla=load_sla_setup(),
        licence=load_licence_setup(),
    )
