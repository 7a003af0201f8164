"""Qualification: manager-written signals, trained model versions, one Qualification per lead,
and the human review queue."""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Urgency(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Tier(models.TextChoices):
    A = "A", "A (hot)"
    B = "B", "B (warm)"
    C = "C", "C (cold)"


class QualificationSettings(models.Model):
    """The one row of thresholds a manager tunes in the admin."""

    review_confidence_below = models.FloatField(
        default=0.55,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="A lead whose request-type or urgency confidence is below this goes to review.",
    )
    tier_a_min_score = models.PositiveSmallIntegerField(
        default=70, validators=[MaxValueValidator(100)], help_text="Score at or above: tier A."
    )
    tier_b_min_score = models.PositiveSmallIntegerField(
        default=40, validators=[MaxValueValidator(100)], help_text="Score at or above: tier B."
    )
    review_score_at_least = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="Exceptional leads: a score at or above this goes to review (empty: never).",
    )
    min_outcomes_to_train = models.PositiveIntegerField(
        default=60,
        help_text="Closed leads (won and lost) needed before the conversion model replaces "
        "the rule score; at least 10 of each.",
    )
    min_labels_to_train = models.PositiveIntegerField(
        default=30, help_text="Labeled leads needed before the classifiers take over from rules."
    )
    excluded_features = models.JSONField(
        default=list,
        blank=True,
        help_text="Lead fields or attributes the models must not learn from, e.g. "
        '["attributes.rep_notes", "fields.utm_campaign"] (post-contact fields leak outcomes).',
    )

    class Meta:
        verbose_name = verbose_name_plural = "qualification settings"

    def __str__(self) -> str:
        return "Qualification settings"

    def clean(self) -> None:
        if self.tier_b_min_score >= self.tier_a_min_score:
            raise ValidationError({"tier_b_min_score": "Must be below the tier A score."})
        if not isinstance(self.excluded_features, list) or not all(
            isinstance(name, str) for name in self.excluded_features
        ):
            raise ValidationError({"excluded_features": "Must be a list of feature names."})

    @classmethod
    def load(cls) -> "QualificationSettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row

    def tier_for(self, score: int) -> str:
        if score >= self.tier_a_min_score:
            return Tier.A
        if score >= self.tier_b_min_score:
            return Tier.B
        return Tier.C


class Signal(models.Model):
    """A manager's rule: when its condition matches a lead, its effects apply."""

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=100, help_text="Lower runs first.")
    condition = models.JSONField(
        help_text='e.g. {"field": "message", "op": "contains_any", "value": ["lawyer", '
        '"attorney"]}; combine with {"all": [...]}, {"any": [...]}, {"not": ...}.'
    )
    score_delta = models.SmallIntegerField(
        default=0, validators=[MinValueValidator(-100), MaxValueValidator(100)]
    )
    set_urgency = models.CharField(max_length=10, choices=Urgency.choices, blank=True)
    set_request_type = models.CharField(max_length=50, blank=True)
    add_tag = models.CharField(max_length=50, blank=True)
    send_to_review = models.BooleanField(default=False)
    review_reason = models.CharField(
        max_length=200, blank=True, help_text='Shown to the reviewer, e.g. "mentions lawyer".'
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from leadrouter.conditions import validate
        from qualification.services.signals import CONDITION_FIELDS

        errors = validate(self.condition, CONDITION_FIELDS)
        if errors:
            raise ValidationError({"condition": errors})
        if not (
            self.score_delta
            or self.set_urgency
            or self.set_request_type
            or self.add_tag
            or self.send_to_review
        ):
            raise ValidationError("Give the signal at least one effect.")
        if self.send_to_review and not self.review_reason.strip():
            raise ValidationError({"review_reason": "Say why these leads need a person."})


class ModelVersion(models.Model):
    """One trained model: its compiled weights, data size and held-out metrics."""

    class Kind(models.TextChoices):
        CONVERSION = "conversion", "Conversion score"
        REQUEST_TYPE = "request_type", "Request type classifier"
        URGENCY = "urgency", "Urgency classifier"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    trained_rows = models.PositiveIntegerField()
    metrics = models.JSONField(default=dict)
    weights = models.JSONField(help_text="The compiled model; scoring needs nothing else.")
    training_seconds = models.FloatField(default=0)
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="Why it was or was not activated.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_active=True), name="one_active_model_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.pk}"


class Qualification(models.Model):
    """The judgement on one lead: score, tier, urgency, request type, confidence and why."""

    lead = models.OneToOneField(
        "intake.Lead", on_delete=models.CASCADE, related_name="qualification"
    )
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    tier = models.CharField(max_length=1, choices=Tier.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    request_type = models.CharField(max_length=50, blank=True)
    confidence = models.FloatField(validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    needs_review = models.BooleanField(default=False)
    # [{"kind": "signal"|"model"|"classifier"|"review"|"llm"|"rule", "text": …, "weight": …}]
    reasons = models.JSONField(default=list)
    tags = models.JSONField(default=list, blank=True)
    score_source = models.CharField(
        max_length=10, help_text="model: the trained conversion model; rules: the rule score."
    )
    conversion_probability = models.FloatField(null=True, blank=True)
    summary = models.TextField(blank=True)
    models_used = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["needs_review"])]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.score} {self.tier}"


class ReviewTask(models.Model):
    """A lead held for a person: the system was not sure, or the lead is exceptional."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting"
        DONE = "done", "Decided"

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed as suggested"
        CORRECTED = "corrected", "Corrected"
        DISQUALIFIED = "disqualified", "Disqualified"

    lead = models.ForeignKey("intake.Lead", on_delete=models.CASCADE, related_name="reviews")
    reasons = models.JSONField(default=list)
    suggestion = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    decision = models.CharField(max_length=15, choices=Decision.choices, blank=True)
    decided_request_type = models.CharField(max_length=50, blank=True)
    decided_urgency = models.CharField(max_length=10, choices=Urgency.choices, blank=True)
    decided_tier = models.CharField(max_length=1, choices=Tier.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=Q(status="open"),
                name="one_open_review_per_lead",
            )
        ]
        # The review queue: the open tasks in order, without walking every task ever decided.
        indexes = [
            models.Index(fields=["status", "created_at"], name="review_task_queue"),
            # The weekly report's review decisions of a week (`reporting.selectors`).
            models.Index(fields=["decided_at"], name="review_task_decided_at"),
        ]

    def __str__(self) -> str:
        return f"Review of lead {self.lead_id} ({self.get_status_display()})"


class FieldLabel(models.Model):
    """The plain name a manager gives a lead field, used when reasons are shown.

    ``field`` is the name the model and signals use (``attributes.budget``, ``utm_source``);
    without a row the name is humanised (``attributes.referred`` → "Referred").
    """

    field = models.CharField(max_length=200, unique=True, help_text="e.g. attributes.budget")
    label = models.CharField(max_length=200, help_text="e.g. Budget")

    # The labels are read for every reason shown (and every lead the API answers with), so they
    # are cached; a save or delete drops the cache. Without Redis each process keeps its own
    # copy, which another process's edit reaches when the copy expires.
    CACHE_KEY = "qualification:field-labels"
    CACHE_SECONDS = 60

    class Meta:
        ordering = ["field"]

    def __str__(self) -> str:
        return f"{self.field} → {self.label}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache.delete(self.CACHE_KEY)
        return result
