"""Reporting's own rows: it reads the other apps' rows and never writes them, but keeps
the Monday digests it owes and sent, and the reports computed ahead by the sweep
(`reporting.tasks.refresh_reports`).

A weekly report over a large history costs seconds to compute (every figure follows each lead of
the week to its assignments, attempts and events, and the headline history does it for eight
weeks more); the pages and the API read the stored one instead, in one statement, and show the
moment it was computed as its "as of".
"""

import hashlib
from dataclasses import fields, is_dataclass
from functools import cache

from django.conf import settings
from django.db import models

from reporting import report as report_module
from reporting.periods import Period


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


class StoredReport(models.Model):
    """One `Report` (a period of a team or of the organisation, in a time zone), as computed by
    the sweep at `as_of`. `shape` names the Report's fields when it was stored: a report stored
    by an older version of the code is never read back."""

    key = models.CharField(max_length=200, unique=True)  # `reporting.services.stored_report_key`
    team = models.ForeignKey(
        "routing.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.CharField(max_length=10)  # "2026-W23", "2026-06"
    time_zone = models.CharField(max_length=64)
    as_of = models.DateTimeField()
    seconds = models.FloatField(help_text="How long computing it took.")
    shape = models.CharField(max_length=64)
    report = models.BinaryField()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


@cache
def report_shape() -> str:
    """A digest of every field of the Report's dataclasses: changes when the code does."""
    classes = [getattr(report_module, name) for name in sorted(dir(report_module))]
    names = [
        f"{value.__name__}({','.join(f.name for f in fields(value))})"
        for value in [*classes, Period]
        if isinstance(value, type) and is_dataclass(value)
    ]
    return hashlib.sha256(";".join(names).encode()).hexdigest()[:16]


def stored_report_key(period: Period, team) -> str:
    """The stored report's key: its period, zone and team (or the organisation)."""
    scope = f"team-{team.pk}" if team is not None else "organisation"
    return f"{period.kind}:{period.label}:{period.zone.key}:{scope}"
