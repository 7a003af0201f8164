"""Routing without consequences: where would this lead go, and where would the last leads have
gone under a rule the manager is still editing?

Both run the real engine (`route_lead`) inside a transaction that is always rolled back, so the
answer is exactly what live routing would decide and nothing it writes survives: rotation
state, assignments, decisions, events, review tasks, a typed-in lead and an edited rule. The
on-commit work those writes schedule (notifications, webhooks) is discarded with the rollback.
What the caller gets back is plain data captured before the rollback.

While the transaction is open it holds the write lock (SQLite) or the rule's rotation rows
(PostgreSQL) like any routing decision does, so a replay is capped at MAX_REPLAY_LEADS.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from intake.fields import LEAD_FIELDS, LeadFieldErrors, validate_lead_fields
from intake.models import OPEN_STATUSES, Channel, Contact, ContactIdentity, Lead, LeadStatus, Source
from intake.quality import run_quality_gate
from intake.services import lead_build
from qualification.models import Qualification
from qualification.services import lead_qualify
from routing.models import Assignment, RoutingDecision, RoutingRule
from routing.services.config import routing_setup
from routing.services.engine import route_lead
from routing.services.licences import licence_required, rep_may_hold_licence

DEFAULT_REPLAY_LEADS = 100
MAX_REPLAY_LEADS = 500
# Lead fields a typed-in lead may give: what any door accepts (a test lead is never routed, so
# not is_test), plus where it came from.
TYPED_LEAD_FIELDS = (*(name for name in LEAD_FIELDS if name != "is_test"), "channel", "source")


@dataclass(frozen=True)
class SimulatedDecision:
    """One routing decision as plain data: what `route_lead` returned, and the lead it routed."""

    lead_id: int | None  # None: a typed-in lead (it never existed outside the simulation)
    lead_label: str
    outcome: str
    outcome_label: str
    rule_id: int | None
    rule_name: str
    method: str
    rep_id: int | None
    rep_name: str
    rules_tried: list[dict[str, Any]]
    candidates: list[dict[str, Any]]
    method_state: dict[str, Any]
    explanation: str
    qualification: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    # The state a rep must be licensed in to hold this lead (None: it needs no licence), and
    # the rules it matched whose pools hold nobody licensed there.
    licence_state: str | None = None
    rules_without_licensed_rep: tuple[str, ...] = ()

    @property
    def destination(self) -> str:
        """Where the lead lands, in a few words: the rep, else the outcome."""
        return self.rep_name or self.outcome_label

    @property
    def nobody_licensed(self) -> bool:
        """The lead needs a licence and no rep took it: it waits in a queue (or review); a
        held lead waits for a licensed rep's shift instead."""
        return self.licence_state is not None and self.outcome in (
            RoutingDecision.Outcome.TEAM_QUEUE,
            RoutingDecision.Outcome.REVIEW,
        )

    @property
    def licence_warning(self) -> str:
        """What the simulation page warns about the state licence, in plain words ("": all
        well)."""
        if self.licence_state is None or not (
            self.nobody_licensed or self.rules_without_licensed_rep
        ):
            return ""
        state = self.licence_state or "an unknown state"
        parts = [f"This lead needs a rep licensed in {state}."]
        if self.rules_without_licensed_rep:
            names = ", ".join(f"“{name}”" for name in self.rules_without_licensed_rep)
            parts.append(f"No rep of {names} is licensed there.")
        if self.nobody_licensed:
            where = self.outcome_label[:1].lower() + self.outcome_label[1:]
            parts.append(f"Nobody licensed can take it now: {where}.")
        return " ".join(parts)


