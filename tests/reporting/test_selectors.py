"""Each figure of `report_for_period` on hand-built weeks with known answers.

Week 48 of 2026 runs from Monday 23 November to Sunday 29 November; the `team` fixture works in
America/Chicago, the organisation (TIME_ZONE in the tests) in UTC.
"""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from intake.models import LeadStatus, Submission
from qualification.models import Qualification, ReviewTask, Tier
from reporting.periods import PeriodError
from reporting.selectors import (
    report_current_month,
    report_current_period,
    report_for_period,
    report_month,
    report_period,
)
from routing.business_time import business_minutes_between
from routing.models import Assignment, BusinessCalendar, OpeningHours, SlaState, Team
from routing.selectors import calendar_spec
from tests.reporting.conftest import chicago

pytestmark = pytest.mark.django_db

AS_OF = datetime(2026, 12, 20, tzinfo=UTC)


def weekly(label, team=None, *, as_of=AS_OF, with_history=False):
    return report_for_period(
        period=report_period(label, team), team=team, as_of=as_of, with_history=with_history
    )


def test_a_week_without_leads_has_no_rates_and_no_division_by_zero(team):
    report = weekly("2026-W48", team, with_history=True)

    assert report.totals.received == 0
    assert report.totals.close_rate is None
    assert report.totals.sla_met_rate is None
    assert report.signals.reassignment_rate is None
    assert report.signals.fallthrough_rate is None
    assert report.signals.speed_to_first_contact.p50_seconds is None
    assert report.review.median_wait_seconds is None
    assert report.by_source == report.by_channel == report.by_rule == report.by_rep == []
    headlines = {headline.key: headline for headline in report.headlines}
    assert headlines["received"].value == 0
    assert headlines["close_rate"].value is None
    assert headlines["close_rate"].average_8 is None
    assert [day.date.isoformat() for day in report.days][::6] == ["2026-11-23", "2026-11-29"]


def test_a_bad_week_label_is_refused():
    with pytest.raises(PeriodError):
        report_period("2026-W54", None)
    with pytest.raises(PeriodError):
        report_period("2026-48", None)


def test_sunday_2359_in_chicago_is_monday_in_new_york(team, make_rep, make_lead, assign):
    """One instant, two teams: each team's week is counted in its own zone."""
    east = Team.objects.create(name="Boston office", time_zone="America/New_York")
    late_sunday = chicago(2026, 11, 29, 23, 59)  # Monday 00:59 in New York
    for office in (team, east):
        assign(make_lead(late_sunday), late_sunday, rep=make_rep(team=office))

    assert weekly("2026-W48", team).totals.received == 1
    assert weekly("2026-W49", team).totals.received == 0
    assert weekly("2026-W48", east).totals.received == 0
    assert weekly("2026-W49", east).totals.received == 1
    # The whole organisation counts in UTC, where it is already Monday 05:59.
    assert weekly("2026-W49").totals.received == 2
    sunday = weekly("2026-W48", team).days[-1]
    assert sunday.date.isoformat() == "2026-11-29"
    assert sunday.received_by_channel == {"api": 1}


def test_the_week_daylight_saving_ends_has_169_hours(team, make_rep, make_lead, assign):
    """2026-W44 in Chicago: clocks go back at 02:00 on Sunday 1 November."""
    period = report_period("2026-W44", team)
    assert period.end.astimezone(UTC) - period.start.astimezone(UTC) == timedelta(hours=169)
    rep = make_rep()
    # 01:30 happens twice that Sunday; the second one is still Sunday, still week 44.
    repeated = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/Chicago"))
    last_minute = chicago(2026, 11, 1, 23, 59)
    next_monday = chicago(2026, 11, 2, 0, 0)
    for received_at in (repeated, last_minute, next_monday):
        assign(make_lead(received_at), received_at, rep=rep)

    report = weekly("2026-W44", team)

    assert report.totals.received == 2
    assert report.days[-1].received_by_channel == {"api": 2}


