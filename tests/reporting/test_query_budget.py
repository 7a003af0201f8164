"""The report's statements are a fixed number, whatever the number of leads in the week."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qualification.models import ReviewTask
from reporting.selectors import report_for_period, report_period
from routing.models import SlaState
from tests.reporting.conftest import chicago

pytestmark = pytest.mark.django_db

AS_OF = datetime(2026, 12, 20, tzinfo=UTC)


@pytest.fixture
def busy_week(team, make_rep, make_lead, assign, attempt, close, review):
    reps = [make_rep(), make_rep()]

    def add(count):
        monday = chicago(2026, 11, 23, 9)
        for number in range(count):
            rep = reps[number % 2]
            received_at = monday + timedelta(hours=number)
            lead = make_lead(received_at, flags={"email_free": "Free e-mail"})
            assign(lead, received_at + timedelta(minutes=2), rep=rep, sla_state=SlaState.MET)
            attempt(lead, received_at + timedelta(minutes=9), rep=rep)
            review(
                lead,
                received_at,
                decided_at=received_at + timedelta(minutes=1),
                decision=ReviewTask.Decision.CONFIRMED,
            )
            if number % 3 == 0:
                close(lead, received_at + timedelta(days=1), value="10")

    return add


def statements(team, *, as_of=AS_OF) -> int:
    with CaptureQueriesContext(connection) as queries:
        report_for_period(period=report_period("2026-W48", team), team=team, as_of=as_of)
    return len(queries)


def test_the_statements_do_not_grow_with_the_leads(team, busy_week):
    busy_week(5)
    team_with_5, organisation_with_5 = statements(team), statements(None)

    busy_week(45)

    assert statements(team) == team_with_5
    assert statements(None) == organisation_with_5
    # The week's own figures (about twenty statements), then eight for each week before.
    assert team_with_5 <= 24 + 8 * 8


def test_a_live_report_reuses_the_earlier_weeks_headlines(team, busy_week):
    busy_week(5)
    first = statements(team, as_of=None)

    again = statements(team, as_of=None)

    assert again <= first - 8 * 5
