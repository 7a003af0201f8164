"""Intake's reads. Every user-facing read of leads goes through the scoped selectors here."""

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, TextField
from django.db.models.functions import Cast, Lower
from django.db.models.lookups import GreaterThanOrEqual, LessThan, StartsWith
from django.http import Http404

from intake.models import ContactIdentity, Lead, LeadQuerySet, Source, Submission
from intake.quality.email import check_email
from intake.quality.phone import check_phone
from leadrouter import sql
from leadrouter.sql import row_get, rows_get


def lead_visible_to(user) -> LeadQuerySet:
    """The leads a user may see: staff and holders of the view_lead permission see all of them.

    Anyone else sees the leads they own now (a rep, or a manager a fallback named) and, as a
    team's manager, the leads owned now by that team's reps or waiting in its unassigned queue;
    a user who owns and manages nothing sees nothing.
    """
    # Relations of later steps by name (intake never imports them): owner and routing.
    leads = Lead.objects.select_related("source", "qualification").prefetch_related(
        *owner_and_routing_prefetches()
    )
    if not user.is_authenticated or not user.is_active:
        return leads.none()
    if user.is_staff or user.has_perm("intake.view_lead"):
        return leads
    active = active_assignments_of(user)
    # A lead has at most one active assignment, so as long as nothing else filters the
    # leads they are as many as those assignments, counted from the assignments' indexes
    # without reading a lead (a manager's 40,000 of 200,000: 73 -> 3 ms on SQLite,
    # 42 -> 8 ms on PostgreSQL).
    return leads.filter(_has_one_of(active)).counted_as(active)


def owned_or_managed_by(user) -> Q:
    """Leads whose active assignment names the user, a rep of a team they manage, or that
    team's queue (routing's relations, by name)."""
    return _has_one_of(active_assignments_of(user))


def _has_one_of(active) -> Q:
    # EXISTS on the assignment's lead index, lead by lead, rather than `id IN (the ids)`: a
    # list sorted by date then walks the leads' received_at index and stops at its page
    # (a fifth of the leads are a manager's: ~250 probes for 50 rows) instead of reading and
    # sorting every one of the manager's leads; a filter's own index (status, ...) still
    # leads where it is narrower. No DISTINCT: nothing is joined.
    return Q(Exists(active.filter(lead_id=OuterRef("pk"))))


def active_assignments_of(user):
    """The active assignments that name the user, a rep of a team they manage, or that
    team's queue (routing's model, by name)."""
    # The teams and their reps are read first: the assignment's indexes (user, rep, queue
    # team) then answer without joining reps or teams.
    assignment = Lead._meta.get_field("assignments").related_model
    team_ids = list(
        assignment._meta.get_field("queue_team")
        .related_model.objects.filter(manager=user)
        .values_list("id", flat=True)
    )
    mine = Q(user=user)
    if team_ids:
        rep_ids = list(
            assignment._meta.get_field("rep")
            .related_model.objects.filter(team_id__in=team_ids)
            .values_list("id", flat=True)
        )
        mine |= Q(queue_team_id__in=team_ids)
        if rep_ids:
            mine |= Q(rep_id__in=rep_ids)
    return assignment.objects.filter(mine, ended_at__isnull=True)


def lead_list_for_user(*, user) -> LeadQuerySet:
    return lead_visible_to(user).order_by("-received_at", "-id")


def lead_get_for_user(*, user, lead_id: int) -> Lead:
    """One lead the user may see, or 404 (never 403: another rep's lead does not exist for them)."""
    try:
        return lead_visible_to(user).prefetch_related("events__actor").get(pk=lead_id)
    except (Lead.DoesNotExist, ValueError, TypeError):
        raise Http404("No such lead.") from None


def lead_for_response(*, lead_id: int) -> Lead:
    """A lead as the intake API answers it to the source that submitted it: with its source,
    qualification, owner and routing decisions attached, read by fixed statements.

    Every submission's answer reads it, and compiling the equivalent select_related and
    prefetch queries cost 4 ms, more than routing the lead; the instances are the ones the
    ORM would build, placed where its prefetch would put them.
    """
    lead = row_get(Lead, "id", lead_id)
    if lead is None:
        raise Lead.DoesNotExist(f"Lead {lead_id} does not exist")
    _attach(lead, "source", row_get(Source, "id", lead.source_id))
    # Later steps' models by relation name: intake never imports those apps.
    qualification = Lead._meta.get_field("qualification")  # the reverse one-to-one
    qualification.set_cached_value(lead, row_get(qualification.related_model, "lead_id", lead_id))
    assignment_model = Lead._meta.get_field("assignments").related_model
    active = [a for a in rows_get(assignment_model, "lead_id", lead_id) if a.ended_at is None]
    for assignment in active:
        _attach(assignment, "user", _row_or_none(assignment, "user"))
    decision_model = Lead._meta.get_field("routing").related_model
    decisions = rows_get(decision_model, "lead_id", lead_id)
    for decision in decisions:
        _attach(decision, "rule", _row_or_none(decision, "rule"))
        rep = _row_or_none(decision, "rep")
        if rep is not None:
            _attach(rep, "user", _row_or_none(rep, "user"))
        _attach(decision, "rep", rep)
    lead._prefetched_objects_cache = {
        "assignments": _prefetched(assignment_model, active),
        "routing": _prefetched(decision_model, decisions),
    }
    return lead


def _attach(instance, field: str, value) -> None:
    instance._meta.get_field(field).set_cached_value(instance, value)


def _row_or_none(instance, field: str):
    target = instance._meta.get_field(field)
    value = getattr(instance, target.attname)
    return None if value is None else row_get(target.related_model, "id", value)


