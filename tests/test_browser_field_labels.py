"""Real-browser test of a manager naming a field in the admin and reading the lead's reasons in
that name on the lead page, on a phone-sized screen (Debian's chromium driven by Playwright)."""

import pytest

from intake.models import Lead
from qualification.models import FieldLabel, Qualification
from tests.conftest import post_lead, sign_in_at


@pytest.mark.django_db(transaction=True)
def test_a_manager_labels_a_field_and_the_lead_page_reads_it(
    page, live_server, api, django_user_model
):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "a-long-password-1")
    lead = Lead.objects.get(
        pk=post_lead(api, {"full_name": "Ann Lee", "email": "ann@gmail.com"}).json()["id"]
    )
    Qualification.objects.filter(lead=lead).update(
        confidence=0.82,
        reasons=[
            {"kind": "feature", "text": "attributes.referred is missing", "weight": 0.216},
            {"kind": "feature", "text": "attributes.budget = 5000 (typical)", "weight": -0.08},
        ],
    )
    page.set_viewport_size({"width": 390, "height": 844})
    lead_url = f"{live_server.url}/leads/{lead.pk}/"
    sign_in_at(page, lead_url, "boss")
    assert "Referred: not given (+0.22)" in page.locator("ul.reasons").inner_text()

    page.goto(f"{live_server.url}/admin/qualification/fieldlabel/add/")

    page.fill("#id_field", "attributes.referred")
    page.fill("#id_label", "Referral")
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/qualification/fieldlabel/")
    assert FieldLabel.objects.get(field="attributes.referred").label == "Referral"

    page.goto(lead_url)
    reasons = page.locator("ul.reasons").inner_text()
    assert "Referral: not given (+0.22)" in reasons
    assert "Budget 5,000 — typical (\N{MINUS SIGN}0.08)" in reasons
    assert "confidence 82 %" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
