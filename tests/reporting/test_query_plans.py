"""The weekly report reads no big table whole (tests/query_plans.py): every statement starts
from the week's leads, assignments, submissions or review tasks by an index, so its cost grows
with the week, not with the history."""

from datetime import timedelta

import pytest

from intake.models import Submission
from qualification.models import ReviewTask
from reporting.selectors import report_for_period, report_period
from routing.models import SlaState
from tests.query_plans import captured_statements, full_scans
from tests.reporting.conftest import chicago

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("for_team", [True, False])
def test_the_weekly_report_reads_by_index(
    for_team, team, make_rep, make_lead, assign, attempt, close, review, submission
):
    rep = make_rep()
    monday = chicago(2026, 11, 23, 9)
    for number in range(3):
        lead = make_lead(monday + timedelta(hours=number))
        assign(lead, monday + timedelta(hours=number, minutes=2), rep=rep, sla_state=SlaState.MET)
        attempt(lead, monday + timedelta(hours=number, minutes=9), rep=rep)
        review(lead, monday, decided_at=monday, decision=ReviewTask.Decision.CONFIRMED)
        submission(monday, Submission.Status.MERGED, lead=lead)
    close(lead, monday + timedelta(days=1), value="10")
    scope = team if for_team else None

    with captured_statements() as statements:
        report_for_period(period=report_period("2026-W48", scope), team=scope, as_of=monday)

    assert full_scans(statements) == []
