"""Accessibility check of the main pages: axe-core (vendored in tests/vendor/axe-core, never
fetched) runs in Debian's chromium on each page and finds nothing serious or critical."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from intake.models import Adapter, Channel
from qualification.models import ReviewTask
from routing.models import Rep, Team
from routing.services import lead_assign_manually
from tests.conftest import CHROMIUM, ROUTABLE_LEAD, post_lead

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "a-long-password-1"  # a test user's
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def browser():
    """One chromium for the whole module: each page gets a fresh context (no shared cookies)."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def tab(browser, live_server):
    from django.db import connections

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    # See the page fixture in conftest: close the connections Playwright's loop opened.
    connections.close_all()


@pytest.fixture
def world(django_user_model, make_leads, make_source, api):
    """Mia manages Sales and may review; Sam is its rep with one lead; a lead waits for review;
    a hosted form exists. Returns the pages under check: path, who signs in, and an element that
    shows the page has the content worth checking."""
    mia = django_user_model.objects.create_user("mia", "mia@example.com", PASSWORD, is_staff=True)
    mia.user_permissions.add(
        Permission.objects.get(
            codename="change_reviewtask", content_type__app_label="qualification"
        )
    )
    team = Team.objects.create(name="Sales", manager=mia, time_zone="America/Chicago")
    sam = django_user_model.objects.create_user("sam", "sam@example.com", PASSWORD)
    rep = Rep.objects.create(user=sam, team=team)
    lead = make_leads(
        1,
        full_name="Ann Lee",
        email="ann@gmail.com",
        phone="+1 512 555 0134",
        phone_e164="+15125550134",
    )[0]
    lead_assign_manually(lead=lead, user=mia, rep=rep)
    held = dict(ROUTABLE_LEAD, full_name="Bo Held", request_type="", message="hi")
    response = post_lead(api, held)
    assert response.status_code == 201, response.content
    task = ReviewTask.objects.get(lead_id=response.json()["id"], status=ReviewTask.Status.OPEN)
    form = make_source(name="Web form", channel=Channel.WEB, adapter=Adapter.FORM)
    return {
        "sign-in": ("/accounts/login/", None, "#id_password"),
        "rep queue": ("/queue/", "sam", "table.queue a.tel"),
        "lead page": (f"/leads/{lead.pk}/", "sam", "h1"),
        "lead page, manager's controls": (f"/leads/{lead.pk}/", "mia", "#assign-form"),
        "manager board": ("/board/", "mia", "#board-search"),
        "review queue": ("/review/", "mia", f"a[href='/review/{task.pk}/']"),
        "review item": (f"/review/{task.pk}/", "mia", "button[name=decide]"),
        "not found": ("/no-such-page/", None, "h1"),
        "hosted form": (f"/f/{form.public_id}/", None, "#full_name"),
        "weekly report": ("/reports/weekly/", "mia", "#chart-days"),
        "monthly report": ("/reports/monthly/", "mia", "#signals"),
        "rep's week": ("/reports/weekly/me/", "sam", "table.rep-figures"),
        "board from a report's number": (
            "/board/?counted=true&contacted=false&reassigned=any",
            "mia",
            "#active-filters",
        ),
    }


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def serious_violations(page) -> list[str]:
    """axe's serious and critical findings on the open page, one readable line each."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "name",
    [
        "sign-in",
        "rep queue",
        "lead page",
        "lead page, manager's controls",
        "manager board",
        "review queue",
        "review item",
        "not found",
        "hosted form",
        "weekly report",
        "monthly report",
        "rep's week",
        "board from a report's number",
    ],
)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_page_has_no_serious_accessibility_violations(tab, live_server, world, name, width):
    path, username, content = world[name]
    tab.set_viewport_size({"width": width, "height": 844})
    if username:
        sign_in(tab, live_server.url, username)
    response = tab.goto(f"{live_server.url}{path}")
    assert response is not None
    assert response.status == (404 if name == "not found" else 200), tab.url
    assert tab.url == f"{live_server.url}{path}"  # the page itself, not a sign-in redirect
    assert tab.locator(content).count() == 1, content

    found = serious_violations(tab)

    assert not found, "\n".join(found)
