"""Reporting's writes, all to its own table: the reports the sweep computes ahead."""

from __future__ import annotations

import datetime as dt
import pickle
import time
from zoneinfo import ZoneInfo

from intake.selectors import organisation_time_zone
from reporting.models import StoredReport, report_shape, stored_report_key
from reporting.periods import Period, week_of
from reporting.report import Report
from reporting.selectors import report_for_period
from routing.models import Team


def stored_report_save(*, report: Report, team: Team | None, seconds: float) -> None:
    """Keep `report` as the stored one of its period and scope: one upsert, so two clusters
    sweeping at once both succeed (the later one's stays)."""
    row = StoredReport(
        key=stored_report_key(report.period, team),
        team=team,
        period=report.period.label,
        time_zone=report.period.zone.key,
        as_of=report.as_of,
        seconds=seconds,
        shape=report_shape(),
        report=pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL),
    )
    StoredReport.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["as_of", "seconds", "shape", "report"],
    )


def reports_to_refresh(now: dt.datetime) -> list[tuple[Period, Team | None]]:
    """The weeks a manager reads: the running one and the one before, of every team in its
    zone and of the organisation in its own zone and in each team's."""
    teams = list(Team.objects.order_by("name"))
    wanted: list[tuple[Period, Team | None]] = []
    org_zones = {organisation_time_zone().key} | {team.time_zone for team in teams}
    scopes = [(team, team.time_zone) for team in teams] + [(None, z) for z in sorted(org_zones)]
    for team, zone in scopes:
        current = week_of(now, ZoneInfo(zone))
        wanted += [(current, team), (current.previous(), team)]
    return wanted


def reports_refresh(*, now: dt.datetime) -> int:
    """Compute and store each report `reports_to_refresh` names; how many. Each is a live
    report (as of the moment it is computed), so that the earlier weeks' headline figures come
    from `report_for_period`'s 15-minute cache: a run recomputes the two weeks themselves."""
    stored = 0
    for period, team in reports_to_refresh(now):
        started = time.perf_counter()
        report = report_for_period(period=period, team=team)
        stored_report_save(report=report, team=team, seconds=time.perf_counter() - started)
        stored += 1
    return stored
