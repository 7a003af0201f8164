"""The report pages: who reads which, what a page says (cohorts, changes, an honest "—"), the
rep's own week beside the team's median, friendly 404s, and a query count that does not grow
with the size of the report."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tests.reporting.hand_built import CHICAGO, empty_report

pytestmark = pytest.mark.django_db

# Monday 30 Nov 2026, 12:05 in Chicago: the current week is 2026-W49, last week 2026-W48.
NOW = dt.datetime(2026, 11, 30, 12, 5, tzinfo=CHICAGO)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def signed_in(client):
    def sign_in(person):
        client.force_login(getattr(person, "user", person))  # a rep signs in as their user
        return client

    return sign_in


@time_machine.travel(NOW, tick=False)
def test_a_manager_reads_their_teams_current_week_in_the_teams_zone(
    signed_in, personas, served_report
):
    asked = served_report()

    response = signed_in(personas.manager).get("/reports/weekly/")

    assert response.status_code == 200
    assert asked[0]["team"] == personas.team
    assert asked[0]["period"].label == "2026-W49"
    assert asked[0]["period"].zone.key == "America/Chicago"
    words = text_of(response)
    assert "Weekly report: Austin office" in words
    assert f'href="{reverse("reporting:weekly-period", args=["2026-W48"])}?team=Austin office"' in (
        response.content.decode()
    )


def test_the_page_states_its_cohorts_and_the_as_of_time(signed_in, personas, served_report):
    served_report()

    response = signed_in(personas.manager).get("/reports/weekly/2026-W48/")

    assert (
        "Arrivals and speeds: leads that arrived Mon 23 Nov \u2013 Sun 29 Nov (America/Chicago). "
        "Won: leads won in that week. Close rates: leads that arrived that week and are closed "
        "as of Mon 30 Nov 2026, 00:05 CST"
    ) in text_of(response)


def test_each_headline_says_how_it_moved_and_whether_that_is_better(
    signed_in, personas, served_report
):
    served_report()

    page = signed_in(personas.manager).get("/reports/weekly/2026-W48/").content.decode()

    received = page.split('id="headline-received"')[1].split("</div>")[0]
    assert "40" in received
    assert (
        'class="move move-better"' in received and "↑" in received and "+8 vs last week" in received
    )
    assert "+5 vs the 8-week average (35)" in received
    speed = page.split('id="headline-speed_to_first_contact_p50"')[1].split("</div>")[0]
    assert "9 min" in speed and "move-worse" in speed and "+2 min vs last week" in speed
    assert "move-better" in speed.split("vs last week")[1]  # faster than the 8-week average
    close = page.split('id="headline-close_rate"')[1].split("</div>")[0]
    assert "42 %" in close and "— vs last week" in close  # no previous week: no arrow, no verdict
    value = page.split('id="headline-won_value"')[1].split("</div>")[0]
    assert "±$0 vs last week" in value


def test_a_week_with_no_leads_reads_dashes_not_zero_rates(signed_in, personas, served_report):
    served_report(empty_report)

    response = signed_in(personas.manager).get("/reports/weekly/2026-W48/")

    assert response.status_code == 200
    words = text_of(response)
    assert "Reassignment rate Leads given to someone else" in words
    assert "— · 0 of 0 routed" in words
    assert "Median — , 90 % within —" in words
    assert "No lead was routed this week." in words


def test_staff_read_the_whole_organisation_and_pick_a_team(signed_in, personas, served_report):
    asked = served_report()
    client = signed_in(personas.staff)

    assert client.get("/reports/weekly/2026-W48/").status_code == 200
    assert client.get("/reports/weekly/2026-W48/?team=Dallas office").status_code == 200

    assert asked[0]["team"] is None
    assert asked[1]["team"] == personas.other_team


def test_a_manager_cannot_read_another_teams_report(signed_in, personas, served_report):
    served_report()

    response = signed_in(personas.manager).get("/reports/weekly/2026-W48/?team=Dallas office")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/reports/weekly/",
        "/reports/weekly/2026-W48/",
        "/reports/monthly/2026-11/",
        "/reports/weekly/2026-W48/reps.csv",
    ],
)
def test_reps_get_404_on_team_reports(signed_in, personas, served_report, url):
    served_report()

    assert signed_in(personas.ann).get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/reports/weekly/", "/reports/weekly/me/", "/reports/monthly/2026-11/"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/reports/weekly/2026-W54/", "'2026-W54' is not a week of that year."),
        ("/reports/weekly/last-week/", "'last-week' is not a week; write it like 2026-W48."),
        ("/reports/monthly/2026-13/", "'2026-13' is not a month; write it like 2026-11."),
        ("/reports/weekly/me/2026-W99/", "'2026-W99' is not a week of that year."),
        ("/reports/weekly/0001-W01/", "'0001-W01' is outside the years reports cover"),
        ("/reports/monthly/9999-12/", "'9999-12' is outside the years reports cover"),
    ],
)
def test_a_bad_period_label_is_a_friendly_404_that_says_why(
    signed_in, personas, served_report, url, reason
):
    served_report()
    user = personas.ann if "/me/" in url else personas.manager

    response = signed_in(user).get(url)

    assert response.status_code == 404
    assert reason.replace("'", "&#x27;") in response.content.decode()
    assert "There is no such" in text_of(response)


def test_the_monthly_view_reads_the_month_in_the_teams_zone(signed_in, personas, served_report):
    asked = served_report()

    response = signed_in(personas.manager).get("/reports/monthly/2026-11/")

    assert response.status_code == 200
    assert asked[0]["period"].kind == "month"
    assert asked[0]["period"].label == "2026-11"
    words = text_of(response)
    assert "Monthly report: Austin office November 2026" in words
    assert "Won: leads won in that month." in words
    assert "/reports/monthly/2026-10/?team=Austin office" in response.content.decode()


def test_imported_history_is_marked(signed_in, personas, served_report):
    served_report()

    response = signed_in(personas.manager).get("/reports/weekly/2026-W48/")

    assert "Imported history" in text_of(response)
    assert "6 of these leads were brought in" in text_of(response)


def test_the_charts_data_is_on_the_page_and_chart_js_comes_from_our_static_files(
    signed_in, personas, served_report
):
    served_report()

    page = signed_in(personas.manager).get("/reports/weekly/2026-W48/").content.decode()

    assert '<script id="chart-data" type="application/json">' in page
    assert "/static/reporting/vendor/chart-4.6.1.umd.min.js" in page
    assert "cdn" not in page.lower()
    for canvas in ("chart-days", "chart-first-contact", "chart-funnel", "chart-sla"):
        assert f'<canvas id="{canvas}"' in page


def test_managers_and_staff_have_a_reports_link_reps_do_not(signed_in, personas, served_report):
    served_report()

    board = signed_in(personas.manager).get("/board/").content.decode()
    assert 'href="/reports/weekly/">Reports</a>' in board
    queue = signed_in(personas.ann).get("/queue/").content.decode()
    assert ">Reports</a>" not in queue
    assert 'href="/reports/weekly/me/"' in queue


# A rep's own week


@time_machine.travel(NOW, tick=False)
def test_a_rep_reads_their_week_beside_the_teams_median(signed_in, personas, served_report):
    asked = served_report()

    response = signed_in(personas.bob).get("/reports/weekly/me/")

    assert response.status_code == 200
    assert asked[0]["team"] == personas.team
    assert asked[0]["period"].label == "2026-W49"
    page = response.content.decode()
    row = page.split('id="figure-assigned"')[1].split("</tr>")[0]
    # bob assigned 11, ann 10: the median of the team is 10.5.
    assert 'class="mine">11<' in row
    assert 'class="team-median">10.5<' in row
    row = page.split('id="figure-median_first_contact_seconds"')[1].split("</tr>")[0]
    assert (
        ">6 min<" in row and ">6 min<" in row.split("team-median")[1]
    )  # median of 5 and 6: 5.5 → 6


def test_a_rep_with_no_leads_this_week_reads_zeros_and_dashes(signed_in, personas, served_report):
    served_report(empty_report)

    response = signed_in(personas.ann).get("/reports/weekly/me/2026-W48/")

    assert response.status_code == 200
    row = response.content.decode().split('id="figure-close_rate"')[1].split("</tr>")[0]
    assert 'class="mine">—<' in row and 'class="team-median">—<' in row


def test_a_rep_gets_404_on_another_reps_page(signed_in, personas, served_report):
    served_report()
    client = signed_in(personas.ann)

    assert client.get("/reports/weekly/2026-W48/rep/bob/").status_code == 404
    assert client.get("/reports/weekly/2026-W48/rep/cat/").status_code == 404
    assert client.get("/reports/weekly/2026-W48/rep/nobody/").status_code == 404
    assert client.get("/reports/weekly/2026-W48/rep/ann/").status_code == 200


def test_a_manager_opens_their_reps_pages_not_another_teams(signed_in, personas, served_report):
    served_report()
    client = signed_in(personas.manager)

    response = client.get("/reports/weekly/2026-W48/rep/ann/")
    assert response.status_code == 200
    assert "Ann's week" in text_of(response)
    assert "assigned_to=ann" in response.content.decode()  # the manager drills down
    assert client.get("/reports/weekly/2026-W48/rep/cat/").status_code == 404
    assert signed_in(personas.staff).get("/reports/weekly/2026-W48/rep/cat/").status_code == 200


# Query budget: the page renders a report without a query per row.


@pytest.mark.parametrize("reps", [5, 50])
def test_the_page_takes_the_same_queries_for_5_or_50_reps(
    signed_in, personas, served_report, django_assert_num_queries, reps
):
    from tests.reporting.hand_built import busy_report

    served_report(lambda period, team: busy_report(period, team, [f"rep{n}" for n in range(reps)]))
    client = signed_in(personas.manager)

    # session, user, the viewer's zone (2), the teams they may read, the nav's roles (2) and
    # permissions (2), the stored report looked up (none here); the report itself is one call,
    # whatever it holds.
    with django_assert_num_queries(10):
        response = client.get("/reports/weekly/2026-W48/")
    assert response.content.decode().count('data-label="Assigned"') == reps
