"""HubSpot workflow webhook: the documented contact JSON and flat property JSON, signed v3/v2/v1."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from intake.hooks.hubspot import v1_signature, v2_signature
from intake.models import Lead, Submission
from tests.intake.hooks.conftest import post_hook, sample
from tests.intake.hooks.drivers import absolute_hook_url, hubspot_v3_signed

pytestmark = pytest.mark.django_db

# The client secret of HubSpot's worked examples (hubspot.md).
SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"


@pytest.fixture
def hubspot(hook_source):
    return hook_source("hubspot", secret=SECRET)


def signed_v3(source, body: bytes, *, timestamp=None) -> dict:
    return hubspot_v3_signed(absolute_hook_url(source), body, SECRET, timestamp)


def post_v3(client, source, body: bytes, **kwargs):
    return post_hook(client, source, body, **signed_v3(source, body, **kwargs))


def flat(**changes) -> bytes:
    data = {
        "hs_object_id": 51,
        "firstname": "Ann",
        "lastname": "Lee",
        "email": "ann.lee@gmail.com",
        "phone": "(305) 555-0100",
        "mobilephone": "+1 305 555 0199",
        "company": "Lee Roofing",
        "zip": "33130",
        "state": "FL",
        "city": "Miami",
        "country": "US",
        "message": "Need a quote for a tile roof",
        "lifecyclestage": "lead",
    }
    data.update(changes)
    return json.dumps(data).encode()


def test_the_documented_workflow_contact_becomes_a_lead_keyed_by_its_contact_id(client, hubspot):
    response = post_v3(client, hubspot, sample("hubspot_workflow_webhook_contact.json"))

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert response.json()["lead"] == lead.pk
    assert lead.email == "perf_user_970@test.com"
    assert lead.external_id == "71"
    assert lead.attributes["hubspot_portal_id"] == "62515"
    assert lead.attributes["hubspot_form_title"] == "testform"
    assert lead.attributes["hubspot_form_id"] == "762987228e694ef19530f58da2db5f63"
    # Properties that are not lead fields are kept by name, without their version history.
    assert lead.attributes["lifecyclestage"] == "lead"
    assert lead.attributes["hs_analytics_source"] == "DIRECT_TRAFFIC"
    assert "profile-token" not in lead.attributes
    assert Submission.objects.get().status == Submission.Status.PROCESSED


def test_the_flat_json_of_chosen_properties_fills_the_lead_fields(client, hubspot):
    response = post_v3(client, hubspot, flat())

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.company) == ("Ann", "Lee", "Lee Roofing")
    assert lead.phone_e164 == "+13055550100"
    assert (lead.postal_code, lead.city, lead.state, lead.country) == ("33130", "Miami", "FL", "US")
    assert lead.message == "Need a quote for a tile roof"
    assert lead.external_id == "51"
    # The second phone is kept, not dropped and not overwriting the first.
    assert lead.attributes["hubspot_mobilephone"] == "+1 305 555 0199"
    assert not lead.is_test


def test_a_custom_property_is_renamed_by_the_sources_field_map(client, hook_source):
    source = hook_source("hubspot", secret=SECRET, field_map={"service_needed": "request_type"})

    response = post_v3(client, source, flat(service_needed="roofing"))

    assert response.status_code == 201, response.content
    assert Lead.objects.get().request_type == "roofing"


def test_a_contact_on_example_com_is_a_test_lead(client, hubspot):
    response = post_v3(client, hubspot, flat(email="jane@example.com"))

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert lead.is_test
    assert "test" in lead.flags


def test_the_v1_and_v2_worked_examples_give_hubspots_signatures():
    body = sample("hubspot_webhook_contact_creation.json")

    assert v1_signature(SECRET, body) == (
        "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    )
    assert v2_signature(SECRET, "GET", "https://www.example.com/webhook_uri", b"") == (
        "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"
    )


def test_a_webhooks_api_batch_signed_v1_is_verified_then_refused_naming_the_body(client, hubspot):
    # The documented v1 worked example, byte for byte: genuine, but it carries no contact.
    response = post_hook(
        client,
        hubspot,
        sample("hubspot_webhook_contact_creation.json"),
        HTTP_X_HUBSPOT_SIGNATURE="232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de",
        HTTP_X_HUBSPOT_SIGNATURE_VERSION="v1",
    )

    assert response.status_code == 400
    reason = response.json()["errors"]["body"][0]
    assert "Webhooks API" in reason and "Send a webhook" in reason
    assert Submission.objects.get().status == Submission.Status.INVALID
    assert not Lead.objects.exists()


def test_a_v2_signature_over_method_uri_and_body_is_accepted(client, hubspot):
    body = flat()
    url = absolute_hook_url(hubspot)
    signature = hashlib.sha256(SECRET.encode() + b"POST" + url.encode() + body)

    response = post_hook(
        client,
        hubspot,
        body,
        HTTP_X_HUBSPOT_SIGNATURE=signature.hexdigest(),
        HTTP_X_HUBSPOT_SIGNATURE_VERSION="v2",
    )

    assert response.status_code == 201, response.content


def test_a_tampered_v1_signature_is_401(client, hubspot):
    body = sample("hubspot_webhook_contact_creation.json")

    response = post_hook(
        client,
        hubspot,
        body,
        HTTP_X_HUBSPOT_SIGNATURE="0" * 64,
        HTTP_X_HUBSPOT_SIGNATURE_VERSION="v1",
    )

    assert response.status_code == 401
    assert Submission.objects.get().status == Submission.Status.REJECTED


def test_an_unknown_signature_version_is_401(client, hubspot):
    body = flat()

    response = post_hook(
        client,
        hubspot,
        body,
        HTTP_X_HUBSPOT_SIGNATURE=v1_signature(SECRET, body),
        HTTP_X_HUBSPOT_SIGNATURE_VERSION="v9",
    )

    assert response.status_code == 401


def test_a_v3_timestamp_older_than_five_minutes_is_401(client, hubspot, time_machine):
    time_machine.move_to(datetime(2025, 3, 3, 12, 0, tzinfo=UTC), tick=False)
    headers = signed_v3(hubspot, flat())

    time_machine.move_to(datetime(2025, 3, 3, 12, 5, 1, tzinfo=UTC), tick=False)
    response = post_hook(client, hubspot, flat(), **headers)

    assert response.status_code == 401
    assert "old" in response.json()["errors"]["signature"][0]
    assert Submission.objects.get().status == Submission.Status.REJECTED


def test_a_v3_delivery_within_five_minutes_is_accepted(client, hubspot, time_machine):
    start = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    headers = signed_v3(hubspot, flat())

    time_machine.move_to(start + timedelta(minutes=4), tick=False)
    response = post_hook(client, hubspot, flat(), **headers)

    assert response.status_code == 201, response.content


def test_a_v3_timestamp_that_is_not_milliseconds_is_401(client, hubspot):
    response = post_v3(client, hubspot, flat(), timestamp="yesterday")

    assert response.status_code == 401
    assert "milliseconds" in response.json()["errors"]["signature"][0]


def test_the_same_contact_posted_again_by_a_re_enrolment_is_a_new_touch(client, hubspot):
    post_v3(client, hubspot, flat())

    response = post_v3(client, hubspot, flat(message="Also the gutters, please"))

    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert lead.touch_count == 2
    assert lead.external_id == "51"


def test_a_broken_json_body_is_400_naming_the_body_never_500(client, hubspot):
    response = post_v3(client, hubspot, b'{"firstname": "Ann",')

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["errors"]["body"][0]
    assert Submission.objects.get().status == Submission.Status.INVALID


def test_properties_that_are_not_an_object_are_400_naming_them(client, hubspot):
    response = post_v3(client, hubspot, json.dumps({"vid": 1, "properties": ["email"]}).encode())

    assert response.status_code == 400
    assert "properties" in response.json()["errors"]


def test_a_property_of_the_wrong_type_is_400_naming_the_field(client, hubspot):
    response = post_v3(client, hubspot, flat(email={"value": "ann@gmail.com"}))

    assert response.status_code == 400
    assert "email" in response.json()["errors"]
