"""The report pages people read: the weekly and monthly reports of a team or the whole
organisation (managers: their teams; staff: everything), a rep's own week beside their team's
median, and every table as a CSV file.

Each view reads one `Report` (the one the sweep stored if it is recent,
`reporting.selectors.report_stored`, else `reporting.selectors.report_for_period`) and renders
it; the numbers link to the board's lead list behind them (`reporting.links`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from reporting import presenters, selectors
from reporting.csv_export import table_csv
from reporting.links import ReportLinks, board_url
from reporting.periods import Period, PeriodError
from reporting.report import Report
from routing.models import Rep, Team
from routing.selectors import rep_of_user

WEEKLY, MONTHLY = "week", "month"


class BadPeriod(Exception):
    """A week or month label in the URL that names no period."""


def _period(kind: str, label: str | None, team: Team | None) -> Period:
    """The period a URL names (the current one without a label), in the team's zone (the
    organisation's for the whole organisation)."""
    if label is None:
        if kind == WEEKLY:
            return selectors.report_current_period(team)
        return selectors.report_current_month(team)
    try:
        if kind == WEEKLY:
            return selectors.report_period(label, team)
        return selectors.report_month(label, team)
    except PeriodError as error:
        raise BadPeriod(str(error)) from error


def _bad_period(request, kind: str, error: BadPeriod) -> HttpResponse:
    return render(
        request,
        "reporting/bad_period.html",
        {"kind": kind, "reason": str(error)},
        status=404,
    )


def _chosen_team(request, teams: list[Team]) -> Team | None:
    """The team of `?team=` among those the viewer may read (else 404); without it, staff read
    the whole organisation and a manager their first team."""
    name = request.GET.get("team", "").strip()
    if name:
        for team in teams:
            if team.name == name:
                return team
        raise Http404("No team of that name is yours to read.")
    if request.user.is_staff:
        return None
    return teams[0]


def _readable_teams(user) -> list[Team]:
    teams = list(selectors.report_teams_for_user(user).order_by("name"))
    if not teams and not user.is_staff:
        # Reps and everyone else: their own page is /reports/weekly/me/.
        raise Http404("The team reports are for managers and staff.")
    return teams


def _report_context(report: Report) -> dict:
    links = ReportLinks(report)
    totals_links = links.totals()
    return {
        "report": report,
        "period": report.period,
        "last_day": report.period.days()[-1],
        "headlines": presenters.headline_views(report, totals_links),
        "links": totals_links,
        "sources": [
            (row, board_url(links.arrived(source=row.key)), board_url(links.won(source=row.key)))
            for row in report.by_source
        ],
        "channels": [
            (
                row,
                board_url(links.arrived(channel=row.key)),
                board_url(links.won(channel=row.key)),
            )
            for row in report.by_channel
        ],
        "rules": [
            (
                row,
                board_url(links.rule(row.rule_id)),
                board_url({**links.rule(row.rule_id), "closed_by": links.as_of}),
                board_url({**links.rule(row.rule_id), "closed_by": links.as_of, "status": "won"}),
            )
            for row in report.by_rule
        ],
        "reps": [
            (
                row,
                board_url(links.rep_assigned(row.username)),
                board_url(links.rep_contacted(row.username)),
                board_url(links.rep_won(row.username)),
            )
            for row in report.by_rep
        ],
        "flags": [(flag, board_url(links.arrived(flag=flag.code))) for flag in report.top_flags],
        "reasons": [
            (reason, count, board_url(links.arrived(reassigned=reason)))
            for reason, count in sorted(report.signals.reassigned_by_reason.items())
        ],
        "chart_data": presenters.chart_data(report),
        "table_names": presenters.TABLE_NAMES,
    }


def _report(period: Period, team: Team | None) -> Report:
    """The report the sweep stored if it is recent, else computed now (reportbench)."""
    return selectors.report_stored(period=period, team=team) or selectors.report_for_period(
        period=period, team=team
    )


