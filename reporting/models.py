"""Reporting's own rows: reports computed ahead by the sweep (`reporting.tasks.refresh_reports`).

A weekly report over a large history costs seconds to compute (every figure follows each lead of
the week to its assignments, attempts and events, and the headline history does it for eight
weeks more); the pages and the API read the stored one instead, in one statement, and show the
moment it was computed as its "as of".
"""

import hashlib
from dataclasses import fields, is_dataclass
from functools import cache

from django.db import models

from reporting import report as report_module
from reporting.periods import Period


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
