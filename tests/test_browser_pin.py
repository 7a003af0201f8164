"""Real-browser test of a manager keeping a queued lead in the team's queue from the board, on
a phone-sized screen (Debian's chromium driven by Playwright, no browser download)."""

import pytest

from routing.models import Assignment, Rep, Team
from routing.services import lead_assign_manually, lead_hand_back
from tests.conftest import sign_in_at


@pytest.mark.django_db(transaction=True)
def test_a_manager_keeps_a_queued_lead_in_the_queue_then_lets_a_rep_have_it(
    page, live_server, make_leads, django_user_model
):
    mia = django_user_model.objects.create_user("mia", "mia@example.com", "a-long-password-1")
    team = Team.objects.create(name="Sales", manager=mia, time_zone="America/Chicago")
    sam = Rep.objects.create(
        user=django_user_model.objects.create_user("sam", first_name="Sam"), team=team
    )
    lead = make_leads(1, full_name="Ann Lee", email="ann@gmail.com")[0]
    boss = django_user_model.objects.create_user("boss", is_staff=True)
    lead_assign_manually(lead=lead, user=boss, rep=sam)
    lead_hand_back(lead=lead, user=sam.user, reason="out sick")

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at(page, f"{live_server.url}/board/", "mia")
    row = page.locator("table.waiting-leads tbody tr", has_text=f"#{lead.pk} Ann Lee")
    assert "Goes to the next free rep" in row.inner_text()

    row.get_by_role("button", name=f"Keep lead #{lead.pk} in the queue").click()

    page.wait_for_selector(f"text=Lead #{lead.pk} stays in the queue.")
    assert "Kept in the queue" in row.inner_text()
    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).pinned
    # Fits a 390 px screen: the page itself does not scroll sideways (the table scrolls).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    row.get_by_role("button", name=f"Let the next free rep have lead #{lead.pk}").click()

    page.wait_for_selector(f"text=Lead #{lead.pk} goes to the team's next available rep.")
    assert "Goes to the next free rep" in row.inner_text()
    assert not Assignment.objects.get(lead=lead, ended_at__isnull=True).pinned
