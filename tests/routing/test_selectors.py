from datetime import UTC, datetime, timedelta

import pytest

from routing.models import Assignment, TimeOff
from routing.selectors import rep_loads, reps_visible_to

pytestmark = pytest.mark.django_db

NOON_CHICAGO = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def test_it_counts_open_leads_and_new_leads_in_the_reps_local_day(make_rep, make_leads):
    rep = make_rep(time_zone="America/Chicago", max_new_per_day=2)
    yesterday, today = make_leads(1)[0], make_leads(1)[0]
    # 05:59 UTC is 23:59 the day before in Chicago: it does not count towards today's cap.
    Assignment.objects.create(
        lead=yesterday,
        rep=rep,
        user=rep.user,
        reason="initial",
        assigned_at=datetime(2026, 11, 23, 5, 59, tzinfo=UTC),
    )
    Assignment.objects.create(
        lead=today,
        rep=rep,
        user=rep.user,
        reason="initial",
        assigned_at=datetime(2026, 11, 23, 6, 1, tzinfo=UTC),
    )
    (load,) = rep_loads(reps=[rep], now=NOON_CHICAGO)
    assert (load.open_leads, load.new_today, load.available) == (2, 1, True)


def test_it_says_why_a_rep_is_unavailable(make_rep, make_leads):
    paused = make_rep(paused=True)
    away = make_rep(time_zone="America/New_York")
    TimeOff.objects.create(
        rep=away,
        starts_at=NOON_CHICAGO - timedelta(days=1),
        ends_at=NOON_CHICAGO + timedelta(days=2),
    )
    full = make_rep(max_open_leads=1)
    Assignment.objects.create(
        lead=make_leads(1)[0], rep=full, user=full.user, reason="initial", assigned_at=NOON_CHICAGO
    )
    closed_hours = make_rep(working_hours={"mon": [["09:00", "10:00"]]})
    loads = {
        load.rep: load.unavailable
        for load in rep_loads(reps=[paused, away, full, closed_hours], now=NOON_CHICAGO)
    }
    assert loads[paused] == "paused"
    assert loads[away] == "on time off until Nov 25 13:00"
    assert loads[full] == "at capacity 1/1"
    assert loads[closed_hours].startswith("off until Mon 09:00")


def test_managers_see_their_teams_reps_and_reps_see_none(make_rep, team, django_user_model):
    manager = django_user_model.objects.create_user("boss")
    team.manager = manager
    team.save()
    rep = make_rep()
    assert list(reps_visible_to(manager)) == [rep]
    assert list(reps_visible_to(rep.user)) == []