def _prefetched(model, rows: list):
    # What prefetch_related leaves on an instance: a queryset whose results are in hand.
    queryset = model.objects.all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    return queryset


def owner_and_routing_prefetches() -> tuple[Prefetch, Prefetch]:
    """The lead's active assignment with its user, and its routing decisions with their rule
    and rep: two queries (the answer to every API submission reads them)."""
    # Routing's models by relation name: intake never imports that app.
    assignment = Lead._meta.get_field("assignments").related_model
    decision = Lead._meta.get_field("routing").related_model
    return (
        Prefetch(
            "assignments",
            queryset=assignment.objects.filter(ended_at__isnull=True).select_related("user"),
        ),
        Prefetch("routing", queryset=decision.objects.select_related("rule", "rep__user")),
    )


# Lower-cased names searched by prefix; each has a PrefixIndex on its lower(), as has
# email_normalized (intake.models.LEAD_PREFIX_FIELDS).
NAME_PREFIX_FIELDS = ("full_name", "last_name", "company")
PHONE_SEARCH_DIGITS = 7


def lead_search(term: str) -> Q:
    """The leads a search term finds, by index only, whatever the size of the history.

    - with an "@": that e-mail address (normalised, through the contact's identities, so
      every lead of the person), or addresses starting with the term ("ann@");
    - with 7 digits or more: that phone number in any format (normalised to E.164, through
      the identities too), or E.164 numbers starting with the digits ("+1512555");
    - anything else: names and companies starting with the term, case-insensitively ("lee"
      finds "Ann Lee" by her surname, "ann l" by her full name); a number finds that lead id.

    Substrings are not searched: "nn" does not find "Ann". A substring test reads every lead.
    """
    term = term.strip()
    if not term:
        return Q()
    # SQLite's lower() folds ASCII letters only; prefixes are folded the same way.
    folded = "".join(ch.lower() if ch.isascii() else ch for ch in term)
    if "@" in term:
        email = (check_email(term).normalized or term).lower()
        return _through_identity(ContactIdentity.Kind.EMAIL, email) | _prefix(
            Lower("email_normalized"), folded
        )
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) >= PHONE_SEARCH_DIGITS:
        match = _prefix("phone_e164", f"+{digits}")
        e164 = check_phone(term).e164
        if e164:
            match |= _through_identity(ContactIdentity.Kind.PHONE, e164) | Q(phone_e164=e164)
        return match
    match = Q()
    for field in NAME_PREFIX_FIELDS:
        match |= _prefix(Lower(field), folded)
    if term.isdigit():
        match |= Q(pk=int(term))
    return match


def lead_attributes_search(text: str) -> Q:
    """Leads whose attributes, as JSON text, contain `text` (any case). Reads every lead: only
    for a search asked for by name (the admin's `attributes:TEXT`)."""
    matches = Lead.objects.annotate(text=Cast("attributes", TextField()))
    return Q(pk__in=matches.filter(text__icontains=text).values("pk"))


def _through_identity(kind: str, value: str) -> Q:
    # The unique (kind, value) index gives the contact; the contact FK's index its leads.
    # Read first: PostgreSQL cannot OR an IN (subquery) with the other indexed conditions
    # and would read every lead instead.
    contact_ids = list(
        ContactIdentity.objects.filter(kind=kind, value=value).values_list("contact_id", flat=True)
    )
    return Q(contact_id__in=contact_ids) if contact_ids else Q(pk__in=[])


def _prefix(field, prefix: str) -> Q:
    """field starts with prefix (case-sensitive), in a form the database's index answers.

    PostgreSQL: LIKE 'prefix%', answered by a pattern-ops index whatever the collation.
    SQLite: LIKE is case-insensitive there and cannot use an ordinary index, so a range
    [prefix, prefix with its last character incremented) in the binary order of its indexes.
    """
    expression = F(field) if isinstance(field, str) else field
    if connection.vendor == "postgresql":
        return Q(StartsWith(expression, prefix))
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(GreaterThanOrEqual(expression, prefix), LessThan(expression, upper))


# The lead columns whose values the admin lists as filters; each has an index.
DISTINCT_VALUE_FIELDS = frozenset({"state", "request_type"})


def lead_distinct_values(field: str, limit: int = 200) -> list[str]:
    """The values of a lead column, in order, at most `limit` of them.

    A loose index scan (`leadrouter.sql.distinct_values`): one index probe per value (a few
    dozen states), not one row per lead (SELECT DISTINCT read all of them: 33 ms at 50,000
    leads); the ORM has no recursive query to say it.
    """
    if field not in DISTINCT_VALUE_FIELDS:
        raise ValueError(f"no index to list the values of {field!r}")
    return sql.distinct_values(Lead, field, limit)


# Statuses of a submission that did not become a lead because something was wrong.
PROBLEM_STATUSES = (
    Submission.Status.REJECTED,
    Submission.Status.INVALID,
    Submission.Status.FAILED,
)


def source_recent_problems(source, limit: int = 5) -> list[Submission]:
    """A source's latest rejected, invalid or failed deliveries, newest first."""
    return list(
        Submission.objects.filter(source=source, status__in=PROBLEM_STATUSES)
        .only("id", "received_at", "status", "errors", "error_detail")
        .order_by("-received_at", "-id")[:limit]
    )


def submission_problem(submission: Submission) -> str:
    """One line saying what went wrong with a submission."""
    if submission.errors:
        return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in submission.errors.items())
    lines = submission.error_detail.strip().splitlines()
    return lines[-1] if lines else ""
