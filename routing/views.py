"""The rep's queue, the lead page with its actions, and the manager board.

Reads go through the scoped selectors (another rep's lead is a 404), writes through
`routing.services`; a service's ValidationError comes back as the form's field messages.
"""

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from intake.models import Lead
from leadrouter.api.filters import NO_RULE, LeadFilter
from leadrouter.api.selectors import lead_get_for_user, lead_list_for_user, lead_steps
from leadrouter.templatetags.local_time import LOCAL_TIME_FORMAT
from routing import selectors, services
from routing.availability import local_day_start, local_time_label, paused_now
from routing.forms import (
    QUICK_CALL_OUTCOMES,
    ActivityForm,
    AssignForm,
    HandBackForm,
    NoteForm,
    ReceivingForm,
    StatusForm,
    WaitForm,
    assign_groups,
)
from routing.models import Assignment, Rep, RoutingRule

BOARD_PAGE_SIZE = 25


def add_service_error(form: django_forms.Form, exc: ValidationError, rename=None) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has
    that field, otherwise above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        field = (rename or {}).get(field, field)
        form.add_error(field if field in form.fields else None, errors)


QUEUE_PAGE_SIZE = 25


@login_required
@require_GET
def home(request):
    """The role-aware home (and where signing in lands): a rep to their queue, a team's manager
    to the board, staff to the admin, a reviewer to the review queue; anyone else to their
    queue, which says what it holds."""
    role = selectors.user_role(request.user)
    if role.is_rep:
        return redirect("routing:queue")
    if role.is_manager:
        return redirect("routing:board")
    if role.is_staff:
        return redirect("admin:index")
    if selectors.user_manages_leads(request.user):
        return redirect("routing:board")
    if request.user.has_perm("qualification.change_reviewtask"):
        return redirect("qualification:review-queue")
    return redirect("routing:queue")


@login_required
@require_GET
def my_queue(request):
    return _render_queue(request)


def _render_queue(request, receiving_form: ReceivingForm | None = None, status: int = 200):
    """The queue page: the user's open leads; for a rep, the "Receiving leads" switch and,
    when their team allows it, the team's queue to take leads from."""
    now = timezone.now()
    rep = selectors.rep_of_user(request.user)
    zone = request.viewer_zone
    search = request.GET.get("q", "").strip()
    page = Paginator(
        selectors.rep_queue(user=request.user, search=search), QUEUE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "rows": list(page),
        "page": page,
        # A search narrows the list, not the number of leads the rep has open.
        "open_count": (
            selectors.rep_queue(user=request.user).count() if search else page.paginator.count
        ),
        "search": search,
        "querystring": urlencode({"q": search}) if search else "",
        "now": now,
        "viewer_zone": zone,
        "rep": rep,
    }
    if rep is not None:
        paused = paused_now(paused=rep.paused, paused_until=rep.paused_until, now=now)
        context.update(
            paused=paused,
            paused_until_label=(
                local_time_label(rep.paused_until, zone, now) if paused and rep.paused_until else ""
            ),
            receiving_form=receiving_form or ReceivingForm(zone=zone),
            team_queue=(
                list(selectors.team_queue(team=rep.team)) if rep.team.reps_may_claim_queue else None
            ),
        )
    return render(request, "routing/queue.html", context, status=status)


def _rep_or_404(user) -> Rep:
    rep = selectors.rep_of_user(user)
    if rep is None:
        raise Http404("You are not a rep.")
    return rep


