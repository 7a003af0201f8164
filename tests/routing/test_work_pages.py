"""The work pages' frame: the role-aware home, the styled error pages, the queue's search,
pages and tap-to-call links, logging a call in one tap, and the board's search bar and chips."""

from zoneinfo import ZoneInfo

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from routing.models import Activity
from routing.selectors import rep_queue
from tests.routing.test_pages import as_user, qualify

pytestmark = pytest.mark.django_db

PHONE = {"phone": "+1 512 555 0134", "phone_e164": "+15125550134"}


# The role-aware home


def test_home_sends_each_role_to_its_page_and_anonymous_users_to_sign_in(
    client, personas, django_user_model
):
    nobody = django_user_model.objects.create_user("ned")

    assert client.get("/").url == "/accounts/login/?next=/"
    assert as_user(client, personas.ann.user).get("/").url == "/queue/"
    assert as_user(client, personas.manager).get("/").url == "/board/"
    assert as_user(client, personas.staff).get("/").url == "/admin/"
    assert as_user(client, nobody).get("/").url == "/queue/"


def test_a_staff_member_who_manages_a_team_lands_on_the_board(client, personas):
    personas.team.manager = personas.staff
    personas.team.save(update_fields=["manager"])

    assert as_user(client, personas.staff).get("/").url == "/board/"


@pytest.mark.parametrize(
    ("who", "lands_on"), [("ann", "/queue/"), ("mia", "/board/"), ("sue", "/admin/")]
)
def test_signing_in_lands_on_the_role_home(personas, who, lands_on):
    personas.ann.user.set_password("pw-ann-1234")  # reps are made without one
    personas.ann.user.save(update_fields=["password"])
    client = Client()

    signed_in = client.post(
        "/accounts/login/", {"username": who, "password": f"pw-{who}-1234"}, follow=True
    )

    assert [url for url, _ in signed_in.redirect_chain] == ["/", lands_on]


def test_the_navigation_shows_each_role_its_links(client, personas):
    rep_page = as_user(client, personas.ann.user).get("/queue/").content.decode()
    manager_page = as_user(client, personas.manager).get("/board/").content.decode()

    assert 'href="/queue/"' in rep_page and 'href="/board/"' not in rep_page
    assert 'href="/board/"' in manager_page and ">My queue<" not in manager_page
    assert 'href="/admin/"' not in manager_page


# The styled error pages (DEBUG off: Django's own debug pages otherwise)


def test_a_rep_who_opens_the_board_gets_the_styled_403(client, personas, settings):
    settings.DEBUG = False

    response = as_user(client, personas.ann.user).get("/board/")

    assert response.status_code == 403
    page = response.content.decode()
    assert 'id="error-403"' in page and "This page is not for you" in page
    assert "The board is for team managers and staff." in page
    assert 'href="/"' in page and "leadrouter/app.css" in page


def test_an_unknown_page_and_another_reps_lead_get_the_styled_404(
    client, personas, make_leads, give, settings
):
    settings.DEBUG = False
    bobs = make_leads(1)[0]
    give(bobs, rep=personas.bob)
    as_user(client, personas.ann.user)

    for url in ("/no-such-page/", f"/leads/{bobs.pk}/"):
        response = client.get(url)
        assert response.status_code == 404
        assert 'id="error-404"' in response.content.decode()
    # The API keeps its JSON answer.
    assert client.get("/api/v1/nothing/").json() == {"errors": {"detail": ["Not found."]}}


def test_a_server_error_gets_the_styled_500_without_touching_the_database(
    settings, django_assert_num_queries
):
    from django.views.defaults import server_error

    settings.DEBUG = False
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/queue/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert 'id="error-500"' in page and "Something went wrong on our side" in page


# The queue


def test_the_queue_shows_a_tap_to_call_link_waiting_urgency_and_score(
    client, make_leads, personas, give
):
    lead = make_leads(1, full_name="Ann Lee", **PHONE)[0]
    qualify(lead, urgency="high", score=71)
    give(lead, rep=personas.ann)

    page = as_user(client, personas.ann.user).get("/queue/").content.decode()

    assert 'href="tel:+15125550134"' in page
    assert 'class="score">71' in page
    assert "High" in page
    assert 'class="waiting">0\xa0minutes ago' in page


def test_the_queue_searches_by_name_phone_and_email(client, make_leads, personas, give):
    def make(first, last, phone_e164):
        email = f"{first.lower()}@gmail.com"
        lead = make_leads(
            1,
            full_name=f"{first} {last}",
            last_name=last,
            email=email,
            email_normalized=email,
            phone_e164=phone_e164,
        )[0]
        give(lead, rep=personas.ann)
        return lead

    ann = make("Ann", "Lee", "+15125550134")
    bea = make("Bea", "Ray", "+15125550999")
    as_user(client, personas.ann.user)

    def found(term):
        return [row.lead.pk for row in client.get("/queue/", {"q": term}).context["rows"]]

    assert found("lee") == [ann.pk]
    assert found("bea@gmail.com") == [bea.pk]
    assert found("512 555 0134") == [ann.pk]
    assert found("nobody") == []
    response = client.get("/queue/", {"q": "lee"})
    assert b"(2 open)" in response.content  # the search narrows the list, not the count
    assert b"No open lead of yours matches" in client.get("/queue/", {"q": "zed"}).content


