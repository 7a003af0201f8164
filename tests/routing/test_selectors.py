from datetime import UTC, datetime, timedelta

import pytest

from routing.models import Assignment, TimeOff
from routing.selectors import LeadPermissions, lead_permissions, rep_loads, reps_visible_to
from routing.services import lead_status_change

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


# What a user may do on one lead


@pytest.fixture
def anns_lead(make_leads, personas, give):
    lead = make_leads(1)[0]
    give(lead, rep=personas.ann)
    return lead


def test_a_rep_works_their_own_open_lead_and_may_hand_it_back_but_not_assign_it(
    anns_lead, personas
):
    assert lead_permissions(user=personas.ann.user, lead=anns_lead) == LeadPermissions(
        can_act=True, can_note=True, can_hand_back=True, can_assign=False, is_manager=False
    )


@pytest.mark.parametrize("who", ["bob", "cat"])
def test_another_rep_may_do_nothing_on_a_lead_they_do_not_own(anns_lead, personas, who):
    user = getattr(personas, who).user

    assert lead_permissions(user=user, lead=anns_lead) == LeadPermissions(
        can_act=False, can_note=False, can_hand_back=False, can_assign=False, is_manager=False
    )


@pytest.mark.parametrize("who", ["manager", "staff"])
def test_a_manager_of_the_team_or_staff_works_and_assigns_but_cannot_hand_back(
    anns_lead, personas, who
):
    assert lead_permissions(user=getattr(personas, who), lead=anns_lead) == LeadPermissions(
        can_act=True, can_note=True, can_hand_back=False, can_assign=True, is_manager=True
    )


def test_another_teams_manager_manages_leads_but_not_this_one(anns_lead, personas):
    assert lead_permissions(user=personas.other_manager, lead=anns_lead) == LeadPermissions(
        can_act=False, can_note=False, can_hand_back=False, can_assign=False, is_manager=True
    )


def test_on_a_closed_lead_the_owner_and_the_manager_may_only_add_notes(anns_lead, personas):
    lead_status_change(lead=anns_lead, user=personas.ann.user, status="won", value="100")
    anns_lead.refresh_from_db()

    for user, is_manager in [(personas.ann.user, False), (personas.manager, True)]:
        assert lead_permissions(user=user, lead=anns_lead) == LeadPermissions(
            can_act=False,
            can_note=True,
            can_hand_back=False,
            can_assign=False,
            is_manager=is_manager,
        )


def test_a_lead_waiting_in_the_queue_is_the_managers_to_assign_and_nobody_owns_it(
    make_leads, personas, give
):
    lead = make_leads(1)[0]
    give(lead, team=personas.team)

    assert lead_permissions(user=personas.manager, lead=lead) == LeadPermissions(
        can_act=True, can_note=True, can_hand_back=False, can_assign=True, is_manager=True
    )
    assert not lead_permissions(user=personas.ann.user, lead=lead).can_note
