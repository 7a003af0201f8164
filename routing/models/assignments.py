"""What routing did and what reps do: assignments (with their SLA clock), routing decisions and
logged activities."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from routing.models.rules import RoutingRule
from routing.models.teams import Rep, Team


class SlaState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused (a callback, or waiting on the customer)"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    STOPPED = "stopped", "Stopped"


class Assignment(models.Model):
    """Who owns a lead from when, and why; a reassignment ends one row and starts another."""

    class Reason(models.TextChoices):
        INITIAL = "initial", "Routed by a rule"
        OWNER = "owner", "Existing owner (account, household or previous)"
        FALLBACK = "fallback", "Fallback"
        MANUAL = "manual", "Manual"
        SLA = "sla", "SLA reassignment"
        ESCALATION = "escalation", "SLA escalation"
        RECYCLED = "recycled", "Recycled"
        ON_CALL = "on_call", "On call: urgent lead after hours"
        CLAIMED = "claimed", "Taken from the team queue"
        IMPORTED = "imported", "Imported history"
        CALL = "call", "Rung for the lead's call (the owner could not answer)"

    lead = models.ForeignKey("intake.Lead", on_delete=models.CASCADE, related_name="assignments")
    rep = models.ForeignKey(
        Rep, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments"
    )
    queue_team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="queued",
        help_text="Waiting in this team's unassigned queue (no rep yet).",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_assignments",
        help_text="The owner: the rep's user, or the manager a fallback names.",
    )
    rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    assigned_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # A manager keeps a queued lead in its team's queue on purpose: the sweep
    # `routing.tasks.offer_queued_leads` does not offer it to reps who become available.
    pinned = models.BooleanField(
        default=False, help_text="Kept in the team's queue by a manager: not offered to reps."
    )
    # The SLA clock (`routing.services.sla`): which policy, its target for this lead, when the
    # clock started (the next opening of the calendar for a lead that came after hours) and
    # when first contact is due. Empty when no policy applies.
    sla_policy = models.ForeignKey(
        "SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sla_target_minutes = models.PositiveIntegerField(null=True, blank=True)
    sla_started_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(
        null=True, blank=True, help_text="First contact is due by then (business time)."
    )
    sla_state = models.CharField(max_length=10, choices=SlaState.choices, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    # The timer: when the sweep `routing.tasks.sweep_sla` acts next on this clock, and on what
    # (a ladder step; none: the deadline itself, or the resumption of a paused clock).
    sla_next_step_at = models.DateTimeField(null=True, blank=True)
    sla_next_step = models.ForeignKey(
        "SlaStep", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When every channel was told (or failed for good, or there was none): the notification
    # work is complete. Until then `routing.tasks.notify_owed_assignments` owes it.
    notified_at = models.DateTimeField(null=True, blank=True)
    # When the sweep (or a retryable failure, which the cluster retries) last queued it: the
    # sweep queues it again only some minutes later, and never two clusters at once.
    notify_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=models.Q(ended_at__isnull=True),
                name="one_active_assignment_per_lead",
            )
        ]
        indexes = [
            models.Index(fields=["rep", "ended_at"]),
            # A rep's leads of today (daily cap, the board's load): a range per rep. Through
            # (rep, ended_at) it read every lead the reps ever had (57 ms at 50,000 leads).
            models.Index(fields=["rep", "assigned_at"], name="assignment_rep_assigned_at"),
            # Read every minute by `routing.tasks.notify_owed_assignments`: only active
            # assignments whose notification is not complete (a handful) are in it.
            models.Index(
                fields=["assigned_at"],
                condition=models.Q(notified_at__isnull=True, ended_at__isnull=True),
                name="assignment_notify_owed",
            ),
            # Read every minute by `routing.tasks.offer_queued_leads`: only leads waiting in a
            # team's queue now are in it.
            models.Index(
                fields=["queue_team", "assigned_at"],
                condition=models.Q(queue_team__isnull=False, ended_at__isnull=True),
                name="assignment_queued",
            ),
            # Read every minute by `routing.tasks.sweep_sla`: only open assignments whose clock
            # has a step to come are in it (a small share of all assignments ever made).
            models.Index(
                fields=["sla_next_step_at"],
                condition=models.Q(sla_next_step_at__isnull=False, ended_at__isnull=True),
                name="assignment_sla_due",
            ),
        ]

    def __str__(self) -> str:
        owner = self.rep or self.user or self.queue_team
        return f"Lead {self.lead_id} → {owner} ({self.get_reason_display()})"


class RoutingDecision(models.Model):
    """Why a lead went where it went: every rule tried, every candidate and why each was
    excluded, the method and its state, the outcome and how long it took."""

    class Outcome(models.TextChoices):
        ASSIGNED = "assigned", "Assigned to a rep"
        TEAM_QUEUE = "team_queue", "In a team's unassigned queue"
        MANAGER = "manager", "Given to a manager"
        REVIEW = "review", "Sent to the review queue"
        ERROR = "error", "Routing failed (parked, retried)"
        HELD = "held", "Held until the next opening"

    lead = models.ForeignKey("intake.Lead", on_delete=models.CASCADE, related_name="routing")
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True)
    method = models.CharField(max_length=20, blank=True)
    rep = models.ForeignKey(Rep, on_delete=models.SET_NULL, null=True, blank=True)
    rules_tried = models.JSONField(default=list)
    candidates = models.JSONField(default=list)
    method_state = models.JSONField(default=dict)
    explanation = models.TextField()
    duration_ms = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Lead {self.lead_id}: {self.get_outcome_display()}"


class Activity(models.Model):
    """One contact attempt on a lead: who tried, how, with what outcome, when."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        MEETING = "meeting", "Meeting"

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached"
        LEFT_VOICEMAIL = "left_voicemail", "Left a voicemail"
        NO_ANSWER = "no_answer", "No answer"
        WRONG_NUMBER = "wrong_number", "Wrong number or address"
        MESSAGE_SENT = "message_sent", "Message sent"
        SCHEDULED = "scheduled", "Meeting or call-back scheduled"
        OTHER = "other", "Other"

    lead = models.ForeignKey("intake.Lead", on_delete=models.CASCADE, related_name="activities")
    rep = models.ForeignKey(
        Rep, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lead_activities",
        help_text="Who made the attempt.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    callback_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the rep agreed to call back; the SLA clock pauses until then",
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["lead", "at"])]

    def __str__(self) -> str:
        return f"Lead {self.lead_id}: {self.get_kind_display()}, {self.get_outcome_display()}"
