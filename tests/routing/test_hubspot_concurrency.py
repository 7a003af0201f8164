"""Two sweeps at once (each thread its own connection, as two clusters would be), on SQLite
and PostgreSQL, sending HubSpot's outbox rows: each lead becomes one contact with one note,
and its changes reach HubSpot in order."""

import pytest

from intake.models import WebhookDelivery
from intake.services import webhook_event_record
from intake.tasks import lead_detail
from intake.webhooks.services import webhooks_sweep
from routing.models import HubSpotContact
from tests.routing.test_concurrency_redelivery import together
from tests.routing.test_hubspot import ANN, connection, hubspot, sam  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = 8


def test_two_sweeps_at_once_make_one_contact_and_one_note_per_lead(hubspot, sam, make_leads):  # noqa: F811
    leads = [
        make_leads(
            1,
            **{
                **ANN,
                "email": f"ann{n}@gmail.com",
                "email_normalized": f"ann{n}@gmail.com",
                "phone_e164": f"+1512555{n:04d}",
            },
        )[0]
        for n in range(LEADS)
    ]
    for lead in leads:
        webhook_event_record(
            event_type="lead.assigned", lead=lead, data={"assignment": {"rep_id": sam.pk}}
        )
        webhook_event_record(
            event_type="lead.status_changed",
            lead=lead,
            data={"status": {"from": "assigned", "to": "contacted"}, "changed_by": "sam"},
        )

    together(lambda: webhooks_sweep(render=lead_detail))

    assert len(hubspot.contacts) == LEADS and len(hubspot.notes) == LEADS
    assert HubSpotContact.objects.count() == LEADS
    assert {c["hs_lead_status"] for c in hubspot.contacts.values()} == {"CONNECTED"}
    assert {c["hubspot_owner_id"] for c in hubspot.contacts.values()} == {"77"}
    assert set(
        WebhookDelivery.objects.filter(endpoint__kind="hubspot").values_list("state", flat=True)
    ) == {"delivered"}
