"""Intake's reads. Every user-facing read of leads goes through the scoped selectors here."""

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from intake.models import Lead, LeadQuerySet, Source, Submission
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
    return leads.filter(owned_or_managed_by(user)).distinct()


def owned_or_managed_by(user) -> Q:
    """Leads whose active assignment names the user, a rep of a team they manage, or that
    team's queue (routing's relations, by name)."""
    # One Q, so that every condition applies to the same (active) assignment row.
    return Q(
        Q(assignments__user=user)
        | Q(assignments__rep__team__manager=user)
        | Q(assignments__queue_team__manager=user),
        assignments__ended_at__isnull=True,
    )


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


def submission_counts_by_status(*, source_id: int) -> dict[str, int]:
    rows = Submission.objects.filter(source_id=source_id).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


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
