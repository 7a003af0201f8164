"""Real-browser test of the weekly report (Debian's chromium driven by Playwright, no browser
download): the manager opens the page, the charts are drawn, a number opens the lead list behind
it, a table downloads as CSV, a phone never scrolls sideways; a rep cannot open another rep's
page."""

import csv
import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest

from intake.models import Lead
from reporting.report import Headline
from routing.models import Rep, Team
from routing.services import lead_assign_manually
from tests.conftest import sign_in_at
from tests.reporting.hand_built import CHICAGO, busy_report

PASSWORD = "a-long-password-1"


@pytest.fixture
def world(django_user_model, make_leads, monkeypatch):
    """A team whose manager reads week 2026-W48, in which 3 leads arrived (all given to ann);
    the report says so (its other figures are hand-built: this test is about the page)."""
    manager = django_user_model.objects.create_user("mia", "mia@example.com", PASSWORD)
    team = Team.objects.create(name="Austin office", time_zone="America/Chicago", manager=manager)
    ann = Rep.objects.create(
        user=django_user_model.objects.create_user("ann", "ann@example.com", PASSWORD),
        team=team,
    )
    Rep.objects.create(
        user=django_user_model.objects.create_user("bob", password=PASSWORD), team=team
    )
    staff = django_user_model.objects.create_user("sue", is_staff=True)
    leads = make_leads(3, full_name="Arrived in W48")
    for n, lead in enumerate(leads):
        arrived = dt.datetime(2026, 11, 24 + n, 10, tzinfo=CHICAGO)
        Lead.objects.filter(pk=lead.pk).update(received_at=arrived)
        lead_assign_manually(lead=lead, user=staff, rep=ann, now=arrived + dt.timedelta(minutes=3))
    make_leads(2, full_name="Arrived today")  # not in that week

    def report_for_period(*, period, team, as_of=None, with_history=True):
        report = busy_report(period, team=team.name if team else None)
        return dataclasses.replace(
            report,
            totals=dataclasses.replace(report.totals, received=3),
            headlines=[Headline("received", "Leads received", 3, 2, 2.5, "higher")],
        )

    monkeypatch.setattr("reporting.selectors.report_for_period", report_for_period, raising=False)
    return team


def drawn_canvases(page) -> list[str]:
    """The ids of the page's canvases that hold more than a blank canvas of their size."""
    return page.evaluate(
        """() => [...document.querySelectorAll('canvas')].filter((canvas) => {
            const blank = document.createElement('canvas');
            blank.width = canvas.width; blank.height = canvas.height;
            return canvas.width > 0 && canvas.toDataURL().length > blank.toDataURL().length + 500;
        }).map((canvas) => canvas.id)"""
    )


@pytest.mark.django_db(transaction=True)
def test_a_manager_reads_the_week_drills_down_and_downloads_a_table(page, live_server, world):
    url = f"{live_server.url}/reports/weekly/2026-W48/"
    sign_in_at(page, url, "mia")

    page.wait_for_function("document.querySelectorAll('canvas').length === 4")
    page.wait_for_function("typeof Chart !== 'undefined'")
    assert sorted(drawn_canvases(page)) == [
        "chart-days",
        "chart-first-contact",
        "chart-funnel",
        "chart-sla",
    ]
    assert "Arrivals and speeds: leads that arrived Mon 23 Nov" in page.inner_text("#cohorts")

    with page.expect_download() as download_info:
        page.click("a.csv-link:text('reps')")
    download = download_info.value
    assert download.suggested_filename == "leadrouter-austin-office-2026-w48-reps.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["Rep", "Username", "Active", "Assigned"]
    assert [row[1] for row in rows[1:]] == ["ann", "bob"]

    page.click("#headline-received .stat a")
    page.wait_for_url("**/board/**")
    assert "Received at or after: Mon 23 Nov 2026, 00:00 CST" in page.inner_text("#active-filters")
    assert page.locator("table.leads tbody tr").count() == 3
    assert "Arrived in W48" in page.inner_text("table.leads")


@pytest.mark.django_db(transaction=True)
def test_the_report_fits_a_phone_and_a_rep_cannot_open_another_reps_page(page, live_server, world):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at(page, f"{live_server.url}/reports/weekly/2026-W48/", "mia")
    page.wait_for_function("typeof Chart !== 'undefined'")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert len(drawn_canvases(page)) == 4
    page.click("#headline-received .stat a")
    page.wait_for_url("**/board/**")
    assert page.locator("#active-filters .chip").count() == 4  # dates, counted, the team
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{live_server.url}/reports/weekly/2026-W48/rep/ann/")
    assert "ann's week" in page.inner_text("h1").lower()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.click("button:text('Sign out')")
    sign_in_at(page, f"{live_server.url}/reports/weekly/me/2026-W48/", "ann")
    assert page.inner_text("h1").startswith("My week")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    response = page.goto(f"{live_server.url}/reports/weekly/2026-W48/rep/bob/")
    assert response is not None and response.status == 404
    assert "There is nothing here" in page.inner_text("main")
