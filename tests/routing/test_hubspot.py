"""The two-way HubSpot sync against a fake HubSpot on 127.0.0.1 (tests.routing.fake_hubspot):
the outbox's rows sent by the same task as the webhooks', retries on HubSpot's 429 and 5xx,
and HubSpot's deal and lifecycle events turned into lead statuses without an echo."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from intake.models import LeadStatus, Submission, WebhookDelivery
from intake.tasks import lead_detail
from intake.webhooks.services import webhooks_send_for_lead
from routing.hubspot_api import HubSpotError
from routing.models import HubSpotContact, HubSpotOwner, HubSpotSyncEntry
from routing.services import (
    hubspot_connection_save,
    hubspot_events_apply,
    hubspot_owners_refresh,
    lead_assign_manually,
    lead_status_change,
    route_lead,
)
from routing.services.hubspot import hubspot_connection_get
from tests.intake.hooks.conftest import post_hook
from tests.intake.hooks.drivers import absolute_hook_url, hubspot_v3_signed
from tests.routing.fake_hubspot import FakeHubSpot

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
CLIENT_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
ANN = {
    "first_name": "Ann",
    "last_name": "Lee",
    "email": "ann@gmail.com",
    "email_normalized": "ann@gmail.com",
    "phone_e164": "+15125550134",
}


@pytest.fixture
def hubspot(settings, time_machine):
    time_machine.move_to(MONDAY_10, tick=False)
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False
    settings.HUBSPOT_PRIVATE_APP_TOKEN = ""
    with FakeHubSpot() as server:
        settings.HUBSPOT_API_BASE = server.url
        server.owners = [
            {
                "id": "77",
                "email": "Sam@Agency.com",
                "firstName": "Sam",
                "lastName": "Hill",
                "archived": False,
            },
        ]
        yield server


@pytest.fixture
def connection(hubspot):
    return hubspot_connection_save(token=TOKEN)


@pytest.fixture
def sam(make_rep, connection):
    rep = make_rep("sam")
    rep.user.email = "sam@agency.com"
    rep.user.save()
    hubspot_owners_refresh(connection=connection)
    return rep


@pytest.fixture
def routed(make_leads, make_rule):
    rules = {}

    def make(rep, **fields):
        if rep.pk not in rules:
            rules[rep.pk] = make_rule(f"Rule of {rep}", pool_reps=[rep])
        (lead,) = make_leads(1, **{**ANN, **fields})
        route_lead(lead, now=MONDAY_10)
        lead.refresh_from_db()
        return lead

    return make


def send(lead, at=None) -> int:
    return webhooks_send_for_lead(lead_id=lead.pk, render=lead_detail, now=at)


def only_delivery(lead) -> WebhookDelivery:
    return WebhookDelivery.objects.get(lead=lead, endpoint__kind="hubspot")


def test_owners_are_fetched_and_matched_to_reps_by_email(hubspot, sam):
    owner = HubSpotOwner.objects.get(owner_id="77")
    assert owner.rep == sam and owner.matched_by == HubSpotOwner.Match.EMAIL
    assert hubspot.calls[0].authorization == f"Bearer {TOKEN}"


def test_an_assigned_lead_creates_the_contact_with_its_owner_and_a_note(hubspot, sam, routed):
    lead = routed(sam)

    send(lead)

    (contact_id,) = hubspot.contacts
    assert hubspot.contacts[contact_id] == {
        "email": "ann@gmail.com",
        "firstname": "Ann",
        "lastname": "Lee",
        "phone": "+15125550134",
        "lifecyclestage": "lead",
        "hs_lead_status": "NEW",
        "hubspot_owner_id": "77",
    }
    (note,) = hubspot.notes.values()
    assert note["associations"][0]["to"] == {"id": contact_id}
    assert note["associations"][0]["types"][0]["associationTypeId"] == 202
    text = note["properties"]["hs_note_body"]
    assert "LeadRouter assigned this lead to Sam." in text and "Why:" in text
    assert HubSpotContact.objects.get(lead=lead).contact_id == contact_id
    assert only_delivery(lead).state == WebhookDelivery.State.DELIVERED
    entry = HubSpotSyncEntry.objects.get(lead=lead)
    assert entry.summary.startswith(f"created contact {contact_id}; owner 77")
    assert entry.warning == ""


def test_a_second_event_updates_the_same_contact_and_writes_no_second_note(hubspot, sam, routed):
    lead = routed(sam)
    send(lead)
    hubspot.calls.clear()

    lead_status_change(lead=lead, user=sam.user, status="contacted")
    send(lead)

    assert len(hubspot.contacts) == 1 and len(hubspot.notes) == 1
    (contact_id,) = hubspot.contacts
    assert hubspot.contacts[contact_id]["hs_lead_status"] == "CONNECTED"
    assert len(hubspot.calls_to("PATCH", f"/crm/v3/objects/contacts/{contact_id}")) == 1
    assert [c.method for c in hubspot.calls] == ["PATCH"]  # the mapping: no search


def test_a_contact_deleted_in_hubspot_is_made_again_on_the_next_event(hubspot, sam, routed):
    lead = routed(sam)
    send(lead)
    hubspot.contacts.clear()  # deleted in HubSpot

    lead_status_change(lead=lead, user=sam.user, status="contacted")
    send(lead)

    (contact_id,) = hubspot.contacts
    assert hubspot.contacts[contact_id]["hs_lead_status"] == "CONNECTED"
    assert HubSpotContact.objects.get(lead=lead).contact_id == contact_id


def test_a_reassignment_moves_the_owner_and_keeps_the_lead_status(
    hubspot, sam, routed, make_rep, admin_user
):
    hubspot.owners.append(
        {"id": "88", "email": "bob@agency.com", "firstName": "Bob", "archived": False}
    )
    bob = make_rep("bob")
    bob.user.email = "bob@agency.com"
    bob.user.save()
    hubspot_owners_refresh(connection=hubspot_connection_get())
    lead = routed(sam)
    lead_status_change(lead=lead, user=sam.user, status="contacted")

    lead_assign_manually(lead=lead, user=admin_user, rep=bob)
    send(lead)

    (contact,) = hubspot.contacts.values()
    assert contact["hubspot_owner_id"] == "88" and contact["hs_lead_status"] == "CONNECTED"
    notes = [n["properties"]["hs_note_body"] for n in hubspot.notes.values()]
    assert len(notes) == 2 and "LeadRouter reassigned this lead to Bob." in notes[1]


def test_an_existing_contact_is_found_by_email(hubspot, sam, routed):
    existing = hubspot.add_contact(email="ann@gmail.com", firstname="Ann")
    lead = routed(sam)

    send(lead)

    assert list(hubspot.contacts) == [existing]
    assert hubspot.contacts[existing]["hubspot_owner_id"] == "77"
    assert HubSpotContact.objects.get(lead=lead).contact_id == existing
    assert "by e-mail" in HubSpotSyncEntry.objects.get(lead=lead).summary


def test_an_existing_contact_is_found_by_phone_when_the_email_finds_none(hubspot, sam, routed):
    existing = hubspot.add_contact(phone="+15125550134", firstname="Ann")
    lead = routed(sam)

    send(lead)

    assert list(hubspot.contacts) == [existing]
    searches = [
        c.body["filterGroups"][0]["filters"][0]["propertyName"]
        for c in hubspot.calls_to("POST", "/crm/v3/objects/contacts/search")
    ]
    assert searches == ["email", "phone"]
    assert "by phone" in HubSpotSyncEntry.objects.get(lead=lead).summary


def test_a_409_on_create_updates_the_contact_hubspot_names(hubspot, sam, routed):
    lead = routed(sam)
    # HubSpot's search lags behind its writes: it finds nothing, the create then conflicts.
    existing = hubspot.add_contact(email="ann@gmail.com")
    hubspot.fail(200, {"total": 0, "results": []})  # the e-mail search
    hubspot.fail(200, {"total": 0, "results": []})  # the phone search

    send(lead)

    assert list(hubspot.contacts) == [existing]
    assert hubspot.contacts[existing]["hubspot_owner_id"] == "77"
    assert HubSpotContact.objects.get(lead=lead).contact_id == existing
    assert "409" in HubSpotSyncEntry.objects.get(lead=lead).summary


def test_a_429_is_retried_after_its_retry_after(hubspot, sam, routed):
    lead = routed(sam)
    hubspot.fail(
        429,
        {
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
        },
        headers={"Retry-After": "7"},
    )

    send(lead)

    delivery = only_delivery(lead)
    assert delivery.state == WebhookDelivery.State.PENDING and not hubspot.contacts
    wait = delivery.next_attempt_at - MONDAY_10
    assert timedelta(seconds=7) <= wait < timedelta(seconds=8)
    (attempt,) = delivery.attempt_log.all()
    assert attempt.status_code == 429 and "rate limit" in attempt.error

    assert send(lead, at=MONDAY_10 + timedelta(seconds=5)) == 0  # not yet
    assert send(lead, at=MONDAY_10 + timedelta(seconds=8)) == 1
    assert len(hubspot.contacts) == 1 and len(hubspot.notes) == 1


def test_a_5xx_is_retried_on_the_backoff_schedule(hubspot, sam, routed):
    lead = routed(sam)
    hubspot.fail(502)

    send(lead)

    delivery = only_delivery(lead)
    assert delivery.state == WebhookDelivery.State.PENDING
    wait = delivery.next_attempt_at - MONDAY_10
    assert timedelta(seconds=5) <= wait < timedelta(seconds=6)  # RETRY_DELAYS[0]
    assert send(lead, at=MONDAY_10 + timedelta(seconds=6)) == 1
    assert len(hubspot.contacts) == 1


def test_a_note_that_failed_is_retried_on_the_same_contact(hubspot, sam, routed):
    lead = routed(sam)
    hubspot.fail(503, path="/crm/v3/objects/notes")

    send(lead)
    assert len(hubspot.contacts) == 1 and not hubspot.notes
    assert send(lead, at=MONDAY_10 + timedelta(seconds=6)) == 1

    assert len(hubspot.contacts) == 1 and len(hubspot.notes) == 1
    (contact_id,) = hubspot.contacts
    assert len(hubspot.calls_to("POST", "/crm/v3/objects/contacts")) == 3  # 2 searches, 1 create
    assert hubspot.calls_to("PATCH", f"/crm/v3/objects/contacts/{contact_id}")


def test_a_resent_assignment_writes_no_second_note(hubspot, sam, routed):
    lead = routed(sam)
    send(lead)
    delivery = only_delivery(lead)
    # The assigned event sent again (a resend): same contact, and its note is not repeated.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state="pending", attempts=0, next_attempt_at=MONDAY_10
    )

    send(lead)

    assert len(hubspot.contacts) == 1 and len(hubspot.notes) == 1


def test_a_refused_change_is_given_up_with_hubspots_reason(hubspot, sam, routed):
    lead = routed(sam)
    hubspot.fail(
        400,
        {
            "status": "error",
            "message": "Property values were not valid",
            "category": "VALIDATION_ERROR",
        },
    )

    send(lead)

    delivery = only_delivery(lead)
    assert delivery.state == WebhookDelivery.State.FAILED
    assert "Property values were not valid" in delivery.attempt_log.get().error


def test_won_moves_the_contact_to_customer(hubspot, sam, routed):
    lead = routed(sam)
    lead_status_change(lead=lead, user=sam.user, status="won", value="1200")

    send(lead)

    (contact,) = hubspot.contacts.values()
    assert contact["lifecyclestage"] == "customer"


def test_an_unmapped_rep_gets_a_contact_without_owner_and_a_warning(
    hubspot, connection, make_rep, routed
):
    bob = make_rep("bob")
    lead = routed(bob)

    send(lead)

    (contact,) = hubspot.contacts.values()
    assert "hubspot_owner_id" not in contact
    warning = HubSpotSyncEntry.objects.get(lead=lead).warning
    assert warning.startswith("Bob has no HubSpot user, so the contact was saved without an owner")
    assert only_delivery(lead).state == WebhookDelivery.State.DELIVERED


def test_turned_off_records_nothing_for_hubspot(hubspot, connection, sam, routed):
    hubspot_connection_save(connection=connection, enabled=False)
    lead = routed(sam)

    assert not WebhookDelivery.objects.filter(lead=lead).exists()


# --- in: HubSpot's events at the existing door ---------------------------------------------


@pytest.fixture
def hubspot_source(make_source):
    return make_source("HubSpot", channel="vendor", adapter="hubspot", secret=CLIENT_SECRET)


def deal_closed(deal_id: int, stage: str, event_id: int = 1) -> bytes:
    return json.dumps(
        [
            {
                "eventId": event_id,
                "subscriptionId": 12345,
                "portalId": 62515,
                "appId": 54321,
                "occurredAt": 1764518400000,
                "subscriptionType": "deal.propertyChange",
                "attemptNumber": 0,
                "objectId": deal_id,
                "propertyName": "dealstage",
                "propertyValue": stage,
                "changeSource": "CRM",
            }
        ]
    ).encode()


def post_signed(client, source, body: bytes):
    return post_hook(
        client, source, body, **hubspot_v3_signed(absolute_hook_url(source), body, CLIENT_SECRET)
    )


def test_a_deal_closed_won_in_hubspot_wins_the_lead_with_its_amount_and_is_not_echoed(
    client,
    hubspot,
    sam,
    routed,
    hubspot_source,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    lead = routed(sam)
    send(lead)
    (contact_id,) = hubspot.contacts
    hubspot.deals["9001"] = {
        "dealname": "Lee home policy",
        "dealstage": "closedwon",
        "amount": "1850.50",
    }
    hubspot.deal_contacts["9001"] = [contact_id]
    queued = []
    monkeypatch.setattr(
        "django_q.tasks.async_task", lambda *args, **options: queued.append((args, options))
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, hubspot_source, deal_closed(9001, "closedwon"))

    assert response.status_code == 200 and response.json() == {"received": 1}
    submission = Submission.objects.get(source=hubspot_source)
    assert queued == [
        (
            ("routing.tasks.hubspot_events_apply", submission.pk),
            {"task_name": f"hubspot-events-{submission.pk}"},
        )
    ]
    hubspot_events_apply(submission_id=submission.pk)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON and lead.outcome_value == Decimal("1850.50")
    assert lead.events.filter(kind="status").last().message.endswith("(from HubSpot)")
    # The status change is an event like any other (webhooks get it), but HubSpot's own
    # change is not sent back to HubSpot.
    calls_before = len(hubspot.calls)
    send(lead)
    echoed = WebhookDelivery.objects.get(
        lead=lead, endpoint__kind="hubspot", event_type="lead.status_changed"
    )
    assert echoed.state == WebhookDelivery.State.DELIVERED
    assert echoed.event_data["via"] == "hubspot"
    assert len(hubspot.calls) == calls_before
    assert "Not sent back" in HubSpotSyncEntry.objects.get(delivery=echoed).summary
    assert "marked won (1850.50)" in HubSpotSyncEntry.objects.get(direction="in").summary


def test_a_deal_hubspot_cannot_serve_yet_is_applied_when_the_task_runs_again(
    hubspot, sam, routed, make_source
):
    lead = routed(sam)
    send(lead)
    (contact_id,) = hubspot.contacts
    hubspot.deals["9001"] = {"dealstage": "closedwon", "amount": "700"}
    hubspot.deal_contacts["9001"] = [contact_id]
    submission = Submission.objects.create(
        source=make_source("HubSpot", adapter="hubspot"),
        door="hook",
        body=deal_closed(9001, "closedwon"),
        status=Submission.Status.DEFERRED,
    )
    hubspot.fail(503, path="/crm/v3/objects/deals/9001")

    with pytest.raises(HubSpotError):  # django-q2 runs a failed task again
        hubspot_events_apply(submission_id=submission.pk)
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.DEFERRED
    assert "tried again in a while" in HubSpotSyncEntry.objects.get(direction="in").warning

    hubspot_events_apply(submission_id=submission.pk)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON and lead.outcome_value == Decimal("700.00")
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.PROCESSED


def test_a_badly_signed_deal_event_is_refused(client, hubspot, hubspot_source):
    body = deal_closed(9001, "closedwon")
    response = post_hook(
        client,
        hubspot_source,
        body,
        **hubspot_v3_signed(absolute_hook_url(hubspot_source), body, "another-secret"),
    )

    assert response.status_code == 401
    assert Submission.objects.get().status == Submission.Status.REJECTED


def test_a_hubspot_retry_of_the_batch_is_applied_once(client, hubspot, hubspot_source, monkeypatch):
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **options: (args, options))
    first = post_signed(client, hubspot_source, deal_closed(9001, "closedwon"))
    retry_body = json.loads(deal_closed(9001, "closedwon"))
    retry_body[0]["attemptNumber"] = 1
    again = post_signed(client, hubspot_source, json.dumps(retry_body).encode())

    assert first.status_code == again.status_code == 200
    assert Submission.objects.filter(status=Submission.Status.DUPLICATE).count() == 1


def test_a_deal_closed_lost_loses_the_lead_and_a_customer_contact_wins_it(
    hubspot, sam, routed, make_leads, make_source
):
    lost = routed(sam)
    send(lost)
    (lost_contact,) = hubspot.contacts
    hubspot.deals["9002"] = {"dealstage": "closedlost", "closed_lost_reason": "Chose a broker"}
    hubspot.deal_contacts["9002"] = [lost_contact]
    won = routed(
        sam, email="bo@gmail.com", email_normalized="bo@gmail.com", phone_e164="+15125550135"
    )
    send(won)
    won_contact = HubSpotContact.objects.get(lead=won).contact_id
    hubspot.deals["9003"] = {"dealstage": "closedwon", "amount": "600"}
    hubspot.deal_contacts["9003"] = [won_contact]
    source = make_source("HubSpot", adapter="hubspot")
    batch = [
        *json.loads(deal_closed(9002, "closedlost")),
        {
            "eventId": 2,
            "subscriptionType": "contact.propertyChange",
            "objectId": int(won_contact),
            "propertyName": "lifecyclestage",
            "propertyValue": "customer",
        },
    ]
    submission = Submission.objects.create(
        source=source,
        door="hook",
        body=json.dumps(batch).encode(),
        status=Submission.Status.DEFERRED,
    )

    hubspot_events_apply(submission_id=submission.pk)

    lost.refresh_from_db()
    won.refresh_from_db()
    assert lost.status == LeadStatus.LOST and lost.closed_reason == "Chose a broker"
    assert won.status == LeadStatus.WON and won.outcome_value == Decimal("600.00")
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.PROCESSED


# --- the admin ------------------------------------------------------------------------------


def test_the_admin_saves_the_token_once_never_shows_it_and_fetches_owners(
    admin_client, hubspot, make_rep
):
    sam = make_rep("sam")
    sam.user.email = "sam@agency.com"
    sam.user.save()
    response = admin_client.post(
        "/admin/routing/hubspotconnection/add/",
        {
            "enabled": "on",
            "new_token": TOKEN,
            "status_map": "",
            "won_deal_stages": "closedwon, 1234567",
            "lost_deal_stages": "closedlost",
        },
    )
    assert response.status_code == 302
    connection = hubspot_connection_get()
    assert connection.token == TOKEN and connection.won_stages() == {"closedwon", "1234567"}
    assert connection.status_map["won"]["lifecyclestage"] == "customer"  # the defaults

    page = admin_client.get(f"/admin/routing/hubspotconnection/{connection.pk}/change/")
    assert TOKEN not in page.content.decode() and "saved (not shown)" in page.content.decode()
    endpoints = admin_client.get("/admin/intake/webhookendpoint/")
    assert endpoints.context["cl"].result_count == 0  # set up here, not among the webhooks

    admin_client.post(
        "/admin/routing/hubspotconnection/",
        {"action": "fetch_owners", "_selected_action": [connection.pk]},
    )
    assert HubSpotOwner.objects.get(owner_id="77").rep == sam
    owners = admin_client.get("/admin/routing/hubspotowner/")
    assert owners.status_code == 200 and "Sam@Agency.com" in owners.content.decode()
    assert admin_client.get("/admin/routing/hubspotsyncentry/").status_code == 200


def test_a_bad_status_mapping_is_refused_naming_the_field(admin_client, hubspot):
    response = admin_client.post(
        "/admin/routing/hubspotconnection/add/",
        {
            "enabled": "on",
            "status_map": '{"won": {"stage": "customer"}}',
            "won_deal_stages": "closedwon",
            "lost_deal_stages": "closedlost",
        },
    )
    assert response.status_code == 200
    assert "won: give lifecyclestage and hs_lead_status" in response.content.decode()
    assert hubspot_connection_get() is None


def test_a_person_choosing_an_owners_rep_is_kept_when_owners_are_fetched_again(
    admin_client, hubspot, connection, sam, make_rep
):
    bob = make_rep("bob")
    owner = HubSpotOwner.objects.get(owner_id="77")
    response = admin_client.post(f"/admin/routing/hubspotowner/{owner.pk}/change/", {"rep": bob.pk})
    assert response.status_code == 302

    hubspot_owners_refresh(connection=connection)

    owner.refresh_from_db()
    assert owner.rep == bob and owner.matched_by == HubSpotOwner.Match.PERSON


def test_hubspot_telling_back_a_change_leadrouter_made_changes_nothing(
    hubspot, sam, routed, make_source
):
    lead = routed(sam)
    lead_status_change(lead=lead, user=sam.user, status="won", value="900")
    send(lead)
    (contact_id,) = hubspot.contacts
    # HubSpot's workflow reacts to the lifecycle stage LeadRouter set: it tells us back.
    batch = [
        {
            "eventId": 7,
            "subscriptionType": "contact.propertyChange",
            "objectId": int(contact_id),
            "propertyName": "lifecyclestage",
            "propertyValue": "customer",
        }
    ]
    submission = Submission.objects.create(
        source=make_source("HubSpot", adapter="hubspot"),
        door="hook",
        body=json.dumps(batch).encode(),
        status=Submission.Status.DEFERRED,
    )
    status_events = lead.events.filter(kind="status").count()
    calls = len(hubspot.calls)

    hubspot_events_apply(submission_id=submission.pk)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON and lead.outcome_value == Decimal("900.00")
    assert lead.events.filter(kind="status").count() == status_events
    assert "was already won" in HubSpotSyncEntry.objects.get(direction="in").summary
    send(lead)
    assert len(hubspot.calls) == calls  # nothing read, nothing sent back
