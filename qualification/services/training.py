"""Train the models on the team's own history, keep every version with its metrics, and
activate a new version only when it is not worse than the active one."""

import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from intake.models import Lead, LeadStatus
from qualification.ml import (
    URGENCY_STRUCTURED_FIELDS,
    ClassifierModel,
    ConversionModel,
    InsufficientData,
    train_classifier,
    train_conversion,
)
from qualification.ml import metrics as ml_metrics
from qualification.models import ModelVersion, QualificationSettings, ReviewTask
from qualification.services.records import lead_record
from qualification.services.registry import qualification_config_changed

# The held-out metric each kind is compared on (higher is better).
KEY_METRIC: dict[str, str] = {
    ModelVersion.Kind.CONVERSION: "roc_auc",
    ModelVersion.Kind.REQUEST_TYPE: "macro_f1",
    ModelVersion.Kind.URGENCY: "macro_f1",
}
MIN_PER_OUTCOME = 10


@dataclass
class TrainingResult:
    kind: str
    version: ModelVersion | None
    activated: bool
    note: str


def _closed_leads():
    return (
        Lead.objects.filter(status__in=(LeadStatus.WON, LeadStatus.LOST), is_test=False)
        .select_related("source")
        .order_by("received_at", "id")
    )


def _conversion_data():
    leads = list(_closed_leads())
    return [lead_record(lead) for lead in leads], [lead.status == LeadStatus.WON for lead in leads]


def _labels(kind: str):
    """(records, labels) in time order: reviewers' decisions first, then closed leads."""
    field = "decided_request_type" if kind == ModelVersion.Kind.REQUEST_TYPE else "decided_urgency"
    decided = {
        lead_id: label
        for lead_id, label in ReviewTask.objects.filter(status=ReviewTask.Status.DONE)
        .exclude(decision=ReviewTask.Decision.DISQUALIFIED)
        .exclude(**{field: ""})
        .order_by("decided_at")
        .values_list("lead_id", field)
    }
    closed = Lead.objects.filter(
        Q(pk__in=decided) | Q(status__in=(LeadStatus.WON, LeadStatus.LOST)), is_test=False
    ).select_related("source", "qualification")
    rows = []
    for lead in closed.order_by("received_at", "id"):
        label = decided.get(lead.pk)
        if label is None:
            qualification = getattr(lead, "qualification", None)
            if kind == ModelVersion.Kind.REQUEST_TYPE:
                label = lead.request_type or (qualification.request_type if qualification else "")
            elif qualification is not None and qualification.confidence >= 0.9:
                label = qualification.urgency
        if label:
            rows.append((lead_record(lead), label))
    return [record for record, _ in rows], [label for _, label in rows]


def _active_on_holdout(kind: str, active: ModelVersion, records, labels) -> float | None:
    """The active model's metric on the new model's held-out rows, so that both are judged on
    the same, newest leads (their own held-out periods differ)."""
    if kind == ModelVersion.Kind.CONVERSION:
        conversion = ConversionModel.from_json(active.weights)
        scores = [conversion.predict(record, top=0).probability for record in records]
        if len(set(labels)) < 2:
            return None
        return ml_metrics.roc_auc(labels, scores)
    classifier = ClassifierModel.from_json(active.weights)
    predicted = [classifier.predict(record).label for record in records]
    return ml_metrics.macro_f1(labels, predicted, sorted(set(labels)))


