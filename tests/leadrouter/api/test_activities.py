"""`POST /api/v1/leads/{id}/activities/`: a dialer or a CRM logs a contact attempt with a
user's token, through the lead page's own service, for the leads that user may work."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from intake import services as intake_services
from intake.models import Lead, LeadEvent, LeadStatus
from routing.models import Activity
from routing.services import lead_status_change
from tests.routing.conftest import give, personas  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
CALL = {"kind": "call", "outcome": "reached", "note": "Wants a quote"}


@pytest.fixture
def lead(make_leads, personas, give):  # noqa: F811
    lead = make_leads(1, full_name="Ann Lee", email="ann.lee@gmail.com")[0]
    give(lead, rep=personas.ann)
    return lead


def client_for(user) -> APIClient:
    _, raw = intake_services.api_token_create(username=user.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def url(lead) -> str:
    return f"/api/v1/leads/{lead.pk}/activities/"


def test_a_rep_logs_a_call_on_their_own_lead_and_it_is_on_the_timeline(lead, personas):  # noqa: F811
    client = client_for(personas.ann.user)

    with time_machine.travel(MONDAY_NOON, tick=False):
        response = client.post(url(lead), CALL, format="json")

    assert response.status_code == 201, response.content
    activity = Activity.objects.get(lead=lead)
    assert response.json() == {
        "id": activity.pk,
        "lead": lead.pk,
        "kind": "call",
        "outcome": "reached",
        "note": "Wants a quote",
        "callback_at": None,
        "at": "2026-11-23T18:00:00Z",
        "user": "ann",
        "lead_status": "contacted",
    }
    assert (activity.user, activity.rep) == (personas.ann.user, personas.ann)
    events = client.get(f"/api/v1/leads/{lead.pk}/").json()["events"]
    logged = [event for event in events if event["kind"] == LeadEvent.Kind.ACTIVITY]
    assert [(event["actor"], event["message"]) for event in logged] == [
        ("ann", "Call: Reached — Wants a quote")
    ]


def test_a_later_attempt_answers_the_status_it_leaves_alone(lead, personas):  # noqa: F811
    lead_status_change(lead=lead, user=personas.ann.user, status="qualified")

    response = client_for(personas.ann.user).post(
        url(lead), {"kind": "email", "outcome": "message_sent"}, format="json"
    )

    assert response.status_code == 201
    assert (response.json()["lead_status"], response.json()["note"]) == ("qualified", "")


def test_another_reps_lead_does_not_exist_for_a_rep(lead, personas):  # noqa: F811
    for rep in (personas.bob, personas.cat):
        response = client_for(rep.user).post(url(lead), CALL, format="json")

        assert response.status_code == 404
        assert response.json() == {"errors": {"detail": ["Not found."]}}
    assert not Activity.objects.exists()


def test_the_teams_manager_and_staff_log_on_a_reps_lead(lead, personas):  # noqa: F811
    by_manager = client_for(personas.manager).post(url(lead), CALL, format="json")
    by_staff = client_for(personas.staff).post(url(lead), CALL, format="json")

    assert (by_manager.status_code, by_manager.json()["user"]) == (201, "mia")
    assert (by_staff.status_code, by_staff.json()["user"]) == (201, "sue")
    assert Activity.objects.filter(lead=lead).count() == 2


def test_another_teams_manager_gets_404(lead, personas):  # noqa: F811
    response = client_for(personas.other_manager).post(url(lead), CALL, format="json")

    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_a_source_key_is_403_and_no_credentials_401(lead, make_source):
    source = make_source(name="Dialer")
    with_key = APIClient()
    with_key.credentials(HTTP_AUTHORIZATION=f"Bearer {source.raw_key}")

    forbidden = with_key.post(url(lead), CALL, format="json")
    anonymous = APIClient().post(url(lead), CALL, format="json")

    assert forbidden.status_code == 403
    assert "source key" in forbidden.json()["errors"]["detail"][0]
    assert (anonymous.status_code, anonymous["WWW-Authenticate"]) == (401, "Bearer")
    assert not Activity.objects.exists()


def test_an_unknown_kind_is_400_listing_the_allowed_values(lead, personas):  # noqa: F811
    response = client_for(personas.ann.user).post(
        url(lead), {"kind": "fax", "outcome": "teleported"}, format="json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"kind", "outcome"}
    assert errors["kind"] == ['"fax" is not allowed; choose one of: call, email, sms, meeting.']
    assert "left_voicemail" in errors["outcome"][0]
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "callback_at, reason",
    [
        ("2026-11-23T11:59:00-06:00", "in the future"),
        ("2027-11-24T12:00:00-06:00", "within 365 days"),
        ("2026-11-24T10:00:00", "with its offset"),
        ("tomorrow at ten", "Datetime has wrong format"),
        ("9999-12-31T23:59:59-23:59", "out of range"),
    ],
)
def test_a_bad_call_back_time_is_400_naming_it(lead, personas, callback_at, reason):  # noqa: F811
    client = client_for(personas.ann.user)

    with time_machine.travel(MONDAY_NOON, tick=False):
        response = client.post(url(lead), {**CALL, "callback_at": callback_at}, format="json")

    assert response.status_code == 400, response.content
    assert reason in response.json()["errors"]["callback_at"][0]
    assert not Activity.objects.exists()


def test_a_call_back_time_with_its_offset_is_stored_as_that_instant(lead, personas):  # noqa: F811
    client = client_for(personas.ann.user)
    body = {"kind": "call", "outcome": "scheduled", "callback_at": "2026-11-24T09:30:00-06:00"}

    with time_machine.travel(MONDAY_NOON, tick=False):
        response = client.post(url(lead), body, format="json")

    assert response.status_code == 201
    assert response.json()["callback_at"] == "2026-11-24T15:30:00Z"
    assert Activity.objects.get().callback_at == datetime(2026, 11, 24, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize("status", ["won", "lost", "disqualified"])
def test_a_closed_lead_is_409_saying_so(lead, personas, status):  # noqa: F811
    lead_status_change(lead=lead, user=personas.ann.user, status=status, value=10, reason="x")

    response = client_for(personas.ann.user).post(url(lead), CALL, format="json")

    assert response.status_code == 409
    (reason,) = response.json()["errors"]["lead"]
    assert reason == f"The lead is closed ({LeadStatus(status).label}); log no more attempts."
    assert not Activity.objects.exists()


def test_a_merged_lead_is_409_naming_the_lead_to_work_on(lead, personas):  # noqa: F811
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.MERGED)

    response = client_for(personas.staff).post(url(lead), CALL, format="json")

    assert response.status_code == 409
    assert "work on that one" in response.json()["errors"]["non_field_errors"][0]


def test_a_signed_in_session_needs_the_csrf_token(lead, personas):  # noqa: F811
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.ann.user)
    browser.get(f"/leads/{lead.pk}/")  # the lead page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value

    without = browser.post(url(lead), CALL, content_type="application/json")
    with_token = browser.post(
        url(lead), CALL, content_type="application/json", headers={"X-CSRFToken": token}
    )

    assert without.status_code == 403 and "CSRF" in without.json()["errors"]["detail"][0]
    assert with_token.status_code == 201
    assert Activity.objects.filter(lead=lead).count() == 1


def test_a_body_that_is_not_json_is_refused(lead, personas):  # noqa: F811
    client = client_for(personas.ann.user)

    form = client.post(url(lead), CALL)  # multipart: the API reads JSON only
    garbled = client.post(url(lead), "{", content_type="application/json")

    assert form.status_code == 415
    assert garbled.status_code == 400
    assert not Activity.objects.exists()


def test_a_call_back_one_second_ahead_is_accepted(lead, personas):  # noqa: F811
    client = client_for(personas.ann.user)
    one_second_later = (MONDAY_NOON + timedelta(seconds=1)).isoformat()

    with time_machine.travel(MONDAY_NOON, tick=False):
        response = client.post(url(lead), {**CALL, "callback_at": one_second_later}, format="json")

    assert response.status_code == 201
