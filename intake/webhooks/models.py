"""The outbox of outbound webhooks: endpoints, one delivery per event and endpoint, and the log
of every attempt. Imported by `intake.models`, so the models belong to intake."""

import uuid

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from intake.webhooks.events import EVENT_TYPES

# What the delivery log keeps of an answer, and reads of it at most (a receiver answering
# gigabytes is cut off there).
RESPONSE_EXCERPT_CHARS = 1000


def message_id_new() -> str:
    return f"msg_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    """A URL that receives signed events: which ones, for which team or source, and its state."""

    class Kind(models.TextChoices):
        # A CRM connection rides the same outbox: its rows are written with each change and
        # sent in order per lead with the same retries; only the sending differs (a transport
        # its app registers, `intake.webhooks.services.transport_register`).
        WEBHOOK = "webhook", "Signed webhook"
        HUBSPOT = "hubspot", "HubSpot sync"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused (repeated failures; events wait for it)"
        DISABLED = "disabled", "Disabled (no events are recorded for it)"

    url = models.URLField(
        "URL",
        max_length=2000,
        help_text="Where events are POSTed. https:// unless it is your own test server.",
    )
    description = models.CharField(
        max_length=200, blank=True, help_text="What receives it (e.g. “Zapier: CRM sync”)."
    )
    events = models.JSONField(
        default=list, help_text="The event types sent to this URL (ticks in the admin)."
    )
    # The filters. The team is routing's: a string reference the database keeps (intake
    # imports nothing of routing); only events of a lead that team holds carry it.
    team = models.ForeignKey(
        "routing.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only events of leads this team holds (assigned to one of its reps or in its "
        "queue). Events before routing (lead.created, lead.qualified, review.decided) carry no "
        "team and are not sent to a filtered endpoint.",
    )
    source = models.ForeignKey(
        "intake.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only events of leads that came through this source.",
    )
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.WEBHOOK, editable=False
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    state_reason = models.CharField(max_length=500, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    # The secret signs, so it is kept as the sources keep their vendor secrets (in the
    # database, readable by the process), never shown again after its creation.
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["url", "id"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.description or self.url

    def clean(self) -> None:
        from intake.webhooks.services import endpoint_url_refusal

        if not isinstance(self.events, list) or not self.events:
            raise ValidationError({"events": "Tick at least one event."})
        unknown = [name for name in self.events if name not in EVENT_TYPES]
        if unknown:
            raise ValidationError({"events": f"Unknown event type(s): {', '.join(unknown)}."})
        # A CRM connection's URL is its API's base (a setting), called as outbound calls are.
        refusal = (
            endpoint_url_refusal(self.url) if self.url and self.kind == self.Kind.WEBHOOK else None
        )
        if refusal:
            raise ValidationError({"url": refusal})

    def secrets_in_use(self, now) -> list[str]:
        """The secrets to sign with: the current one, and the previous one until it expires."""
        if (
            self.previous_secret
            and self.previous_secret_expires_at
            and self.previous_secret_expires_at > now
        ):
            return [self.secret, self.previous_secret]
        return [self.secret]


class WebhookDelivery(models.Model):
    """One event for one endpoint (the outbox row): written with the change, sent after it."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Given up"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    lead = models.ForeignKey("intake.Lead", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=30)
    event_data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField()
    # `webhook-id`: the same across retries and resends, so a receiver can drop repeats.
    message_id = models.CharField(max_length=40, unique=True, default=message_id_new)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The body as first sent: a retry sends the same bytes (the lead as of the first attempt).
    body = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # Read every minute by `intake.tasks.webhooks_sweep` (due deliveries) and before
            # each send (an earlier one for the same lead still waiting): pending rows only.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="webhook_delivery_due",
            ),
            models.Index(
                fields=["endpoint", "lead", "id"],
                condition=Q(state="pending"),
                name="webhook_delivery_pending_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.lead_id} → {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: the delivery log the admin shows."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=RESPONSE_EXCERPT_CHARS, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"
