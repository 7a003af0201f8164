"""Real-browser test of the sweeps' heartbeats in the admin: on a phone-wide screen, in the
viewer's own time zone, in plain words."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from leadrouter.heartbeat import SWEEPS, record_sweep

# The migrations that make the sweeps' schedules, and the function of each that makes them.
SCHEDULE_MIGRATIONS = [
    ("intake.migrations.0002_cache_table_and_schedules", "create_schedules"),
    ("intake.migrations.0010_rate_windows_purge_schedule", "create_schedule"),
    ("routing.migrations.0002_route_parked_schedule", "create_schedule"),
    ("routing.migrations.0006_assignment_notified_sweeps", "create_schedules"),
    ("routing.migrations.0010_sla_policies", "create_schedule"),
]


def schedules_as_migrate_makes_them():
    # A test with a live server may start from a database an earlier such test emptied.
    for module, function in SCHEDULE_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.mark.django_db(transaction=True)
def test_staff_see_each_sweep_on_time_or_late_in_their_own_time_zone(
    page, live_server, django_user_model, time_machine
):
    schedules_as_migrate_makes_them()
    django_user_model.objects.create_superuser("ops", "ops@example.com", "a-long-password-1")
    ran_at = datetime(2026, 11, 30, 12, 0, 5, tzinfo=UTC)
    time_machine.move_to(ran_at - timedelta(minutes=10), tick=False)
    with record_sweep("routing: recover stranded leads") as beat:
        beat.rows_acted = 0
    time_machine.move_to(ran_at, tick=False)
    for name in SWEEPS:
        if name != "routing: recover stranded leads":
            with record_sweep(name) as beat:
                beat.rows_acted = 7
    time_machine.move_to(ran_at + timedelta(seconds=20), tick=True)
    assert timezone.now() < ran_at + timedelta(minutes=1)

    browser = page.context.browser
    context = browser.new_context(
        timezone_id="America/Chicago", viewport={"width": 390, "height": 844}
    )
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    phone.goto(f"{live_server.url}/admin/login/?next=/admin/leadrouter/sweepheartbeat/")
    phone.fill("#id_username", "ops")
    phone.fill("#id_password", "a-long-password-1")
    phone.click("input[type=submit]")
    phone.wait_for_url(f"{live_server.url}/admin/leadrouter/sweepheartbeat/")

    assert phone.inner_text("h1") == "Sweep heartbeats"
    rows = {
        row.query_selector("td.field-sweep, th.field-sweep").inner_text(): row
        for row in phone.query_selector_all("#result_list tbody tr")
    }
    assert set(rows) == set(SWEEPS)
    parked = rows["routing: retry parked leads"]
    # 12:00:05 UTC is 06:00:05 in Chicago, labelled with the viewer's zone.
    assert parked.query_selector("td.field-last_run").inner_text() == (
        "2026-11-30 06:00:05 (America/Chicago)"
    )
    assert parked.query_selector("td.field-duration").inner_text() == "0 ms"
    assert parked.query_selector("td.field-rows_acted").inner_text() == "7"
    assert parked.query_selector("td.field-status").inner_text() == "on time"
    stranded = rows["routing: recover stranded leads"]
    assert stranded.query_selector("td.field-status").inner_text() == "late"
    assert stranded.query_selector("td.field-why_late").inner_text() == (
        "its last run ended 10 min ago; late after 3 min"
    )
    assert parked.query_selector("td.field-why_late").inner_text() == "-"
    # Read-only: nothing to add, no row to open.
    assert phone.query_selector("#content .object-tools a.addlink") is None
    assert phone.query_selector("#result_list tbody a") is None
    # Fits a 390 px screen: the page itself does not scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