def _team_report_page(request, kind: str, label: str | None) -> HttpResponse:
    teams = _readable_teams(request.user)
    team = _chosen_team(request, teams)
    try:
        period = _period(kind, label, team)
    except BadPeriod as error:
        return _bad_period(request, kind, error)
    report = _report(period, team)
    url_name = "reporting:weekly-period" if kind == WEEKLY else "reporting:monthly-period"
    team_query = f"?team={team.name}" if team else ""
    context = _report_context(report)
    context.update(
        {
            "kind": kind,
            "teams": teams,
            "team": team,
            "team_query": team_query,
            "org_allowed": request.user.is_staff,
            "previous_url": reverse(url_name, args=[period.previous().label]) + team_query,
            "next_url": reverse(url_name, args=[period.next().label]) + team_query,
            "here_url": reverse(url_name, args=[period.label]),
            "csv_url_name": "reporting:weekly-csv" if kind == WEEKLY else "reporting:monthly-csv",
        }
    )
    return render(request, "reporting/report.html", context)


@login_required
@require_GET
def weekly(request, week: str | None = None):
    return _team_report_page(request, WEEKLY, week)


@login_required
@require_GET
def monthly(request, month: str | None = None):
    return _team_report_page(request, MONTHLY, month)


def _csv(request, kind: str, label: str, table: str) -> HttpResponse:
    if table not in presenters.TABLE_NAMES:
        raise Http404(f"No table {table!r}: one of {', '.join(presenters.TABLE_NAMES)}.")
    team = _chosen_team(request, _readable_teams(request.user))
    try:
        period = _period(kind, label, team)
    except BadPeriod as error:
        return _bad_period(request, kind, error)
    report = _report(period, team)
    body = table_csv(presenters.report_tables(report)[table])
    scope = team.name if team else "organisation"
    filename = f"leadrouter-{scope}-{period.label}-{table}.csv".replace(" ", "-").lower()
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def weekly_csv(request, week: str, table: str):
    return _csv(request, WEEKLY, week, table)


@login_required
@require_GET
def monthly_csv(request, month: str, table: str):
    return _csv(request, MONTHLY, month, table)


def _rep_page(request, rep: Rep, label: str | None, own: bool) -> HttpResponse:
    team = rep.team
    try:
        period = _period(WEEKLY, label, team)
    except BadPeriod as error:
        return _bad_period(request, WEEKLY, error)
    report = _report(period, team)
    username = rep.user.get_username()
    links = ReportLinks(report)
    if own:
        previous_url = reverse("reporting:my-week-period", args=[period.previous().label])
        next_url = reverse("reporting:my-week-period", args=[period.next().label])
    else:
        previous_url = reverse("reporting:rep-week", args=[period.previous().label, username])
        next_url = reverse("reporting:rep-week", args=[period.next().label, username])
    # A rep reads their own figures; the lead lists behind them are a manager's board.
    figure_links = (
        {}
        if own
        else {
            "assigned": board_url(links.rep_assigned(username)),
            "contacted": board_url(links.rep_contacted(username)),
            "won": board_url(links.rep_won(username)),
        }
    )
    return render(
        request,
        "reporting/rep_week.html",
        {
            "rep": rep,
            "own": own,
            "report": report,
            "period": period,
            "last_day": period.days()[-1],
            "comparisons": presenters.rep_beside_team(report, username),
            "figure_links": figure_links,
            "previous_url": previous_url,
            "next_url": next_url,
        },
    )


@login_required
@require_GET
def my_week(request, week: str | None = None):
    rep = rep_of_user(request.user)
    if rep is None:
        raise Http404("Only reps have a weekly page of their own.")
    return _rep_page(request, rep, week, own=True)


@login_required
@require_GET
def rep_week(request, week: str, username: str):
    """A rep's week as a manager of their team (or staff) reads it; the rep reads their own;
    anyone else gets 404, whether the rep exists or not."""
    rep = Rep.objects.select_related("team", "user").filter(user__username=username).first()
    if rep is None:
        raise Http404("No such rep.")
    own = rep.user_id == request.user.pk
    if not own and rep.team not in selectors.report_teams_for_user(request.user):
        raise Http404("No such rep.")
    return _rep_page(request, rep, week, own=own)