@dataclass(frozen=True)
class RuleEdit:
    """A rule as edited but not saved: `rule` None for a new one; `values` by model field name
    (a foreign key as an instance, an id or None; a many-to-many field as instances or ids)."""

    rule: RoutingRule | None
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Share:
    """One row of a distribution: how many leads a rep, rule or outcome got in each replay."""

    label: str
    before: int
    after: int
    total: int

    @property
    def after_share(self) -> float:
        return self.after / self.total if self.total else 0.0

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class ReplayedLead:
    """One lead under the saved rules (before) and under the edited ones (after)."""

    lead_id: int
    lead_label: str
    before: SimulatedDecision | None
    after: SimulatedDecision | None
    skipped: str = ""  # why this lead could not be replayed (then before and after are None)

    @property
    def changed(self) -> bool:
        if self.before is None or self.after is None:
            return False
        return (self.before.outcome, self.before.rep_id, self.before.rule_id) != (
            self.after.outcome,
            self.after.rep_id,
            self.after.rule_id,
        )


@dataclass(frozen=True)
class LicenceGap:
    """Replayed leads of one state that need a licence nobody in their rules' pools holds, or
    that nobody licensed could take."""

    state: str
    leads: int
    waiting: int  # of which no rep took: they wait in a queue
    rules: tuple[str, ...]  # matching rules whose pools hold nobody licensed in the state


@dataclass(frozen=True)
class ReplayResult:
    """The distribution of N leads under the saved rules and under the edited ones."""

    now: datetime
    leads: list[ReplayedLead]
    per_rep: list[Share]
    per_rule: list[Share]
    per_outcome: list[Share]

    @property
    def replayed(self) -> int:
        return sum(1 for lead in self.leads if not lead.skipped)

    @property
    def changed(self) -> list[ReplayedLead]:
        return [lead for lead in self.leads if lead.changed]

    @property
    def skipped(self) -> list[ReplayedLead]:
        return [lead for lead in self.leads if lead.skipped]

    @property
    def licence_gaps(self) -> list[LicenceGap]:
        """Per state, with the changes: the leads the licence would leave waiting, and the
        matching rules whose pools hold nobody licensed there (the replay page's warning)."""
        by_state: dict[str, list[SimulatedDecision]] = {}
        for row in self.leads:
            after = row.after
            if after is not None and after.licence_warning:
                by_state.setdefault(after.licence_state or "", []).append(after)
        return [
            LicenceGap(
                state=state or "unknown",
                leads=len(decisions),
                waiting=sum(1 for d in decisions if d.nobody_licensed),
                rules=tuple(
                    sorted({name for d in decisions for name in d.rules_without_licensed_rep})
                ),
            )
            for state, decisions in sorted(by_state.items())
        ]


def _licence_gaps(
    decision: RoutingDecision, lead: Lead, qualification: Qualification | None
) -> tuple[str | None, tuple[str, ...]]:
    """(The state the lead needs a licence in, or None; the rules it matched whose pools hold
    nobody licensed there), by the configuration the decision used."""
    setup = routing_setup()
    Lead.qualification.related.set_cached_value(lead, qualification)
    state = licence_required(lead, setup)
    if state is None:
        return None, ()
    matched = {
        tried["rule"]
        for tried in decision.rules_tried or []
        if str(tried.get("result", "")).startswith("matched")
    }
    return state, tuple(
        spec.rule.name
        for spec in setup.rules
        if spec.rule.name in matched
        and not any(rep_may_hold_licence(setup.reps.get(pk), state) for pk in spec.pool)
    )


def _capture(decision: RoutingDecision, lead: Lead, label: str) -> SimulatedDecision:
    """Copy what `route_lead` decided into plain data (the rows are about to be rolled back)."""
    qualification = Qualification.objects.filter(lead_id=lead.pk).first()
    licence_state, unlicensed_rules = _licence_gaps(decision, lead, qualification)
    return SimulatedDecision(
        licence_state=licence_state,
        rules_without_licensed_rep=unlicensed_rules,
        lead_id=lead.pk,
        lead_label=label,
        outcome=decision.outcome,
        outcome_label=RoutingDecision.Outcome(decision.outcome).label,
        rule_id=decision.rule.pk if decision.rule else None,
        rule_name=decision.rule.name if decision.rule else "",
        method=decision.method or "",
        rep_id=decision.rep.pk if decision.rep else None,
        rep_name=str(decision.rep) if decision.rep else "",
        rules_tried=list(decision.rules_tried or []),
        candidates=list(decision.candidates or []),
        method_state=dict(decision.method_state or {}),
        explanation=decision.explanation,
        qualification=(
            {
                "score": qualification.score,
                "tier": qualification.tier,
                "urgency": qualification.urgency,
                "request_type": qualification.request_type,
                "needs_review": qualification.needs_review,
                "review_reasons": [
                    reason["text"]
                    for reason in qualification.reasons
                    if reason.get("kind") == "review"
                ],
            }
            if qualification
            else None
        ),
    )