def test_speeds_are_medians_and_90th_percentiles_of_the_arrivals(
    team, make_rep, make_lead, assign, attempt
):
    rep = make_rep()
    monday = chicago(2026, 11, 23, 9)
    fast = make_lead(monday)
    assign(fast, monday + timedelta(minutes=2), rep=rep)
    attempt(fast, monday + timedelta(minutes=12), rep=rep)
    slow = make_lead(monday + timedelta(hours=1))
    assign(slow, monday + timedelta(hours=1, minutes=10), rep=rep)
    attempt(slow, monday + timedelta(hours=1, minutes=40), rep=rep)
    never_routed = make_lead(monday)  # still waiting: no speed yet
    assert never_routed.pk

    signals = weekly("2026-W48", team).signals
    # Never routed, it belongs to no team; the organisation's report has the same speeds.
    organisation = weekly("2026-W48").signals

    assert signals.speed_to_assignment.count == 2
    assert signals.speed_to_assignment.p50_seconds == 360  # (120 + 600) / 2
    assert signals.speed_to_assignment.p90_seconds == pytest.approx(552)  # 120 + 0.9 * 480
    assert signals.speed_to_first_contact.p50_seconds == 1200  # (600 + 1800) / 2
    # No calendar: business time is the wall clock.
    assert signals.speed_to_first_contact_business.p50_seconds == 1200
    assert organisation.speed_to_assignment == signals.speed_to_assignment


def test_first_contact_in_business_minutes_skips_the_weekend(
    team, make_rep, make_lead, assign, attempt
):
    calendar = BusinessCalendar.objects.create(name="Office hours", time_zone="America/Chicago")
    for weekday in range(5):
        OpeningHours.objects.create(
            calendar=calendar, weekday=weekday, opens=time(9), closes=time(17)
        )
    team.calendar = calendar
    team.save(update_fields=["calendar"])
    rep = make_rep()
    friday = chicago(2026, 11, 27, 16, 50)  # 10 open minutes left that week
    lead = make_lead(friday - timedelta(minutes=5))
    assign(lead, friday, rep=rep)
    monday = chicago(2026, 11, 30, 9, 10)  # 10 more after Monday's opening
    attempt(lead, monday, rep=rep)

    signals = weekly("2026-W48", team).signals

    assert signals.speed_to_first_contact.p50_seconds == (monday - friday).total_seconds()
    assert signals.speed_to_first_contact_business.p50_seconds == 20 * 60
    assert business_minutes_between(calendar_spec(calendar), friday, monday) == 20


def test_a_lead_reassigned_twice_by_the_sla_and_by_hand_back(
    team, make_rep, make_lead, assign, hand_back
):
    ann, bob = make_rep("ann"), make_rep("bob")
    monday = chicago(2026, 11, 23, 10)
    twice = make_lead(monday)
    assign(twice, monday, rep=ann, sla_state=SlaState.BREACHED)
    assign(twice, monday + timedelta(hours=1), rep=bob, reason=Assignment.Reason.SLA)
    hand_back(twice, monday + timedelta(hours=2), rep=bob, team=team, assign=assign)
    once = make_lead(monday)
    assign(once, monday, rep=ann, sla_state=SlaState.MET)

    report = weekly("2026-W48", team)
    signals = report.signals

    assert (signals.routed, signals.reassigned) == (2, 1)
    assert signals.reassignment_rate == 0.5
    assert signals.reassigned_by_reason == {"sla": 1, "hand_back": 1, "manual": 0}
    assert (signals.with_sla, signals.fell_through, signals.fallthrough_rate) == (2, 1, 0.5)
    assert (report.totals.sla_met, report.totals.sla_total) == (1, 2)
    assert report.totals.sla_met_rate == 0.5
    assert report.totals.assigned == 2