def _keep(kind: str, trained, records, labels, seconds: float) -> TrainingResult:
    metric = KEY_METRIC[kind]
    new_value = trained.metrics.get(metric)
    held_out = trained.metrics.get("n_test", 0) + trained.metrics.get("n_test_excluded", 0)
    with transaction.atomic():
        active = ModelVersion.objects.select_for_update().filter(kind=kind, is_active=True).first()
        old_value = (
            _active_on_holdout(kind, active, records[-held_out:], labels[-held_out:])
            if active and held_out
            else None
        )
        activate = active is None or (
            new_value is not None and (old_value is None or new_value >= old_value)
        )
        if active is None:
            note = f"activated: first {kind} model ({metric} {new_value:.3f})"
        elif old_value is None:
            note = (
                f"activated: {metric} {new_value:.3f} (the active v{active.pk} could not be "
                "scored on the same leads)"
            )
        elif activate:
            note = (
                f"activated: {metric} {new_value:.3f} ≥ {old_value:.3f} of the active "
                f"v{active.pk} on the same {held_out} newest leads"
            )
        else:
            note = (
                f"kept inactive: {metric} {new_value:.3f} is worse than {old_value:.3f} of the "
                f"active v{active.pk} on the same {held_out} newest leads"
            )
        if activate and active is not None:
            active.is_active = False
            active.save(update_fields=["is_active"])
        version = ModelVersion.objects.create(
            kind=kind,
            trained_rows=len(records),
            metrics=trained.metrics,
            weights=trained.model.to_json(),
            training_seconds=round(seconds, 3),
            is_active=activate,
            activated_at=timezone.now() if activate else None,
            note=note,
        )
    return TrainingResult(kind, version, activate, note)


def models_train() -> list[TrainingResult]:
    """Train the conversion model and both classifiers on the data that exists now."""
    config = QualificationSettings.load()
    results = []
    records, outcomes = _conversion_data()
    won = sum(outcomes)
    if (
        len(outcomes) < config.min_outcomes_to_train
        or min(won, len(outcomes) - won) < MIN_PER_OUTCOME
    ):
        results.append(
            TrainingResult(
                ModelVersion.Kind.CONVERSION,
                None,
                False,
                f"not trained: {len(outcomes)} closed leads ({won} won), need "
                f"{config.min_outcomes_to_train} with {MIN_PER_OUTCOME}+ of each outcome; "
                "the rule score stands in",
            )
        )
    else:
        results.append(
            _train(
                ModelVersion.Kind.CONVERSION,
                lambda: train_conversion(records, outcomes, excluded=set(config.excluded_features)),
                records,
                outcomes,
            )
        )
    for kind in (ModelVersion.Kind.REQUEST_TYPE, ModelVersion.Kind.URGENCY):
        records, labels = _labels(kind)
        if len(labels) < config.min_labels_to_train:
            results.append(
                TrainingResult(
                    kind,
                    None,
                    False,
                    f"not trained: {len(labels)} labeled leads, need {config.min_labels_to_train}; "
                    "the rules decide",
                )
            )
            continue
        structured = URGENCY_STRUCTURED_FIELDS if kind == ModelVersion.Kind.URGENCY else None
        results.append(
            _train(
                kind,
                lambda r=records, y=labels, s=structured: train_classifier(
                    r,
                    y,
                    excluded=set(config.excluded_features),
                    **({"structured_fields": s} if s else {}),
                ),
                records,
                labels,
            )
        )
    return results


def _train(kind: str, fit, records, labels) -> TrainingResult:
    started = time.perf_counter()
    try:
        trained = fit()
    except InsufficientData as exc:
        return TrainingResult(kind, None, False, f"not trained: {exc}")
    return _keep(kind, trained, records, labels, time.perf_counter() - started)


@transaction.atomic
def model_activate(*, version: ModelVersion) -> None:
    """Make a version the active one of its kind (a rollback is activating an older one)."""
    ModelVersion.objects.select_for_update().filter(kind=version.kind, is_active=True).exclude(
        pk=version.pk
    ).update(is_active=False)
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True, activated_at=timezone.now())
    qualification_config_changed()  # `.update()` sends no save signal


@transaction.atomic
def model_rollback(*, kind: str) -> ModelVersion | None:
    """Go back to the version that was active before the current one."""
    current = ModelVersion.objects.filter(kind=kind, is_active=True).first()
    earlier = ModelVersion.objects.filter(kind=kind, activated_at__isnull=False)
    if current is not None:
        earlier = earlier.exclude(pk=current.pk)
    previous = earlier.order_by("-activated_at", "-id").first()
    if previous is None:
        return None
    model_activate(version=previous)
    return previous
