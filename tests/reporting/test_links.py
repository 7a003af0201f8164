"""Every number links to the lead list behind it: for a week built by hand, each figure's link
returns exactly that many leads from `GET /api/v1/leads/` (the board's list, the same
`LeadFilter`), and the board says in words what it is filtering by."""

import dataclasses
import datetime as dt
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from intake.models import Lead, LeadStatus
from reporting.links import ReportLinks
from reporting.report import ChannelRow, RepRow, RuleRow, Signals, Totals
from routing.services import activity_log, lead_assign_manually, lead_status_change
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
    return leads


def the_report():
    """What `report_for_period` says of that week, by the definitions in reporting/report.py."""
    return dataclasses.replace(
        empty_report(a_week("2026-W48")),
        as_of=at(30, 12, 5),
        totals=Totals(
            received=4,
            assigned=3,
            contacted=1,
            won=2,
            won_value=Decimal(1000),
            closed=2,
            closed_won=1,
        ),
        signals=Signals(routed=3, reassigned=1, reassigned_by_reason={"manual": 1}),
        by_channel=[ChannelRow("api", "API", received=4, won=2)],
        by_source=[ChannelRow("Website", "Website", received=4, won=2)],
        by_rule=[RuleRow(None, "Fallback / by hand", routed=3, closed=1, won=1)],
        by_rep=[
            RepRow("ann", "Ann", assigned=3, contacted=1, won=2),
            RepRow("bob", "Bob", assigned=2, contacted=0, won=0),
        ],
        imported=1,
    )


def listed(client, board_link: str) -> int:
    """How many leads `GET /api/v1/leads/` finds with the query of a board link."""
    query = urlsplit(board_link).query
    response = client.get(f"/api/v1/leads/?{query}")
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_each_figures_link_lists_exactly_the_leads_it_counts(client, personas, week):
    client.force_login(personas.staff)
    report = the_report()
    links = ReportLinks(report)
    totals = links.totals()

    assert listed(client, totals["received"]) == report.totals.received
    assert listed(client, totals["assigned"]) == report.totals.assigned
    assert listed(client, totals["contacted"]) == report.totals.contacted
    assert listed(client, totals["won"]) == report.totals.won
    assert listed(client, totals["closed"]) == report.totals.closed
    assert listed(client, totals["closed_won"]) == report.totals.closed_won
    assert listed(client, totals["reassigned"]) == report.signals.reassigned
    assert listed(client, totals["imported"]) == report.imported
    from reporting.links import board_url

    assert listed(client, board_url(links.arrived(reassigned="manual"))) == 1
    assert listed(client, board_url(links.arrived(reassigned="sla"))) == 0
    [rule] = report.by_rule
    assert listed(client, board_url(links.assigned(rule=links.rule(rule.rule_id)))) == rule.routed
    assert listed(client, board_url(links.closed_won(rule="none"))) == rule.won
    [channel] = report.by_channel
    assert listed(client, board_url(links.arrived(channel=channel.key))) == channel.received
    assert listed(client, board_url(links.won(source="Website"))) == 2
    for row in report.by_rep:
        assert listed(client, board_url(links.rep_assigned(row.username))) == row.assigned
        assert listed(client, board_url(links.rep_contacted(row.username))) == row.contacted
        assert listed(client, board_url(links.rep_won(row.username))) == row.won


def test_the_board_says_in_words_what_a_reports_link_filters_by(client, personas, week):
    client.force_login(personas.manager)
    link = ReportLinks(the_report()).rep_assigned("ann")

    from reporting.links import board_url

    page = client.get(board_url(link)).content.decode()

    active = page.split('id="active-filters"')[1].split("</div>")[0]
    assert "Given to (username): ann" in active
    assert "Given to a rep at or after: Mon 23 Nov 2026, 00:00 CST" in active
    assert "Given to a rep before: Mon 30 Nov 2026, 00:00 CST" in active
    assert page.count('data-label="Status"') == 3  # contacted_won, old_won, moved


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