def test_a_manual_assignment_from_the_queue_is_not_a_reassignment(
    team, make_rep, make_lead, assign
):
    monday = chicago(2026, 11, 23, 10)
    queued = make_lead(monday)
    assign(queued, monday, team=team, reason=Assignment.Reason.FALLBACK)
    assign(queued, monday + timedelta(hours=1), rep=make_rep(), reason=Assignment.Reason.MANUAL)
    moved = make_lead(monday)
    assign(moved, monday, rep=make_rep())
    assign(moved, monday + timedelta(hours=1), rep=make_rep(), reason=Assignment.Reason.MANUAL)

    signals = weekly("2026-W48", team).signals

    assert signals.reassigned_by_reason == {"sla": 0, "hand_back": 0, "manual": 1}
    assert signals.speed_to_assignment.count == 2


def test_a_lead_won_weeks_later_counts_in_both_cohorts(team, make_rep, make_lead, assign, close):
    rep = make_rep("ann")
    arrived = chicago(2026, 11, 3, 10)  # week 45
    lead = make_lead(arrived)
    assign(lead, arrived, rep=rep)
    lost = make_lead(arrived)
    assign(lost, arrived, rep=rep)
    close(lost, chicago(2026, 11, 5), won=False)
    won_at = chicago(2026, 11, 25, 15)  # week 48
    close(lead, won_at, value="1250.50")

    won_week = weekly("2026-W48", team)
    arrival_week = weekly("2026-W45", team)
    before_the_win = weekly("2026-W45", team, as_of=won_at - timedelta(hours=1))

    assert (won_week.totals.won, won_week.totals.won_value) == (1, Decimal("1250.50"))
    assert won_week.totals.received == 0
    assert won_week.totals.close_rate is None
    assert [(row.username, row.won, row.won_value) for row in won_week.by_rep] == [
        ("ann", 1, Decimal("1250.50"))
    ]
    assert arrival_week.totals.won == 0
    assert (arrival_week.totals.closed, arrival_week.totals.closed_won) == (2, 1)
    assert arrival_week.totals.close_rate == 0.5
    assert [(row.label, row.closed, row.won, row.close_rate) for row in arrival_week.by_rule] == [
        ("Fallback / by hand", 2, 1, 0.5)
    ]
    assert (before_the_win.totals.closed, before_the_win.totals.close_rate) == (1, 0.0)


def test_close_rate_by_routing_rule(team, make_rep, make_rule, make_lead, assign, close):
    rep = make_rep()
    web, phone = make_rule("Web leads"), make_rule("Phone leads")
    monday = chicago(2026, 11, 23, 10)
    for rule, won in ((web, True), (web, True), (web, False), (phone, False)):
        lead = make_lead(monday)
        assign(lead, monday, rep=rep, rule=rule)
        close(lead, monday + timedelta(days=1), won=won)
    open_lead = make_lead(monday)
    assign(open_lead, monday, rep=rep, rule=phone)

    rows = weekly("2026-W48", team).by_rule

    assert [(row.label, row.routed, row.closed, row.won) for row in rows] == [
        ("Web leads", 3, 3, 2),
        ("Phone leads", 2, 1, 0),
    ]
    assert rows[0].close_rate == pytest.approx(2 / 3)
    assert rows[1].close_rate == 0.0


def test_a_teams_leads_are_those_its_first_routing_went_to(
    team, make_rep, make_lead, assign, close
):
    other = Team.objects.create(name="Dallas office", time_zone="America/Chicago")
    ann, cat = make_rep("ann"), make_rep("cat", team=other)
    monday = chicago(2026, 11, 23, 10)
    moved = make_lead(monday)
    assign(moved, monday, rep=ann)
    assign(moved, monday + timedelta(hours=1), rep=cat, reason=Assignment.Reason.MANUAL)
    close(moved, monday + timedelta(days=2), value="100")
    queued = make_lead(monday)
    assign(queued, monday, team=other, reason=Assignment.Reason.FALLBACK)

    austin = weekly("2026-W48", team)
    dallas = weekly("2026-W48", other)

    assert (austin.totals.received, austin.totals.won) == (1, 1)
    assert austin.signals.reassigned_by_reason["manual"] == 1
    assert [row.username for row in austin.by_rep] == ["ann"]
    assert (dallas.totals.received, dallas.totals.won) == (1, 0)
    # Cat's figures are Dallas's: she owned the lead when it was won.
    assert [(row.username, row.assigned, row.won) for row in dallas.by_rep] == [("cat", 1, 1)]
    assert austin.team == "Austin office"
    assert weekly("2026-W48").totals.received == 2


