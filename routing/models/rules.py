"""The ordered routing rules and each rule's rotation state."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from routing.models.teams import Rep, Skill, Team


class RoutingRule(models.Model):
    """Ordered: the first active rule whose condition matches a lead routes it."""

    class Method(models.TextChoices):
        ROUND_ROBIN = "round_robin", "Round robin"
        WEIGHTED = "weighted", "Weighted round robin (smooth)"
        LEAST_LOADED = "least_loaded", "Least loaded"
        OWNER = "owner", "Sticky: account, household or previous owner, else round robin"

    class Fallback(models.TextChoices):
        NEXT_RULE = "next_rule", "Try the next rule"
        TEAM_QUEUE = "team_queue", "A team's unassigned queue"
        MANAGER = "manager", "A named manager"
        REVIEW = "review", "The review queue"

    class AfterHours(models.TextChoices):
        FALLBACK = "fallback", "Use the fallback"
        HOLD = "hold", "Hold the lead until the next opening"

    name = models.CharField(max_length=100, unique=True)
    order = models.PositiveIntegerField(default=100, help_text="Lower is tried first.")
    is_active = models.BooleanField(default=True)
    condition = models.JSONField(
        default=dict,
        blank=True,
        help_text="Which leads this rule takes (same language as qualification signals, plus "
        'score, tier, urgency, confidence and tags, e.g. {"field": "tags", "op": "in", '
        '"value": ["commercial"]}); empty: every lead.',
    )
    pool_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pool_reps = models.ManyToManyField(Rep, blank=True, related_name="rules")
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.ROUND_ROBIN)
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    language = models.CharField(max_length=8, blank=True)
    require_territory = models.BooleanField(
        default=False, help_text="Only reps whose territories cover the lead."
    )
    require_working_now = models.BooleanField(default=True)
    fallback = models.CharField(max_length=20, choices=Fallback.choices, default=Fallback.NEXT_RULE)
    after_hours = models.CharField(
        "When nobody is working",
        max_length=10,
        choices=AfterHours.choices,
        default=AfterHours.FALLBACK,
        help_text="Nobody in the pool working now (off hours, time off, or the pool team's "
        "calendar closed: nights, weekends, holidays): use the fallback, or hold the lead and "
        "route it at the next opening, urgent first, then in arrival order.",
    )
    fallback_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fallback_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def shared_rotation_team_id(self) -> int | None:
        """The team whose one rotation this rule takes turns from (its pool team, when that
        team has one rotation for the whole team), or None: the rule's own rotation."""
        team = self.pool_team
        return team.pk if team is not None and team.one_rotation_for_team else None

    def clean(self) -> None:
        from leadrouter.conditions import validate
        from routing.services.conditions import ROUTING_FIELDS

        errors: dict[str, list[str]] = {}
        if self.condition:
            problems = validate(self.condition, ROUTING_FIELDS)
            if problems:
                errors["condition"] = problems
        if self.fallback == self.Fallback.TEAM_QUEUE and not self.fallback_team_id:
            errors["fallback_team"] = ["Name the team whose queue takes the lead."]
        if self.fallback == self.Fallback.MANAGER and not self.fallback_user_id:
            errors["fallback_user"] = ["Name the manager who takes the lead."]
        if errors:
            raise ValidationError(errors)


class RotationState(models.Model):
    """A rep's place in one rotation (a rule's own, or a team's shared by its rules): kept per
    rep, never as a list index, so adding or removing a rep resets nobody."""

    # Exactly one of the two: the rule whose own rotation this is, or the team whose rules
    # share one rotation (`Team.one_rotation_for_team`).
    rule = models.ForeignKey(
        RoutingRule, on_delete=models.CASCADE, null=True, blank=True, related_name="rotation"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="rotation"
    )
    rep = models.ForeignKey(Rep, on_delete=models.CASCADE, related_name="rotation")
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    assigned_count = models.PositiveIntegerField(default=0)
    # Smooth weighted round robin's running score (nginx's algorithm): exact shares over time.
    current_weight = models.BigIntegerField(default=0)
    # The rotation's decision number when this rep was last in the eligible pool: a rep who missed
    # decisions (time off, paused, at capacity) rejoins at the pool's current minimum.
    seen_round = models.PositiveIntegerField(default=0)
    # The rotation's decision number of this rep's last turn: round robin gives the next lead to
    # the lowest (a counter taken under the lock, never a clock that concurrent writers race).
    last_turn = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "rep"], name="rotation_state_unique"),
            models.UniqueConstraint(fields=["team", "rep"], name="rotation_state_team_unique"),
            models.CheckConstraint(
                condition=models.Q(rule__isnull=False, team__isnull=True)
                | models.Q(rule__isnull=True, team__isnull=False),
                name="rotation_state_rule_or_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule or self.team} / {self.rep}: {self.assigned_count} assigned"
