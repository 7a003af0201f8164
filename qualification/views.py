"""The review queue: managers decide the leads the system was not sure about."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from leadrouter import pipeline
from qualification import selectors
from qualification.forms import ReviewDecisionForm
from qualification.models import ReviewTask

REVIEW_PERMISSION = "qualification.change_reviewtask"


@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def review_queue(request):
    return render(request, "qualification/review_queue.html", {"tasks": selectors.review_queue()})


@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def review_task(request, task_id: int):
    task = selectors.review_task_get(task_id)
    suggestion = task.suggestion
    form = ReviewDecisionForm(
        request.POST or None,
        initial={
            "request_type": suggestion.get("request_type", ""),
            "urgency": suggestion.get("urgency", "normal"),
            "tier": suggestion.get("tier", "C"),
        },
    )
    if request.method == "POST" and task.status == ReviewTask.Status.OPEN and form.is_valid():
        try:
            decided = pipeline.release_after_review(
                task=task,
                user=request.user,
                disqualify="disqualify" in request.POST,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            task = decided
            messages.success(request, f"Lead #{task.lead_id}: decision recorded.")
            following = selectors.review_next_after(task)
            if following is not None:
                return redirect("qualification:review-task", following.pk)
            return redirect("qualification:review-queue")
    lead = task.lead
    return render(
        request,
        "qualification/review_task.html",
        {
            "task": task,
            "lead": lead,
            "qualification": getattr(lead, "qualification", None),
            "form": form,
        },
    )
