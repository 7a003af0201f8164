"""Real-browser test of the stranded-lead line on the manager board, on a phone-sized screen:
the count of leads standing still, highlighted while there are any."""

from datetime import timedelta

import pytest

from intake.models import Lead
from routing.models import Team
from tests.conftest import sign_in_at


@pytest.mark.django_db(transaction=True)
def test_a_manager_on_a_phone_sees_how_many_leads_stand_still(
    page, live_server, make_leads, django_user_model
):
    from django.utils import timezone

    mia = django_user_model.objects.create_user("mia", "mia@example.com", "a-long-password-1")
    Team.objects.create(name="Sales", time_zone="America/Chicago", manager=mia)
    make_leads(2)
    # Untouched for five minutes, owned by nobody: what a worker killed mid-pipeline leaves.
    Lead.objects.update(updated_at=timezone.now() - timedelta(minutes=5))

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at(page, f"{live_server.url}/board/", "mia")

    line = page.locator("#stranded")
    assert line.inner_text().startswith(
        "Leads standing still: 2 — the sweep repairs them within a few minutes."
    )
    assert "stranded-some" in (line.get_attribute("class") or "")
    # Highlighted: the amber of a warning, not the grey of an all-clear.
    assert line.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 243, 196)"
    box = line.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    Lead.objects.update(updated_at=timezone.now())  # taken up again
    page.reload()
    assert page.locator("#stranded").inner_text().startswith("Leads standing still: 0")
    assert "stranded-some" not in (page.locator("#stranded").get_attribute("class") or "")
