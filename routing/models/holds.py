"""Leads a rule holds until the next opening, when nobody who could take them is working."""

from django.db import models

from routing.models.rules import RoutingRule
from routing.models.teams import Team


class HeldLead(models.Model):
    """One hold of a lead: nobody eligible was working, so it waits, owned by nobody, until
    `hold_until` (the next opening); the sweep `routing.tasks.release_held_leads` then routes
    it through the engine. A released hold keeps its row: the lead's history of holds."""

    lead = models.ForeignKey("intake.Lead", on_delete=models.CASCADE, related_name="holds")
    rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The rule's pool team, whose calendar and reps the hold waits for.",
    )
    held_at = models.DateTimeField()
    hold_until = models.DateTimeField(help_text="The next opening: released from then on.")
    # The release order: most urgent first (0 urgent … 3 low, as the board sorts), then the
    # lead's arrival. Copied from the lead when it is held, so the sweep sorts one table.
    urgency_rank = models.PositiveSmallIntegerField(default=2)
    received_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-held_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=models.Q(released_at__isnull=True),
                name="one_active_hold_per_lead",
            )
        ]
        indexes = [
            # Read every minute by `routing.tasks.release_held_leads`: only holds not yet
            # released are in it (the leads waiting tonight, not every hold ever made).
            models.Index(
                fields=["hold_until"],
                condition=models.Q(released_at__isnull=True),
                name="held_lead_due",
            )
        ]

    def __str__(self) -> str:
        return f"Lead {self.lead_id} held until {self.hold_until:%Y-%m-%d %H:%M} UTC"
