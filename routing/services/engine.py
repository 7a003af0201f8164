"""Route one lead: the first matching rule's pool, filtered by constraints, then its method;
a fallback when nobody is eligible; a recorded decision either way.

Concurrency: the lead row, the pool's rep rows (in id order, so two routers never deadlock) and
the rule's rotation rows are locked for the decision (PostgreSQL `select_for_update`; SQLite's
IMMEDIATE transactions serialize writers), so concurrent leads never share a "next rep" and
never overshoot a cap. Under the lead's lock the engine also looks again at whether the lead
still needs routing: a task delivered twice, or two clusters retrying the same parked lead,
route it once (the second finds it owned and records nothing).

Speed: rules, pools and rep profiles come from memory (`routing.services.config`); what can
change between two leads (a rep paused, a user deactivated, loads, time off, rotation) is read
under the locks with fixed-shape SQL (`routing.services.rotation`), a dozen short statements
per decision.
"""

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from intake.models import Lead, LeadEvent, LeadStatus, Source
from leadrouter.sql import row_get, row_insert, rows_insert
from qualification.models import Qualification
from qualification.services import review_hold
from routing.availability import local_day_start, unavailable_reason
from routing.business_time import is_open
from routing.models import (
    Assignment,
    HeldLead,
    RoutingDecision,
    RoutingRule,
    Team,
)
from routing.services import rotation
from routing.services.after_hours import (
    decision_event_kind,
    lead_hold,
    pool_calendar,
    pool_next_opening,
    release_event,
)
from routing.services.assignments import (
    assignment_replace,
    lead_is_owned_or_held,
    lead_queued_in,
)
from routing.services.conditions import routing_values
from routing.services.config import RepProfile, RoutingSetup, RuleSpec, routing_setup
from routing.services.licences import (
    licence_required,
    nobody_licensed,
    not_licensed,
    rep_may_hold_licence,
)
from routing.services.sla_clock import on_call_takes_arriving_lead


@dataclass
class Candidate:
    """A rep of the pool as this decision sees them: the profile from memory, the rest fresh."""

    profile: RepProfile
    live: rotation.LiveRep

    @property
    def pk(self) -> int:
        return self.profile.id

    @property
    def weight(self) -> int:
        return self.live.weight

    def __str__(self) -> str:
        return self.live.name


@dataclass
class Choice:
    rep: Candidate
    reason: str
    method_state: dict[str, Any]
    explanation: str


def _exclusions(
    spec: RuleSpec, pool: list[Candidate], lead: Lead, now: datetime, licence: str | None
) -> tuple[dict[int, str], set[int], dict[int, int]]:
    """(rep id -> why the rep cannot take this lead, ids of reps available at all (before
    this lead's own constraints), rep id -> open leads).

    `licence`: the state a rep must be licensed in to hold this lead (`licence_required`),
    whatever the rule says: a legal constraint, never a rule's option.

    A rep excluded only by this lead's constraints (licence, skill, language, territory) is
    still available: they keep their place in the rotation and lose nothing. One who is
    inactive, paused, away, off hours or full is not, and rejoins at the pool's minimum.
    """
    rule = spec.rule
    counted = [
        rep.pk
        for rep in pool
        if rep.live.max_open_leads is not None or rule.method == RoutingRule.Method.LEAST_LOADED
    ]
    open_counts = rotation.open_lead_counts(counted) if counted else {}
    # New leads today, counted from each rep's own local midnight (one query per time zone).
    by_day: dict[datetime, list[int]] = {}
    for rep in pool:
        if rep.live.max_new_per_day is not None:
            by_day.setdefault(local_day_start(rep.profile.zone, now), []).append(rep.pk)
    today_counts: dict[int, int] = {}
    for midnight, rep_ids in by_day.items():
        today_counts.update(rotation.assigned_since(rep_ids, midnight))
    reasons: dict[int, str] = {}
    available: set[int] = set()
    for rep in pool:
        profile, live = rep.profile, rep.live
        unavailable = unavailable_reason(
            now=now,
            is_active=live.is_active,
            paused=live.paused,
            paused_until=live.paused_until,
            away_until=profile.away_until(now),
            zone=profile.zone,
            hours=profile.hours if rule.require_working_now else None,
            open_leads=open_counts.get(rep.pk, 0),
            max_open_leads=live.max_open_leads,
            new_today=today_counts.get(rep.pk, 0),
            max_new_per_day=live.max_new_per_day,
        )
        constraint = None
        if not rep_may_hold_licence(profile, licence):
            constraint = not_licensed(licence or "")
        elif missing := sorted(spec.required_skills - profile.skills):
            constraint = f"lacks skill {', '.join(missing)}"
        elif rule.language and rule.language.lower() not in profile.languages:
            constraint = f"does not speak {rule.language}"
        elif rule.require_territory and not any(
            t.covers(state=lead.state, postal_code=lead.postal_code, country=lead.country)
            for t in profile.territories
        ):
            constraint = "territory does not cover the lead"
        if unavailable is None:
            available.add(rep.pk)
        # Said in the order a manager reads them: who is out, then what this lead needs.
        if unavailable and (
            unavailable == "inactive" or unavailable.startswith(("paused", "on time"))
        ):
            reasons[rep.pk] = unavailable
        elif reason := constraint or unavailable:
            reasons[rep.pk] = reason
    return reasons, available, open_counts