def _route_as_new(lead: Lead, now: datetime) -> RoutingDecision:
    """Route `lead` as if it had just arrived, whatever its status now (a lead already
    assigned, in review or closed). Raises ValidationError when the database refuses: a closed
    lead whose contact has another open lead cannot be opened again.

    A savepoint, so that a refused lead leaves the caller's transaction usable. New and owned
    by nobody, as live routing only routes such a lead (all rolled back with the simulation).
    """
    try:
        with transaction.atomic():
            Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.NEW)
            Assignment.objects.filter(lead_id=lead.pk, ended_at__isnull=True).update(ended_at=now)
            decision = route_lead(lead, now=now)
    except IntegrityError:
        raise ValidationError(
            f"Lead #{lead.pk} is closed and its contact has another open lead: routing it again "
            "would give one person two open leads."
        ) from None
    if decision is None:  # route_lead's answer for a lead that needs no routing
        raise ValidationError(f"Lead #{lead.pk} needs no routing.")
    return decision


@dataclass(frozen=True)
class TypedLead:
    """A typed-in lead, validated and through the quality gate, not stored yet."""

    fields: dict[str, Any]
    gate: Any
    source: Source | None
    channel: str


def _typed_lead(lead_fields: Mapping[str, Any]) -> TypedLead:
    """Validate typed-in fields as a door would and run the quality gate. Raises
    ValidationError naming each unknown or bad field."""
    if not isinstance(lead_fields, Mapping):
        raise ValidationError("Give the lead as an object of lead fields.")
    unknown = sorted(str(name) for name in lead_fields if name not in TYPED_LEAD_FIELDS)
    if unknown:
        raise ValidationError(
            {
                name: f"{name!r} is not a lead field; use {', '.join(TYPED_LEAD_FIELDS)}."
                for name in unknown
            }
        )
    data = dict(lead_fields)
    source_name = str(data.pop("source", "") or "")
    channel = str(data.pop("channel", "") or "")
    if channel and channel not in Channel.values:
        raise ValidationError({"channel": f"Must be one of {', '.join(Channel.values)}."})
    try:
        fields, _ = validate_lead_fields(data)
    except LeadFieldErrors as exc:
        raise ValidationError(
            {name: "; ".join(reasons) for name, reasons in exc.errors.items()}
        ) from None
    source = None
    if source_name:
        source = Source.objects.filter(name=source_name).first()
        if source is None:
            raise ValidationError({"source": f"No source is named {source_name!r}."})
    gate = run_quality_gate(fields, check_deliverability=False)
    return TypedLead(fields=fields, gate=gate, source=source, channel=channel)


def _save_typed_lead(typed: TypedLead, now: datetime) -> tuple[Lead, list[str]]:
    """Store the typed-in lead (inside the simulation's transaction) as a door would build it,
    with the contact a door would give it, so sticky routing finds a returning person's
    owner. Returns the lead and notes."""
    notes = []
    source = typed.source or Source.objects.filter(is_active=True).order_by("name").first()
    if source is None:
        source = Source(name="Simulation")
        source.set_api_key()
        source.save()
    lead = lead_build(source=source, fields=typed.fields, gate=typed.gate, received_at=now)
    lead.channel = typed.channel or lead.channel
    identities = models.Q(pk__in=[])
    if lead.email_normalized:
        identities |= models.Q(kind=ContactIdentity.Kind.EMAIL, value=lead.email_normalized.lower())
    if lead.phone_e164:
        identities |= models.Q(kind=ContactIdentity.Kind.PHONE, value=lead.phone_e164)
    known = ContactIdentity.objects.filter(identities).select_related("contact").first()
    if known is not None:
        open_lead = Lead.objects.filter(contact=known.contact, status__in=OPEN_STATUSES).first()
        if open_lead is not None:
            raise ValidationError(
                f"{known.value} belongs to a person with an open lead (#{open_lead.pk}): a new "
                f"inquiry would merge into it and not be routed. Simulate lead #{open_lead.pk}."
            )
        lead.contact = known.contact
        notes.append(f"a returning person: {known.value} is known (contact {known.contact_id})")
    else:
        lead.contact = Contact.objects.create()
    lead.save()
    return lead, notes


