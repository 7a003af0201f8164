"""A rep's "receiving leads" switch: a pause with an end lapses by itself for routing, the
board and the reps API; each change is an `AvailabilityChange`; who may change it."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from routing.admin import RepAdmin
from routing.availability import next_local_time, paused_now, unavailable_reason
from routing.models import AvailabilityChange, Rep
from routing.services import rep_availability_set, route_lead

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
# Monday 23 Nov 2026, 12:00 in Chicago (CST, UTC-6).
NOON = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
TWO_PM = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


# --- the rule ------------------------------------------------------------------------------


def test_a_pause_holds_until_its_end_and_a_pause_without_one_until_lifted():
    assert paused_now(paused=True, paused_until=None, now=NOON)
    assert paused_now(paused=True, paused_until=TWO_PM, now=TWO_PM - timedelta(seconds=1))
    assert not paused_now(paused=True, paused_until=TWO_PM, now=TWO_PM)
    assert not paused_now(paused=False, paused_until=TWO_PM, now=NOON)


def reason(now, paused_until):
    return unavailable_reason(
        now=now,
        is_active=True,
        paused=True,
        paused_until=paused_until,
        away_until=None,
        zone=CHICAGO,
        hours=None,
        open_leads=0,
        max_open_leads=None,
        new_today=0,
        max_new_per_day=None,
    )


def test_the_reason_names_the_end_of_the_pause_in_the_reps_zone():
    assert reason(NOON, None) == "paused"
    assert reason(NOON, TWO_PM) == "paused until 14:00 CST"
    assert reason(NOON, TWO_PM + timedelta(days=1)) == "paused until Tue Nov 24 14:00 CST"
    assert reason(TWO_PM, TWO_PM) is None  # over: available again


def test_back_at_is_the_next_time_the_clock_reads_it_in_the_zone():
    assert next_local_time(time(14, 0), CHICAGO, NOON) == TWO_PM
    # 09:00 has passed at noon: tomorrow's.
    assert next_local_time(time(9, 0), CHICAGO, NOON) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_back_at_refuses_a_time_the_dst_change_skips():
    # Sunday 8 March 2026, 01:00 in Chicago: the clocks jump from 02:00 to 03:00.
    night = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="does not exist"):
        next_local_time(time(2, 30), CHICAGO, night)
    assert next_local_time(time(3, 0), CHICAGO, night) == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)


# --- the service -----------------------------------------------------------------------------


def test_turning_off_until_a_time_pauses_the_rep_and_records_the_change(personas):
    ann = personas.ann

    change = rep_availability_set(
        rep=ann, receiving=False, until=TWO_PM, by_user=ann.user, now=NOON
    )

    ann.refresh_from_db()
    assert (ann.paused, ann.paused_until) == (True, TWO_PM)
    assert change is not None
    assert (change.rep, change.receiving, change.until, change.at, change.by) == (
        ann,
        False,
        TWO_PM,
        NOON,
        ann.user,
    )


def test_turning_on_again_clears_the_pause_and_is_a_second_change(personas):
    ann = personas.ann
    rep_availability_set(rep=ann, receiving=False, by_user=ann.user, now=NOON)

    rep_availability_set(rep=ann, receiving=True, by_user=ann.user, now=TWO_PM)

    ann.refresh_from_db()
    assert (ann.paused, ann.paused_until) == (False, None)
    assert list(
        AvailabilityChange.objects.filter(rep=ann).order_by("at").values_list("receiving", "until")
    ) == [(False, None), (True, None)]


def test_asking_for_what_already_holds_records_nothing(personas):
    ann = personas.ann
    assert rep_availability_set(rep=ann, receiving=True, by_user=ann.user, now=NOON) is None
    rep_availability_set(rep=ann, receiving=False, until=TWO_PM, by_user=ann.user, now=NOON)

    again = rep_availability_set(rep=ann, receiving=False, until=TWO_PM, by_user=ann.user, now=NOON)

    assert again is None
    assert AvailabilityChange.objects.filter(rep=ann).count() == 1


def test_turning_on_after_a_pause_lapsed_clears_the_flag_without_a_change(personas):
    ann = personas.ann
    rep_availability_set(rep=ann, receiving=False, until=TWO_PM, by_user=ann.user, now=NOON)

    later = rep_availability_set(
        rep=ann, receiving=True, by_user=ann.user, now=TWO_PM + timedelta(minutes=5)
    )

    ann.refresh_from_db()
    assert later is None and (ann.paused, ann.paused_until) == (False, None)
    assert AvailabilityChange.objects.filter(rep=ann).count() == 1


@pytest.mark.parametrize(
    ("receiving", "until", "message"),
    [
        (False, NOON - timedelta(minutes=1), "in the future"),
        (False, NOON + timedelta(days=31), "at most 30 days"),
        (True, TWO_PM, "only to a pause"),
    ],
)
def test_a_bad_time_to_come_back_is_refused_on_its_field(personas, receiving, until, message):
    with pytest.raises(ValidationError) as refused:
        rep_availability_set(
            rep=personas.ann, receiving=receiving, until=until, by_user=personas.ann.user, now=NOON
        )

    assert message in str(refused.value.message_dict["until"])
    assert not Rep.objects.get(pk=personas.ann.pk).paused


def test_the_manager_and_staff_may_pause_a_rep_but_another_rep_may_not(personas):
    ann = personas.ann
    for who in (personas.bob.user, personas.cat.user, personas.other_manager):
        with pytest.raises(PermissionDenied):
            rep_availability_set(rep=ann, receiving=False, by_user=who, now=NOON)

    rep_availability_set(rep=ann, receiving=False, by_user=personas.manager, now=NOON)
    rep_availability_set(rep=ann, receiving=True, by_user=personas.staff, now=NOON)

    assert [c.by for c in AvailabilityChange.objects.order_by("id")] == [
        personas.manager,
        personas.staff,
    ]


def test_pausing_a_rep_in_the_admin_is_a_change_too(personas, django_user_model):
    ann = personas.ann
    staff = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    request = RequestFactory().post("/")
    request.user = staff
    admin = RepAdmin(Rep, AdminSite())
    form_class = admin.get_form(request, ann, change=True)
    data = {
        "user": ann.user_id,
        "team": ann.team_id,
        "is_active": "on",
        "paused": "on",
        "weight": 1,
        "time_zone": "America/Chicago",
    }
    form = form_class(data, instance=ann)
    assert form.is_valid(), form.errors
    assert "paused" in form.changed_data

    admin.save_model(request, form.save(commit=False), form, change=True)

    (change,) = AvailabilityChange.objects.all()
    assert (change.rep, change.receiving, change.until, change.by) == (ann, False, None, staff)


# --- routing, the board and the reps API see it at once ---------------------------------------


def test_the_engine_skips_a_paused_rep_until_the_pause_ends_by_itself(
    personas, make_rule, make_leads, time_machine
):
    ann, bob = personas.ann, personas.bob
    make_rule(pool_reps=[ann, bob])
    time_machine.move_to(NOON, tick=False)
    rep_availability_set(rep=ann, receiving=False, until=TWO_PM, by_user=ann.user)

    before = [route_lead(lead) for lead in make_leads(3)]

    assert {d.rep for d in before} == {bob}
    ann_seen = next(c for c in before[0].candidates if c["rep_id"] == ann.pk)
    assert ann_seen["excluded"] == "paused until 14:00 CST"

    time_machine.move_to(TWO_PM, tick=False)  # nobody saves anything
    after = [route_lead(lead) for lead in make_leads(2)]

    assert {d.rep for d in after} == {ann, bob}


def test_a_bulk_pause_with_no_end_holds_for_the_engine(personas, make_rule, make_leads):
    ann, bob = personas.ann, personas.bob
    make_rule(pool_reps=[ann, bob])
    # An update() saves no rep: the engine reads the flags fresh under its locks.
    Rep.objects.filter(pk=ann.pk).update(paused=True, paused_until=None)

    assert {route_lead(lead).rep for lead in make_leads(4)} == {bob}


def test_the_board_and_the_reps_api_show_the_pause_with_its_end(client, personas, time_machine):
    from intake import services as intake_services

    ann = personas.ann
    time_machine.move_to(NOON, tick=False)
    rep_availability_set(rep=ann, receiving=False, until=TWO_PM, by_user=ann.user)
    client.force_login(personas.manager)
    _, raw = intake_services.api_token_create(username=personas.manager.username)
    api = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    board = client.get("/board/").content.decode()
    reps = {r["username"]: r for r in client.get("/api/v1/reps/", **api).json()["results"]}

    assert "paused until 14:00 CST" in board
    assert reps["ann"]["paused"] is True
    assert reps["ann"]["paused_until"] == "2026-11-23T20:00:00Z"
    assert reps["ann"]["availability"]["reason"] == "paused until 14:00 CST"
    assert reps["bob"]["paused"] is False and reps["bob"]["paused_until"] is None

    time_machine.move_to(TWO_PM, tick=False)
    reps = {r["username"]: r for r in client.get("/api/v1/reps/", **api).json()["results"]}
    assert "paused until" not in client.get("/board/").content.decode()
    assert reps["ann"]["paused"] is False and reps["ann"]["paused_until"] is None
    assert reps["ann"]["availability"]["available"] is True


# --- the queue page's switch ------------------------------------------------------------------


def test_the_switch_on_the_queue_page_pauses_until_back_at_and_turns_on_again(
    client, personas, time_machine
):
    ann = personas.ann
    time_machine.move_to(NOON, tick=False)
    client.force_login(ann.user)
    assert "Receiving leads: on." in client.get("/queue/").content.decode()

    response = client.post("/queue/receiving/", {"receiving": "off", "back_at": "14:00"})

    assert response.status_code == 302 and response.url == "/queue/"
    page = client.get("/queue/").content.decode()
    assert "You receive no new leads until 14:00 CST." in page
    assert "Not receiving leads until 14:00 CST." in page
    ann.refresh_from_db()
    assert (ann.paused, ann.paused_until) == (True, TWO_PM)

    client.post("/queue/receiving/", {"receiving": "on"})

    assert "Receiving leads: on." in client.get("/queue/").content.decode()
    assert AvailabilityChange.objects.filter(rep=ann).count() == 2


def test_without_back_at_the_pause_holds_until_turned_on(client, personas):
    client.force_login(personas.ann.user)

    client.post("/queue/receiving/", {"receiving": "off", "back_at": ""})

    page = client.get("/queue/").content.decode()
    assert "Not receiving new leads until you turn this back on." in page
    assert Rep.objects.get(pk=personas.ann.pk).paused_until is None


def test_a_back_at_the_dst_change_skips_is_refused_on_the_picker(client, personas, time_machine):
    time_machine.move_to(datetime(2026, 3, 8, 7, 0, tzinfo=UTC), tick=False)
    client.force_login(personas.ann.user)

    response = client.post("/queue/receiving/", {"receiving": "off", "back_at": "02:30"})

    assert response.status_code == 400
    assert "does not exist" in response.content.decode()
    assert not Rep.objects.get(pk=personas.ann.pk).paused


def test_a_user_who_is_no_rep_has_no_switch(client, personas):
    client.force_login(personas.manager)

    assert "Receiving leads" not in client.get("/queue/").content.decode()
    assert client.post("/queue/receiving/", {"receiving": "off"}).status_code == 404


def test_the_admin_refuses_a_pause_whose_end_has_passed(personas):
    ann = personas.ann
    ann.paused, ann.paused_until = True, NOON
    with pytest.raises(ValidationError) as refused:
        ann.full_clean()
    assert "This time has passed" in str(refused.value.message_dict["paused_until"])

    ann.paused = False
    ann.full_clean()
    assert ann.paused_until is None  # unticked: the end goes with the pause