def _owner_rep(lead: Lead) -> tuple[int | None, str]:
    """The rep who already owns this person, household or company, and how we know."""
    same_owner = Q(lead__contact_id=lead.contact_id)
    if lead.household_key:
        same_owner |= Q(lead__household_key=lead.household_key)
    if lead.account_id:
        same_owner |= Q(lead__account_id=lead.account_id)
    previous = (
        Assignment.objects.filter(same_owner, rep__isnull=False)
        .exclude(lead_id=lead.pk)
        .select_related("lead")
        .only("rep_id", "lead__contact_id", "lead__household_key", "lead__account_id")
        .order_by("-assigned_at", "-id")
        .first()
    )
    if previous is None:
        return None, ""
    if previous.lead.contact_id == lead.contact_id:
        how = "previous owner of this contact"
    elif lead.household_key and previous.lead.household_key == lead.household_key:
        how = "owner of the household"
    else:
        how = "owner of the account"
    return previous.rep_id, how


def _choose(
    spec: RuleSpec,
    eligible: list[Candidate],
    available: set[int],
    lead: Lead,
    now: datetime,
    open_counts: dict[int, int],
) -> Choice:
    rule = spec.rule
    method = rule.method
    fallback_note = ""
    if method == RoutingRule.Method.OWNER:
        owner_id, how = _owner_rep(lead)
        owner = next((rep for rep in eligible if rep.pk == owner_id), None)
        if owner is not None:
            # The owner takes it without using up anyone's rotation turn.
            return Choice(
                owner, Assignment.Reason.OWNER, {"owner": owner.pk}, f"{owner} is the {how}"
            )
        if owner_id is not None:
            fallback_note = f"the {how} is not eligible; "
        else:
            fallback_note = "no existing owner; "
    turn = rotation.Turn.take(spec.rotation, [rep.pk for rep in eligible], available)
    shared = spec.rotation.shared_by_team is not None
    states = turn.states
    if method == RoutingRule.Method.WEIGHTED:
        total = sum(rep.weight for rep in eligible)
        scores = {rep.pk: states[rep.pk].current_weight + rep.weight for rep in eligible}
        chosen = max(eligible, key=lambda rep: (scores[rep.pk], -rep.pk))
        explanation = (
            f"smooth weighted round robin: {chosen} had the highest running score "
            f"({scores[chosen.pk]}, weight {chosen.weight} of {total})"
        )
        state = {
            "scores_before_pick": {str(pk): score for pk, score in scores.items()},
            "total_weight": total,
        }
        turn.record(chosen.pk, now=now, gains={rep.pk: rep.weight for rep in eligible})
    else:
        if method == RoutingRule.Method.LEAST_LOADED:
            chosen = min(
                eligible,
                key=lambda rep: (open_counts.get(rep.pk, 0), states[rep.pk].last_turn, rep.pk),
            )
            explanation = f"least loaded: {chosen} has {open_counts.get(chosen.pk, 0)} open lead(s)"
            state = {"open": {str(rep.pk): open_counts.get(rep.pk, 0) for rep in eligible}}
        else:
            chosen = min(eligible, key=lambda rep: (states[rep.pk].last_turn, rep.pk))
            last = states[chosen.pk].last_assigned_at
            explanation = f"round robin: {chosen} waited longest" + (
                f" (last lead {last:%Y-%m-%d %H:%M} UTC)"
                if last
                else f" (no lead from {'the team' if shared else 'this rule'}'s rotation yet)"
            )
            state = {"last_turn": {str(rep.pk): states[rep.pk].last_turn for rep in eligible}}
        turn.record(chosen.pk, now=now, gains={})
    state["round"] = turn.round
    if shared:
        # Which turns these were: the team's, shared by its rules, not this rule's own.
        state["shared_rotation_team"] = spec.rotation.shared_by_team
        explanation += f"; one rotation for the whole {rule.pool_team} team"
    return Choice(chosen, Assignment.Reason.INITIAL, state, fallback_note + explanation)


