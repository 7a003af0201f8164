"""Real-browser tests of the work pages on a 390 px phone (Debian's chromium driven by
Playwright, no browser download): each role's home after signing in, nothing wider than the
screen, tap-to-call, a call logged in one tap without a reload, the board's chips, the styled
403."""

import pytest

from routing.models import Activity, Rep, Team
from routing.services import lead_assign_manually

PASSWORD = "a-long-password-1"  # a test user's


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def sign_in(page, live_server, username, lands_on):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}{lands_on}")


@pytest.fixture
def sales(django_user_model, make_leads):
    """Mia manages Sales; Sam, its rep, has a long-named lead with a phone number."""
    mia = django_user_model.objects.create_user("mia", "mia@example.com", PASSWORD)
    team = Team.objects.create(name="Sales", manager=mia, time_zone="America/Chicago")
    sam = django_user_model.objects.create_user("sam", "sam@example.com", PASSWORD)
    rep = Rep.objects.create(user=sam, team=team)
    boss = django_user_model.objects.create_user(
        "boss", "boss@example.com", PASSWORD, is_staff=True
    )
    lead = make_leads(
        1,
        full_name="Annabelle Leeward-Montgomery-Smithson",
        email="annabelle.leeward-montgomery-smithson@example-enterprises.com",
        phone="+1 512 555 0134",
        phone_e164="+15125550134",
        company="Leeward Montgomery Smithson Heating, Cooling and Plumbing Incorporated",
    )[0]
    lead_assign_manually(lead=lead, user=boss, rep=rep)
    return lead


@pytest.mark.django_db(transaction=True)
def test_a_rep_on_a_phone_lands_on_the_queue_calls_and_logs_a_call_in_one_tap(
    page, live_server, sales
):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "sam", "/queue/")

    assert "(1 open)" in page.inner_text("h1")
    assert page.get_attribute("table.queue a.tel", "href") == "tel:+15125550134"
    assert fits_the_phone(page)
    page.click(f"text=#{sales.pk} Annabelle")

    page.wait_for_url(f"{live_server.url}/leads/{sales.pk}/")
    assert fits_the_phone(page)
    call = page.locator("#call")
    assert call.get_attribute("href") == "tel:+15125550134"
    box = call.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 390
    assert "No contact attempts yet." in page.inner_text("#activities")
    page.evaluate("window.notReloaded = true")

    page.click("#quick-log button[value=no_answer]")

    page.wait_for_selector("text=Contact attempt logged.")
    assert "No answer" in page.inner_text("#activities")
    assert page.inner_text("#lead-status") == "Contacted"
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the page in place
    assert fits_the_phone(page)
    activity = Activity.objects.get(lead=sales)
    assert (activity.kind, activity.outcome, activity.user.username) == ("call", "no_answer", "sam")


@pytest.mark.django_db(transaction=True)
def test_a_manager_on_a_phone_lands_on_the_board_with_one_search_bar_and_chips(
    page, live_server, sales
):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "mia", "/board/")

    assert fits_the_phone(page)
    assert "1 of 1" in page.inner_text("#glance")
    assert not page.is_visible("#id_status")  # the full form is folded away
    page.click("text=More filters")
    assert page.is_visible("#id_status")
    assert fits_the_phone(page)

    page.fill("#board-search", "annabelle")
    page.click("form.filters .search button")
    page.wait_for_url(f"{live_server.url}/board/?q=annabelle*")
    assert f"#{sales.pk} Annabelle" in page.inner_text("table.leads")

    page.click("a.chip:has-text('Breached')")
    page.wait_for_url(f"{live_server.url}/board/?sla=breached")
    assert page.get_attribute("a.chip:has-text('Breached')", "aria-current") == "true"
    assert fits_the_phone(page)


@pytest.mark.django_db(transaction=True)
def test_a_rep_who_opens_the_board_gets_a_page_in_plain_words_and_staff_land_on_the_admin(
    page, live_server, sales
):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "sam", "/queue/")

    response = page.goto(f"{live_server.url}/board/")

    assert response is not None and response.status == 403
    assert "This page is not for you" in page.inner_text("h1")
    assert fits_the_phone(page)
    page.click("text=Go to your home page")
    page.wait_for_url(f"{live_server.url}/queue/")

    page.click("button:has-text('Sign out')")
    sign_in(page, live_server, "boss", "/admin/")


@pytest.mark.django_db(transaction=True)
def test_the_sign_in_page_and_the_404_page_fit_a_phone(page, live_server):
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/")
    page.wait_for_url(f"{live_server.url}/accounts/login/?next=/")
    assert fits_the_phone(page)
    box = page.locator("button[type=submit]").bounding_box()
    assert box is not None and box["height"] >= 44

    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response is not None and response.status == 404
    assert "There is nothing here" in page.inner_text("h1")
    assert fits_the_phone(page)
