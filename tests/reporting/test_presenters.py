"""How figures read, and the arithmetic the pages do on a report (no database)."""

import dataclasses
from decimal import Decimal

import pytest

from reporting.presenters import chart_data, headline_views
from reporting.report import Headline
from reporting.templatetags.report_format import change, duration_words, figure
from tests.reporting.hand_built import a_week, busy_report, empty_report


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (89, "1 min"),
        (540, "9 min"),
        (4800, "1 h 20 min"),
        (7200, "2 h"),
        (183600, "2 days 3 h"),
        (86400, "1 day"),
        (172800, "2 days"),
    ],
)
def test_durations_read_in_the_two_largest_units(seconds, words):
    assert duration_words(seconds) == words


def test_figures_and_changes_read_in_plain_words():
    assert figure(None, "rate") == "—"
    assert figure(0.4166, "rate") == "42 %"
    assert figure(1234, "count") == "1,234"
    assert figure(10.5, "count") == "10.5"
    assert figure(Decimal("-250.00"), "money") == "\u2212$250"
    assert figure(Decimal("7500.40"), "money") == "$7,500"
    assert change(-0.05, "rate") == "\u22125 pts"
    assert change(-120, "duration") == "\u22122 min"
    assert change(None, "count") == "—"


def test_a_lower_is_better_figure_going_down_is_better():
    speed = Headline("speed_to_assignment_p50", "Speed", 30.0, 60.0, 20.0, "lower")
    [view] = headline_views(_with_headline(speed), {})
    assert (view.direction, view.verdict) == ("down", "better")
    assert (view.average_direction, view.average_verdict) == ("up", "worse")
    assert view.change == -30.0


def _with_headline(headline):
    return dataclasses.replace(empty_report(a_week()), headlines=[headline])


def test_the_funnel_follows_the_leads_that_arrived_won_by_now():
    data = chart_data(busy_report(a_week()))

    assert data["funnel"]["counts"] == [40, 30, 28, 24, 5]
    assert data["days"][0] == "Mon 23 Nov"
    assert [series["label"] for series in data["received_by_channel"]] == ["Email", "Web"]
    assert data["sla_met_percent"][0] == 75.0


def test_a_day_without_sla_clocks_has_no_percentage():
    assert chart_data(empty_report(a_week()))["sla_met_percent"] == [None] * 7
