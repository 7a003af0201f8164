"""What people see of SLA clocks: the queue's order and countdown, the lead page's ladder, the
board's at-risk list and met rate. Clocks are started, met, paused and breached by the real
services at frozen times."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from qualification.models import Qualification
from routing import selectors
from routing.models import Assignment, SlaState, SlaStep, Team
from routing.services import activity_log, route_lead, sla_sweep
from routing.templatetags.sla import countdown_text, local_time_text

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
MONDAY_10 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
MINUTE = timedelta(minutes=1)


def routed(make_leads, now, urgency=None):
    (lead,) = make_leads(1)
    if urgency:
        Qualification.objects.create(
            lead=lead, score=50, tier="B", urgency=urgency, confidence=0.9, score_source="rules"
        )
    route_lead(lead, now=now)
    lead.refresh_from_db()
    return lead


def log_call(lead, user, at, **fields):
    return activity_log(lead=lead, user=user, kind="call", outcome="no_answer", now=at, **fields)


def clock(lead) -> Assignment:
    return Assignment.objects.filter(lead=lead).order_by("id").first()


@pytest.fixture
def ann(make_rep, make_rule):
    rep = make_rep("ann")
    make_rule(pool_reps=[rep])
    return rep


# The words


@pytest.mark.parametrize(
    "seconds, words",
    [
        (4 * 60, "due in 4 min"),
        (3 * 60 + 1, "due in 4 min"),  # rounded up: never later than it is
        (0, "due in 0 min"),
        (-30, "overdue 1 min"),
        (-12 * 60 - 59, "overdue 12 min"),
        (90 * 60, "due in 1 h 30 min"),
        (3 * 24 * 3600 + 2 * 3600, "due in 3 d 2 h"),
    ],
)
def test_a_countdown_reads_in_plain_words(seconds, words):
    assert countdown_text(MONDAY_10 + timedelta(seconds=seconds), MONDAY_10) == words


def test_a_local_time_names_its_zone_and_the_day_when_not_today():
    assert local_time_text(MONDAY_10, CHICAGO, MONDAY_10) == "10:00 (America/Chicago)"
    assert local_time_text(MONDAY_10 + timedelta(days=1), CHICAGO, MONDAY_10) == (
        "Tue 1 Dec 10:00 (America/Chicago)"
    )


# The queue


def test_the_queue_puts_running_clocks_by_deadline_then_paused_by_resumption_then_the_rest(
    make_leads, make_policy, make_rule, personas, give, client
):
    ann = personas.ann
    make_rule(pool_reps=[ann])
    make_policy(targets=(("", "", 30), ("low", "", 10)))
    t0 = MONDAY_10
    met = routed(make_leads, t0 - 90 * MINUTE)
    log_call(met, ann.user, t0 - 89 * MINUTE)
    paused = routed(make_leads, t0 - 60 * MINUTE)
    log_call(paused, ann.user, t0 - 59 * MINUTE, callback_at=t0 + 2 * 60 * MINUTE)
    normal = routed(make_leads, t0)  # due t0 + 30
    low_later = routed(make_leads, t0 + MINUTE, urgency="low")  # due t0 + 11: first
    (no_clock,) = make_leads(1)
    Qualification.objects.create(
        lead=no_clock, score=50, tier="B", urgency="urgent", confidence=0.9, score_source="rules"
    )
    give(no_clock, rep=ann)
    Assignment.objects.filter(lead=no_clock).update(sla_state="", sla_due_at=None)

    rows = list(selectors.rep_queue(user=ann.user))

    assert [row.lead_id for row in rows] == [
        low_later.pk,
        normal.pk,
        paused.pk,
        no_clock.pk,
        met.pk,
    ]
    assert [row.sla_state for row in rows[:3]] == ["running", "running", "paused"]

    with time_machine.travel(t0 + 2 * MINUTE, tick=False):
        page = client_page(client, ann.user, "/queue/")
    low_due = clock(low_later).sla_due_at.isoformat()
    assert f'data-due="{low_due}"' in page and "due in 9 min" in page
    assert "due in 28 min" in page
    assert "Paused until 12:00 (America/Chicago)" in page  # 18:00 UTC, the viewer's zone
    assert "Met: first contact in time" in page and "No SLA" in page
    assert "routing/sla_countdown.js" in page


def client_page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# The lead page


def test_the_lead_page_shows_the_ladder_with_when_each_step_is_due_and_what_happened(
    make_leads, make_policy, make_rep, make_rule, client, team
):
    ann, bob = make_rep("ann"), make_rep("bob", time_zone="America/New_York")
    make_rule(pool_reps=[ann, bob])
    make_policy(
        name="Web leads",
        steps=(
            (SlaStep.Kind.REMIND, 50, None),
            (SlaStep.Kind.NOTIFY_MANAGER, 60, None),
            (SlaStep.Kind.REASSIGN, 100, None),
        ),
    )
    lead = routed(make_leads, MONDAY_10)
    first = clock(lead)
    # The sweep was down until after 60 %: the reminder is overtaken by the manager's notice.
    sla_sweep(MONDAY_10 + 19 * MINUTE)
    sla_sweep(MONDAY_10 + 19 * MINUTE)
    owner = first.rep
    with time_machine.travel(MONDAY_10 + 20 * MINUTE, tick=False):
        page = client_page(client, owner.user, f"/leads/{lead.pk}/")

    assert "Web leads" in page and "30 business minutes" in page
    assert f"Started ({owner.time_zone})" in page
    zone = ZoneInfo(owner.time_zone)

    def local(minutes):
        return (MONDAY_10 + minutes * MINUTE).astimezone(zone).strftime("%a %Y-%m-%d %H:%M")

    assert local(30) in page  # the deadline in the viewer's zone
    assert "due in 10 min" in page
    ladder = page[page.index('class="sla-ladder"') :]
    assert "1. Remind the owner" in ladder and "at 50 %" in ladder
    assert "Skipped: a later step was due too" in ladder
    assert "2. Notify the team manager" in ladder and "Done" in ladder
    assert "3. Reassign to the next eligible rep" in ladder and "To come" in ladder
    assert local(15) in ladder and local(18) in ladder

    sla_sweep(MONDAY_10 + 31 * MINUTE)
    first.refresh_from_db()
    assert first.ended_at is not None and first.sla_state == SlaState.BREACHED
    with time_machine.travel(MONDAY_10 + 32 * MINUTE, tick=False):
        staff_page = client_page(client, _staff(), f"/leads/{lead.pk}/")
    # Two clocks now: the new owner's running one first, the missed one with its reassignment.
    assert staff_page.count('class="sla-clock"') == 2
    assert "Breached: the deadline passed before first contact" in staff_page
    assert "Done: " in staff_page  # the reassignment's record says where the lead went


def _staff():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("sue", is_staff=True)


# The board


def test_at_risk_means_running_and_due_within_ten_minutes_and_breached_means_not_worked_yet(
    make_leads, make_policy, ann, personas_manager
):
    make_policy(targets=(("", "", 30), ("urgent", "", 5)), steps=())
    relaxed = routed(make_leads, MONDAY_10)  # due 10:30
    urgent = routed(make_leads, MONDAY_10, urgency="urgent")  # due 10:05
    late = routed(make_leads, MONDAY_10 - 60 * MINUTE)  # due 09:30
    worked = routed(make_leads, MONDAY_10 - 60 * MINUTE)
    log_call(worked, ann.user, MONDAY_10 - 55 * MINUTE)
    sla_sweep(MONDAY_10)  # the deadline of `late` passes: breached

    def shown(now, show=""):
        return [a.lead_id for a in selectors.sla_watch(user=personas_manager, now=now, show=show)]

    assert shown(MONDAY_10) == [late.pk, urgent.pk]
    assert shown(MONDAY_10, "at_risk") == [urgent.pk]
    assert shown(MONDAY_10, "breached") == [late.pk]
    assert shown(MONDAY_10 + 21 * MINUTE, "at_risk") == [urgent.pk, relaxed.pk]
    # Worked after the breach: off the list.
    log_call(late, ann.user, MONDAY_10 + MINUTE)
    assert shown(MONDAY_10 + MINUTE, "breached") == []


@pytest.fixture
def personas_manager(team, django_user_model):
    manager = django_user_model.objects.create_user("mia")
    team.manager = manager
    team.save(update_fields=["manager"])
    return manager


def _week_of_clocks(make_leads, ann, monday_midnight_utc):
    """Around a Monday 00:00: met before it, met after it, breached before it, breached after
    it (10-minute target, no ladder)."""

    def at(minutes):
        return monday_midnight_utc + minutes * MINUTE

    met_before = routed(make_leads, at(-30))
    log_call(met_before, ann.user, at(-25))
    met_after = routed(make_leads, at(-5))  # due at 00:05, met at 00:02
    log_call(met_after, ann.user, at(2))
    routed(make_leads, at(-20))  # due at 23:50 the day before
    sla_sweep(at(-9))
    routed(make_leads, at(-2))  # due at 00:08
    sla_sweep(at(9))
    return at


def test_the_met_rate_counts_clocks_that_ended_since_monday_in_the_teams_zone(
    make_leads, make_policy, ann
):
    make_policy(targets=(("", "", 10),), steps=())
    monday = datetime(2026, 11, 30, tzinfo=CHICAGO).astimezone(UTC)  # 06:00 UTC
    at = _week_of_clocks(make_leads, ann, monday)

    (this_week,) = selectors.rep_sla_met_rates(reps=[ann], now=at(600)).values()
    assert (this_week.met, this_week.breached, this_week.percent) == (1, 1, 50)
    # A minute before midnight the week before is still this week: its two clocks, not ours.
    before = selectors.rep_sla_met_rates(reps=[ann], now=at(-1))[ann.pk]
    assert (before.met, before.breached) == (1, 1)
    # In London's week (Monday 00:00 UTC, six hours earlier) all four ended this week.
    ann.team = Team.objects.create(name="London", time_zone="Europe/London")
    london = selectors.rep_sla_met_rates(reps=[ann], now=at(600))[ann.pk]
    assert (london.met, london.breached, london.percent) == (2, 2, 50)


@pytest.mark.parametrize(
    "monday, offset_hours",
    [
        (datetime(2026, 10, 26), 5),  # its Sunday still in daylight time (CDT, UTC-5)
        (datetime(2026, 11, 2), 6),  # the Monday after daylight time ended (CST, UTC-6)
    ],
)
def test_a_week_starts_at_local_midnight_across_the_daylight_saving_change(
    make_leads, make_policy, ann, monday, offset_hours
):
    make_policy(targets=(("", "", 10),), steps=())
    midnight = monday.replace(tzinfo=UTC) + timedelta(hours=offset_hours)
    assert selectors.week_start(CHICAGO, midnight + 3 * 24 * 60 * MINUTE) == midnight
    at = _week_of_clocks(make_leads, ann, midnight)

    rate = selectors.rep_sla_met_rates(reps=[ann], now=at(3 * 24 * 60))[ann.pk]
    assert (rate.met, rate.breached) == (1, 1)


def test_the_board_shows_the_met_rate_and_the_sla_watch_filtered(
    make_leads, make_policy, ann, personas_manager, client
):
    make_policy(targets=(("", "", 10),), steps=())
    met = routed(make_leads, MONDAY_10 - 30 * MINUTE)
    log_call(met, ann.user, MONDAY_10 - 25 * MINUTE)
    late = routed(make_leads, MONDAY_10 - 20 * MINUTE)
    sla_sweep(MONDAY_10 - 5 * MINUTE)
    soon = routed(make_leads, MONDAY_10 - 2 * MINUTE)

    with time_machine.travel(MONDAY_10, tick=False):
        page = client_page(client, personas_manager, "/board/")
        breached_only = client_page(client, personas_manager, "/board/?sla=breached")

    assert "50 % (1 met, 1 breached)" in page
    assert "At risk: a running clock due within 10 minutes" in page
    watch = page[page.index('class="sla-watch"') : page.index('class="leads"')]
    assert f"#{late.pk} " in watch and "Breached, not worked yet: " in watch
    assert "overdue 10 min" in watch and f"#{soon.pk} " in watch and "due in 8 min" in watch
    watch = breached_only[
        breached_only.index('class="sla-watch"') : breached_only.index('class="leads"')
    ]
    assert f"#{late.pk} " in watch and f"#{soon.pk} " not in watch