def _take(request, perform: Callable[[Rep], Assignment]) -> HttpResponse:
    """Run a take from the team queue: to the lead page with a message when it is the rep's
    now, back to the queue with the refusal in plain words otherwise."""
    try:
        assignment = perform(_rep_or_404(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("routing:queue")
    lead = assignment.lead
    messages.success(request, f"Lead #{lead.pk} {lead.display_name} is yours now.")
    return redirect("routing:lead", lead.pk)


@login_required
@require_POST
def queue_take_next(request):
    return _take(request, lambda rep: services.queue_take_next(rep=rep))


@login_required
@require_POST
def queue_take_lead(request, lead_id: int):
    # The service locks and reads the lead itself, and refuses one that is not waiting in
    # the rep's team's queue (whoever's it is): nothing is shown of it.
    return _take(request, lambda rep: services.queue_lead_claim(rep=rep, lead=Lead(pk=lead_id)))


@login_required
@require_POST
def queue_receiving(request):
    rep = _rep_or_404(request.user)
    zone = request.viewer_zone
    form = ReceivingForm(request.POST, zone=zone)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.rep_availability_set(
                rep=rep, receiving=data["receiving"], until=data["until"], by_user=request.user
            )
        except ValidationError as exc:
            add_service_error(form, exc, rename={"until": "back_at"})
        else:
            if data["receiving"]:
                messages.success(request, "You are receiving leads again.")
            elif data["until"]:
                until = local_time_label(data["until"], zone, timezone.now())
                messages.success(request, f"You receive no new leads until {until}.")
            else:
                messages.success(request, "You receive no new leads until you turn this back on.")
            return redirect("routing:queue")
    return _render_queue(request, receiving_form=form, status=400)


@login_required
@require_GET
def lead_page(request, lead_id: int):
    lead = lead_get_for_user(user=request.user, lead_id=lead_id)
    return _render_lead(request, lead)


def _render_lead(request, lead: Lead, bound: dict | None = None, status: int = 200):
    user = request.user
    permissions = selectors.lead_permissions(user=user, lead=lead)
    reps, teams = selectors.assign_targets(user=user) if permissions.can_assign else ([], [])
    steps = lead_steps(lead)
    zone = request.viewer_zone
    page_forms = {
        "activity_form": ActivityForm(zone=zone),
        "status_form": StatusForm(),
        "wait_form": WaitForm(zone=zone),
        "note_form": NoteForm(),
        "hand_back_form": HandBackForm(),
        "assign_form": AssignForm(reps=reps, teams=teams),
        **(bound or {}),
    }
    return render(
        request,
        "routing/lead.html",
        {
            "lead": lead,
            "assignment": selectors.lead_active_assignment(lead=lead),
            "clocks": selectors.lead_clocks(lead=lead),
            "now": timezone.now(),
            "qualification": steps.qualification,
            "decision": steps.decision,
            "activities": selectors.lead_activities(lead=lead),
            "viewer_zone": zone,
            "events": lead.events.all(),
            "can_act": permissions.can_act,
            "can_note": permissions.can_note,
            "can_hand_back": permissions.can_hand_back,
            "can_assign": permissions.can_assign,
            "quick_outcomes": QUICK_CALL_OUTCOMES,
            **page_forms,
        },
        status=status,
    )


def _act(
    request,
    lead_id: int,
    form_name: str,
    form: django_forms.Form,
    perform: Callable[[Lead, dict], object],
    success: str,
    then: Callable[[Lead], str] | None = None,
    allowed: Callable[[selectors.LeadPermissions], bool] | None = None,
):
    """Run one lead action: 404 unless the user sees the lead, 403 unless `allowed` by their
    permissions on it, then parse the form, call the service, and redirect with a message, or
    re-render the page with the form's errors."""
    lead = lead_get_for_user(user=request.user, lead_id=lead_id)
    if allowed and not allowed(selectors.lead_permissions(user=request.user, lead=lead)):
        raise PermissionDenied
    if form.is_valid():
        try:
            perform(lead, form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, rename={"rep": "target", "team": "target"})
        else:
            messages.success(request, success)
            return redirect(then(lead) if then else reverse("routing:lead", args=[lead.pk]))
    return _render_lead(request, lead, {form_name: form}, status=400)


@login_required
@require_POST
def lead_log_activity(request, lead_id: int):
    return _act(
        request,
        lead_id,
        "activity_form",
        ActivityForm(request.POST, zone=request.viewer_zone),
        lambda lead, data: services.activity_log(lead=lead, user=request.user, **data),
        "Contact attempt logged.",
    )


@login_required
@require_POST
def lead_wait_on_customer(request, lead_id: int):
    return _act(
        request,
        lead_id,
        "wait_form",
        WaitForm(request.POST, zone=request.viewer_zone),
        lambda lead, data: services.lead_wait_on_customer(lead=lead, user=request.user, **data),
        "Marked as waiting on the customer.",
    )


@login_required
@require_POST
def lead_change_status(request, lead_id: int):
    return _act(
        request,
        lead_id,
        "status_form",
        StatusForm(request.POST),
        lambda lead, data: services.lead_status_change(lead=lead, user=request.user, **data),
        "Status changed.",
    )


@login_required
@require_POST
def lead_add_note(request, lead_id: int):
    return _act(
        request,
        lead_id,
        "note_form",
        NoteForm(request.POST),
        lambda lead, data: services.lead_note_add(lead=lead, user=request.user, **data),
        "Note added.",
    )


@login_required
@require_POST
def lead_hand_back(request, lead_id: int):
    return _act(
        request,
        lead_id,
        "hand_back_form",
        HandBackForm(request.POST),
        lambda lead, data: services.lead_hand_back(lead=lead, user=request.user, **data),
        "Lead handed back to the team's queue.",
        then=lambda lead: reverse("routing:queue"),
    )


@login_required
@require_POST
def lead_assign(request, lead_id: int):
    reps, teams = selectors.assign_targets(user=request.user)
    after = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(after, {request.get_host()}, request.is_secure()):
        after = ""
    return _act(
        request,
        lead_id,
        "assign_form",
        AssignForm(request.POST, reps=reps, teams=teams),
        lambda lead, data: services.lead_assign_manually(
            lead=lead, user=request.user, rep=data["rep"], team=data["team"], note=data["note"]
        ),
        f"Lead #{lead_id} assigned.",
        then=lambda lead: after or reverse("routing:lead", args=[lead.pk]),
        # A manager's refused assignment (a closed lead, another team's rep) is the service's
        # message on the page; a rep may not assign at all.
        allowed=lambda permissions: permissions.is_manager,
    )


@login_required
@require_POST
def lead_pin(request, lead_id: int):
    """From the board: a manager keeps a queued lead in its queue, or lets the team's reps
    have it again when one is available."""
    lead = lead_get_for_user(user=request.user, lead_id=lead_id)
    pinned = request.POST.get("pinned") == "1"
    try:
        services.queued_lead_pin(lead=lead, user=request.user, pinned=pinned)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Lead #{lead.pk} stays in the queue."
            if pinned
            else f"Lead #{lead.pk} goes to the team's next available rep.",
        )
    return redirect(reverse("routing:board"))


def _board_chips(request, zone, now) -> list[dict]:
    """The board's one-tap filters: each a preset query (the SLA watch's or the lead list's),
    marked current when the page shows exactly it."""
    today = local_day_start(zone, now).isoformat()
    presets = [
        ("At risk", {"sla": selectors.SlaWatch.AT_RISK}),
        ("Breached", {"sla": selectors.SlaWatch.BREACHED}),
        ("Overdue", {"overdue": "true"}),
        ("Not routed yet", {"status": "new"}),
        ("Received today", {"received_after": today}),
    ]
    shown = {key: value for key, value in request.GET.items() if key != "page"}
    return [
        {"label": label, "query": urlencode(query), "current": shown == query}
        for label, query in presets
    ]


def _filter_words(field: django_forms.Field, value, zone) -> str:
    """A cleaned filter value as a manager reads it: a time in their zone, yes/no, choice
    labels, a rule's name."""
    if isinstance(value, datetime):
        return date_format(value.astimezone(zone), LOCAL_TIME_FORMAT)
    if isinstance(value, bool):
        return "yes" if value else "no"
    choices = {str(key): label for key, label in getattr(field, "choices", [])}
    if isinstance(value, (list, tuple)):
        return " or ".join(str(choices.get(str(item), item)) for item in value)
    return str(choices.get(str(value), value))


def _active_filters(request, lead_filter: LeadFilter, zone) -> list[dict]:
    """What the lead list is narrowed to, in plain words, one chip per filter, each with the
    query that removes it (a report's number links here with several at once)."""
    form = lead_filter.form
    if not lead_filter.is_bound or not form.is_valid():
        return []
    rule_names = (
        dict(RoutingRule.objects.values_list("pk", "name")) if request.GET.get("rule") else {}
    )
    active = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", []):
            continue
        if name == "rule":
            words = (
                "no rule (a fallback or by hand)"
                if value.strip().lower() == NO_RULE
                else rule_names.get(int(value), value)
                if value.strip().isdigit()
                else value
            )
        else:
            words = _filter_words(field, value, zone)
        remaining = request.GET.copy()
        remaining.pop(name, None)
        remaining.pop("page", None)
        active.append({"label": field.label, "words": words, "remove": remaining.urlencode()})
    return active


@login_required
@require_GET
def board(request):
    user = request.user
    if not selectors.user_manages_leads(user):
        raise PermissionDenied("The board is for team managers and staff.")
    now = timezone.now()
    reps, teams = selectors.assign_targets(user=user)
    # `active_assignments` is the list lead_list_for_user prefetches (to_attr), not a field.
    leads = lead_list_for_user(user=user).prefetch_related(
        "active_assignments__queue_team"  # type: ignore[misc]
    )
    lead_filter = LeadFilter(request.GET or None, queryset=leads)
    page = Paginator(lead_filter.qs, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    for lead in page:
        lead.current = lead.active_assignments[0] if lead.active_assignments else None
    params = request.GET.copy()
    params.pop("page", None)
    board_reps = selectors.board_reps(user=user)
    met_rates = selectors.rep_sla_met_rates(reps=board_reps, now=now)
    loads = selectors.rep_loads(reps=board_reps, now=now)
    sla_show = request.GET.get("sla", "")
    if sla_show not in dict(selectors.SlaWatch.CHOICES):
        sla_show = ""
    return render(
        request,
        "routing/board.html",
        {
            "loads": loads,
            "available_count": sum(1 for load in loads if load.available),
            "open_count": sum(load.open_leads for load in loads),
            "chips": _board_chips(request, request.viewer_zone, now),
            "more_filters_open": any(
                value and key not in ("q", "page", "sla") for key, value in request.GET.items()
            ),
            "met_rates": met_rates,
            "sla_watch": list(selectors.sla_watch(user=user, now=now, show=sla_show)),
            "sla_show": sla_show,
            "sla_choices": selectors.SlaWatch.CHOICES,
            "at_risk_minutes": int(selectors.AT_RISK_WITHIN.total_seconds() // 60),
            "viewer_zone": request.viewer_zone,
            "waiting": list(selectors.board_waiting(user=user)),
            "stranded": selectors.stranded_lead_count(now=now),
            "assign_groups": assign_groups(reps, teams),
            "filter": lead_filter,
            "active_filters": _active_filters(request, lead_filter, request.viewer_zone),
            "page": page,
            "querystring": params.urlencode(),
            "now": now,
        },
    )