def test_test_leads_and_spam_are_counted_apart(make_lead, submission, source):
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    make_lead(monday)
    make_lead(monday, is_test=True, flags={"test": "Test lead"})
    make_lead(monday, flags={"test": "An email on a domain reserved for testing"})
    submission(monday, Submission.Status.SPAM)

    report = weekly("2026-W48")

    assert report.totals.received == 1
    assert report.totals.spam_or_test == 3
    assert [(row.key, row.received, row.spam_or_test) for row in report.by_source] == [
        (source.name, 1, 3)
    ]
    assert report.top_flags == []


def test_merged_duplicates_are_counted_not_received(make_lead, submission):
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    first = make_lead(monday)
    submission(monday + timedelta(hours=1), Submission.Status.MERGED, lead=first)
    submission(monday + timedelta(hours=2), Submission.Status.MERGED, lead=first)
    make_lead(monday, status=LeadStatus.MERGED, merged_into=first)

    totals = weekly("2026-W48").totals

    assert totals.received == 1
    assert totals.duplicates_merged == 3


def test_channel_and_source_rows(make_source, make_lead, close):
    web = make_source("Website form", channel="web")
    vendor = make_source("Quote vendor", channel="vendor")
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    good = make_lead(monday, source=web)
    Qualification.objects.create(lead=good, score=80, tier=Tier.A, confidence=0.9)
    make_lead(monday, source=web, flags={"uncontactable": "No valid phone or email"})
    sold = make_lead(monday, source=vendor)
    close(sold, monday + timedelta(days=1), value="500")

    report = weekly("2026-W48")

    assert [(row.key, row.label, row.received) for row in report.by_channel] == [
        ("web", "Web", 2),
        ("vendor", "Lead vendor", 1),
    ]
    web_row = report.by_source[0]
    assert (web_row.key, web_row.valid_contact_rate, web_row.qualified_rate) == (
        "Website form",
        0.5,
        0.5,
    )
    assert (report.by_source[1].won, report.by_source[1].won_value) == (1, Decimal("500"))
    assert [(flag.code, flag.label, flag.count) for flag in report.top_flags] == [
        ("uncontactable", "No valid phone or email", 1)
    ]
    assert report.totals.valid_contact == 2


def test_review_volume_wait_decisions_and_corrections(make_lead, review):
    monday = datetime(2026, 11, 23, 9, tzinfo=UTC)
    confirmed = make_lead(monday)
    review(
        confirmed,
        monday,
        decided_at=monday + timedelta(minutes=30),
        decision=ReviewTask.Decision.CONFIRMED,
    )
    corrected = make_lead(monday)
    tuesday = monday + timedelta(days=1)
    review(
        corrected,
        tuesday,
        decided_at=tuesday + timedelta(days=1),
        decision=ReviewTask.Decision.CORRECTED,
    )
    waiting = make_lead(monday)
    review(waiting, monday + timedelta(days=6))
    # Sent the week before, decided in this one: a decision of this week, not its volume.
    earlier = make_lead(monday - timedelta(days=3))
    review(
        earlier,
        monday - timedelta(days=3),
        decided_at=monday + timedelta(hours=1),
        decision=ReviewTask.Decision.DISQUALIFIED,
    )

    report = weekly("2026-W48")

    assert report.review.volume == 3
    assert report.review.decisions == 3
    assert report.review.corrections == 2
    assert report.review.median_wait_seconds == (1800 + 86400) / 2
    assert report.totals.held_for_review == 3


