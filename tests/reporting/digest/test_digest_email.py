"""What the Monday digest says: the subject, the headline figures against the week before, the
worst SLA misses of the week (reached through routing's services on a frozen clock) and the
link to the week's page, in plain text and HTML, times in the team's zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reporting.digest import sla_misses_worst
from reporting.periods import week_parse
from reporting.presenters import duration_words
from reporting.services import weekly_digest_send, weekly_digests_claim
from routing.models import Team
from routing.services import activity_log, lead_assign_manually, route_lead, sla_sweep

pytestmark = pytest.mark.django_db

TUESDAY_10 = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 10:00 in Chicago, week 48
MONDAY_8 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 08:00 in Chicago, the digest's time
MINUTE = timedelta(minutes=1)
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def office(team, manager):
    team.manager = manager
    team.save(update_fields=["manager"])
    return team


@pytest.fixture
def ann(make_rep, make_rule, make_policy):
    # 30 minutes to first contact; breached at the deadline, nobody moves the lead.
    make_policy(steps=())
    ann = make_rep("ann")
    make_rule(pool_reps=[ann])
    return ann


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sue", is_staff=True)


def lead_routed(make_leads, name, at=TUESDAY_10, **fields):
    with time_machine.travel(at, tick=False):
        (lead,) = make_leads(1, full_name=name, **fields)
    route_lead(lead, now=at)
    return lead


def contacted(lead, staff, at):
    with time_machine.travel(at, tick=False):
        activity_log(lead=lead, user=staff, kind="call", outcome="no_answer")


@pytest.fixture
def week_of_misses(office, ann, make_leads, staff, make_rep):
    """Week 48 of the Austin office: three breached clocks, one met, one moved on."""
    late_2h = lead_routed(make_leads, "Bea Late")
    late_15 = lead_routed(make_leads, "Cy Slightly")
    lead_routed(make_leads, "Dee Waiting")  # never contacted
    in_time = lead_routed(make_leads, "Eve On Time")
    moved = lead_routed(make_leads, "Fay Moved")
    contacted(in_time, staff, TUESDAY_10 + 10 * MINUTE)
    assert sla_sweep(TUESDAY_10 + 30 * MINUTE) == 4
    contacted(late_15, staff, TUESDAY_10 + 45 * MINUTE)
    contacted(late_2h, staff, TUESDAY_10 + 150 * MINUTE)
    # A manager gives Fay to Bob an hour after the deadline; Bob calls her at once.
    bob = make_rep("bob")
    lead_assign_manually(lead=moved, user=staff, rep=bob, now=TUESDAY_10 + 90 * MINUTE)
    contacted(moved, staff, TUESDAY_10 + 91 * MINUTE)


@pytest.mark.usefixtures("week_of_misses")
def test_the_worst_misses_are_ordered_by_how_late_first_contact_was_or_still_is(office, make_leads):
    # Not the office's week: a test lead, and a miss due the next week.
    lead_routed(make_leads, "Test Lead", is_test=True)
    lead_routed(make_leads, "Next Week", at=TUESDAY_10 + timedelta(days=7))
    sla_sweep(TUESDAY_10 + timedelta(days=7, minutes=30))
    week = week_parse("2026-W48", CHICAGO)

    misses = sla_misses_worst(team=office, period=week, as_of=MONDAY_8)

    assert [(miss.lead_name, miss.owner, miss.lateness()) for miss in misses] == [
        ("Dee Waiting", "Ann", "no contact yet, 5 days 21 h overdue"),
        ("Bea Late", "Ann", "first contact 2 h after it was due"),
        ("Fay Moved", "Ann", "no contact; moved to another owner 1 h after it was due"),
        ("Cy Slightly", "Ann", "first contact 15 min after it was due"),
    ]
    assert misses[0].due_at == TUESDAY_10 + 30 * MINUTE
    assert sla_misses_worst(team=office, period=week, as_of=MONDAY_8, limit=2) == misses[:2]


@pytest.mark.usefixtures("week_of_misses", "office")
def test_another_teams_misses_are_not_in_the_digest():
    other = Team.objects.create(name="Elsewhere", time_zone="America/Chicago")
    week = week_parse("2026-W48", CHICAGO)

    assert sla_misses_worst(team=other, period=week, as_of=MONDAY_8) == []


def send_digest(now=MONDAY_8):
    with time_machine.travel(now, tick=False):
        ((digest_id, attempt),) = weekly_digests_claim(now=now)
        return weekly_digest_send(digest_id=digest_id, attempt=attempt, now=now)


@pytest.mark.usefixtures("week_of_misses", "weeks")
def test_the_email_gives_the_weeks_figures_against_the_week_before_the_misses_and_the_link(
    mailoutbox,
):
    assert send_digest() == "sent to maria@example.com"

    (email,) = mailoutbox
    assert email.to == ["maria@example.com"]
    assert email.subject == (
        "Austin office — week 48 (23\N{EN DASH}29 Nov): 54 leads, first contact in 6 min, "
        "SLA met 91 %"
    )
    text = email.body
    for line in (
        "Monday 23 Nov to Sunday 29 Nov 2026, times in America/Chicago.",
        "- Leads received: 54 (up 12 from 42)",
        "- Assigned to a rep: 50 (up 10 from 40)",
        "- Contacted: 47 (up 7 from 40)",
        "- Median time to first contact (business hours): 6 min (faster than last week's 9 min)",
        "- First contact within the SLA: 91 % (up 3 points from 88 %)",
        "- Won: 6 (same as last week)",
        "- Value won: 12,500 (up 3,500 from 9,000)",
        # Due at 10:30 on Tuesday in Chicago (16:30 UTC).
        "- Dee Waiting (Ann): due Tue 24 Nov 10:30, no contact yet, 5 days 21 h overdue",
        "- Bea Late (Ann): due Tue 24 Nov 10:30, first contact 2 h after it was due",
        "http://localhost:8000/reports/weekly/2026-W48/?team=Austin+office",
        "Figures as of Mon 30 Nov 08:00 (America/Chicago).",
    ):
        assert line in text, line
    assert text.index("Dee Waiting") < text.index("Bea Late") < text.index("Cy Slightly")
    assert "Eve On Time" not in text

    ((html, mime),) = email.alternatives
    assert mime == "text/html"
    assert 'href="http://localhost:8000/reports/weekly/2026-W48/?team=Austin+office"' in html
    assert "Dee Waiting" in html and "no contact yet, 5 days 21 h overdue" in html
    assert "faster than last week&#x27;s 9 min" in html


def test_a_week_without_leads_or_misses_says_so_without_dividing_by_zero(office, weeks, mailoutbox):
    # Week 50 is empty in the hand-built weeks, and so is the week before it.
    send_digest(MONDAY_8 + timedelta(days=14))

    (email,) = mailoutbox
    assert email.subject == "Austin office — week 50 (7\N{EN DASH}13 Dec): 0 leads"
    assert "- Median time to first contact (business hours): —\n" in email.body
    assert "- First contact within the SLA: —\n" in email.body
    assert "- Leads received: 0 (same as last week)" in email.body
    assert "No SLA misses: every lead due for first contact this week was contacted in time." in (
        email.body
    )


def test_names_in_the_email_are_escaped_in_html_and_kept_out_of_the_subjects_lines(
    ann, office, make_leads, weeks, mailoutbox
):
    office.name = "Sales\r\nBcc: everyone@example.com"
    office.save(update_fields=["name"])
    lead_routed(make_leads, "<b>Bold</b> & Co")
    sla_sweep(TUESDAY_10 + 30 * MINUTE)

    send_digest()

    (email,) = mailoutbox
    assert "\n" not in email.subject and "\r" not in email.subject
    ((html, _),) = email.alternatives
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html
    assert "<b>Bold</b> & Co (Ann)" in email.body


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (20, "20 s"),
        (6 * 60 + 59, "7 min"),
        (3600, "1 h"),
        (80 * 60, "1 h 20 min"),
        (24 * 3600, "1 day"),
        (51 * 3600, "2 days 3 h"),
    ],
)
def test_durations_read_in_plain_words(seconds, words):
    assert duration_words(seconds) == words


@pytest.mark.usefixtures("week_of_misses")
def test_with_the_reports_own_figures_the_misses_are_the_breaches_the_sla_figure_counts(
    mailoutbox,
):
    send_digest()

    (email,) = mailoutbox
    # Five leads arrived; of six clocks (Bob's for Fay too) two were met, four breached: the
    # four listed.
    assert email.subject.startswith("Austin office — week 48 (23\N{EN DASH}29 Nov): 5 leads, ")
    assert email.subject.endswith(", SLA met 33 %")
    assert "- First contact within the SLA: 33 % (no figure last week)" in email.body
    assert email.body.count("after it was due") + email.body.count("overdue") == 4