def routing_simulate(
    *,
    lead: Lead | None = None,
    lead_fields: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> SimulatedDecision:
    """Where would this lead go now? The decision live routing would make, with nothing kept.

    1. Give an existing `lead`, or `lead_fields` typed in (validated like any door's input;
       an unknown or bad field raises ValidationError naming it).
    2. In a transaction that is always rolled back: store a typed-in lead; qualify a lead that
       has no qualification yet (as the pipeline would); route it as if it had just arrived.
    3. Return the decision as plain data, with notes on what live routing would do first
       (a test lead is never routed; a lead held for review is routed after the review).
    """
    if (lead is None) == (lead_fields is None):
        raise ValidationError("Give an existing lead or the fields of a typed-in lead, not both.")
    now = now or timezone.now()
    typed = _typed_lead(lead_fields) if lead_fields is not None else None
    with transaction.atomic():
        notes: list[str] = []
        if typed is not None:
            lead, notes = _save_typed_lead(typed, now)
        assert lead is not None  # one of the two is given (checked above)
        if lead.is_test:
            notes.append("a test lead: live routing never routes it")
        if lead.is_historical:
            notes.append("a historical import: live routing never routes it")
        if not Qualification.objects.filter(lead_id=lead.pk).exists():
            qualification = lead_qualify(lead)
            notes.append(f"qualified now: score {qualification.score}, tier {qualification.tier}")
            if qualification.needs_review:
                notes.append("held for review first; shown: where it goes once a reviewer confirms")
        label = "the typed-in lead" if typed else str(lead)
        decision = _capture(_route_as_new(lead, now), lead, label)
        transaction.set_rollback(True)
    return replace(decision, lead_id=None if typed else decision.lead_id, notes=notes)


def _apply(edit: RuleEdit) -> RoutingRule:
    """Save an edited rule inside the caller's rolled-back transaction."""
    rule = RoutingRule() if edit.rule is None else RoutingRule.objects.get(pk=edit.rule.pk)
    meta = RoutingRule._meta
    fields = {f.name: f for f in [*meta.concrete_fields, *meta.many_to_many] if f.editable}
    unknown = sorted(name for name in edit.values if name not in fields or name == "id")
    if unknown:
        raise ValidationError(
            {name: f"{name!r} is not a field of a routing rule." for name in unknown}
        )
    many = {}
    for name, value in edit.values.items():
        model_field = fields[name]
        if model_field.many_to_many:
            many[name] = list(value or [])
        elif model_field.many_to_one and not (value is None or isinstance(value, models.Model)):
            setattr(rule, model_field.attname, value)
        else:
            setattr(rule, name, value)
    rule.full_clean()
    rule.save()
    for name, values in many.items():
        getattr(rule, name).set(values)
    return rule


def _replay_pass(
    leads: list[Lead], edits: list[RuleEdit], now: datetime
) -> dict[int, SimulatedDecision | str]:
    """Route `leads` in order under the rules with `edits` applied; lead id -> decision, or
    why the lead could not be replayed. Always rolled back."""
    results: dict[int, SimulatedDecision | str] = {}
    with transaction.atomic():
        for edit in edits:
            # Saving the edited rule gives the routing configuration a new token in this
            # transaction (see leadrouter.config_version), so the engine routes with it; the
            # rollback restores the old one.
            _apply(edit)
        # The leads arrive again: their earlier assignments are not theirs yet, so none counts
        # towards a rep's load or daily cap until the replay routes its lead.
        Assignment.objects.filter(lead__in=leads).delete()
        for lead in leads:
            status = Lead.objects.filter(pk=lead.pk).values_list("status", flat=True).get()
            try:
                decision = _route_as_new(lead, now)
            except ValidationError as exc:
                results[lead.pk] = exc.messages[0]
                continue
            results[lead.pk] = _capture(decision, lead, str(lead))
            if status not in OPEN_STATUSES:
                # A lead since won or lost is no open load on its rep for the next leads.
                Lead.objects.filter(pk=lead.pk).update(status=status)
        transaction.set_rollback(True)
    return results


def _distribution(before: list, after: list, key, label) -> list[Share]:
    counts_before = Counter(key(d) for d in before)
    counts_after = Counter(key(d) for d in after)
    labels = {key(d): label(d) for d in [*before, *after]}
    total = len(before)
    rows = [
        Share(labels[k], counts_before.get(k, 0), counts_after.get(k, 0), total) for k in labels
    ]
    return sorted(rows, key=lambda row: (-max(row.before, row.after), row.label))


def _leads_to_replay(leads: int | QuerySet | Iterable[Lead]) -> list[Lead]:
    if isinstance(leads, int):
        if not 1 <= leads <= MAX_REPLAY_LEADS:
            raise ValidationError(f"Replay between 1 and {MAX_REPLAY_LEADS} leads.")
        decided = [o for o in RoutingDecision.Outcome.values if o != RoutingDecision.Outcome.ERROR]
        routed = (
            Lead.objects.filter(is_test=False, is_historical=False, routing__outcome__in=decided)
            .exclude(status=LeadStatus.MERGED)
            .distinct()
            .order_by("-received_at", "-id")
        )
        chosen = list(routed[:leads])
    else:
        chosen = list(leads)
        if len(chosen) > MAX_REPLAY_LEADS:
            raise ValidationError(f"Replay at most {MAX_REPLAY_LEADS} leads.")
    # In the order they arrived, as live routing met them.
    return sorted(chosen, key=lambda lead: (lead.received_at, lead.pk))


def routing_replay(
    *,
    rule_changes: Iterable[RuleEdit] | None = None,
    leads: int | QuerySet | Iterable[Lead] = DEFAULT_REPLAY_LEADS,
    now: datetime | None = None,
) -> ReplayResult:
    """What would the last leads have got under edited rules? Nothing is saved.

    1. Take the last `leads` routed leads (not test, historical or merged), or the leads given,
       oldest first.
    2. Replay them as if they arrived at `now`, from the current rotation state, loads and caps:
       once under the saved rules (before) and once with `rule_changes` applied (after), each
       in its own transaction that is rolled back. Comparing two replays, not the replay with
       what happened when the leads arrived, shows the effect of the edit alone.
    3. Return per lead before → after, and the distribution per rep, rule and outcome.
    An invalid edit raises ValidationError naming the field.
    """
    now = now or timezone.now()
    chosen = _leads_to_replay(leads)
    edits = list(rule_changes or [])
    before = _replay_pass(chosen, [], now)
    after = _replay_pass(chosen, edits, now) if edits else before
    rows = []
    for lead in chosen:
        b, a = before[lead.pk], after[lead.pk]
        skipped = b if isinstance(b, str) else a if isinstance(a, str) else ""
        both = (b, a) if not isinstance(b, str) and not isinstance(a, str) else (None, None)
        rows.append(
            ReplayedLead(
                lead_id=lead.pk,
                lead_label=str(lead),
                before=both[0],
                after=both[1],
                skipped=skipped,
            )
        )
    decided = [row for row in rows if not row.skipped]
    b_list = [row.before for row in decided]
    a_list = [row.after for row in decided]
    return ReplayResult(
        now=now,
        leads=rows,
        per_rep=_distribution(
            b_list, a_list, lambda d: d.rep_id or f"-{d.outcome}", lambda d: d.destination
        ),
        per_rule=_distribution(
            b_list, a_list, lambda d: d.rule_id or 0, lambda d: d.rule_name or "(no rule)"
        ),
        per_outcome=_distribution(b_list, a_list, lambda d: d.outcome, lambda d: d.outcome_label),
    )