def test_reps_rows_list_everyone_with_activity_inactive_owners_included(
    team, make_rep, make_lead, assign, attempt
):
    ann = make_rep("ann")
    imported_owner = make_rep("old", is_active=False)
    make_rep("idle")
    monday = chicago(2026, 11, 23, 10)
    for minutes, state in ((5, SlaState.MET), (30, SlaState.BREACHED), (None, SlaState.RUNNING)):
        lead = make_lead(monday)
        assign(lead, monday, rep=ann, sla_state=state)
        if minutes is not None:
            attempt(lead, monday + timedelta(minutes=minutes), rep=ann)
    old_lead = make_lead(monday)
    assign(old_lead, monday, rep=imported_owner)

    rows = {row.username: row for row in weekly("2026-W48", team).by_rep}

    assert set(rows) == {"ann", "old"}
    ann_row = rows["ann"]
    assert (ann_row.assigned, ann_row.contacted) == (3, 2)
    assert (ann_row.sla_met, ann_row.sla_total, ann_row.sla_met_rate) == (1, 2, 0.5)
    assert ann_row.median_first_contact_seconds == (300 + 1800) / 2
    assert ann_row.open_load == 3
    assert rows["old"].is_active is False


def test_headlines_compare_with_the_previous_week_and_the_8_before(
    team, make_rep, make_lead, assign
):
    rep = make_rep()
    monday = chicago(2026, 11, 23, 10)
    # Week 48: 4 leads; week 47: 2; week 46: 1; weeks 40 to 45: none.
    for weeks_back, count in ((0, 4), (1, 2), (2, 1)):
        for _ in range(count):
            received_at = monday - timedelta(weeks=weeks_back)
            assign(make_lead(received_at), received_at + timedelta(minutes=1), rep=rep)

    headlines = {h.key: h for h in weekly("2026-W48", team, with_history=True).headlines}

    received = headlines["received"]
    assert (received.value, received.previous) == (4, 2)
    assert received.average_8 == pytest.approx(3 / 8)
    assert received.better_when == "higher"
    speed = headlines["speed_to_assignment_p50"]
    assert (speed.value, speed.previous, speed.average_8) == (60, 60, 60)
    assert speed.better_when == "lower"


def test_an_imported_lead_appears_in_the_week_it_happened(make_lead):
    make_lead(datetime(2026, 11, 24, tzinfo=UTC), is_historical=True)

    report = weekly("2026-W48")

    assert (report.totals.received, report.imported) == (1, 1)


def test_first_contacts_are_drawn_in_buckets_and_sources_show_their_shares(
    team, make_rep, make_lead, assign, attempt, review
):
    rep = make_rep()
    monday = chicago(2026, 11, 23, 9)
    for minutes in (1, 4, 10, 90, 60 * 30):
        lead = make_lead(monday)
        assign(lead, monday, rep=rep)
        attempt(lead, monday + timedelta(minutes=minutes), rep=rep)
    review(make_lead(monday), monday)  # never routed: the organisation's only

    report = weekly("2026-W48", team)
    organisation = weekly("2026-W48")

    assert [
        (bucket.label, bucket.upper_seconds, bucket.count)
        for bucket in report.first_contact_buckets
    ] == [
        ("Under 5 min", 300, 2),
        ("5 to 15 min", 900, 1),
        ("15 min to 1 h", 3600, 0),
        ("1 to 4 h", 14400, 1),
        ("4 to 24 h", 86400, 0),
        ("A day or more", None, 1),
    ]
    source_row = organisation.by_source[0]
    assert (source_row.received, source_row.contact_rate) == (6, 5 / 6)
    assert source_row.held_for_review_share == 1 / 6


def test_periods_in_the_teams_zone_weeks_and_months(team):
    sunday_night_in_chicago = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)

    assert report_current_period(team, sunday_night_in_chicago).label == "2026-W48"
    assert report_current_period(None, sunday_night_in_chicago).label == "2026-W49"
    assert report_current_month(team, sunday_night_in_chicago).label == "2026-11"
    assert report_current_month(None, sunday_night_in_chicago).label == "2026-11"
    november = report_month("2026-11", team)
    assert (november.start, november.end) == (chicago(2026, 11, 1), chicago(2026, 12, 1))
    with pytest.raises(PeriodError):
        report_month("2026-13", team)
    with pytest.raises(PeriodError):
        report_month("0001-01", team)
