"""Real-browser test of the state licence: a manager requires it for every lead in the admin,
on a phone-wide screen, and a rule's replay warns of the leads nobody licensed can take
(Debian's chromium, Playwright)."""

import pytest

from routing.models import LicenceRequirement, Rep, RoutingRule, Team
from tests.conftest import post_lead


@pytest.mark.django_db(transaction=True)
def test_a_manager_requires_a_licence_and_the_replay_warns_of_nevada(
    page, live_server, api, django_user_model
):
    team = Team.objects.create(name="Sales")
    sam = Rep.objects.create(
        user=django_user_model.objects.create_user("sam"), team=team, licensed_states=["TX"]
    )
    rule = RoutingRule.objects.create(
        name="Everyone",
        require_working_now=False,
        fallback=RoutingRule.Fallback.TEAM_QUEUE,
        fallback_team=team,
    )
    rule.pool_reps.set([sam])
    for name, email, zip_code in [
        ("Ann Lee", "ann@gmail.com", "89501"),  # Reno, Nevada
        ("Bo Diaz", "bo@gmail.com", "78701"),  # Austin, Texas
    ]:
        response = post_lead(
            api,
            {"full_name": name, "email": email, "postal_code": zip_code, "request_type": "quote"},
        )
        assert response.json()["owner"] == "sam", response.content  # no licence needed yet
    django_user_model.objects.create_superuser("mia", "mia@example.com", "a-long-password-1")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "mia")
    page.fill("#id_password", "a-long-password-1")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/routing/licencerequirement/")
    assert "Leads that need a rep licensed in their state" in page.inner_text("#content")
    page.check("input[name=applies_to][value=every_lead]")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert LicenceRequirement.objects.get().applies_to == "every_lead"

    page.goto(f"{live_server.url}/admin/routing/routingrule/{rule.pk}/change/")
    page.fill("#id_replay-leads", "2")
    page.click("input[name=_replay]")

    warning = page.wait_for_selector("#licence-gaps")
    assert warning.inner_text().strip() == (
        "1 lead in NV needs a rep licensed there, and no rep of “Everyone” is: 1 would wait "
        "in a queue because nobody licensed could take it."
    )
    box = warning.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
