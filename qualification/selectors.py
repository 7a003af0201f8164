"""Qualification's reads."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from intake.models import OPEN_STATUSES, Lead
from qualification.models import ModelVersion, Qualification, ReviewTask


def review_queue() -> QuerySet[ReviewTask]:
    """Open reviews, the longest-waiting first."""
    return (
        ReviewTask.objects.filter(status=ReviewTask.Status.OPEN)
        .select_related("lead", "lead__source", "lead__qualification")
        .order_by("created_at", "id")
    )


def review_task_get(task_id: int) -> ReviewTask:
    return get_object_or_404(
        ReviewTask.objects.select_related("lead", "lead__source", "lead__qualification"),
        pk=task_id,
    )


def review_next_after(task: ReviewTask) -> ReviewTask | None:
    return review_queue().exclude(pk=task.pk).first()


def leads_to_qualify(*, everyone: bool = False):
    """Open, live leads without a qualification (or, with `everyone`, all of them)."""
    leads = Lead.objects.filter(status__in=OPEN_STATUSES, is_historical=False)
    if not everyone:
        leads = leads.filter(qualification__isnull=True)
    return leads.select_related("source", "account")


def lead_qualification(lead_id: int) -> Qualification | None:
    return Qualification.objects.filter(lead_id=lead_id).first()


def model_version_previous(version: ModelVersion) -> ModelVersion | None:
    """The version of the same kind trained just before this one."""
    return ModelVersion.objects.filter(kind=version.kind, id__lt=version.pk).order_by("-id").first()
