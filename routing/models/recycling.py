"""Recycling rules: a lead nobody works, or one lost for a reason worth another try, goes back
to a pool or a re-engagement queue, a limited number of times. The sweep that applies them is
`routing.services.recycling`."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from intake.models import LostReason
from routing.models.rules import RoutingRule
from routing.models.teams import Team


class RecyclingRule(models.Model):
    """Ordered like routing rules: each sweep applies the active rules in order, and a lead
    one rule recycled is not taken up by the next one in the same sweep."""

    class Kind(models.TextChoices):
        NOT_WORKED = "not_worked", "Open and not worked for a number of business days"
        LOST = "lost", "Lost for a reason, some days ago"

    class Target(models.TextChoices):
        RULE = "rule", "Back to the pool of a routing rule (its method and constraints)"
        TEAM_QUEUE = "team_queue", "A team's unassigned queue (re-engagement)"

    name = models.CharField(max_length=100, unique=True)
    order = models.PositiveIntegerField(default=100, help_text="Lower is applied first.")
    is_active = models.BooleanField(default=True)
    kind = models.CharField(
        "Recycle leads that are",
        max_length=12,
        choices=Kind.choices,
        default=Kind.NOT_WORKED,
    )
    business_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Not worked: how many whole business days (open days of the owner's team "
        "calendar; weekends, holidays and closed days do not count) may pass with no contact "
        "attempt and no status change before the lead is taken from its owner.",
    )
    days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Lost: how many days (calendar days) after it was lost the lead gets another "
        "try.",
    )
    lost_reasons = models.JSONField(
        default=list,
        blank=True,
        help_text="Lost: only leads lost for one of these reasons.",
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only leads owned by this team's reps (or waiting in its queue); empty: "
        "every team.",
    )
    target = models.CharField(
        "Send the lead to", max_length=12, choices=Target.choices, default=Target.RULE
    )
    target_rule = models.ForeignKey(
        RoutingRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The routing rule whose pool, method and constraints pick the next rep; "
        "empty: the rule that routed the lead.",
    )
    target_team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The team whose unassigned queue takes the lead (re-engagement).",
    )
    exclude_previous_owner = models.BooleanField(
        "Never back to the same rep",
        default=True,
        help_text="The rep the lead is taken from is never picked again for it.",
    )
    max_recycles = models.PositiveSmallIntegerField(
        "Recycle a lead at most",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Times in all (by any rule); a lead recycled this often is left alone.",
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.Kind.NOT_WORKED:
            if not self.business_days:
                errors["business_days"] = "Say after how many business days without work."
            if self.days:
                errors["days"] = "Days since the loss are for lost leads; clear this."
            if self.lost_reasons:
                errors["lost_reasons"] = "Lost reasons are for lost leads; clear them."
        if self.kind == self.Kind.LOST:
            if not self.days:
                errors["days"] = "Say how many days after the loss the lead gets another try."
            if self.business_days:
                errors["business_days"] = "Business days are for open leads; clear this."
            reasons = self.lost_reasons if isinstance(self.lost_reasons, list) else None
            if not reasons:
                errors["lost_reasons"] = "Choose the lost reasons this rule recycles."
            elif unknown := sorted(set(map(str, reasons)) - set(LostReason.values)):
                errors["lost_reasons"] = f"Unknown reason(s): {', '.join(unknown)}."
        if self.target == self.Target.TEAM_QUEUE and self.target_team_id is None:
            errors["target_team"] = "Name the team whose queue takes the lead."
        if self.target == self.Target.RULE and self.target_team_id is not None:
            errors["target_team"] = "A queue is only for the team-queue target; clear it."
        if self.target == self.Target.TEAM_QUEUE and self.target_rule_id is not None:
            errors["target_rule"] = "A routing rule is only for the rule target; clear it."
        if self.target_rule is not None and not self.target_rule.is_active:
            errors["target_rule"] = f"The routing rule “{self.target_rule}” is not active."
        if errors:
            raise ValidationError(errors)

    def lost_reason_labels(self) -> str:
        labels = dict(LostReason.choices)
        return ", ".join(labels.get(code, code) for code in self.lost_reasons or ())
