"""Reporting's reads: which period and team a viewer may see, and every figure of a `Report`.

The report reads the other apps' rows and never writes them. Each figure is aggregated in the
database (conditional counts grouped by source and channel, rule, rep) or, for the percentiles,
computed in Python from one list of durations per period; the number of statements is fixed,
whatever the number of leads (`tests/reporting/test_query_budget.py`).

**A team's leads.** A lead belongs to the team its *first routing* went to: the team of the rep
of its first assignment, or the team whose queue that assignment put it in. A lead reassigned
later to another team stays the first team's; a lead never routed (held for review, still
being routed, test leads) belongs to no team and counts only in the organisation's report. A
team's *rep rows* are the team's reps (their current team), with everything they did in the
period on any lead.
"""

from reporting.selectors.access import (
    report_current_month,
    report_current_period,
    report_month,
    report_period,
    report_team_for_user,
    report_teams_for_user,
    report_time_zone,
    report_user_may_read,
)
from reporting.selectors.scope import percentile
from reporting.selectors.stored import report_stored
from reporting.selectors.weekly import report_for_period

__all__ = [
    "percentile",
    "report_current_month",
    "report_current_period",
    "report_for_period",
    "report_month",
    "report_period",
    "report_stored",
    "report_team_for_user",
    "report_teams_for_user",
    "report_time_zone",
    "report_user_may_read",
]
