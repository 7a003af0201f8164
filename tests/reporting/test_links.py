"""Every number links to the lead list behind it: for a week built by hand, each figure's link
returns exactly that many leads from `GET /api/v1/leads/` (the board's list, the same
`LeadFilter`), and the board says in words what it is filtering by."""

import datetime as dt
import html
import re
from urllib.parse import urlsplit

import pytest
import time_machine

from intake.models import Lead, LeadStatus
from reporting.links import ReportLinks
from routing.services import (
    activity_log,
    lead_assign_manually,
    lead_hand_back,
    lead_status_change,
)
from tests.reporting.hand_built import CHICAGO, a_week, empty_report

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of November 2026 in Chicago."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture
def week(make_leads, personas, make_rule):
    """Week 2026-W48 in Chicago (Mon 23 Nov - Sun 29 Nov):

    - `contacted_won`: arrived Tue 24, given to ann, called, won Thu 26 ($900);
    - `late_sunday`: arrived Sun 29 at 23:59 (still this week in Chicago), given to bob;
    - `next_monday`: arrived Mon 30 at 00:30, outside the week;
    - `old_won`: arrived the week before, given to ann Mon 23, won Wed 25;
    - `imported_lost`: imported history, arrived Wed 25, lost Fri 27, never owned;
    - `moved`: arrived Wed 25, given to ann, then by hand to bob.
    """
    staff = personas.staff
    leads = {}
    for name, received in [
        ("contacted_won", at(24, 10)),
        ("late_sunday", at(29, 23, 59)),
        ("next_monday", at(30, 0, 30)),
        ("old_won", at(20, 9)),
        ("moved", at(25, 11)),
    ]:
        [leads[name]] = make_leads(1, full_name=name)
        Lead.objects.filter(pk=leads[name].pk).update(received_at=received)
    [leads["imported_lost"]] = make_leads(1, is_historical=True, full_name="imported")
    Lead.objects.filter(pk=leads["imported_lost"].pk).update(
        received_at=at(25, 8), status=LeadStatus.LOST, closed_at=at(27, 16)
    )
    ann, bob = personas.ann, personas.bob
    lead_assign_manually(lead=leads["contacted_won"], user=staff, rep=ann, now=at(24, 10, 5))
    activity_log(
        lead=leads["contacted_won"],
        user=ann.user,
        kind="call",
        outcome="reached",
        now=at(24, 10, 20),
    )
    lead_status_change(
        lead=leads["contacted_won"], user=ann.user, status="won", value="900", now=at(26, 15)
    )
    lead_assign_manually(lead=leads["late_sunday"], user=staff, rep=bob, now=at(29, 23, 59))
    lead_assign_manually(lead=leads["next_monday"], user=staff, rep=bob, now=at(30, 0, 31))
    lead_assign_manually(lead=leads["old_won"], user=staff, rep=ann, now=at(23, 9))
    lead_status_change(
        lead=leads["old_won"], user=ann.user, status="won", value="100", now=at(25, 9)
    )
    lead_assign_manually(lead=leads["moved"], user=staff, rep=ann, now=at(25, 11, 1))
    lead_assign_manually(lead=leads["moved"], user=staff, rep=bob, now=at(25, 12))
    # Leads the reports leave out, and the other team's.
    for name, fields in [
        ("a_test", {"is_test": True}),
        ("merged", {"status": LeadStatus.MERGED}),
        ("dallas_first", {}),
        ("handed_back", {"flags": {"email_free": {}}}),
    ]:
        [leads[name]] = make_leads(1, full_name=name)
        Lead.objects.filter(pk=leads[name].pk).update(received_at=at(26, 9), **fields)
    lead_assign_manually(lead=leads["a_test"], user=staff, rep=ann, now=at(26, 9, 1))
    lead_assign_manually(lead=leads["dallas_first"], user=staff, rep=personas.cat, now=at(26, 9, 2))
    lead_assign_manually(lead=leads["dallas_first"], user=staff, rep=ann, now=at(26, 10))
    lead_assign_manually(lead=leads["handed_back"], user=staff, rep=bob, now=at(26, 9, 3))
    activity_log(
        lead=leads["handed_back"], user=bob.user, kind="call", outcome="no_answer", now=at(26, 11)
    )
    lead_hand_back(lead=leads["handed_back"], user=bob.user, reason="Not mine", now=at(26, 12))
    return leads