def _pool(spec: RuleSpec, reps: dict[int, RepProfile]) -> list[Candidate]:
    """The rule's reps, locked in id order, with what can change between two leads read now."""
    live = rotation.lock_reps(spec.pool)
    return [Candidate(reps[pk], live[pk]) for pk in spec.pool if pk in live and pk in reps]


def rule_next_rep(
    *, lead: Lead, spec: RuleSpec, setup: RoutingSetup, exclude: set[int], now: datetime
) -> Choice | None:
    """The rep a rule's method picks for a lead already routed, among its pool's eligible
    reps less `exclude` (an SLA reassignment: whoever already missed the lead), its rotation
    turn taken; None when nobody is left. Call with the lead row locked."""
    pool = _pool(spec, setup.reps)
    licence = licence_required(lead, setup)
    excluded, available, open_counts = _exclusions(spec, pool, lead, now, licence)
    eligible = [rep for rep in pool if rep.pk not in excluded and rep.pk not in exclude]
    if not eligible:
        return None
    return _choose(spec, eligible, available, lead, now, open_counts)


def _lead_locked(lead_id: int, setup: RoutingSetup) -> Lead:
    """The lead, its row locked, with its qualification and its source's name attached (what
    the rule conditions read)."""
    lead = row_get(Lead, "id", lead_id, lock=True)
    if lead is None:
        raise Lead.DoesNotExist(f"Lead {lead_id} does not exist")
    name = setup.source_names.get(lead.source_id)
    # The name from memory, every other field deferred (loaded if anything reads it).
    source = (
        Source.from_db(connection.alias, ["id", "name"], [lead.source_id, name])
        if name is not None
        else row_get(Source, "id", lead.source_id)
    )
    Lead._meta.get_field("source").set_cached_value(lead, source)
    Lead.qualification.related.set_cached_value(lead, row_get(Qualification, "lead_id", lead_id))
    return lead


