"""Who may read which report, and the period a label names in a team's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from intake.selectors import organisation_time_zone
from reporting.periods import Period, PeriodError, month_of, month_parse, week_of, week_parse
from routing.models import Team

# Weeks a report may name: imported history reaches back decades, never to year 1 (whose
# weeks before it do not exist).
FIRST_YEAR = 1900
LAST_YEAR = 2999


def report_time_zone(team: Team | None) -> ZoneInfo:
    """The zone a report counts its days in: the team's, else the organisation's."""
    return ZoneInfo(team.time_zone) if team is not None else organisation_time_zone()


def report_period(label: str, team: Team | None) -> Period:
    """The ISO week a label names ("2026-W48") in the team's zone; PeriodError when none, or
    when it lies outside the years a report can look back from (its 8 weeks of history)."""
    return _covered(label, week_parse(label, report_time_zone(team)))


def report_current_period(team: Team | None, now: dt.datetime | None = None) -> Period:
    """The week that is running now in the team's zone."""
    return week_of(now or timezone.now(), report_time_zone(team))


def report_month(label: str, team: Team | None) -> Period:
    """The calendar month a label names ("2026-11") in the team's zone (the monthly view);
    PeriodError when none, or outside the years reports cover."""
    return _covered(label, month_parse(label, report_time_zone(team)))


def report_current_month(team: Team | None, now: dt.datetime | None = None) -> Period:
    """The month that is running now in the team's zone."""
    return month_of(now or timezone.now(), report_time_zone(team))


def _covered(label: str, period: Period) -> Period:
    if not FIRST_YEAR <= period.first_day.year <= LAST_YEAR:
        raise PeriodError(
            f"{label!r} is outside the years reports cover ({FIRST_YEAR} to {LAST_YEAR})."
        )
    return period


def report_teams_for_user(user) -> QuerySet[Team]:
    """The teams whose reports a user may read: staff every team, a manager the teams they
    manage, anyone else (a rep) none."""
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    teams = Team.objects.order_by("name")  # the pages list them by name
    return teams if user.is_staff else teams.filter(manager=user)


def report_user_may_read(user) -> bool:
    """Staff and team managers read reports; a rep reads only their own page."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_staff or Team.objects.filter(manager=user).exists())
    )


def report_team_for_user(*, user, name: str | None) -> Team | None:
    """The team a user's report is about (None: the whole organisation).

    1. A user who is neither staff nor a manager: PermissionDenied.
    2. A team named: the team of that name the user may read, else Http404 (another
       manager's team reads as missing, as another rep's lead does).
    3. No team named: staff read the whole organisation; a manager of one team reads it; a
       manager of several must say which (ValidationError on `team`, naming them).
    """
    if not report_user_may_read(user):
        raise PermissionDenied("Weekly reports are for team managers and staff.")
    teams = report_teams_for_user(user)
    if name:
        team = teams.filter(name__iexact=name.strip()).first()
        if team is None:
            raise Http404(f"No team you can read reports of is called {name!r}.")
        return team
    if user.is_staff:
        return None
    managed = list(teams.order_by("name")[:20])
    if len(managed) == 1:
        return managed[0]
    raise ValidationError(
        {
            "team": "You manage several teams; say which with ?team= ("
            + ", ".join(team.name for team in managed)
            + ")."
        }
    )
