"""The reports the sweep computed ahead (`reporting.tasks.refresh_reports`), read back."""

from __future__ import annotations

import datetime as dt
import pickle

from django.utils import timezone

from reporting.models import StoredReport, report_shape, stored_report_key
from reporting.periods import Period
from reporting.report import Report
from routing.models import Team

# The sweep runs every 10 minutes; a stored report older than this (the sweep stopped, or
# missed two runs) is not shown: the page computes its figures itself.
STORED_REPORT_MAX_AGE = dt.timedelta(minutes=30)


def report_stored(*, period: Period, team: Team | None, now: dt.datetime | None = None):
    """The stored report of this period and scope if it is recent (`STORED_REPORT_MAX_AGE`)
    and stored by this version of the code, else None. One statement."""
    now = now or timezone.now()
    row = (
        StoredReport.objects.filter(
            key=stored_report_key(period, team),
            as_of__gte=now - STORED_REPORT_MAX_AGE,
            shape=report_shape(),
        )
        .values_list("report", flat=True)
        .first()
    )
    if row is None:
        return None
    # Rows only the sweep writes, from `report_for_period`'s own dataclasses.
    report: Report = pickle.loads(bytes(row))  # noqa: S301
    return report