def route_lead(
    lead: Lead,
    *,
    now: datetime | None = None,
    released: HeldLead | None = None,
    offered_from: Assignment | None = None,
) -> RoutingDecision | None:
    """Decide where a lead goes, assign it, and record why. Always lands somewhere visible.
    None, with nothing recorded, when the lead no longer needs routing.

    1. Lock the lead. Routed only while new and owned and held by nobody: another worker (a
       task delivered twice, another cluster's retry) may have routed it while this one
       waited for the lock. Then read the rules from memory; take the first whose condition
       matches.
    2. Lock its pool's reps; exclude, with the reason, whoever cannot take this lead.
    3. A rule that holds after hours, whose pool has nobody working now (or whose team's
       calendar is closed): the lead is held until the pool's next opening
       (`routing.services.after_hours`).
    4. Nobody eligible: the rule's fallback (next rule, team queue, manager, review). A lead
       that needs a state licence (`routing.services.licences`: reps not licensed are
       excluded by every rule) goes to a team's queue instead, "nobody licensed can take
       it", even when every matching rule passed it on.
    5. Else the method picks (owner first when sticky), the rotation is written, the lead
       assigned; no rule at all: the review queue.
    6. The decision (rules tried, candidates, method state, timing) and an event are written.

    `released`: the hold the release sweep has just ended (its `released` event goes first
    on the timeline). `offered_from`: a queued lead's assignment, offered again to reps who
    became available (`routing.services.release`): routed only while that assignment is
    still the lead's, unpinned; only a rep takes it (it ends the queue's assignment), and
    when no rule has one for it, None and nothing is recorded: it stays queued.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    tried: list[dict[str, Any]] = []
    events: list[LeadEvent] = []  # written together at the end
    with transaction.atomic():
        setup = routing_setup()
        lead = _lead_locked(lead.pk, setup)
        if lead.status != LeadStatus.NEW:
            return None
        if offered_from is None and lead_is_owned_or_held(lead.pk):
            return None
        if offered_from is not None and not lead_queued_in(lead.pk, offered_from.pk):
            return None
        if released is not None:
            events.append(release_event(lead=lead, hold=released, now=now))
        values = routing_values(lead)
        licence = licence_required(lead, setup)
        matched: list[RuleSpec] = []  # where a lead nobody licensed can take waits
        decision = None
        for spec in setup.rules:
            rule = spec.rule
            if spec.condition is False:
                tried.append({"rule": rule.name, "result": "skipped: its condition is invalid"})
                continue
            if spec.condition is not None and spec.condition.matches(values) is None:
                tried.append({"rule": rule.name, "result": "condition did not match"})
                continue
            matched.append(spec)
            pool = _pool(spec, setup.reps)
            excluded, available, open_counts = _exclusions(spec, pool, lead, now, licence)
            candidates = [
                {"rep": str(rep), "rep_id": rep.pk, "excluded": excluded.get(rep.pk)}
                for rep in pool
            ]
            eligible = [rep for rep in pool if rep.pk not in excluded]
            opens_at = None
            if rule.after_hours == RoutingRule.AfterHours.HOLD and not on_call_takes_arriving_lead(
                lead=lead,
                rule_id=rule.pk,
                team_id=rule.pool_team_id or rule.fallback_team_id,
                now=now,
                setup=setup,
            ):
                calendar = pool_calendar(spec, setup)
                if not eligible or (calendar is not None and not is_open(calendar, now)):
                    # Only a licensed rep's shift opens the pool for this lead.
                    licensed = [rep for rep in pool if rep_may_hold_licence(rep.profile, licence)]
                    opens_at = pool_next_opening(
                        rule=rule, pool=licensed, calendar=calendar, now=now
                    )
            if eligible and opens_at is None:
                choice = _choose(spec, eligible, available, lead, now, open_counts)
                assignment_replace(
                    lead=lead,
                    now=now,
                    reason=choice.reason,
                    rule=rule,
                    rep_id=choice.rep.pk,
                    user_id=choice.rep.live.user_id,
                    # Seen above, under the lock: there is none, or the queue's to end.
                    end_active=offered_from is not None,
                    setup=setup,
                    events=events,
                    arriving=True,
                )
                tried.append({"rule": rule.name, "result": f"matched: {choice.rep} chosen"})
                offered = ""
                if offered_from is not None:
                    offered = f"Offered again from {offered_from.queue_team}'s queue. "
                decision = RoutingDecision(
                    lead=lead,
                    outcome=RoutingDecision.Outcome.ASSIGNED,
                    rule=rule,
                    method=rule.method,
                    rep_id=choice.rep.pk,
                    candidates=candidates,
                    method_state=choice.method_state,
                    explanation=f"{offered}Rule “{rule.name}”: {choice.explanation}.",
                )
                lead.status = LeadStatus.ASSIGNED
                break
            why = "nobody eligible" if pool else "its pool is empty"
            if opens_at is not None:
                why = "nobody is working"
            tried.append(
                {"rule": rule.name, "result": f"matched, but {why}", "candidates": candidates}
            )
            if offered_from is not None:
                if rule.fallback == RoutingRule.Fallback.NEXT_RULE:
                    continue
                return None  # still nobody for it: it stays in its queue, nothing recorded
            if opens_at is not None:
                decision = lead_hold(
                    lead=lead,
                    spec=spec,
                    setup=setup,
                    opening=opens_at,
                    calendar=pool_calendar(spec, setup),
                    candidates=candidates,
                    now=now,
                )
                break
            if rule.fallback == RoutingRule.Fallback.NEXT_RULE:
                continue
            decision = _fallback(
                lead, [spec, *matched], licence, candidates, now, why, setup, events
            )
            break
        if decision is None and offered_from is not None:
            return None
        if decision is None and licence is not None and matched:
            # Every matching rule passed it on: a lead nobody licensed can take still waits in
            # a queue, not in review ("no rule could take it" is not what happened).
            decision = _fallback(lead, matched, licence, [], now, "nobody eligible", setup, events)
        if decision is None:
            review_hold(lead=lead, reason="no routing rule could take this lead")
            decision = RoutingDecision(
                lead=lead,
                outcome=RoutingDecision.Outcome.REVIEW,
                explanation="No rule could take this lead; it waits in the review queue.",
            )
        if any(event.kind == LeadEvent.Kind.SLA_PAGED for event in events):
            # Urgent after hours: the SLA policy's on-call rep owns it (`sla_start`).
            lead.status = LeadStatus.ASSIGNED
            decision.explanation += " Urgent after hours: the on-call rep owns it and was paged."
        decision.rules_tried = tried
        decision.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        row_insert(decision)
        if lead.status == LeadStatus.ASSIGNED:
            rotation.lead_mark_assigned(lead.pk, now)
        events.append(
            LeadEvent(
                lead=lead,
                kind=decision_event_kind(decision),
                at=now,
                message=decision.explanation[:500],
                data={
                    "outcome": decision.outcome,
                    "rule": decision.rule_id,
                    "rep": decision.rep_id,
                },
            )
        )
        # The SLA clock's `sla_started` and the ROUTED event in one statement (executemany):
        # the clock adds no round trip to a decision.
        events_insert(events)
    return decision


def _fallback(
    lead: Lead,
    specs: list[RuleSpec],
    licence: str | None,
    candidates,
    now: datetime,
    why: str,
    setup: RoutingSetup,
    events: list[LeadEvent],
) -> RoutingDecision:
    """Put a lead the rule's reps do not take where the first of `specs` says: its fallback
    (a team's queue, a named manager, the review queue).

    A lead that needs a licence (`licence`, its state) goes to a team's queue instead, saying
    nobody licensed can take it: never to a manager (a person, not a licensed rep, would own
    it) nor to a later catch-all's rep (the licence excluded them there too). The team is the
    rule's fallback team, else its pool team, else the next matching rule's (`specs`), else
    the team of the rule's first pool rep; a rule whose own fallback is the review queue
    keeps it.
    """
    rule = specs[0].rule
    where_to, team = rule.fallback, rule.fallback_team
    because = f"Rule “{rule.name}” matched but {why}"
    review_reason = f"routing: {because.lower()}"
    if licence is not None:
        because = f"{nobody_licensed(licence)}: rule “{rule.name}” matched but {why}"
        review_reason = f"routing: {because}"
        team = _licence_queue_team(specs, setup)
        if rule.fallback != RoutingRule.Fallback.REVIEW and team is not None:
            where_to = RoutingRule.Fallback.TEAM_QUEUE
        else:
            where_to = RoutingRule.Fallback.REVIEW
    if where_to in (RoutingRule.Fallback.TEAM_QUEUE, RoutingRule.Fallback.MANAGER):
        to_team = where_to == RoutingRule.Fallback.TEAM_QUEUE
        assignment_replace(
            lead=lead,
            now=now,
            reason=Assignment.Reason.FALLBACK,
            rule=rule,
            team=team if to_team else None,
            user=None if to_team else rule.fallback_user,
            note=because,
            end_active=False,
            setup=setup,
            events=events,
            arriving=True,
        )
        if to_team:
            outcome, where = RoutingDecision.Outcome.TEAM_QUEUE, f"{team}'s unassigned queue"
        else:
            lead.status = LeadStatus.ASSIGNED
            outcome, where = RoutingDecision.Outcome.MANAGER, f"manager {rule.fallback_user}"
    else:
        review_hold(lead=lead, reason=review_reason)
        outcome, where = RoutingDecision.Outcome.REVIEW, "the review queue"
    return RoutingDecision(
        lead=lead,
        outcome=outcome,
        rule=rule,
        method=rule.method,
        candidates=candidates,
        explanation=f"{because}; fallback: {where}.",
    )


def _licence_queue_team(specs: list[RuleSpec], setup: RoutingSetup) -> Team | None:
    """The team whose queue a lead nobody licensed can take waits in (see `_fallback`)."""
    for spec in specs:
        for team in (spec.rule.fallback_team, spec.rule.pool_team):
            if team is not None:
                return team
    pool = specs[0].pool
    if pool and pool[0] in setup.reps:  # a pool of named reps: the first one's team
        return Team.objects.filter(pk=setup.reps[pool[0]].team_id).first()
    return None


EVENT_COLUMNS = ("lead", "kind", "at", "message", "data")


def events_insert(events: list[LeadEvent]) -> None:
    """Insert a decision's timeline events in one statement."""
    rows_insert(
        LeadEvent, EVENT_COLUMNS, [(e.lead_id, e.kind, e.at, e.message, e.data) for e in events]
    )