def listed(client, board_link: str) -> int:
    """How many leads `GET /api/v1/leads/` finds with the query of a board link."""
    query = urlsplit(board_link).query
    response = client.get(f"/api/v1/leads/?{query}")
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_the_board_says_in_words_what_a_reports_link_filters_by(client, personas, week):
    client.force_login(personas.manager)
    link = ReportLinks(empty_report(a_week())).rep_assigned("ann")

    from reporting.links import board_url

    page = client.get(board_url(link)).content.decode()

    active = page.split('id="active-filters"')[1].split("</div>")[0]
    assert "Given to (username): ann" in active
    assert "Given to a rep at or after: Mon 23 Nov 2026, 00:00 CST" in active
    assert "Given to a rep before: Mon 30 Nov 2026, 00:00 CST" in active
    assert "Is test: no" in active
    assert page.count('data-label="Status"') == 4  # contacted_won, old_won, moved, dallas_first


def test_a_rule_filter_reads_the_rules_name(client, personas, make_rule, week):
    rule = make_rule(name="Texas homes")
    client.force_login(personas.staff)

    page = client.get(f"/board/?rule={rule.pk}&contacted=true").content.decode()

    active = page.split('id="active-filters"')[1].split("</div>")[0]
    assert "First routed by rule: Texas homes" in active
    assert "Contacted: yes" in active


def test_a_rule_that_is_not_an_id_finds_nothing_rather_than_failing(client, personas, week):
    client.force_login(personas.staff)

    response = client.get("/api/v1/leads/?rule=Texas")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_bad_date_in_a_report_filter_names_the_field(client, personas):
    client.force_login(personas.staff)

    response = client.get("/api/v1/leads/?won_after=yesterday")

    assert response.status_code == 400
    assert "won_after" in response.json()["errors"]


# Every number on the real report's page (reporting.selectors.report_for_period over the week
# above) that links to a list: the list holds exactly that many leads.
LINKED_NUMBER = re.compile(
    r'<a href="(/board/\?[^"#]+)#leads">([\d,]+)(?: leads| routed| won| closed)?</a>'
)


@pytest.mark.parametrize("team_name", ["", "Austin office", "Dallas office"])
def test_every_linked_number_on_the_real_report_lists_that_many_leads(
    client, personas, week, team_name
):
    client.force_login(personas.staff)
    with time_machine.travel(at(30, 12, 5), tick=False):
        page = client.get(f"/reports/weekly/2026-W48/?team={team_name}").content.decode()

    linked = [
        (html.unescape(url), int(number.replace(",", "")))
        for url, number in LINKED_NUMBER.findall(page)
    ]

    assert len(linked) >= (15 if team_name != "Dallas office" else 5)
    with time_machine.travel(at(30, 12, 5), tick=False):
        mismatches = [
            (url, number, found)
            for url, number in linked
            if (found := listed(client, url)) != number
        ]
    assert mismatches == []


def test_a_dst_weeks_links_span_its_169_hours_in_the_teams_zone():
    # 2026-W44 in Chicago: Mon 26 Oct 00:00 CDT to Mon 2 Nov 00:00 CST (DST ended Sunday).
    links = ReportLinks(empty_report(a_week("2026-W44"), team="Austin office"))

    assert links.arrived() == {
        "received_after": "2026-10-26T05:00:00Z",
        "received_before": "2026-11-02T06:00:00Z",
        "counted": "true",
        "first_team": "Austin office",
    }
    assert links.rep_won("ann") == {
        "won_after": "2026-10-26T05:00:00Z",
        "won_before": "2026-11-02T06:00:00Z",
        "last_owner": "ann",
        "counted": "true",
    }
