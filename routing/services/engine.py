"""Route one lead: the first matching rule's pool, filtered by constraints, then its method;
a fallback when nobody is eligible; a recorded decision either way.

Concurrency: the lead row, the pool's rep rows (in id order, so two routers never deadlock) and
the rule's rotation rows are locked for the decision (PostgreSQL `select_for_update`; SQLite's
IMMEDIATE transactions serialize writers), so concurrent leads never share a "next rep" and
never overshoot a cap.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from intake.models import OPEN_STATUSES, Lead, LeadEvent, LeadStatus
from qualification.conditions import InvalidCondition, compile_condition
from qualification.services import review_hold
from routing.models import (
    WEEKDAYS,
    Assignment,
    Rep,
    RotationState,
    RoutingDecision,
    RoutingRule,
    TimeOff,
    parse_working_hours,
)
from routing.services.assignments import assignment_replace
from routing.services.conditions import routing_values


@dataclass
class Choice:
    rep: Rep
    reason: str
    method_state: dict[str, Any]
    explanation: str


def working_now(rep: Rep, now: datetime) -> str | None:
    """None when the rep works at `now`, else why not ("off until Mon 09:00 CST")."""
    hours = parse_working_hours(rep.working_hours or {})
    if not hours:
        return None
    zone = ZoneInfo(rep.time_zone)
    local = now.astimezone(zone)
    for start, end in hours.get(WEEKDAYS[local.weekday()], []):
        if start <= local.time() < end:
            return None
    for days_ahead in range(8):
        day = local + timedelta(days=days_ahead)
        for start, _ in sorted(hours.get(WEEKDAYS[day.weekday()], [])):
            begins = day.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
            if begins > local:
                return f"off until {begins:%a %H:%M} {begins.tzname()}"
    return "no working hours set"


def _local_day_start(rep: Rep, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(rep.time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _pool(rule: RoutingRule) -> list[Rep]:
    reps = Rep.objects.select_related("user").prefetch_related("skills", "territories")
    if rule.pool_team_id:
        reps = reps.filter(Q(team_id=rule.pool_team_id) | Q(rules=rule)).distinct()
    else:
        reps = reps.filter(rules=rule)
    return list(reps.order_by("pk"))


def _exclusions(
    rule: RoutingRule, pool: list[Rep], lead: Lead, now: datetime
) -> tuple[dict[int, str], dict[int, int]]:
    """(rep id -> why the rep cannot take this lead (absent: eligible), rep id -> open leads)."""
    ids = [rep.pk for rep in pool]
    off = dict(
        TimeOff.objects.filter(rep_id__in=ids, starts_at__lte=now, ends_at__gt=now)
        .order_by("ends_at")
        .values_list("rep_id", "ends_at")
    )
    open_counts = dict(
        Assignment.objects.filter(
            rep_id__in=ids, ended_at__isnull=True, lead__status__in=OPEN_STATUSES
        )
        .values("rep_id")
        .annotate(n=Count("id"))
        .values_list("rep_id", "n")
    )
    recent = list(
        Assignment.objects.filter(rep_id__in=ids, assigned_at__gte=now - timedelta(hours=50))
        .exclude(reason=Assignment.Reason.MANUAL)
        .values_list("rep_id", "assigned_at")
    )
    required_skills = {skill.name for skill in rule.required_skills.all()}
    reasons: dict[int, str] = {}
    for rep in pool:
        reason = None
        if not rep.is_active or not rep.user.is_active:
            reason = "inactive"
        elif rep.paused:
            reason = "paused"
        elif rep.pk in off:
            reason = (
                f"on time off until {off[rep.pk].astimezone(ZoneInfo(rep.time_zone)):%b %d %H:%M}"
            )
        elif rule.require_license and (lead.state or "").upper() not in {
            s.upper() for s in rep.licensed_states
        }:
            reason = f"not licensed in {lead.state or 'an unknown state'}"
        elif missing := sorted(required_skills - {skill.name for skill in rep.skills.all()}):
            reason = f"lacks skill {', '.join(missing)}"
        elif rule.language and rule.language not in rep.languages:
            reason = f"does not speak {rule.language}"
        elif rule.require_territory and not any(
            t.covers(state=lead.state, postal_code=lead.postal_code, country=lead.country)
            for t in rep.territories.all()
        ):
            reason = "territory does not cover the lead"
        elif rule.require_working_now and (why := working_now(rep, now)):
            reason = why
        elif rep.max_open_leads is not None and open_counts.get(rep.pk, 0) >= rep.max_open_leads:
            reason = f"at capacity {open_counts.get(rep.pk, 0)}/{rep.max_open_leads}"
        elif rep.max_new_per_day is not None:
            today = _local_day_start(rep, now)
            count = sum(1 for rep_id, at in recent if rep_id == rep.pk and at >= today)
            if count >= rep.max_new_per_day:
                reason = f"reached today's cap {count}/{rep.max_new_per_day}"
        if reason:
            reasons[rep.pk] = reason
    return reasons, open_counts


def _owner_rep(lead: Lead) -> tuple[Rep | None, str]:
    """The rep who already owns this person or company, and how we know."""
    same_owner = Q(lead__contact_id=lead.contact_id)
    if lead.account_id:
        same_owner |= Q(lead__account_id=lead.account_id)
    previous = (
        Assignment.objects.filter(same_owner, rep__isnull=False)
        .exclude(lead_id=lead.pk)
        .select_related("rep__user", "lead")
        .order_by("-assigned_at")
        .first()
    )
    if previous is None:
        return None, ""
    how = (
        "previous owner of this contact"
        if previous.lead.contact_id == lead.contact_id
        else "owner of the account"
    )
    return previous.rep, how


def _states(rule: RoutingRule, eligible: list[Rep]) -> tuple[dict[int, RotationState], int]:
    """The eligible reps' rotation rows, locked, with newcomers and returners placed at the
    pool's current minimum — neither flooded with catch-up leads nor sent to the back."""
    locked = {
        state.rep_id: state for state in RotationState.objects.select_for_update().filter(rule=rule)
    }
    this_round = max((state.seen_round for state in locked.values()), default=0) + 1
    present = [
        locked[rep.pk]
        for rep in eligible
        if rep.pk in locked and locked[rep.pk].seen_round == this_round - 1
    ]
    floor_weight = min((state.current_weight for state in present), default=0)
    floor_turn = min((state.last_turn for state in present), default=0)
    states = {}
    for rep in eligible:
        state = locked.get(rep.pk)
        if state is None:
            state = RotationState.objects.create(
                rule=rule, rep=rep, current_weight=floor_weight, last_turn=floor_turn
            )
        elif state.seen_round != this_round - 1 and present:
            state.current_weight = floor_weight
            state.last_turn = floor_turn
            state.save(update_fields=["current_weight", "last_turn"])
        states[rep.pk] = state
    return states, this_round


