"""Real-browser test of a manager trying a rule edit before saving it: the change form's Replay
button posts the form to the replay view, and Save still saves (Debian's chromium, Playwright)."""

import json

import pytest

from routing.models import Rep, RoutingRule, Team
from tests.conftest import post_lead


@pytest.mark.django_db(transaction=True)
def test_a_manager_replays_a_narrowed_rule_then_saves_it(page, live_server, api, django_user_model):
    team = Team.objects.create(name="Sales")
    sam = Rep.objects.create(user=django_user_model.objects.create_user("sam"), team=team)
    rule = RoutingRule.objects.create(name="Everyone", require_working_now=False)
    rule.pool_reps.set([sam])
    for name, email, phone in [
        ("Ann Lee", "ann@gmail.com", "+1 512 555 0134"),
        ("Bo Diaz", "bo@gmail.com", "+1 512 555 0177"),
    ]:
        response = post_lead(
            api,
            {"full_name": name, "email": email, "phone": phone, "request_type": "home"},
        )
        assert response.json()["owner"] == "sam", response.content
    django_user_model.objects.create_superuser("mia", "mia@example.com", "a-long-password-1")
    narrowed = {"field": "state", "op": "equals", "value": "OK"}

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "mia")
    page.fill("#id_password", "a-long-password-1")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/routing/routingrule/{rule.pk}/change/")
    page.click("text=Show JSON")  # the condition builder's raw JSON
    page.fill("#id_condition", json.dumps(narrowed))
    page.fill("#id_replay-leads", "2")
    page.click("input[name=_replay]")

    page.wait_for_selector("#replay-result")
    assert page.url.endswith(f"/{rule.pk}/replay/")
    assert "Leads that would go elsewhere (2)" in page.inner_text("#replay-result")
    rule.refresh_from_db()
    assert rule.condition == {}  # nothing saved by the replay

    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/routing/routingrule/")
    rule.refresh_from_db()
    assert rule.condition == narrowed
