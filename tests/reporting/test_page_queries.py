"""Query budget: the weekly page (and a rep's page) take as many statements for 50 leads as
for 5 (reporting.selectors aggregates in the database; the page adds none per row)."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.models import Lead
from routing.services import activity_log, lead_assign_manually, lead_status_change
from tests.reporting.hand_built import CHICAGO

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 12, 5, tzinfo=CHICAGO)


def add_week_of_leads(count, *, make_leads, personas, flags=None):
    """`count` leads that arrived in 2026-W48, given to ann or bob by turns, half of them
    called, a third won."""
    reps = [personas.ann, personas.bob]
    for n, lead in enumerate(make_leads(count, full_name="Lead")):
        arrived = dt.datetime(2026, 11, 23 + n % 7, 9 + n % 8, tzinfo=CHICAGO)
        Lead.objects.filter(pk=lead.pk).update(received_at=arrived, flags=flags or {})
        rep = reps[n % 2]
        lead_assign_manually(
            lead=lead, user=personas.staff, rep=rep, now=arrived + dt.timedelta(minutes=2)
        )
        if n % 2:
            activity_log(
                lead=lead,
                user=rep.user,
                kind="call",
                outcome="reached",
                now=arrived + dt.timedelta(minutes=9),
            )
        if n % 3 == 0:
            lead_status_change(
                lead=lead,
                user=rep.user,
                status="won",
                value="100",
                now=arrived + dt.timedelta(hours=3),
            )


def statements(client, url) -> int:
    # Earlier weeks' headline figures are cached for a while (reporting.selectors.headlines):
    # each measure starts without them, so both read every statement.
    cache.clear()
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/reports/weekly/2026-W48/",
        "/reports/weekly/2026-W48/?team=Austin office",
        "/reports/monthly/2026-11/",
        "/reports/weekly/2026-W48/rep/ann/",
        "/reports/weekly/2026-W48/reps.csv",
    ],
)
def test_a_report_takes_the_same_statements_for_5_or_50_leads(client, personas, make_leads, url):
    client.force_login(personas.staff)
    add_week_of_leads(5, make_leads=make_leads, personas=personas, flags={"email_free": {}})
    with_5 = statements(client, url)

    add_week_of_leads(45, make_leads=make_leads, personas=personas, flags={"email_free": {}})

    assert statements(client, url) == with_5