def _record_turn(rule, eligible, states, chosen, *, now, this_round, weighted: bool) -> None:
    """Write the rotation: everyone present saw this round (weighted: and gained their
    weight), the chosen rep took the turn. A few UPDATEs, whatever the pool size."""
    ids_by_weight: dict[int, list[int]] = {}
    for rep in eligible:
        ids_by_weight.setdefault(rep.weight if weighted else 0, []).append(rep.pk)
    for weight, rep_ids in ids_by_weight.items():
        RotationState.objects.filter(rule=rule, rep_id__in=rep_ids).update(
            seen_round=this_round, current_weight=F("current_weight") + weight
        )
    RotationState.objects.filter(pk=states[chosen.pk].pk).update(
        last_turn=this_round,
        last_assigned_at=now,
        assigned_count=F("assigned_count") + 1,
        current_weight=F("current_weight") - (sum(r.weight for r in eligible) if weighted else 0),
    )


def _choose(
    rule: RoutingRule, eligible: list[Rep], lead: Lead, now: datetime, open_counts
) -> Choice:
    method = rule.method
    if method == RoutingRule.Method.OWNER:
        owner, how = _owner_rep(lead)
        if owner is not None and owner.pk in {rep.pk for rep in eligible}:
            # The owner takes it without using up anyone's rotation turn.
            return Choice(
                owner, Assignment.Reason.OWNER, {"owner": owner.pk}, f"{owner} is the {how}"
            )
        fallback_note = f"{owner} ({how}) is not eligible; " if owner else "no existing owner; "
    else:
        fallback_note = ""
    states, this_round = _states(rule, eligible)
    if method == RoutingRule.Method.WEIGHTED:
        total = sum(rep.weight for rep in eligible)
        for rep in eligible:
            states[rep.pk].current_weight += rep.weight
        chosen = max(eligible, key=lambda rep: (states[rep.pk].current_weight, -rep.pk))
        snapshot = {str(rep.pk): states[rep.pk].current_weight for rep in eligible}
        states[chosen.pk].current_weight -= total
        explanation = (
            f"smooth weighted round robin: {chosen} had the highest running score "
            f"({snapshot[str(chosen.pk)]}, weight {chosen.weight} of {total})"
        )
        state = {"scores_before_pick": snapshot, "total_weight": total}
    elif method == RoutingRule.Method.LEAST_LOADED:
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
            f" (last lead {last:%Y-%m-%d %H:%M} UTC)" if last else " (no lead from this rule yet)"
        )
        state = {"last_turn": {str(rep.pk): states[rep.pk].last_turn for rep in eligible}}
    _record_turn(
        rule,
        eligible,
        states,
        chosen,
        now=now,
        this_round=this_round,
        weighted=method == RoutingRule.Method.WEIGHTED,
    )
    state["round"] = this_round
    return Choice(chosen, Assignment.Reason.INITIAL, state, fallback_note + explanation)


