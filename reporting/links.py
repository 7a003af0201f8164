"""The lead list behind each number of a report: the board's list (and `GET /api/v1/leads/`,
the same `LeadFilter`) with the filters that select exactly the leads the figure counts.

Each function returns the query parameters (a dict) for one figure; `board_url` turns them into
a link. The cohorts are the report's (reporting/report.py): arrival figures filter on
`received_at` in the period, won figures on the day the lead was won, close rates on leads
that arrived in the period and were won or lost by `as_of`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.urls import reverse

from reporting.report import Report

Query = dict[str, str | list[str]]


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def board_url(query: Query) -> str:
    return f"{reverse('routing:board')}?{urlencode(query, doseq=True)}#leads"


class ReportLinks:
    """The queries behind one report's figures, narrowed to its team when it has one."""

    def __init__(self, report: Report):
        self.report = report
        self.start = _instant(report.period.start)
        self.end = _instant(report.period.end)
        self.as_of = _instant(report.as_of)

    def _scoped(self, **query: str | list[str]) -> Query:
        if self.report.team:
            query["team"] = self.report.team
        return query

    def arrived(self, **query: str | list[str]) -> Query:
        """Leads that arrived in the period (and match `query`)."""
        return self._scoped(received_after=self.start, received_before=self.end, **query)

    def won(self, **query: str | list[str]) -> Query:
        """Leads won in the period (the won cohort)."""
        return self._scoped(won_after=self.start, won_before=self.end, **query)

    def closed(self, **query: str | list[str]) -> Query:
        """Leads that arrived in the period and were won or lost by `as_of`."""
        return self.arrived(closed_before=self.as_of, **query)

    def closed_won(self, **query: str | list[str]) -> Query:
        return self.closed(status="won", **query)

    def assigned(self, **query: str | list[str]) -> Query:
        # A lead that arrived in the period had every owner after its start: given to a rep
        # at or after the start is "had a rep as owner at some point".
        return self.arrived(assigned_after=self.start, **query)

    def contacted(self, **query: str | list[str]) -> Query:
        return self.arrived(contacted="true", **query)

    def rep_assigned(self, username: str) -> Query:
        """Leads given to the rep by an assignment that started in the period."""
        return self._scoped(
            assigned_to=username, assigned_after=self.start, assigned_before=self.end
        )

    def rep_contacted(self, username: str) -> Query:
        return {**self.rep_assigned(username), "contacted_by": username}

    def rep_won(self, username: str) -> Query:
        return self.won(owner=username)

    def rule(self, rule_id: int | None) -> str:
        return "none" if rule_id is None else str(rule_id)

    def totals(self) -> dict[str, str]:
        """The headline and totals figures that have a list behind them, by key."""
        return {
            "received": board_url(self.arrived()),
            "assigned": board_url(self.assigned()),
            "contacted": board_url(self.contacted()),
            "held_for_review": board_url(self.arrived(reviewed="true")),
            "duplicates_merged": board_url(self.arrived(status="merged")),
            "won": board_url(self.won()),
            "won_value": board_url(self.won()),
            "closed": board_url(self.closed()),
            "closed_won": board_url(self.closed_won()),
            "close_rate": board_url(self.closed()),
            "routed": board_url(self.assigned()),
            "reassigned": board_url(self.arrived(reassigned="any")),
            "fell_through": board_url(self.arrived(sla_breached="true")),
            "sla_met": board_url(self.arrived(sla_met="true")),
            "sla_breached": board_url(self.arrived(sla_breached="true")),
            "imported": board_url(self.arrived(imported="true")),
        }
