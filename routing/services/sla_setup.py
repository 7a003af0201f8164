"""The SLA policies as routing keeps them in memory: part of the routing configuration
(`routing.services.config`), so starting a clock on a new assignment reads no policy, target,
step or calendar from the database."""

from dataclasses import dataclass

from routing.business_time import CalendarSpec
from routing.models import (
    BusinessCalendar,
    CalendarClosure,
    OpeningHours,
    SlaPolicy,
    SlaStep,
    SlaTarget,
    Team,
)
from routing.selectors import calendar_spec


@dataclass(frozen=True)
class StepSpec:
    id: int
    order: int
    kind: str
    percent: int | None
    offset_minutes: int | None

    def minutes_after_start(self, target_minutes: int) -> int:
        """When the step is due, in business minutes from the clock's start."""
        if self.percent is not None:
            return -(-target_minutes * self.percent // 100)  # rounded up: never early
        return self.offset_minutes or 0


@dataclass(frozen=True)
class PolicySpec:
    id: int
    name: str
    worked_by: str
    escalate_after_reassignments: int
    escalate_to: str
    # (urgency, tier, minutes); "" matches any.
    targets: tuple[tuple[str, str, int], ...]
    steps: tuple[StepSpec, ...]  # in ladder order
    # The policy's own calendar; None: the owner's team's.
    calendar: CalendarSpec | None = None
    pause_while_waiting_on_customer: bool = True
    # Who is paged for an urgent lead that arrives while the calendar is closed: the rep and
    # their user, or None when the policy lets such leads wait for the next opening (or its
    # on-call rep was deactivated since).
    on_call: tuple[int, int] | None = None

    def target_minutes(self, urgency: str, tier: str) -> int | None:
        """The most specific target for a lead of this urgency and tier (an exact urgency
        counts more than an exact tier), or None when no target matches."""
        best: tuple[int, int] | None = None
        for target_urgency, target_tier, minutes in self.targets:
            if target_urgency not in ("", urgency) or target_tier not in ("", tier):
                continue
            rank = 2 * bool(target_urgency) + bool(target_tier)
            if best is None or rank > best[0]:
                best = (rank, minutes)
        return None if best is None else best[1]

    def step(self, step_id: int | None) -> StepSpec | None:
        return next((step for step in self.steps if step.id == step_id), None)


@dataclass(frozen=True)
class SlaSetup:
    policies: dict[int, PolicySpec]
    by_rule: dict[int, PolicySpec]
    by_team: dict[int, PolicySpec]
    by_source: dict[int, PolicySpec]
    by_channel: dict[str, PolicySpec]
    default: PolicySpec | None
    # Every team's calendar (a team without one: always open).
    team_calendars: dict[int, CalendarSpec]

    def policy_for(
        self, *, rule_id: int | None, team_id: int | None, source_id: int | None, channel: str
    ) -> PolicySpec | None:
        """The most specific policy: the rule's, else the team's, the source's, the
        channel's, else the default (None when there is none)."""
        for scope, key in (
            (self.by_rule, rule_id),
            (self.by_team, team_id),
            (self.by_source, source_id),
        ):
            if key is not None and key in scope:
                return scope[key]
        return self.by_channel.get(channel, self.default)

    def calendar(self, policy: PolicySpec, team_id: int | None) -> CalendarSpec:
        if policy.calendar is not None:
            return policy.calendar
        if team_id is not None and team_id in self.team_calendars:
            return self.team_calendars[team_id]
        return ALWAYS_OPEN


ALWAYS_OPEN = CalendarSpec(time_zone="UTC", always_open=True)

# What `load_sla_setup` reads (the routing configuration reloads when one of them changes):
# the calendars too, whose specs it keeps per team and per policy.
SLA_CONFIGURED_BY = (SlaPolicy, SlaStep, SlaTarget, BusinessCalendar, OpeningHours, CalendarClosure)


def _on_call(policy: SlaPolicy) -> tuple[int, int] | None:
    rep = policy.on_call_rep
    if policy.after_hours_urgent != SlaPolicy.AfterHoursUrgent.PAGE or rep is None:
        return None
    return (rep.pk, rep.user_id) if rep.is_active else None


def load_sla_setup() -> SlaSetup:
    policies: dict[int, PolicySpec] = {}
    scoped: dict[str, dict] = {"rule": {}, "team": {}, "source": {}, "channel": {}}
    default = None
    for policy in SlaPolicy.objects.select_related("on_call_rep").prefetch_related(
        "targets", "steps"
    ):
        spec = PolicySpec(
            id=policy.pk,
            name=policy.name,
            worked_by=policy.worked_by,
            escalate_after_reassignments=policy.escalate_after_reassignments,
            escalate_to=policy.escalate_to,
            targets=tuple((t.urgency, t.tier, t.minutes) for t in policy.targets.all()),
            steps=tuple(
                StepSpec(s.pk, s.order, s.kind, s.percent, s.offset_minutes)
                for s in sorted(policy.steps.all(), key=lambda s: (s.order, s.pk))
            ),
            calendar=calendar_spec(policy.calendar_id) if policy.calendar_id else None,
            pause_while_waiting_on_customer=policy.pause_while_waiting_on_customer,
            on_call=_on_call(policy),
        )
        policies[policy.pk] = spec
        if policy.is_default:
            default = spec
        for name, key in (
            ("rule", policy.rule_id),
            ("team", policy.team_id),
            ("source", policy.source_id),
            ("channel", policy.channel),
        ):
            if key:
                scoped[name][key] = spec
    team_calendars = {
        team_id: (
            calendar_spec(calendar_id)
            if calendar_id
            else CalendarSpec(time_zone=zone, always_open=True)
        )
        for team_id, zone, calendar_id in Team.objects.values_list("id", "time_zone", "calendar_id")
    }
    return SlaSetup(
        policies=policies,
        by_rule=scoped["rule"],
        by_team=scoped["team"],
        by_source=scoped["source"],
        by_channel=scoped["channel"],
        default=default,
        team_calendars=team_calendars,
    )