def _active_rules() -> list[tuple[RoutingRule, Any]]:
    rules = []
    for rule in RoutingRule.objects.filter(is_active=True).prefetch_related("required_skills"):
        try:
            condition = compile_condition(rule.condition) if rule.condition else None
        except InvalidCondition:
            condition = False  # saved around validation: never matches, and says so
        rules.append((rule, condition))
    return rules


def route_lead(lead: Lead, *, now: datetime | None = None) -> RoutingDecision:
    """Decide where a lead goes, assign it, and record why. Always lands somewhere visible."""
    started = time.perf_counter()
    now = now or timezone.now()
    tried: list[dict[str, Any]] = []
    with transaction.atomic():
        lead = (
            # Lock only the lead row: its qualification is the nullable side of a join.
            Lead.objects.select_for_update(of=("self",))
            .select_related("source", "qualification")
            .get(pk=lead.pk)
        )
        values = routing_values(lead)
        decision = None
        for rule, condition in _active_rules():
            if condition is False:
                tried.append({"rule": rule.name, "result": "skipped: its condition is invalid"})
                continue
            if condition is not None and condition.matches(values) is None:
                tried.append({"rule": rule.name, "result": "condition did not match"})
                continue
            pool = _pool(rule)
            # Lock the pool's reps (in id order) before counting their loads and caps.
            list(Rep.objects.select_for_update().filter(pk__in=[r.pk for r in pool]).order_by("pk"))
            excluded, open_counts = _exclusions(rule, pool, lead, now)
            candidates = [
                {"rep": str(rep), "rep_id": rep.pk, "excluded": excluded.get(rep.pk)}
                for rep in pool
            ]
            eligible = [rep for rep in pool if rep.pk not in excluded]
            if eligible:
                choice = _choose(rule, eligible, lead, now, open_counts)
                assignment_replace(
                    lead=lead, now=now, reason=choice.reason, rule=rule, rep=choice.rep
                )
                tried.append({"rule": rule.name, "result": f"matched: {choice.rep} chosen"})
                decision = RoutingDecision(
                    lead=lead,
                    outcome=RoutingDecision.Outcome.ASSIGNED,
                    rule=rule,
                    method=rule.method,
                    rep=choice.rep,
                    candidates=candidates,
                    method_state=choice.method_state,
                    explanation=f"Rule “{rule.name}”: {choice.explanation}.",
                )
                lead.status = LeadStatus.ASSIGNED
                break
            why = "nobody eligible" if pool else "its pool is empty"
            tried.append(
                {"rule": rule.name, "result": f"matched, but {why}", "candidates": candidates}
            )
            if rule.fallback == RoutingRule.Fallback.NEXT_RULE:
                continue
            decision = _fallback(lead, rule, candidates, now, why)
            break
        if decision is None:
            review_hold(lead=lead, reason="no routing rule could take this lead")
            decision = RoutingDecision(
                lead=lead,
                outcome=RoutingDecision.Outcome.REVIEW,
                explanation="No rule could take this lead; it waits in the review queue.",
            )
        decision.rules_tried = tried
        decision.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        decision.save()
        if lead.status == LeadStatus.ASSIGNED:
            Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.ASSIGNED, updated_at=now)
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.ROUTED,
            message=decision.explanation[:500],
            data={"outcome": decision.outcome, "rule": decision.rule_id, "rep": decision.rep_id},
        )
    return decision