def test_the_queue_pages_25_leads_at_a_time_due_first_and_keeps_the_search(
    client, make_leads, personas, give
):
    for lead in make_leads(27, full_name="Lee Page"):
        give(lead, rep=personas.ann)
    as_user(client, personas.ann.user)

    first = client.get("/queue/", {"q": "lee"})
    second = client.get("/queue/", {"q": "lee", "page": 2})

    assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 2
    every = [row.pk for row in first.context["rows"]] + [row.pk for row in second.context["rows"]]
    assert every == [row.pk for row in rep_queue(user=personas.ann.user)]
    assert "q=lee&amp;page=2" in first.content.decode()
    assert b"(27 open)" in first.content


# The lead page


def test_the_lead_page_has_call_and_log_call_buttons_and_one_tap_outcomes(
    client, make_leads, personas, give
):
    lead = make_leads(1, full_name="Ann Lee", **PHONE)[0]
    give(lead, rep=personas.ann)
    no_phone = make_leads(1, full_name="Bea Ray", email="bea@gmail.com")[0]
    give(no_phone, rep=personas.ann)
    as_user(client, personas.ann.user)

    page = client.get(f"/leads/{lead.pk}/").content.decode()
    e_mail_only = client.get(f"/leads/{no_phone.pk}/").content.decode()

    assert 'id="call" href="tel:+15125550134"' in page
    assert 'id="log-call" href="#activity-form"' in page
    for value in ("reached", "no_answer", "left_voicemail", "wrong_number"):
        assert f'name="outcome" value="{value}"' in page
    assert (
        'id="call"' not in e_mail_only
        and 'href="mailto:bea@gmail.com">E-mail bea@gmail.com' in e_mail_only
    )


@pytest.fixture
def lead(make_leads, personas, give):
    lead = make_leads(1, full_name="Ann Lee", **PHONE)[0]
    give(lead, rep=personas.ann)
    return lead


def test_one_tap_logs_a_call_with_that_outcome_without_javascript(client, lead, personas):
    response = as_user(client, personas.ann.user).post(
        f"/leads/{lead.pk}/activity/", {"kind": "call", "outcome": "no_answer"}
    )

    assert response.status_code == 302 and response.url == f"/leads/{lead.pk}/"
    activity = Activity.objects.get(lead=lead)
    assert (activity.kind, activity.outcome, activity.user) == (
        "call",
        "no_answer",
        personas.ann.user,
    )


# The board


def test_the_board_folds_its_filters_into_a_search_bar_and_chips(
    client, make_leads, personas, give
):
    ann_lee, bea_ray = make_leads(2)
    ann_lee.full_name, bea_ray.full_name = "Ann Lee", "Bea Ray"
    for lead in (ann_lee, bea_ray):
        lead.save()
        give(lead, rep=personas.ann)
    manager = as_user(client, personas.manager)

    plain = manager.get("/board/")
    searched = manager.get("/board/", {"q": "bea"})
    by_chip = manager.get("/board/", {"sla": "breached"})
    more = manager.get("/board/", {"tier": "A"})

    page = plain.content.decode()
    assert 'id="board-search"' in page
    assert '<details class="more">' in page  # folded away until a filter is set
    for chip in ("At risk", "Breached", "Overdue", "Not routed yet", "Received today"):
        assert f">{chip}</a>" in page
    assert [lead.pk for lead in searched.context["page"]] == [bea_ray.pk]
    assert 'aria-current="true">Breached<' in by_chip.content.decode()
    assert '<details class="more" open>' in more.content.decode()
    assert plain.context["available_count"] == 2 and plain.context["open_count"] == 2


def test_the_received_today_chip_counts_from_the_viewers_midnight(
    client, make_leads, personas, give
):
    give(make_leads(1)[0], rep=personas.ann)
    manager = as_user(client, personas.manager)
    chip = next(
        chip
        for chip in manager.get("/board/").context["chips"]
        if chip["label"] == "Received today"
    )

    response = manager.get(f"/board/?{chip['query']}")

    midnight = timezone.localtime(timezone.now(), ZoneInfo(personas.team.time_zone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    assert response.context["filter"].form.cleaned_data["received_after"] == midnight
    assert response.context["page"].paginator.count == 1
    assert any(chip["current"] for chip in response.context["chips"])
