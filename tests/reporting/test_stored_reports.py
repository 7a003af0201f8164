"""Reports computed ahead by the sweep: stored for every team and the organisation, read back
by the pages and the API while recent, ignored when stale or stored by older code."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from intake.services import api_token_create
from leadrouter.models import SweepHeartbeat
from reporting import tasks
from reporting.models import StoredReport
from reporting.periods import week_parse
from reporting.selectors import report_for_period, report_stored
from routing.models import Team
from tests.reporting.conftest import chicago

pytestmark = pytest.mark.django_db

# Wednesday of week 48 of 2026.
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


def week_48(team):
    return week_parse("2026-W48", ZoneInfo(team.time_zone))


@pytest.fixture
def give_lead(team, make_rep, make_lead, assign):
    """A lead arriving at `received_at`, given a minute later to a rep of `team`."""
    rep = make_rep("zoe")

    def give(received_at):
        lead = make_lead(received_at)
        assign(lead, received_at + timedelta(minutes=1), rep=rep)
        return lead

    return give


@time_machine.travel(NOW, tick=False)
def test_the_sweep_stores_this_and_last_week_of_each_team_and_the_organisation(team, give_lead):
    give_lead(chicago(2026, 11, 24, 9))
    Team.objects.create(name="Boston office", time_zone="America/New_York")

    assert tasks.refresh_reports() == "stored 10 report(s)"

    # Two teams x two weeks, and the organisation in its zone (UTC here) and in each team's.
    keys = set(StoredReport.objects.values_list("key", flat=True))
    assert {f"week:2026-W48:America/Chicago:team-{team.pk}"} <= keys
    assert {f"week:2026-W47:America/Chicago:team-{team.pk}"} <= keys
    assert {key for key in keys if key.endswith("organisation")} == {
        f"week:2026-W{week}:{zone}:organisation"
        for week in (47, 48)
        for zone in ("UTC", "America/Chicago", "America/New_York")
    }
    assert SweepHeartbeat.objects.get(name="reporting: refresh reports").rows_acted == 10


@time_machine.travel(NOW, tick=False)
def test_a_recent_stored_report_is_the_report_as_of_the_sweep(team, give_lead):
    give_lead(chicago(2026, 11, 24, 9))
    tasks.refresh_reports()

    stored = report_stored(period=week_48(team), team=team)

    assert stored == report_for_period(period=week_48(team), team=team, as_of=NOW)
    assert stored.as_of == NOW
    assert stored.totals.received == stored.totals.assigned == 1


def test_a_stale_report_or_one_stored_by_older_code_is_not_read(team, give_lead):
    give_lead(chicago(2026, 11, 24, 9))
    with time_machine.travel(NOW, tick=False):
        tasks.refresh_reports()
    with time_machine.travel(NOW + timedelta(minutes=29), tick=False):
        assert report_stored(period=week_48(team), team=team) is not None
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        assert report_stored(period=week_48(team), team=team) is None

    StoredReport.objects.update(shape="an older Report")
    with time_machine.travel(NOW, tick=False):
        assert report_stored(period=week_48(team), team=team) is None


@time_machine.travel(NOW, tick=False)
def test_the_page_and_the_api_show_the_stored_figures_until_the_next_sweep(
    client, personas, give_lead
):
    give_lead(chicago(2026, 11, 24, 9))
    tasks.refresh_reports()
    give_lead(chicago(2026, 11, 25, 10))  # after the sweep: not in its figures yet
    client.force_login(personas.manager)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(username='mia')[1]}"}

    page = client.get("/reports/weekly/2026-W48/")
    api = client.get("/api/v1/reports/weekly/2026-W48/", **bearer)

    assert page.status_code == api.status_code == 200
    assert page.context["report"].as_of == NOW
    assert page.context["report"].totals.received == 1
    assert api.json()["totals"]["received"] == 1

    tasks.refresh_reports()
    assert (
        client.get("/api/v1/reports/weekly/2026-W48/", **bearer).json()["totals"]["received"] == 2
    )
    StoredReport.objects.all().delete()  # nothing stored: the figures are computed there and then
    assert client.get("/reports/weekly/2026-W48/").context["report"].totals.received == 2


@time_machine.travel(NOW, tick=True)
def test_a_run_past_its_budget_leaves_the_rest_to_the_next_run_stalest_first(team, give_lead):
    """Over a large history a report takes seconds: a run stops starting new ones after its
    budget (inside the cluster's task timeout), and the next run begins with what was left."""
    from reporting.services import reports_refresh

    give_lead(chicago(2026, 11, 24, 9))
    assert reports_refresh(now=NOW, budget_seconds=0) == 1  # one, however late it is
    first = set(StoredReport.objects.values_list("key", flat=True))
    assert reports_refresh(now=NOW, budget_seconds=0) == 1
    second = set(StoredReport.objects.values_list("key", flat=True)) - first
    assert len(second) == 1  # not the one stored a moment ago: one never stored
    while StoredReport.objects.count() < 6:
        reports_refresh(now=NOW, budget_seconds=0)
    # All stored: the next run refreshes the oldest, the first one stored.
    oldest = StoredReport.objects.order_by("as_of").values_list("key", flat=True).first()
    before = StoredReport.objects.get(key=oldest).as_of
    reports_refresh(now=NOW, budget_seconds=0)
    assert StoredReport.objects.get(key=oldest).as_of > before
