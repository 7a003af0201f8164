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

# `rule=none`: the lead list's name for "the first routing named no rule" (LeadFilter.NO_RULE;
# domain modules do not import the API's filters).
NO_RULE = "none"


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def board_url(query: Query) -> str:
    return f"{reverse('routing:board')}?{urlencode(query, doseq=True)}#leads"


class ReportLinks:
    """The queries behind one report's figures: its cohorts (leads that count in reports, of
    its team when it has one: the team their first routing went to)."""

    def __init__(self, report: Report):
        self.report = report
        self.start = _instant(report.period.start)
        self.end = _instant(report.period.end)
        self.as_of = _instant(report.as_of)

    def _scoped(self, **query: str | list[str]) -> Query:
        query["counted"] = "true"
        if self.report.team:
            query["first_team"] = self.report.team
        return query

    def arrived(self, **query: str | list[str]) -> Query:
        """Leads that arrived in the period (and match `query`)."""
        return self._scoped(received_after=self.start, received_before=self.end, **query)

    def won(self, **query: str | list[str]) -> Query:
        """Leads won in the period (the won cohort)."""
        return self._scoped(won_after=self.start, won_before=self.end, **query)

    def closed(self, **query: str | list[str]) -> Query:
        """Leads that arrived in the period and were won or lost by `as_of`."""
        return self.arrived(closed_by=self.as_of, **query)

    def closed_won(self, **query: str | list[str]) -> Query:
        return self.closed(status="won", **query)

    def assigned(self, **query: str | list[str]) -> Query:
        # A lead that arrived in the period had every owner after its start: given to a rep
        # at or after the start is "had a rep as owner at some point".
        return self.arrived(assigned_after=self.start, **query)

    def rule(self, rule_id: int | None) -> Query:
        """Leads that arrived in the period and were first routed by the rule (None: by none)."""
        return self.arrived(rule=NO_RULE if rule_id is None else str(rule_id))

    # A rep's figures count what they did on any lead, their team's or not (test leads aside).

    def rep_assigned(self, username: str) -> Query:
        """Leads given to the rep by an assignment that started in the period."""
        return {
            "is_test": "false",
            "assigned_to": username,
            "assigned_after": self.start,
            "assigned_before": self.end,
        }

    def rep_contacted(self, username: str) -> Query:
        """Of those, the leads contacted while the rep owned them."""
        return {**self.rep_assigned(username), "contacted_while_owned": "true"}

    def rep_won(self, username: str) -> Query:
        """Leads won in the period whose last rep was this one."""
        query = self.won(last_owner=username)
        query.pop("first_team", None)
        return query

    def totals(self) -> dict[str, str]:
        """The headline and totals figures that have a list behind them, by key."""
        assigned = board_url(self.assigned())
        contacted = board_url(self.arrived(contacted="true"))
        reassigned = board_url(self.arrived(reassigned="any"))
        fell_through = board_url(self.arrived(sla_breached="true"))
        won = board_url(self.won())
        closed = board_url(self.closed())
        return {
            "received": board_url(self.arrived()),
            "qualified": board_url(self.arrived(tier=["A", "B"])),
            "assigned": assigned,
            "contacted": contacted,
            "held_for_review": board_url(self.arrived(reviewed="true")),
            "routed": board_url(self.arrived(routed="true")),
            "reassigned": reassigned,
            "fell_through": fell_through,
            "won": won,
            "closed": closed,
            "closed_won": board_url(self.closed_won()),
            "imported": board_url(self.arrived(imported="true")),
            # Headlines, by their keys: each opens the leads its figure is measured on.
            "speed_to_assignment_p50": assigned,
            "speed_to_first_contact_p50": contacted,
            "reassignment_rate": reassigned,
            "fallthrough_rate": fell_through,
            "won_value": won,
            "close_rate": closed,
        }
