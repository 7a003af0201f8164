"""Real-browser tests: Debian's chromium driven by Playwright (no browser download)."""

import os
import shutil

import pytest
from django.db import connections

from intake.models import Adapter, Channel, Lead

# bin/test installs Debian's chromium when it is missing; these tests never skip.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the ORM calls in these tests are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # ORM calls made while Playwright's loop runs use their own connection (Django keeps
        # connections per context); close it, or PostgreSQL cannot drop the test database.
        connections.close_all()


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
