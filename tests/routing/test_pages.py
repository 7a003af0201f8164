"""The rep's queue, the lead page and its actions, and the manager board: who sees what, what
each action changes, and query budgets that do not grow with the number of leads."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from intake import services as intake_services
from intake.models import LeadEvent, LeadStatus
from qualification.models import Qualification
from routing.models import Activity, Assignment
from routing.services import activity_log, lead_hand_back, lead_status_change
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db

LEAD = {"full_name": "Ann Lee", "email": "ann.lee@gmail.com", "phone": "+1 512 555 0134"}


def qualify(lead, urgency="normal", tier="B", score=55):
    # Only the fields these pages show; the qualification pipeline has its own tests.
    return Qualification.objects.create(
        lead=lead,
        score=score,
        tier=tier,
        urgency=urgency,
        request_type="home",
        confidence=0.9,
        score_source="rules",
        reasons=[{"kind": "signal", "text": "asked for a quote", "weight": 10}],
    )


@pytest.fixture
def lead(make_leads, personas, give):
    lead = make_leads(1, full_name="Ann Lee", email="ann.lee@gmail.com")[0]
    give(lead, rep=personas.ann)
    return lead


def as_user(client, user):
    client.force_login(user)
    return client


# The queue


def test_the_queue_lists_the_reps_open_leads_most_urgent_then_longest_waiting(
    client, make_leads, personas, give
):
    start = timezone.now() - timedelta(hours=5)
    old_normal, urgent, new_high, closed, bobs = make_leads(5)
    for hours, lead, urgency in [
        (0, old_normal, "normal"),
        (1, urgent, "urgent"),
        (2, new_high, "high"),
        (3, closed, "urgent"),
    ]:
        qualify(lead, urgency=urgency)
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            give(lead, rep=personas.ann)
    lead_status_change(lead=closed, user=personas.ann.user, status="lost", reason="no budget")
    give(bobs, rep=personas.bob)

    response = as_user(client, personas.ann.user).get("/queue/")

    assert response.status_code == 200
    rows = [row.lead.pk for row in response.context["rows"]]
    assert rows == [urgent.pk, new_high.pk, old_normal.pk]
    assert b"(3 open)" in response.content
    assert b"5\xc2\xa0hours ago" in response.content  # old_normal has waited five hours


def test_an_empty_queue_says_so_and_anonymous_users_are_sent_to_sign_in(client, personas):
    assert client.get("/queue/").url == "/accounts/login/?next=/queue/"

    response = as_user(client, personas.bob.user).get("/queue/")

    assert b"your queue is empty" in response.content


def test_the_queue_has_a_fixed_query_budget(
    client, make_leads, personas, give, django_assert_max_num_queries
):
    as_user(client, personas.ann.user)
    for lead in make_leads(3):
        qualify(lead)
        give(lead, rep=personas.ann)
    # Six, up to two for the viewer's time zone (their rep profile, else a team they manage),
    # one for the number of pages and one for the navigation's roles (a rep, a manager).
    with django_assert_max_num_queries(10) as few:
        client.get("/queue/")
    for lead in make_leads(12):
        give(lead, rep=personas.ann)

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/queue/").context["rows"]) == 15


# The lead page


def test_the_lead_page_shows_contact_links_context_and_why_it_was_routed(
    client, api, personas, make_rule
):
    make_rule(pool_reps=[personas.ann])
    body = post_lead(api, {**LEAD, "request_type": "home", "utm_campaign": "spring"}).json()
    assert body["owner"] == "ann"

    response = as_user(client, personas.ann.user).get(f"/leads/{body['id']}/")

    page = response.content.decode()
    assert 'href="tel:+15125550134"' in page and 'href="mailto:ann.lee@gmail.com"' in page
    assert "spring" in page and "Website (API)" in page
    assert "round robin: Ann" in page  # the routing explanation
    assert "Everyone: matched: Ann chosen" in page  # the rules tried
    assert "Ann: eligible" in page  # the candidates
    assert 'id="activity-form"' in page and 'id="hand-back-form"' in page
    assert 'id="assign-form"' not in page  # reps do not assign


@pytest.mark.parametrize(
    "who, status",
    [
        ("ann", 200),
        ("bob", 404),
        ("cat", 404),
        ("manager", 200),
        ("other_manager", 404),
        ("staff", 200),
    ],
)
def test_a_lead_page_is_seen_by_its_owner_their_manager_and_staff_only(
    client, lead, personas, who, status
):
    user = getattr(personas, who)
    user = getattr(user, "user", user)

    response = as_user(client, user).get(f"/leads/{lead.pk}/")

    assert response.status_code == status


def test_managers_get_the_assign_form_with_their_teams_reps_only(client, lead, personas):
    page = as_user(client, personas.manager).get(f"/leads/{lead.pk}/").content.decode()

    assert 'id="assign-form"' in page and 'id="hand-back-form"' not in page
    assert "Bob (Austin office)" in page and "Austin office queue" in page
    assert "Cat" not in page and "Dallas office" not in page


ACTIONS = {
    "activity": {"kind": "call", "outcome": "reached", "note": "hi"},
    "status": {"status": "qualified"},
    "note": {"text": "mine"},
    "hand-back": {"reason": "not for me"},
    "assign": {"target": "rep:0"},
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["bob", "cat"])
def test_another_rep_gets_404_for_every_action_and_nothing_changes(
    client, lead, personas, action, who
):
    data = dict(ACTIONS[action])
    if action == "assign":
        data["target"] = f"rep:{getattr(personas, who).pk}"
    client = as_user(client, getattr(personas, who).user)

    assert client.post(f"/leads/{lead.pk}/{action}/", data).status_code == 404

    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).rep == personas.ann
    assert not Activity.objects.exists()
    assert not LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.NOTE).exists()


def test_the_owner_logs_a_call_and_the_lead_becomes_contacted(client, lead, personas):
    response = as_user(client, personas.ann.user).post(
        f"/leads/{lead.pk}/activity/", {"kind": "call", "outcome": "left_voicemail", "note": "am"}
    )

    assert response.status_code == 302 and response.url == f"/leads/{lead.pk}/"
    page = client.get(response.url).content.decode()
    assert "Contact attempt logged." in page
    assert '<strong id="lead-status">Contacted</strong>' in page
    assert "Left a voicemail" in page
    assert Activity.objects.get().user == personas.ann.user


def test_a_refused_status_change_shows_the_field_message_not_an_error_page(client, lead, personas):
    client = as_user(client, personas.ann.user)

    won = client.post(f"/leads/{lead.pk}/status/", {"status": "won"})
    lost = client.post(f"/leads/{lead.pk}/status/", {"status": "lost", "reason": ""})
    bogus = client.post(f"/leads/{lead.pk}/activity/", {"kind": "fax", "outcome": "x"})

    assert won.status_code == lost.status_code == bogus.status_code == 400
    assert "Give the value of the deal" in won.content.decode()
    assert "Say why the lead is lost." in lost.content.decode()
    assert "Select a valid choice" in bogus.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED


def test_the_owner_marks_a_lead_won_with_its_value(client, lead, personas):
    response = as_user(client, personas.ann.user).post(
        f"/leads/{lead.pk}/status/", {"status": "won", "value": "4200"}
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, str(lead.outcome_value)) == ("won", "4200.00")
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="activity-form"' not in page  # closed: no more status forms
    assert (
        client.post(f"/leads/{lead.pk}/status/", {"status": "lost", "reason": "x"}).status_code
        == 400
    )


def test_a_note_appears_on_the_timeline(client, lead, personas):
    as_user(client, personas.ann.user).post(f"/leads/{lead.pk}/note/", {"text": "Call after 5"})

    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "<strong>Note</strong> by ann: Call after 5" in page


def test_handing_back_leaves_the_reps_queue_and_waits_on_the_board(client, lead, personas):
    rep = as_user(client, personas.ann.user)

    response = rep.post(f"/leads/{lead.pk}/hand-back/", {"reason": "Needs a Spanish speaker"})

    assert response.status_code == 302 and response.url == "/queue/"
    assert rep.get("/queue/").context["rows"] == []
    assert rep.get(f"/leads/{lead.pk}/").status_code == 404
    board = as_user(client, personas.manager).get("/board/")
    assert [row.lead.pk for row in board.context["waiting"]] == [lead.pk]
    assert "Austin office's queue" in board.content.decode()


def test_a_manager_places_a_waiting_lead_from_the_board(client, lead, personas):
    activity_log(lead=lead, user=personas.ann.user, kind="call", outcome="no_answer")
    as_user(client, personas.ann.user).post(f"/leads/{lead.pk}/hand-back/", {"reason": "leave"})
    manager = as_user(client, personas.manager)

    response = manager.post(
        f"/leads/{lead.pk}/assign/", {"target": f"rep:{personas.bob.pk}", "next": "/board/"}
    )

    assert response.status_code == 302 and response.url == "/board/"
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).rep == personas.bob
    assert manager.get("/board/").context["waiting"] == []


def test_assigning_refuses_a_bad_target_with_a_message(client, lead, personas):
    manager = as_user(client, personas.manager)

    to_owner = manager.post(f"/leads/{lead.pk}/assign/", {"target": f"rep:{personas.ann.pk}"})
    to_other_team = manager.post(f"/leads/{lead.pk}/assign/", {"target": f"rep:{personas.cat.pk}"})
    offsite = manager.post(
        f"/leads/{lead.pk}/assign/",
        {"target": f"rep:{personas.bob.pk}", "next": "https://evil.example/"},
    )

    assert (
        to_owner.status_code == 400 and "Ann already owns this lead." in to_owner.content.decode()
    )
    assert to_other_team.status_code == 400
    assert offsite.url == f"/leads/{lead.pk}/"  # never redirected off the site


def test_the_owner_rep_may_not_assign(client, lead, personas):
    response = as_user(client, personas.ann.user).post(
        f"/leads/{lead.pk}/assign/", {"target": f"rep:{personas.bob.pk}"}
    )

    assert response.status_code == 403


def test_actions_need_post(client, lead, personas):
    assert as_user(client, personas.ann.user).get(f"/leads/{lead.pk}/note/").status_code == 405


# The board


@pytest.mark.parametrize(
    "who, status", [("ann", 403), ("cat", 403), ("manager", 200), ("staff", 200)]
)
def test_the_board_is_for_managers_and_staff(client, personas, who, status):
    user = getattr(personas, who)

    assert as_user(client, getattr(user, "user", user)).get("/board/").status_code == status


def test_the_board_shows_the_managers_team_load_and_leads_only(client, make_leads, personas, give):
    ours, theirs = make_leads(2)
    give(ours, rep=personas.bob)
    give(theirs, rep=personas.cat)

    response = as_user(client, personas.manager).get("/board/")

    loads = {load.rep.user.username: load.open_leads for load in response.context["loads"]}
    assert loads == {"ann": 0, "bob": 1}
    assert [lead.pk for lead in response.context["page"]] == [ours.pk]


def test_staff_see_every_team_on_the_board(client, make_leads, personas, give):
    for lead, rep in zip(make_leads(2), [personas.bob, personas.cat], strict=True):
        give(lead, rep=rep)

    response = as_user(client, personas.staff).get("/board/")

    assert {load.rep.user.username for load in response.context["loads"]} == {"ann", "bob", "cat"}
    assert response.context["page"].paginator.count == 2


def test_the_board_filters_with_the_lead_filterset_and_pages(client, make_leads, personas, give):
    leads = make_leads(30)
    for lead in leads[:27]:
        give(lead, rep=personas.ann)
    for lead in leads[27:]:
        give(lead, rep=personas.bob)
        qualify(lead, tier="A")
    manager = as_user(client, personas.manager)

    first = manager.get("/board/")
    second = manager.get("/board/?owner=ann&page=2")
    by_tier = manager.get("/board/?tier=A")
    bad = manager.get("/board/?tier=Z&received_after=yesterday")

    assert first.context["page"].paginator.count == 30 and len(first.context["page"]) == 25
    assert second.context["page"].paginator.count == 27 and len(second.context["page"]) == 2
    assert "owner=ann&amp;page=1" in second.content.decode()  # the filters survive paging
    assert {lead.pk for lead in by_tier.context["page"]} == {lead.pk for lead in leads[27:]}
    assert bad.status_code == 200


def test_the_board_says_how_many_leads_stand_still_highlighted_when_any(
    client, make_leads, personas, give, time_machine
):
    from datetime import timedelta

    from django.utils import timezone

    owned, standing = make_leads(2)
    give(owned, rep=personas.ann)
    manager = as_user(client, personas.manager)
    assert 'class="stranded" id="stranded"' in manager.get("/board/").content.decode()

    time_machine.move_to(timezone.now() + timedelta(minutes=3), tick=False)
    page = manager.get("/board/").content.decode()

    assert 'class="stranded stranded-some"' in page
    assert "Leads standing still: <strong>1</strong>" in page
    assert "the sweep repairs them within a few minutes" in page
    assert standing.pk  # unowned, untouched for three minutes: the one counted


def test_the_board_has_a_fixed_query_budget(
    client, make_leads, personas, give, django_assert_max_num_queries
):
    manager = as_user(client, personas.manager)

    def add(n):
        for i, lead in enumerate(make_leads(n)):
            qualify(lead)
            if i % 2:
                give(lead, rep=personas.ann)
            else:
                give(lead, team=personas.team)

    add(4)
    # The SLA met rates, the SLA watch and the viewer's time zone added four.
    with django_assert_max_num_queries(34) as few:
        manager.get("/board/")
    add(16)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager.get("/board/")
    assert len(response.context["waiting"]) == 10


# The API: managers see their team's leads


def api_client_for(user):
    _, raw = intake_services.api_token_create(username=user.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_manager_lists_their_reps_and_queue_leads_through_the_api(make_leads, personas, give):
    reps_lead, queued, other_team, nobodys = make_leads(4)
    give(reps_lead, rep=personas.ann)
    give(queued, team=personas.team)
    give(other_team, rep=personas.cat)
    client = api_client_for(personas.manager)

    listing = client.get("/api/v1/leads/").json()

    assert {row["id"] for row in listing["results"]} == {reps_lead.pk, queued.pk}
    assert client.get(f"/api/v1/leads/{reps_lead.pk}/").status_code == 200
    assert client.get(f"/api/v1/leads/{other_team.pk}/").status_code == 404
    assert client.get(f"/api/v1/leads/{nobodys.pk}/").status_code == 404
    assert api_client_for(personas.other_manager).get("/api/v1/leads/").json()["count"] == 1


def test_the_api_filters_by_owner_team_and_queue(make_leads, personas, give):
    anns, queued, cats = make_leads(3)
    give(anns, rep=personas.ann)
    give(queued, team=personas.team)
    give(cats, rep=personas.cat)
    client = api_client_for(personas.staff)

    def ids(query):
        return {row["id"] for row in client.get(f"/api/v1/leads/?{query}").json()["results"]}

    assert ids("owner=ANN") == {anns.pk}
    assert ids("team=Austin office") == {anns.pk, queued.pk}
    assert ids("queue=austin office") == {queued.pk}
    assert ids("team=Dallas office") == {cats.pk}


def test_a_manager_loses_sight_of_a_lead_moved_to_another_team(make_leads, personas, give):
    lead = make_leads(1)[0]
    give(lead, rep=personas.ann)
    give(lead, rep=personas.cat)

    assert api_client_for(personas.manager).get("/api/v1/leads/").json()["count"] == 0


def test_a_managers_list_counts_and_orders_each_of_their_leads_once(make_leads, personas, give):
    # The count of a manager's unfiltered list comes from their active assignments: a lead
    # handed on within the team (two assignments, one ended) or out of it must count right.
    within, moved_out, queued, closed = make_leads(4)
    give(within, rep=personas.ann)
    give(within, rep=personas.bob)
    give(moved_out, rep=personas.ann)
    give(moved_out, rep=personas.cat)
    give(queued, team=personas.team)
    give(closed, rep=personas.bob)
    lead_status_change(lead=closed, user=personas.manager, status=LeadStatus.WON, value="900")
    client = api_client_for(personas.manager)

    listing = client.get("/api/v1/leads/").json()
    won = client.get("/api/v1/leads/?status=won").json()

    # Received at the same instant: the newest id first, as for everyone else.
    assert listing["count"] == 3
    assert [row["id"] for row in listing["results"]] == [closed.pk, queued.pk, within.pk]
    assert (won["count"], [row["id"] for row in won["results"]]) == (1, [closed.pk])


# Keeping a queued lead in its queue (the offer sweep leaves it there)


@pytest.fixture
def queued(lead, personas):
    """Ann's lead, handed back: it waits in the team's queue."""
    lead_hand_back(lead=lead, user=personas.ann.user, reason="on leave tomorrow")
    return lead


def test_a_manager_keeps_a_queued_lead_in_the_queue_from_the_board(client, queued, personas):
    manager = as_user(client, personas.manager)

    response = manager.post(f"/leads/{queued.pk}/pin/", {"pinned": "1"})

    assert response.status_code == 302 and response.url == "/board/"
    assert Assignment.objects.get(lead=queued, ended_at__isnull=True).pinned
    board = manager.get("/board/").content.decode()
    assert "Kept in the queue" in board and f"Lead #{queued.pk} stays in the queue." in board

    manager.post(f"/leads/{queued.pk}/pin/", {"pinned": "0"})
    assert not Assignment.objects.get(lead=queued, ended_at__isnull=True).pinned
    assert list(
        LeadEvent.objects.filter(lead=queued, kind=LeadEvent.Kind.PINNED).values_list(
            "data__pinned", flat=True
        )
    ) == [True, False]


@pytest.mark.parametrize("who, status", [("bob", 404), ("other_manager", 404), ("cat", 404)])
def test_only_the_teams_manager_or_staff_pin_a_queued_lead(client, queued, personas, who, status):
    user = getattr(personas, who)

    response = as_user(client, getattr(user, "user", user)).post(
        f"/leads/{queued.pk}/pin/", {"pinned": "1"}
    )

    assert response.status_code == status
    assert not Assignment.objects.get(lead=queued, ended_at__isnull=True).pinned


def test_pinning_a_lead_a_rep_owns_says_why_not(client, lead, personas):
    manager = as_user(client, personas.manager)

    response = manager.post(f"/leads/{lead.pk}/pin/", {"pinned": "1"}, follow=True)

    assert "Only a lead waiting in a team&#x27;s queue can be kept there." in (
        response.content.decode()
    )
