"""Real-browser tests: Debian's chromium driven by Playwright (no browser download)."""

import pytest

from intake.models import Adapter, Channel, Lead


@pytest.mark.django_db(transaction=True)
def test_a_visitor_fills_the_hosted_form_and_the_lead_is_stored(page, live_server, make_source):
    source = make_source(name="Website", channel=Channel.WEB, adapter=Adapter.FORM)

    page.goto(f"{live_server.url}/f/{source.public_id}/")
    page.fill("#full_name", "maria garcia")
    page.fill("#email", "Maria.Garcia@Gmail.com")
    page.fill("#phone", "(512) 555-0134")
    page.fill("#postal_code", "78701")
    page.fill("#message", "Need a quote for my new house")
    page.click("button[type=submit]")

    page.wait_for_selector("text=Thank you")
    lead = Lead.objects.get()
    assert (lead.first_name, lead.state, lead.phone_e164) == ("Maria", "TX", "+15125550134")
    assert lead.channel == Channel.WEB


@pytest.mark.django_db(transaction=True)
def test_a_receptionist_enters_a_lead_in_the_admin(
    page, live_server, make_source, django_user_model
):
    make_source(name="Front desk", channel=Channel.MANUAL, adapter=Adapter.MANUAL)
    django_user_model.objects.create_superuser("desk", "desk@example.com", "a-long-password-1")

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", "a-long-password-1")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/intake/lead/")
    page.click("text=Enter a lead")
    page.select_option("#id_source", label="Front desk")
    page.fill("#id_full_name", "Bob Stone")
    page.fill("#id_phone", "305 555 0100")
    page.fill("#id_postal_code", "33130")
    page.click("input[type=submit][value='Save lead']")

    page.wait_for_selector("text=Contact data verified")
    assert "created" in page.content()
    lead = Lead.objects.get()
    assert (lead.full_name, lead.state) == ("Bob Stone", "FL")
