"""SLA policies: first-contact targets and the ladder of steps, and what the sweep did at each."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from intake.models import Channel
from qualification.models import Tier, Urgency
from routing.models.assignments import Assignment
from routing.models.calendars import BusinessCalendar
from routing.models.rules import RoutingRule
from routing.models.teams import Rep, Team


class SlaPolicy(models.Model):
    """How fast a lead must be worked and what happens when it is not: first-contact targets
    in business minutes and a ladder of steps. The most specific policy applies to a lead: one
    for its routing rule, else its owner's team, else its source, else its channel, else the
    default."""

    class WorkedBy(models.TextChoices):
        ANY_ATTEMPT = "any_attempt", "Any logged contact attempt"
        CONNECTED = "connected", "Only a connected contact (reached)"

    class EscalateTo(models.TextChoices):
        MANAGER = "manager", "The team's manager"
        TEAM_QUEUE = "team_queue", "The team's unassigned queue"

    class AfterHoursUrgent(models.TextChoices):
        WAIT = "wait", "Wait for the next opening"
        PAGE = "page", "Page the on-call rep"

    name = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(
        default=False, help_text="Applies to every lead no other policy names (one at most)."
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Counts business time by this calendar instead of the owner's team's.",
    )
    rule = models.ForeignKey(
        RoutingRule, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    source = models.ForeignKey(
        "intake.Source", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, blank=True, choices=Channel.choices)
    worked_by = models.CharField(
        max_length=12, choices=WorkedBy.choices, default=WorkedBy.ANY_ATTEMPT
    )
    escalate_after_reassignments = models.PositiveSmallIntegerField(
        default=2,
        help_text="A reassign step escalates instead once the lead was reassigned this often.",
    )
    escalate_to = models.CharField(
        max_length=12, choices=EscalateTo.choices, default=EscalateTo.MANAGER
    )
    pause_while_waiting_on_customer = models.BooleanField(
        default=True,
        help_text="A rep marking the lead as waiting on the customer pauses the clock until the "
        "customer inquires again, the rep logs a contact, or the time the rep gave.",
    )
    after_hours_urgent = models.CharField(
        "urgent leads after hours",
        max_length=4,
        choices=AfterHoursUrgent.choices,
        default=AfterHoursUrgent.WAIT,
        help_text="What happens to an urgent lead that arrives while the calendar is closed. "
        "Wait: its clock starts at the next opening, like any lead. Page: the on-call rep below "
        "gets the lead and a message at once, and must answer within the target in real "
        "minutes, night or weekend; at the next opening, an unanswered lead goes on up the "
        "ladder as usual.",
    )
    on_call_rep = models.ForeignKey(
        Rep,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="on-call rep",
        help_text="Who is paged for urgent leads after hours (needed when paging; an active rep).",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_sla_policy",
            ),
            models.UniqueConstraint(
                fields=["rule"], condition=models.Q(rule__isnull=False), name="sla_policy_rule"
            ),
            models.UniqueConstraint(
                fields=["team"], condition=models.Q(team__isnull=False), name="sla_policy_team"
            ),
            models.UniqueConstraint(
                fields=["source"],
                condition=models.Q(source__isnull=False),
                name="sla_policy_source",
            ),
            models.UniqueConstraint(
                fields=["channel"], condition=~models.Q(channel=""), name="sla_policy_channel"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def scopes(self) -> list[str]:
        """The scope fields this policy sets, in the order of specificity."""
        values = {
            "rule": self.rule_id,
            "team": self.team_id,
            "source": self.source_id,
            "channel": self.channel,
        }
        return [name for name, value in values.items() if value]

    def clean(self) -> None:
        scopes = self.scopes()
        if self.is_default and scopes:
            raise ValidationError("The default policy applies to every lead: name no scope.")
        if not self.is_default and len(scopes) != 1:
            raise ValidationError(
                "Name exactly one of rule, team, source or channel (or make it the default)."
            )
        if self.after_hours_urgent == self.AfterHoursUrgent.PAGE:
            if self.on_call_rep_id is None:
                raise ValidationError(
                    {"on_call_rep": "Choose the on-call rep to page, or let urgent leads wait."}
                )
            if not Rep.objects.filter(pk=self.on_call_rep_id, is_active=True).exists():
                raise ValidationError(
                    {"on_call_rep": "This rep is not active: choose an active rep to page."}
                )


class SlaTarget(models.Model):
    """How many business minutes a policy gives a lead of one urgency (and tier) until first
    contact. An empty urgency or tier matches any; the most specific target wins."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    urgency = models.CharField(
        max_length=10, blank=True, choices=[("", "Any urgency"), *Urgency.choices]
    )
    tier = models.CharField(max_length=1, blank=True, choices=[("", "Any tier"), *Tier.choices])
    minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Business minutes until first contact."
    )

    class Meta:
        ordering = ["policy", "urgency", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "urgency", "tier"], name="sla_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.urgency or 'any urgency'} / {self.tier or 'any tier'}: {self.minutes} min"


class SlaStep(models.Model):
    """One rung of a policy's ladder, due at a share of the target or a fixed offset (business
    minutes from the clock's start)."""

    class Kind(models.TextChoices):
        REMIND = "remind", "Remind the owner"
        NOTIFY_MANAGER = "notify_manager", "Notify the team manager"
        REASSIGN = "reassign", "Reassign to the next eligible rep"
        ESCALATE = "escalate", "Escalate (to the manager or the team queue)"

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    percent = models.PositiveIntegerField(
        null=True, blank=True, help_text="At this share of the target (100: the deadline)."
    )
    offset_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Or this many business minutes after the start."
    )

    class Meta:
        ordering = ["policy", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "order"], name="sla_step_order_unique")
        ]

    def __str__(self) -> str:
        at = f"{self.percent} %" if self.percent is not None else f"+{self.offset_minutes} min"
        return f"{self.order}. {self.get_kind_display()} at {at}"

    def clean(self) -> None:
        if (self.percent is None) == (self.offset_minutes is None):
            raise ValidationError("Give either a share of the target or a fixed offset, not both.")


class SlaStepRecord(models.Model):
    """A ladder step the sweep performed (or skipped) on one assignment's clock: unique per
    (assignment, step), so a second sweep that gets this far fails instead of acting twice."""

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="sla_steps")
    step = models.ForeignKey(SlaStep, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=16, choices=SlaStep.Kind.choices)
    order = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    done_at = models.DateTimeField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["assignment", "due_at", "order"]
        constraints = [models.UniqueConstraint(fields=["assignment", "step"], name="sla_step_once")]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.get_kind_display()} {self.get_outcome_display()}"