def _fallback(
    lead: Lead, rule: RoutingRule, candidates, now: datetime, why: str
) -> RoutingDecision:
    because = f"Rule “{rule.name}” matched but {why}"
    if rule.fallback == RoutingRule.Fallback.TEAM_QUEUE:
        assignment_replace(
            lead=lead,
            now=now,
            reason=Assignment.Reason.FALLBACK,
            rule=rule,
            team=rule.fallback_team,
            note=because,
        )
        outcome, where = (
            RoutingDecision.Outcome.TEAM_QUEUE,
            f"{rule.fallback_team}'s unassigned queue",
        )
    elif rule.fallback == RoutingRule.Fallback.MANAGER:
        assignment_replace(
            lead=lead,
            now=now,
            reason=Assignment.Reason.FALLBACK,
            rule=rule,
            user=rule.fallback_user,
            note=because,
        )
        lead.status = LeadStatus.ASSIGNED
        outcome, where = RoutingDecision.Outcome.MANAGER, f"manager {rule.fallback_user}"
    else:
        review_hold(lead=lead, reason=f"routing: {because.lower()}")
        outcome, where = RoutingDecision.Outcome.REVIEW, "the review queue"
    return RoutingDecision(
        lead=lead,
        outcome=outcome,
        rule=rule,
        method=rule.method,
        candidates=candidates,
        explanation=f"{because}; fallback: {where}.",
    )


def routing_park(*, lead: Lead, error: str) -> RoutingDecision:
    """Record a routing failure on the lead (visible, retried by `route_parked_leads`)."""
    decision = RoutingDecision.objects.create(
        lead=lead,
        outcome=RoutingDecision.Outcome.ERROR,
        explanation="Routing failed; the lead is parked and will be retried: "
        + error.strip().splitlines()[-1][:300],
    )
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.ROUTED,
        message=decision.explanation[:500],
        data={"outcome": decision.outcome, "error": error[-2000:]},
    )
    return decision


def parked_leads():
    """Open, unassigned leads whose last routing attempt failed, oldest first."""
    latest = RoutingDecision.objects.filter(lead=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Lead.objects.filter(status=LeadStatus.NEW, is_test=False, is_historical=False)
        .annotate(last_outcome=Subquery(latest.values("outcome")[:1]))
        .filter(last_outcome=RoutingDecision.Outcome.ERROR)
        .order_by("received_at")
    )
