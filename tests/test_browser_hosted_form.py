"""The hosted form on a phone (390 px): the organisation's name, the consent line under the
Send button, plain errors beside the fields, and the consent kept with the lead."""

import pytest

from intake.models import Adapter, Channel, Lead

CONSENT = "By clicking Send, you agree that we may call and text you. Consent is not required."


@pytest.mark.django_db(transaction=True)
def test_a_visitor_on_a_phone_corrects_the_form_and_sends_it_under_the_consent_line(
    page, live_server, make_source
):
    source = make_source(
        name="Website",
        channel=Channel.WEB,
        adapter=Adapter.FORM,
        organisation_name="Lone Star Insurance",
        consent_text=CONSENT,
    )
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/f/{source.public_id}/")

    assert page.locator(".organisation").inner_text().lower() == "lone star insurance"
    button = page.locator("button[type=submit]").bounding_box()
    consent = page.locator("#consent").bounding_box()
    assert button is not None and consent is not None
    assert consent["y"] >= button["y"] + button["height"]  # the line is under the button
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#full_name", "A" * 254)
    page.evaluate("document.getElementById('full_name').removeAttribute('maxlength')")
    page.fill("#full_name", "A" * 300)
    page.fill("#email", "maria.garcia@gmail.com")
    page.click("button[type=submit]")

    error = page.locator("#full_name-error")
    assert error.inner_text() == "Your name is too long: please keep it under 254 characters."
    assert page.input_value("#email") == "maria.garcia@gmail.com"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#full_name", "Maria Garcia")
    page.click("button[type=submit]")

    page.wait_for_selector("text=Thank you")
    lead = Lead.objects.get()
    assert lead.first_name == "Maria"
    assert lead.attributes["consent_text"] == CONSENT
