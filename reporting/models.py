"""Reporting's own rows: it reads the other apps' rows and never writes them, but it keeps a
record of the Monday digests it sent."""

from django.conf import settings
from django.db import models


class WeeklyDigest(models.Model):
    """One manager's Monday e-mail about one team's week: claimed before it is sent, so two
    clusters send it once (`reporting.digest`)."""

    class State(models.TextChoices):
        # Claimed by a sweep and queued; the send task has not started (or its queueing was
        # lost: the sweep queues it again after `digest.RETRY_AFTER`).
        PENDING = "pending", "Queued"
        # A send task holds it; a worker killed here leaves it so until the sweep retries it.
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        # Not sent, and it will not be: the manager has no e-mail address, or the mail server
        # refused the address for good.
        SKIPPED = "skipped", "Not sent"

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_digests"
    )
    # Reporting may not be imported by routing, but may point at its rows.
    team = models.ForeignKey(
        "routing.Team", on_delete=models.CASCADE, related_name="weekly_digests"
    )
    week = models.CharField(max_length=8, help_text='The ISO week reported on, "2026-W48".')
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    # Which claim the send task belongs to: each claim by the sweep adds one, and a task
    # queued by an older claim finds it changed and sends nothing.
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the sweep last claimed it; a claim older than `digest.RETRY_AFTER` that did not end
    # in `sent` is claimed again (a lost queueing, a killed worker, a mail server down).
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-week", "team__name"]
        constraints = [
            # The claim: two sweeps at once both insert, one row survives.
            models.UniqueConstraint(
                fields=["manager", "team", "week"], name="one_weekly_digest_per_manager_team_week"
            )
        ]
        indexes = [
            # Read by every run of `reporting.tasks.send_weekly_digests`: only digests not yet
            # sent or given up on are in it.
            models.Index(
                fields=["week"],
                condition=models.Q(state__in=["pending", "sending"]),
                name="weekly_digest_owed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.week} digest of {self.team_id} for {self.manager_id} ({self.state})"


# Claimed and not sent yet: what the sweep may claim again, and what `GET /health/` counts.
OWED_STATES = (WeeklyDigest.State.PENDING, WeeklyDigest.State.SENDING)
